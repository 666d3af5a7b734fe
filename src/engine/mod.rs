//! The simulation engine: clock-driven, in min-delay slices.
//!
//! Every connection has the same delay of D steps. Each slice delivers the
//! previous slice's spikes into the targets' input buffers (delivery
//! phase), where they are read D steps after emission, and advances all
//! neurons D steps independently (update phase). Both phases run in
//! parallel over partitions of the neurons (each an equal share of the
//! excitatory and of the inhibitory population, so that the plastic load is
//! balanced); a partition owns its neurons' state, input buffers, Poisson
//! drive and spike history, and the synapses onto them.
//!
//! A partition is worked through in target blocks of neurons small enough
//! that their input buffers, states and spike histories stay in cache (L2,
//! or L3 at large N where blocks grow so that each spike still has a few
//! synapses in a block; one block when the whole partition is small): per block, the external drive
//! arriving in the slice is drawn into its buffers, the previous slice's
//! spikes are delivered to its targets (the synapse rows hold targets in
//! ascending order, so a cursor per spike walks each row block by block),
//! and its neurons are advanced through the slice, in tiles whose state
//! stays in L1. So each block's data comes from memory once per slice, in
//! sequence, instead of once per phase and at random for delivery. A block
//! is done with its input buffers before the next block begins, so the
//! blocks of a partition share one block's buffers, which never leave the
//! cache.
//!
//! A model that ignores its input ([`NeuronModel::READS_INPUT`] false, as
//! ignore_and_fire) gets zeros: its partitions have no input buffers and no
//! step-by-step drive (each neuron's external events are counted as one
//! Poisson total at the end), and delivery only runs STDP.
//!
//! Under a rule that keeps a zero weight at zero, a synapse whose weight
//! reached zero carries nothing and never changes again. Once delivery has
//! passed over enough of them, a partition moves them behind the live
//! synapses of each row (`Retiring`), and puts the rows back in target
//! order at the end of the run. At N = 1250, where 19 in 20 E->E weights
//! end at zero, that made iaf_psc_alpha 20 % faster (one thread).
//!
//! Determinism: every random number comes from a per-neuron stream; every
//! input buffer receives the drive first, then the spikes of a slice in
//! (time, sender) order, each sender's synapses in a fixed order, so it sums
//! its inputs in the same order for any number of threads and any block
//! size. The engine knows no model
//! equations: it calls [`NeuronModel::step_block`] with the summed excitatory
//! and inhibitory input of each step.

pub mod drive;
pub mod ring;

use crate::comm::{pack, unpack, Comm};
use crate::models::NeuronModel;
use crate::network::{Network, Partition};
use crate::plasticity::{PostHistory, PreTrace, StdpPl};
use crate::rng::{stream, Purpose};
use crate::simd::prefetch;
use drive::{CountTable, DriveBlock};
use rayon::prelude::*;
use ring::InputRing;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::Instant;

/// Simulation settings the engine needs (all times in steps of h).
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Delay of every connection (steps); the slice length.
    pub delay: usize,
    /// Steps to simulate.
    pub steps: usize,
    /// Mean external Poisson events per neuron and step (nu_X * h / 1000).
    pub poisson_mean: f64,
    /// Weight of an external event (pA).
    pub w_ext: f64,
    /// Seed of the per-neuron streams.
    pub seed: u64,
}

/// Neurons advanced together through a slice (their state, 48 bytes each
/// for iaf_psc_alpha, stays in L1).
const TILE: usize = 256;

/// How many spikes ahead delivery to one of many blocks prefetches the
/// synapse rows at a spike's cursor.
const CURSOR_AHEAD: usize = 8;

/// How many synapses ahead delivery prefetches a target's spike history
/// when a partition is one block.
const PREFETCH_AHEAD: usize = 8;

// a block of whole tiles is whole groups of the drive's lanes
const _: () = assert!(TILE.is_multiple_of(drive::LANES));

/// Smallest target block (neurons) of a large partition: its input rows,
/// states, drive streams and spike histories, about 400 bytes a neuron,
/// fill about half of a 1 MB L2. A multiple of [`TILE`] and of the drive's
/// [`drive::LANES`].
const BLOCK: usize = 1024;

/// Synapses a spike should have, on average, in one target block: every
/// (spike, block) pair costs a cursor step into the spike's row (a cache
/// miss at large N), which must stay small against the synapses it
/// delivers. Blocks grow past [`BLOCK`] when rows are sparse (large N).
/// At N = 1,000,000 (2 partitions, blocks of 6400) 8 was the best of
/// 2, 4, 8, 16 and 32 in single runs, but run-to-run noise at that size
/// on the dev machine (up to 40 %) was as large as the differences.
const SYNAPSES_PER_SPIKE_AND_BLOCK: usize = 8;

/// Partitions of at most this many neurons are one block (their data stays
/// in cache anyway, and one block has the least overhead).
const ONE_BLOCK_MAX: usize = 16384;

/// The target block size for a partition of `n` neurons whose synapses
/// number `row` per source on average.
fn block_size(n: usize, row: f64) -> usize {
    if n <= ONE_BLOCK_MAX {
        return n.next_multiple_of(TILE).max(TILE);
    }
    let want = SYNAPSES_PER_SPIKE_AND_BLOCK as f64;
    let sparse = (want * n as f64 / row.max(1e-9)).min(n as f64) as usize;
    sparse.max(BLOCK).next_multiple_of(TILE)
}

/// The input rows of a partition of `n` neurons worked through in blocks of
/// `block`, for slices of `d` steps: one block's worth, which its blocks
/// share in turn (none for a model that ignores its input).
fn input_rows<M: NeuronModel>(n: usize, block: usize, d: usize) -> InputRing {
    InputRing::new(if M::READS_INPUT { n.min(block) } else { 0 }, d)
}

/// Synapses of partition `p` per source of a network of `n` neurons.
fn part_row(p: &Partition, n: usize) -> f64 {
    (p.pl_targets.len() + p.st_targets.len()) as f64 / n.max(1) as f64
}

/// What a partition's worker owns besides its synapses: its neurons' states
/// (in the model's block layout), the input buffers of one target block
/// (shared by its blocks in turn), Poisson drive, spike histories, the
/// spikes of the current slice, and a cursor per spike of the last slice
/// into its synapse rows.
struct PartitionState<B> {
    states: B,
    ring: InputRing,
    drive: DriveBlock,
    history: Vec<PostHistory>,
    spikes: Vec<(u32, u32)>,
    cursors: Vec<Cursor>,
    /// Target block size (neurons).
    block: usize,
    /// Plastic synapses in the live parts of the rows, as of the last
    /// retirement (all of them before the first).
    live: usize,
    /// Zero weights delivery passed over since the last retirement.
    passed: usize,
}

/// When a partition moves its zero-weight plastic synapses out of the
/// way of delivery ([`Partition::retire_zero_weights`]). That costs one
/// pass over the live synapses (3 ns a synapse at N = 1250 on the dev
/// machine), passing over a zero in delivery a few ns; so once delivery
/// has passed over as many zeros as there are live synapses (and at least
/// [`RETIRE_MIN`]), retiring them would have paid for itself, and
/// retiring then costs at most about as much as the zeros already cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retiring {
    /// When it has paid for itself (the default).
    PaidFor,
    /// Before every slice with zeros passed over (tests).
    #[cfg(test)]
    Eager,
    /// Never (tests).
    #[cfg(test)]
    Never,
}

/// Zero weights passed over before a partition retires its zero-weight
/// synapses, at least.
const RETIRE_MIN: usize = 1 << 16;

/// What is left to deliver of one spike: the rest of the sender's plastic
/// and of its static row (positions in the partition's synapse arrays).
#[derive(Debug, Clone, Default)]
struct Cursor {
    plastic: Range<usize>,
    fixed: Range<usize>,
}

impl Cursor {
    /// The rows of sender `src` in `p`, the plastic one's live part (only
    /// senders below `n_e` have plastic synapses).
    fn new(p: &Partition, src: usize, n_e: usize) -> Self {
        Cursor {
            plastic: if src < n_e { p.live_row(src) } else { 0..0 },
            fixed: p.st_offsets[src]..p.st_offsets[src + 1],
        }
    }
}

/// Wall-clock split of a simulation's time (s), as worker 0 saw it.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Phases {
    /// Neuron update including external Poisson drive generation (s).
    pub update: f64,
    /// Spike delivery into ring buffers, static and plastic (s), including STDP.
    pub deliver: f64,
    /// Collecting and ordering the spikes of a slice and recording them (s),
    /// including the wait for the slowest worker, without the exchange.
    pub gather: f64,
    /// Exchanging the slice's spikes between processes (s), including the
    /// wait for the slowest process.
    #[serde(default)]
    pub exchange: f64,
    /// Time each worker thread of this process spent waiting for the others
    /// at the meeting after each slice's update (s; one entry per worker,
    /// included in `update` for worker 0). Work is split evenly, so large
    /// waits in one worker mean that the others ran slower: a core shared
    /// with other work, or a slower core.
    #[serde(default)]
    pub waits: Vec<f64>,
}

/// Where a simulation records its spikes: called once per slice with that
/// slice's spikes as (step stamp, neuron), in (time, neuron) order.
pub type SpikeSink<'a> = &'a mut dyn FnMut(&[(u32, u32)]);

/// What a simulation produced.
#[derive(Debug, Clone, Default)]
pub struct SimResult {
    /// Bytes this process received in the spike exchange.
    pub exchanged_bytes: u64,
    /// Spike count per neuron.
    pub counts: Vec<u32>,
    /// External events generated and delivered.
    pub external_events: u64,
    /// Spike deliveries to synapses (recurrent synaptic events).
    pub synaptic_events: u64,
    /// Wall-clock split of the simulation.
    pub phases: Phases,
    /// Steps simulated (fewer than asked if stopped by the progress callback).
    pub steps_done: usize,
}

/// A network with its neurons, ready to simulate.
pub struct Simulation<'m, M: NeuronModel> {
    model: &'m M,
    stdp: StdpPl,
    cfg: EngineConfig,
    net: Network,
    states: Vec<PartitionState<M::Block>>,
    pre: Vec<PreTrace>,
    counts: CountTable,
    retiring: Retiring,
}

impl<'m, M: NeuronModel> Simulation<'m, M> {
    /// Set up neurons for `net` (one block per network partition); initial
    /// states come from the streams (seed, Init, i).
    pub fn new(model: &'m M, stdp: StdpPl, net: Network, cfg: EngineConfig) -> Self {
        let states = net
            .parts
            .par_iter()
            .map(|part| {
                let n = part.len();
                let states = model.block(
                    part.neurons()
                        .map(|i| model.init(&mut stream(cfg.seed, Purpose::Init, i as u64)))
                        .collect(),
                );
                let block = block_size(n, part_row(part, net.n));
                // a model that ignores its input needs neither buffers nor a drive
                let drive = if M::READS_INPUT {
                    DriveBlock::new(cfg.seed, part.neurons())
                } else {
                    DriveBlock::new(cfg.seed, std::iter::empty())
                };
                PartitionState {
                    states,
                    ring: input_rows::<M>(n, block, cfg.delay),
                    drive,
                    // only the excitatory neurons (first) keep a history; all
                    // of a partition's are allocated here, side by side
                    history: (0..n)
                        .map(|l| {
                            if l < part.exc.len() {
                                PostHistory::with_room()
                            } else {
                                PostHistory::default()
                            }
                        })
                        .collect(),
                    spikes: Vec::new(),
                    cursors: Vec::new(),
                    block,
                    live: part.pl_targets.len(),
                    passed: 0,
                }
            })
            .collect();
        let pre = vec![PreTrace::default(); net.n_e];
        let counts = CountTable::new(cfg.poisson_mean);
        Simulation {
            model,
            stdp,
            cfg,
            net,
            states,
            pre,
            counts,
            retiring: Retiring::PaidFor,
        }
    }

    /// Work through the partitions in target blocks of `block` neurons (a
    /// positive multiple of 256) instead of the size derived from the
    /// partition size; the results are the same for every block size.
    pub fn with_block(mut self, block: usize) -> Self {
        assert!(block > 0 && block.is_multiple_of(TILE), "a block is whole tiles");
        for s in &mut self.states {
            s.block = block;
            s.ring = input_rows::<M>(s.history.len(), block, self.cfg.delay);
        }
        self
    }

    /// The network (weights change during simulation).
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// Simulate all steps; `progress(steps_done)` is called after each
    /// slice and stops the simulation early by returning false (the result
    /// then has `steps_done` below the steps asked for).
    ///
    /// One worker thread per partition runs the whole loop
    /// (`Slicer::work`); the workers meet at two barriers per slice (after
    /// the update, after the gather). A slice's spikes are delivered at the
    /// start of the next slice, as in NEST, so the last slice's spikes are
    /// recorded but never delivered.
    ///
    /// Every process of `comm` runs this with its share of the network; the
    /// spikes of each slice are exchanged once, so every process delivers
    /// (and counts) every spike. `record`, if given, receives every slice's
    /// spikes as (step stamp, neuron) in (time, neuron) order; the time of a
    /// stamp is stamp * h.
    pub fn run(
        &mut self,
        comm: &dyn Comm,
        record: Option<SpikeSink<'_>>,
        mut progress: impl FnMut(usize) -> bool,
    ) -> SimResult {
        let workers = self.states.len();
        let slicer = Slicer {
            model: self.model,
            stdp: &self.stdp,
            cfg: &self.cfg,
            counts: &self.counts,
            retiring: self.retiring,
            n_e: self.net.n_e,
            w_exc: self.net.w_exc,
            w_inh: self.net.w_inh,
            barrier: SpinBarrier::new(workers),
            stop: AtomicBool::new(false),
            gathered: RwLock::new(Gathered::default()),
            outboxes: (0..workers).map(|_| Mutex::new(Vec::new())).collect(),
        };
        let mut res = SimResult {
            counts: vec![0; self.net.n],
            ..Default::default()
        };
        let pre = &mut self.pre;
        let mut pairs = self.states.iter_mut().zip(self.net.parts.iter_mut());
        let (b0, p0) = pairs.next().expect("at least one partition");
        // worker 0 also gathers, on the calling thread
        let mut exchange = Exchange {
            comm,
            record,
            local: Vec::new(),
            all: Vec::new(),
        };
        let mut gather = |done: usize| -> bool {
            let go_on = slicer.gather(pre, &mut res, &mut exchange, progress(done));
            res.steps_done = done;
            go_on
        };
        let tallies: Vec<Tally> = std::thread::scope(|scope| {
            let slicer = &slicer;
            let handles: Vec<_> = pairs
                .enumerate()
                .map(|(k, (b, p))| scope.spawn(move || slicer.work(k + 1, b, p, None)))
                .collect();
            let mut all = vec![slicer.work(0, b0, p0, Some(&mut gather))];
            all.extend(handles.into_iter().map(|h| h.join().expect("worker thread")));
            all
        });
        // the phase split is worker 0's wall clock (its barrier waits included)
        res.phases = Phases {
            update: tallies[0].update,
            deliver: tallies[0].deliver,
            gather: tallies[0].gather - res.phases.exchange,
            exchange: res.phases.exchange,
            waits: tallies.iter().map(|t| t.wait).collect(),
        };
        res.external_events = tallies.iter().map(|t| t.external).sum();
        res.synaptic_events = tallies.iter().map(|t| t.synaptic).sum();
        res
    }
}

/// What every worker of [`Simulation::run`] shares: the model, the
/// settings, and the meeting points of a slice.
struct Slicer<'a, M> {
    model: &'a M,
    stdp: &'a StdpPl,
    cfg: &'a EngineConfig,
    counts: &'a CountTable,
    retiring: Retiring,
    n_e: usize,
    w_exc: f64,
    w_inh: f64,
    barrier: SpinBarrier,
    /// Set by the gatherer when the progress callback asks to stop.
    stop: AtomicBool,
    /// The last slice's spikes, written by the gatherer, read by every worker.
    gathered: RwLock<Gathered>,
    /// Each worker's spikes of the current slice.
    outboxes: Vec<Mutex<Vec<(u32, u32)>>>,
}

impl<M: NeuronModel> Slicer<'_, M> {
    /// The loop of worker `w` over every slice: per target block of
    /// partition `p`, draw the drive arriving in the slice, deliver the last
    /// slice's spikes, advance the block's neurons; then hand over the
    /// spikes, meet; `gather` (worker 0's only) runs between the meetings
    /// and stops the loop by returning false.
    fn work(
        &self,
        w: usize,
        b: &mut PartitionState<M::Block>,
        p: &mut Partition,
        mut gather: Option<&mut dyn FnMut(usize) -> bool>,
    ) -> Tally {
        let (d, steps) = (self.cfg.delay, self.cfg.steps);
        let mut tally = Tally::default();
        let mut t0 = 0usize;
        let mut last_len = 0;
        while t0 < steps {
            let len = d.min(steps - t0);
            let tic = Instant::now();
            let deliver = self.slice(b, p, t0, len, &mut tally);
            std::mem::swap(&mut *self.outboxes[w].lock().expect("outbox lock"), &mut b.spikes);
            let met = Instant::now();
            self.barrier.wait();
            let tic3 = Instant::now();
            tally.wait += (tic3 - met).as_secs_f64();
            if let Some(g) = gather.as_mut() {
                if !g(t0 + len) {
                    self.stop.store(true, Ordering::Relaxed);
                }
            }
            self.barrier.wait();
            let tic4 = Instant::now();
            tally.deliver += deliver;
            tally.update += (tic3 - tic).as_secs_f64() - deliver;
            tally.gather += (tic4 - tic3).as_secs_f64();
            t0 += len;
            last_len = len;
            if self.stop.load(Ordering::Relaxed) {
                break;
            }
        }
        let tic = Instant::now();
        tally.external += if M::READS_INPUT {
            // the drive emitted in the last slice simulated arrives after it: drawn
            // and counted all the same (as NEST's generator emits it), block by block
            blocks(b.history.len(), b.block)
                .map(|block| self.drive(b, last_len, block))
                .sum()
        } else {
            // every step's events, as many as NEST's generator emits, never drawn one by one
            drive::total_events(self.cfg.seed, p.neurons(), self.cfg.poisson_mean, t0)
        };
        p.restore_target_order();
        tally.update += tic.elapsed().as_secs_f64();
        tally
    }

    /// Advance partition `p` (state `b`) through the slice of `len` steps
    /// from step `t0`, block by block: the input arriving in the slice,
    /// then the update. Returns the time spent in delivery (s).
    fn slice(
        &self,
        b: &mut PartitionState<M::Block>,
        p: &mut Partition,
        t0: usize,
        len: usize,
        tally: &mut Tally,
    ) -> f64 {
        let d = self.cfg.delay;
        let g = self.gathered.read().expect("gather lock");
        // the first slice has no drive or spikes arriving (its buffers are zero)
        let arriving = (t0 > 0).then(|| Arriving {
            spikes: &g.spikes,
            pre: &g.snapshots,
            t0: t0 - d,
        });
        b.spikes.clear();
        if self.retire_now(b) {
            b.live = p.retire_zero_weights();
            b.passed = 0;
        }
        b.cursors.clear();
        b.cursors
            .extend(g.spikes.iter().map(|&(_, src)| Cursor::new(p, src as usize, self.n_e)));
        if arriving.is_some() {
            // every synapse counts as an event, retired ones too
            let events: usize = g
                .spikes
                .iter()
                .map(|&(_, src)| p.synapses_of(src as usize, self.n_e))
                .sum();
            tally.synaptic += events as u64;
        }
        let mut deliver = 0.0;
        for block in blocks(b.history.len(), b.block) {
            if let Some(a) = &arriving {
                let ne = p.exc.len();
                // a block's histories were evicted since the last slice: ask for
                // them all at once (with one block, that only crowds L1; then
                // delivery asks a few synapses ahead instead)
                let one = block.len() == b.history.len();
                if !one {
                    prefetch_histories(&b.history[block.start.min(ne)..block.end.min(ne)]);
                }
                if M::READS_INPUT {
                    // emitted in the last slice (a whole one), before its spikes
                    // (the inhibitory rows were cleared as the last update read them)
                    tally.external += self.drive(b, d, block.clone());
                }
                let tic = Instant::now();
                if one {
                    self.deliver::<true>(b, p, a, block.clone());
                } else {
                    self.deliver::<false>(b, p, a, block.clone());
                }
                deliver += tic.elapsed().as_secs_f64();
            }
            update_block(self.model, self.stdp, b, p, block, t0, len);
        }
        deliver
    }

    /// Whether partition state `b` should retire its zero weights before
    /// the next slice (see [`Retiring`]).
    fn retire_now(&self, b: &PartitionState<M::Block>) -> bool {
        match self.retiring {
            Retiring::PaidFor => b.passed >= b.live.max(RETIRE_MIN),
            #[cfg(test)]
            Retiring::Eager => b.passed > 0,
            #[cfg(test)]
            Retiring::Never => false,
        }
    }

    /// Draw `len` steps of the external drive of the block `neurons` of
    /// partition state `b` into its excitatory input rows (overwriting
    /// them); returns the number of external events.
    fn drive(&self, b: &mut PartitionState<M::Block>, len: usize, neurons: Range<usize>) -> u64 {
        let (rows, stride) = b.ring.ex_rows_mut(len);
        b.drive
            .fill_range(self.counts, rows, stride, len, self.cfg.w_ext, neurons)
    }

    /// Deliver the spikes `a` to their synapses onto the targets `block` of
    /// partition `p` (state `b`), continuing each spike's rows at its cursor,
    /// and count the zero weights passed over. `AHEAD` (the partition is one
    /// block): prefetch the targets' histories a few synapses ahead;
    /// otherwise (many blocks) the rows at the cursor of the spike
    /// [`CURSOR_AHEAD`] spikes ahead.
    #[inline(never)]
    fn deliver<const AHEAD: bool>(
        &self,
        b: &mut PartitionState<M::Block>,
        p: &mut Partition,
        a: &Arriving<'_>,
        block: Range<usize>,
    ) {
        let (stdp, ring, history) = (self.stdp, &mut b.ring, &b.history);
        // the input rows are the block's: target t is column t - first
        let first = block.start;
        let end = block.end as u32;
        let last = block.end >= b.history.len();
        let mut passed = 0usize;
        for i in 0..b.cursors.len() {
            // the rows at the cursors of a spike a few spikes on: each is a miss
            // that would otherwise wait behind this spike's branches
            if let Some(ahead) = b.cursors.get(i + CURSOR_AHEAD).filter(|_| !AHEAD) {
                prefetch(p.pl_targets.get(ahead.plastic.start));
                prefetch(p.pl_weights.get(ahead.plastic.start));
                prefetch(p.st_targets.get(ahead.fixed.start));
            }
            let ((stamp, src), trace, c) = (a.spikes[i], a.pre[i], &mut b.cursors[i]);
            let slot = stamp as usize - 1 - a.t0;
            let run = below(&p.pl_targets, &mut c.plastic, end, last);
            let (targets, weights) = (&p.pl_targets[run.clone()], &mut p.pl_weights[run]);
            let ex_row = ring.ex_row_mut(slot);
            passed += if M::READS_INPUT {
                plastic_row::<AHEAD, true>(stdp, trace, stamp, targets, weights, history, ex_row, first)
            } else {
                plastic_row::<AHEAD, false>(stdp, trace, stamp, targets, weights, history, ex_row, first)
            };
            let run = below(&p.st_targets, &mut c.fixed, end, last);
            if !M::READS_INPUT {
                // static synapses only carry input
            } else if (src as usize) < self.n_e {
                for &t in &p.st_targets[run] {
                    ring.add_ex(t as usize - first, slot, self.w_exc);
                }
            } else {
                for &t in &p.st_targets[run] {
                    ring.add_in(t as usize - first, slot, self.w_inh);
                }
            }
            // the rows' next cache lines, for the next blocks
            if !c.plastic.is_empty() {
                prefetch(p.pl_targets.get(c.plastic.start + 16));
                prefetch(p.pl_weights.get(c.plastic.start + 8));
            }
            if !c.fixed.is_empty() {
                prefetch(p.st_targets.get(c.fixed.start + 16));
            }
        }
        b.passed += passed;
    }

    /// Merge the workers' spikes of a slice, exchange them with the other
    /// processes (with this process's wish to go on, `go_on`), put every
    /// spike in (time, sender) order, count (and record) them, and snapshot
    /// each excitatory sender's trace in `pre` before advancing it. Returns
    /// whether every process wants to go on.
    fn gather(&self, pre: &mut [PreTrace], res: &mut SimResult, x: &mut Exchange<'_, '_>, go_on: bool) -> bool {
        x.local.clear();
        for o in &self.outboxes {
            x.local
                .extend(o.lock().expect("outbox lock").iter().map(|&(t, i)| pack(t, i)));
        }
        let tic = Instant::now();
        let got = x.comm.all_gather_spikes(&x.local, !go_on, &mut x.all);
        res.phases.exchange += tic.elapsed().as_secs_f64();
        res.exchanged_bytes += got.bytes;
        x.all.sort_unstable();
        let mut g = self.gathered.write().expect("gather lock");
        let Gathered { spikes, snapshots } = &mut *g;
        spikes.clear();
        spikes.extend(x.all.iter().map(|&v| unpack(v)));
        snapshots.clear();
        if let Some(record) = x.record.as_mut() {
            record(spikes);
        }
        for &(stamp, i) in spikes.iter() {
            res.counts[i as usize] += 1;
            if (i as usize) < self.n_e {
                let trace = &mut pre[i as usize];
                snapshots.push(*trace);
                self.stdp.update_pre(trace, stamp);
            } else {
                snapshots.push(PreTrace::default());
            }
        }
        !got.stop
    }
}

/// The gatherer's side of the exchange: the processes, where to record,
/// and the buffers of a slice's spikes (packed, see [`crate::comm::pack`]).
struct Exchange<'c, 'r> {
    comm: &'c dyn Comm,
    record: Option<SpikeSink<'r>>,
    local: Vec<u64>,
    all: Vec<u64>,
}

/// The spikes of the last slice in (time, sender) order, with the
/// presynaptic trace of each sender just before its spike.
#[derive(Default)]
struct Gathered {
    spikes: Vec<(u32, u32)>,
    snapshots: Vec<PreTrace>,
}

/// What one worker counted and timed.
#[derive(Default)]
struct Tally {
    external: u64,
    synaptic: u64,
    update: f64,
    deliver: f64,
    gather: f64,
    /// At the meeting after the update (s).
    wait: f64,
}

/// A barrier that spins briefly, then yields: a few hundred nanoseconds per
/// meeting when every worker has a core, and no busy starvation when not.
struct SpinBarrier {
    n: usize,
    count: AtomicUsize,
    generation: AtomicUsize,
}

impl SpinBarrier {
    fn new(n: usize) -> Self {
        SpinBarrier {
            n,
            count: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
        }
    }

    fn wait(&self) {
        if self.n == 1 {
            return;
        }
        let gen = self.generation.load(Ordering::Acquire);
        if self.count.fetch_add(1, Ordering::AcqRel) + 1 == self.n {
            self.count.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::Release);
        } else {
            let mut spins = 0u32;
            while self.generation.load(Ordering::Acquire) == gen {
                if spins < 2000 {
                    std::hint::spin_loop();
                    spins += 1;
                } else {
                    std::thread::yield_now();
                }
            }
        }
    }
}

/// The spikes of a slice arriving in the next, with the presynaptic trace
/// of each sender just before its spike.
struct Arriving<'a> {
    spikes: &'a [(u32, u32)],
    pre: &'a [PreTrace],
    /// First step of the slice they were emitted in.
    t0: usize,
}

/// The target blocks of a partition of `n` neurons, `block` neurons each
/// (the last one shorter).
fn blocks(n: usize, block: usize) -> impl Iterator<Item = Range<usize>> {
    (0..n).step_by(block).map(move |from| from..(from + block).min(n))
}

/// The first positions of `rest` (in `targets`) whose targets lie below
/// `end`, taken off `rest` (a row's targets ascend, so these are the next
/// block's). `last`: this is the partition's last block, which takes all
/// of the rest without looking at it. Only targets at the cursor are read
/// (never the row's far end: at large N every such read is a cache miss).
#[inline(always)]
fn below(targets: &[u32], rest: &mut Range<usize>, end: u32, last: bool) -> Range<usize> {
    let n = if last {
        rest.len()
    } else {
        targets[rest.clone()].iter().take_while(|&&t| t < end).count()
    };
    let run = rest.start..rest.start + n;
    rest.start = run.end;
    run
}

/// Advance the neurons `block` of partition `p` (state `b`) `len` steps
/// from step `t0`, reading their input rows, which are then cleared.
#[inline(never)]
fn update_block<M: NeuronModel>(
    model: &M,
    stdp: &StdpPl,
    b: &mut PartitionState<M::Block>,
    p: &Partition,
    block: Range<usize>,
    t0: usize,
    len: usize,
) {
    // in tiles of neurons whose state stays in L1 through the slice; within a
    // tile step-major, so that independent neurons' updates overlap
    let n_exc = p.exc.len();
    let (spikes, history) = (&mut b.spikes, &mut b.history);
    let zeros = [0.0; TILE];
    for from in block.clone().step_by(TILE) {
        let to = (from + TILE).min(block.end);
        for k in 0..len {
            let stamp = (t0 + k + 1) as u32;
            let (ex, inh) = if M::READS_INPUT {
                // the rows are the block's own (columns from block.start)
                let (ex, inh) = b.ring.rows(k);
                (
                    &ex[from - block.start..to - block.start],
                    &inh[from - block.start..to - block.start],
                )
            } else {
                (&zeros[..to - from], &zeros[..to - from])
            };
            model.step_block(&mut b.states, from, ex, inh, |l| {
                spikes.push((stamp, p.global(l as u32)));
                // the excitatory neurons come first; only they have a spike history
                if l < n_exc {
                    stdp.record_post(&mut history[l], stamp);
                }
            });
            if M::READS_INPUT {
                // read: zero them for the next slice's spikes while they are in L1
                // (the drive overwrites the excitatory rows)
                b.ring.clear_inh(k..k + 1, from - block.start..to - block.start);
            }
        }
    }
}

/// Transmit a spike with stamp `stamp` (its sender's trace before it
/// `trace`) through the plastic synapses `targets`, `weights` onto the
/// block whose first neuron is `first`, adding each new weight to the
/// target's column of `ex_row` if `INPUT`; returns the zero weights passed
/// over. Out of line, so that the registers around glibc's `pow` hold
/// this loop's values only: 0.94-0.97x the simulation time at
/// N = 2500-12500. Where a spike has a few synapses in each of many
/// blocks the call per block costs instead (delivery took 1.03-1.11x the
/// time of the inline loop at N = 300000); keeping that path inline cost
/// N = 12500 2-3 %.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn plastic_row<const AHEAD: bool, const INPUT: bool>(
    stdp: &StdpPl,
    trace: PreTrace,
    stamp: u32,
    targets: &[u32],
    weights: &mut [f64],
    history: &[PostHistory],
    ex_row: &mut [f64],
    first: usize,
) -> usize {
    let skip_zero = stdp.keeps_zero();
    let (mut k, mut passed) = (0, 0);
    loop {
        // a zero weight stays zero and adds nothing to the input (an input
        // row only holds -0.0 where the drive's weight is negative, and a
        // zero's sign never reaches a spike or a weight): pass it over in a
        // loop of its own (at N = 1250 nineteen in twenty E->E weights end at
        // zero), and count them: once they are many, they are retired
        let zeros = k;
        while skip_zero && k < weights.len() && weights[k] == 0.0 {
            k += 1;
        }
        passed += k - zeros;
        let (Some(&t), Some(w)) = (targets.get(k), weights.get_mut(k)) else {
            break;
        };
        // the targets' histories are scattered: ask for them a few synapses ahead
        if let Some(&ahead) = targets.get(k + PREFETCH_AHEAD).filter(|_| AHEAD) {
            prefetch(history[ahead as usize].entries.last());
        }
        *w = stdp.transmit(*w, trace, stamp, &history[t as usize]);
        if INPUT {
            ex_row[t as usize - first] += *w;
        }
        k += 1;
    }
    passed
}

/// Ask for the newest spike history entry of each of `history` (scattered
/// over the heap) at once, rather than one by one at a delivery.
#[inline(never)]
fn prefetch_histories(history: &[PostHistory]) {
    for h in history {
        prefetch(h.entries.last());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comm::Solo;
    use crate::models::{IafPscAlpha, IgnoreAndFire};
    use crate::network::{build, Layout};
    use crate::params::Params;

    /// The network of `p` and an engine configuration for it, simulating
    /// `shorter_by` steps less than T.
    fn setup(p: Params, shorter_by: usize) -> (Params, Layout, EngineConfig) {
        let d = p.derive().expect("valid parameters");
        let layout = Layout::of(&p, &d);
        let cfg = EngineConfig {
            delay: d.delay_steps,
            steps: d.steps - shorter_by,
            poisson_mean: d.nu_X * p.dt / 1000.0,
            w_ext: d.I_X,
            seed: p.seed,
        };
        (p, layout, cfg)
    }

    /// A small network: 3000 neurons, in-degree 200, `steps` not a whole
    /// number of slices.
    fn small() -> (Params, Layout, EngineConfig) {
        let p = Params {
            N: 3000,
            K: 200,
            T: 400.0,
            ..Params::default()
        };
        setup(p, 5)
    }

    /// Spikes, (external, synaptic) event counts and every plastic synapse
    /// as (source, target, weight bits).
    type Outcome = (Vec<(u32, u32)>, [u64; 2], Vec<(u32, u32, u64)>);

    /// Spikes, counters and every plastic weight (bits) of a run of `model`
    /// on the small network in `parts` partitions, blocks of `block` neurons
    /// if given.
    fn run<M: NeuronModel>(model: &M, parts: usize, block: Option<usize>) -> Outcome {
        let (p, layout, cfg) = small();
        let stdp = StdpPl::new(&p, cfg.delay, cfg.steps);
        let mut sim = Simulation::new(model, stdp, build(&layout, parts), cfg);
        if let Some(block) = block {
            sim = sim.with_block(block);
        }
        let mut spikes = Vec::new();
        let mut record = |s: &[(u32, u32)]| spikes.extend_from_slice(s);
        let res = sim.run(&Solo, Some(&mut record), |_| true);
        // by (source, target), multapses in draw order, for any partitioning
        let mut weights = Vec::new();
        sim.network()
            .for_each_plastic(layout.n_e, |s, t, w| weights.push((s, t, w.to_bits())));
        weights.sort_by_key(|&(s, t, _)| (s, t));
        (spikes, [res.external_events, res.synaptic_events], weights)
    }

    #[test]
    fn every_worker_reports_its_wait() {
        let (p, layout, cfg) = small();
        let stdp = StdpPl::new(&p, cfg.delay, cfg.steps);
        let model = IafPscAlpha::new(&p);
        let mut sim = Simulation::new(&model, stdp, build(&layout, 3), cfg);
        let res = sim.run(&Solo, None, |_| true);
        let w = &res.phases.waits;
        assert_eq!(w.len(), 3, "one wait per worker");
        assert!(w.iter().all(|&w| w >= 0.0 && w.is_finite()), "{w:?}");
        // worker 0's wait is part of its update phase
        assert!(w[0] <= res.phases.update, "{w:?} {:?}", res.phases);
    }

    fn same_for_every_block_size<M: NeuronModel>(model: &M) {
        // partitions of 1500 and 1000 neurons: blocks of excitatory neurons only,
        // mixed ones and inhibitory ones only, the last one short
        let one = run(model, 2, None);
        assert!(one.0.len() > 1000, "the network spikes: {}", one.0.len());
        assert!(
            one.2.iter().any(|&(.., w)| f64::from_bits(w) != small().1.w_exc),
            "weights change"
        );
        for (parts, block) in [(2, 256), (2, 512), (3, 256), (1, 768)] {
            let many = run(model, parts, Some(block));
            assert!(one.0 == many.0, "spikes, {parts} partitions, block {block}");
            assert_eq!(one.1, many.1, "counters, {parts} partitions, block {block}");
            assert!(one.2 == many.2, "weights, {parts} partitions, block {block}");
        }
    }

    #[test]
    fn iaf_results_do_not_depend_on_the_block_size() {
        let (p, ..) = small();
        same_for_every_block_size(&IafPscAlpha::new(&p));
    }

    #[test]
    fn ignore_and_fire_results_do_not_depend_on_the_block_size() {
        let (p, ..) = small();
        same_for_every_block_size(&IgnoreAndFire::new(&p));
    }

    #[test]
    fn retiring_zero_weights_changes_nothing() {
        // iaf_psc_alpha at N = 1250 with the default in-degree: most E->E
        // weights reach zero within 2 s
        let p = Params {
            N: 1250,
            T: 2000.0,
            ..Params::default()
        };
        let (p, layout, cfg) = setup(p, 0);
        let model = IafPscAlpha::new(&p);
        let run = |retiring: Retiring| {
            let stdp = StdpPl::new(&p, cfg.delay, cfg.steps);
            let mut sim = Simulation::new(&model, stdp, build(&layout, 2), cfg.clone());
            sim.retiring = retiring;
            let mut spikes = Vec::new();
            let mut record = |s: &[(u32, u32)]| spikes.extend_from_slice(s);
            let res = sim.run(&Solo, Some(&mut record), |_| true);
            // in storage order: the rows must be back in target order
            let mut weights = Vec::new();
            sim.network()
                .for_each_plastic(layout.n_e, |s, t, w| weights.push((s, t, w.to_bits())));
            (spikes, [res.external_events, res.synaptic_events], weights)
        };
        let never = run(Retiring::Never);
        let zeros = never.2.iter().filter(|&&(.., w)| w == 0).count();
        assert!(
            zeros * 2 > never.2.len(),
            "most weights reach zero: {zeros} of {}",
            never.2.len()
        );
        for retiring in [Retiring::Eager, Retiring::PaidFor] {
            let other = run(retiring);
            assert!(never.0 == other.0, "spikes, {retiring:?}");
            assert_eq!(never.1, other.1, "counters, {retiring:?}");
            assert!(never.2 == other.2, "weights, {retiring:?}");
        }
    }

    #[test]
    fn synapse_rows_hold_targets_in_ascending_order() {
        // delivery by target block relies on it
        let net = build(&small().1, 3);
        for part in &net.parts {
            for (offsets, targets) in [
                (&part.pl_offsets, &part.pl_targets),
                (&part.st_offsets, &part.st_targets),
            ] {
                for row in offsets.windows(2) {
                    assert!(targets[row[0]..row[1]].is_sorted());
                }
            }
        }
    }

    #[test]
    fn blocks_cover_the_partition_in_order() {
        let b: Vec<_> = blocks(1300, 512).collect();
        assert_eq!(b, [0..512, 512..1024, 1024..1300]);
        assert_eq!(blocks(0, 256).count(), 0);
        assert_eq!(block_size(6250, 625.0), 6400);
        // N = 1,000,000 in two partitions: 625 synapses per source in each
        assert_eq!(block_size(500_000, 625.0), 6400);
        assert_eq!(block_size(20_000, 10_000.0), BLOCK);
    }
}
