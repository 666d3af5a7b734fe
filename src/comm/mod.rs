//! The processes of one simulation and what they exchange.
//!
//! A network may be distributed over several processes (MPI ranks), each
//! owning an equal share of the E and of the I neurons. [`Comm`] is all the
//! rest of the crate knows of them: this process's rank, the number of
//! processes, and the few collectives the engine and the statistics need.
//! [`Solo`] is the single process of the default build; with the `mpi`
//! cargo feature, `Mpi` runs them over MPI. Every collective is called by
//! every process in the same order, from the thread that created the
//! communicator.

use crate::error::{Error, Result};

#[cfg(feature = "mpi")]
mod mpi;
#[cfg(feature = "mpi")]
pub use self::mpi::Mpi;

/// The collectives of a group of processes that simulate one network.
pub trait Comm {
    /// This process's index, 0-based; process 0 writes the results.
    fn rank(&self) -> usize;

    /// Number of processes.
    fn size(&self) -> usize;

    /// Every process contributes `local` (spikes packed as `stamp << 32 |
    /// neuron`) and a stop request; `all` receives every process's
    /// contribution, concatenated in rank order. Returns whether any process
    /// asked to stop, and the bytes this process received.
    fn all_gather_spikes(&self, local: &[u64], stop: bool, all: &mut Vec<u64>) -> Gathered;

    /// Element-wise sum over processes, in place.
    fn sum_u64(&self, v: &mut [u64]);

    /// Element-wise minimum over processes, in place.
    fn min_f64(&self, v: &mut [f64]);

    /// Element-wise maximum over processes, in place.
    fn max_f64(&self, v: &mut [f64]);

    /// Process 0 receives every process's `local` bytes, in rank order;
    /// the others receive `None`.
    fn gather_bytes(&self, local: &[u8]) -> Option<Vec<Vec<u8>>>;

    /// Every process receives process 0's `buf`.
    fn broadcast_bytes(&self, buf: &mut Vec<u8>);

    /// Whether this process writes the results (process 0).
    fn is_root(&self) -> bool {
        self.rank() == 0
    }
}

/// What [`Comm::all_gather_spikes`] tells besides the spikes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gathered {
    /// Whether any process asked to stop.
    pub stop: bool,
    /// Bytes this process received (0 for one process).
    pub bytes: u64,
}

/// The one process of a run without MPI: every collective is the identity.
#[derive(Debug, Clone, Copy, Default)]
pub struct Solo;

impl Comm for Solo {
    fn rank(&self) -> usize {
        0
    }

    fn size(&self) -> usize {
        1
    }

    fn all_gather_spikes(&self, local: &[u64], stop: bool, all: &mut Vec<u64>) -> Gathered {
        all.clear();
        all.extend_from_slice(local);
        Gathered { stop, bytes: 0 }
    }

    fn sum_u64(&self, _: &mut [u64]) {}

    fn min_f64(&self, _: &mut [f64]) {}

    fn max_f64(&self, _: &mut [f64]) {}

    fn gather_bytes(&self, local: &[u8]) -> Option<Vec<Vec<u8>>> {
        Some(vec![local.to_vec()])
    }

    fn broadcast_bytes(&self, _: &mut Vec<u8>) {}
}

/// The processes of this run: with the `mpi` feature, MPI's world (one
/// process when not started by `mpirun`); otherwise [`Solo`].
pub fn world() -> Box<dyn Comm> {
    #[cfg(feature = "mpi")]
    if let Some(m) = Mpi::init() {
        return Box::new(m);
    }
    Box::new(Solo)
}

/// Whether `flag` is set on any process.
pub fn any(comm: &dyn Comm, flag: bool) -> bool {
    let mut v = [flag as u64];
    comm.sum_u64(&mut v);
    v[0] > 0
}

/// Run `step` on process 0 only and let every process share its outcome:
/// process 0 gets `step`'s own result, the others [`Error::Peer`] with its
/// message if it failed.
pub fn on_root(comm: &dyn Comm, step: impl FnOnce() -> Result<()>) -> Result<()> {
    if comm.size() == 1 {
        return step();
    }
    let (mine, mut msg) = if comm.is_root() {
        let r = step();
        let m = r.as_ref().err().map(|e| e.to_string()).unwrap_or_default();
        (Some(r), m.into_bytes())
    } else {
        (None, Vec::new())
    };
    comm.broadcast_bytes(&mut msg);
    match mine {
        Some(r) => r,
        None if msg.is_empty() => Ok(()),
        None => Err(Error::Peer(String::from_utf8_lossy(&msg).into_owned())),
    }
}

/// Pack a spike (step stamp, neuron) so that the order of packed values is
/// the (time, sender) order.
pub fn pack(stamp: u32, neuron: u32) -> u64 {
    (stamp as u64) << 32 | neuron as u64
}

/// The (step stamp, neuron) of a packed spike.
pub fn unpack(x: u64) -> (u32, u32) {
    ((x >> 32) as u32, x as u32)
}

/// Broadcast a serialisable value from process 0 (`value` is used there
/// and ignored elsewhere).
pub fn broadcast_json<T: serde::Serialize + serde::de::DeserializeOwned>(comm: &dyn Comm, value: &T) -> T {
    let mut buf = if comm.is_root() {
        serde_json::to_vec(value).expect("a plain value serialises")
    } else {
        Vec::new()
    };
    comm.broadcast_bytes(&mut buf);
    serde_json::from_slice(&buf).expect("process 0 sent what it serialised")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_keeps_time_sender_order() {
        let mut v = vec![pack(3, 1), pack(2, 9), pack(3, 0), pack(2, 10)];
        v.sort_unstable();
        let u: Vec<_> = v.into_iter().map(unpack).collect();
        assert_eq!(u, vec![(2, 9), (2, 10), (3, 0), (3, 1)]);
    }

    #[test]
    fn solo_is_identity() {
        let mut all = Vec::new();
        assert!(Solo.all_gather_spikes(&[1, 2], true, &mut all).stop);
        assert_eq!(all, vec![1, 2]);
        assert_eq!(broadcast_json(&Solo, &vec![1u8, 2]), vec![1, 2]);
        assert_eq!(Solo.gather_bytes(b"x"), Some(vec![b"x".to_vec()]));
    }
}
