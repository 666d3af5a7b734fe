//! [`Comm`] over MPI (the `mpi` cargo feature, through rsmpi): the world
//! communicator of `mpirun -np R`.
//!
//! A slice's spikes go in one `MPI_Allgather` of fixed-size blocks, as in
//! NEST: each process sends its count (with its stop request in the top
//! bit) and up to `capacity` spikes. Only when some process has more does a
//! second round (`MPI_Allgatherv` of the exact counts) carry the slice, and
//! every process then raises the capacity alike, since all know the counts.

use super::{Comm, Gathered};
use mpi::collective::SystemOperation;
use mpi::datatype::PartitionMut;
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi::Count;
use std::cell::{Cell, RefCell};

/// The processes of `mpirun`; MPI is finalised when this is dropped.
pub struct Mpi {
    world: SimpleCommunicator,
    /// Spikes per process that fit the fixed-size round (the same on every process).
    capacity: Cell<usize>,
    /// The fixed-size round's send and receive buffers, kept across slices.
    blocks: RefCell<(Vec<u64>, Vec<u64>)>,
    // dropped last: finalises MPI
    _universe: Universe,
}

impl Mpi {
    /// Initialise MPI (collectives from the main thread only); None if MPI
    /// was initialised already or cannot be.
    pub fn init() -> Option<Mpi> {
        let (universe, _) = mpi::initialize_with_threading(mpi::Threading::Funneled)?;
        Some(Mpi {
            world: universe.world(),
            capacity: Cell::new(INITIAL_CAPACITY),
            blocks: RefCell::new((Vec::new(), Vec::new())),
            _universe: universe,
        })
    }

    /// Counts and displacements of a variable-size gather of `counts`.
    fn layout(counts: &[u64]) -> (Vec<Count>, Vec<Count>, usize) {
        let c: Vec<Count> = counts.iter().map(|&c| c as Count).collect();
        let mut d = Vec::with_capacity(c.len());
        let mut acc = 0 as Count;
        for &x in &c {
            d.push(acc);
            acc += x;
        }
        (c, d, acc as usize)
    }
}

/// The top bit of a process's spike count carries its stop request.
const STOP_BIT: u64 = 1 << 63;
/// Spikes per process of the first slices' fixed-size round.
const INITIAL_CAPACITY: usize = 64;

impl Mpi {
    /// The slice's spikes of every process when some process has more than
    /// fit the fixed-size round: a second round with the exact `counts`.
    fn gather_exact(&self, local: &[u64], counts: &[u64], all: &mut Vec<u64>) -> u64 {
        let (c, d, total) = Self::layout(counts);
        all.clear();
        all.resize(total.max(1), 0);
        {
            let mut part = PartitionMut::new(&mut all[..], c, &d[..]);
            self.world.all_gather_varcount_into(local, &mut part);
        }
        all.truncate(total);
        8 * total as u64
    }
}

impl Comm for Mpi {
    fn rank(&self) -> usize {
        self.world.rank() as usize
    }

    fn size(&self) -> usize {
        self.world.size() as usize
    }

    fn all_gather_spikes(&self, local: &[u64], stop: bool, all: &mut Vec<u64>) -> Gathered {
        let (cap, size) = (self.capacity.get(), self.size());
        if size == 1 {
            return super::Solo.all_gather_spikes(local, stop, all);
        }
        let block = 1 + cap;
        let mut blocks = self.blocks.borrow_mut();
        let (send, recv) = &mut *blocks;
        send.clear();
        send.resize(block, 0);
        send[0] = local.len() as u64 | if stop { STOP_BIT } else { 0 };
        let fit = local.len().min(cap);
        send[1..1 + fit].copy_from_slice(&local[..fit]);
        recv.resize(size * block, 0);
        self.world.all_gather_into(&send[..], &mut recv[..]);
        let heads: Vec<u64> = recv.iter().step_by(block).copied().collect();
        let stop = heads.iter().any(|&h| h & STOP_BIT != 0);
        let counts: Vec<u64> = heads.iter().map(|&h| h & !STOP_BIT).collect();
        let mut bytes = 8 * recv.len() as u64;
        let most = counts.iter().copied().max().unwrap_or(0) as usize;
        if most <= cap {
            all.clear();
            for (r, &c) in counts.iter().enumerate() {
                all.extend_from_slice(&recv[r * block + 1..r * block + 1 + c as usize]);
            }
        } else {
            bytes += self.gather_exact(local, &counts, all);
            self.capacity.set(most.next_power_of_two());
        }
        Gathered { stop, bytes }
    }

    fn sum_u64(&self, v: &mut [u64]) {
        let mine = v.to_vec();
        self.world.all_reduce_into(&mine[..], v, SystemOperation::sum());
    }

    fn min_f64(&self, v: &mut [f64]) {
        let mine = v.to_vec();
        self.world.all_reduce_into(&mine[..], v, SystemOperation::min());
    }

    fn max_f64(&self, v: &mut [f64]) {
        let mine = v.to_vec();
        self.world.all_reduce_into(&mine[..], v, SystemOperation::max());
    }

    fn gather_bytes(&self, local: &[u8]) -> Option<Vec<Vec<u8>>> {
        let root = self.world.process_at_rank(0);
        let n = local.len() as u64;
        // an empty byte slice's dangling address is 0x1, which Open MPI reads
        // as MPI_IN_PLACE: point empty buffers at real memory
        let one = [0u8; 1];
        let local = if local.is_empty() { &one[..0] } else { local };
        if self.is_root() {
            let mut counts = vec![0u64; self.size()];
            root.gather_into_root(&n, &mut counts[..]);
            let (c, d, total) = Self::layout(&counts);
            let mut buf = vec![0u8; total.max(1)];
            {
                let mut part = PartitionMut::new(&mut buf[..], c.clone(), &d[..]);
                root.gather_varcount_into_root(local, &mut part);
            }
            Some(
                c.iter()
                    .zip(&d)
                    .map(|(&c, &d)| buf[d as usize..(d + c) as usize].to_vec())
                    .collect(),
            )
        } else {
            root.gather_into(&n);
            root.gather_varcount_into(local);
            None
        }
    }

    fn broadcast_bytes(&self, buf: &mut Vec<u8>) {
        let root = self.world.process_at_rank(0);
        let mut n = buf.len() as u64;
        root.broadcast_into(&mut n);
        buf.resize(n as usize, 0);
        if n > 0 {
            root.broadcast_into(&mut buf[..]);
        }
    }
}
