//! The simulation engine: clock-driven, in min-delay slices.
//!
//! Every connection has the same delay of D steps. Each slice first delivers
//! the previous slice's spikes into the targets' input ring buffers
//! (delivery phase), where they are read D steps after emission, then
//! advances all neurons D steps independently (update phase). Both phases run
//! in parallel over partitions of the neurons (each an equal share of the
//! excitatory and of the inhibitory population, so that the plastic load is
//! balanced); a partition owns its neurons' state, input buffers, Poisson
//! drive and spike history, and the synapses onto them. The update advances
//! tiles of neurons through the whole slice, so their state stays in L1.
//!
//! Determinism: every random number comes from a per-neuron stream; the
//! spikes of a slice are delivered in (time, sender) order, and each sender's
//! synapses in a fixed order, so every input buffer sums its inputs in the
//! same order for any number of threads. The engine knows no model
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

/// How many synapses ahead delivery prefetches a target's spike history.
const PREFETCH_AHEAD: usize = 8;

/// What a partition's worker owns besides its synapses: its neurons' states
/// (in the model's block layout), input ring, Poisson drive, spike
/// histories and the spikes of the current slice.
struct PartitionState<B> {
    states: B,
    ring: InputRing,
    drive: DriveBlock,
    history: Vec<PostHistory>,
    spikes: Vec<(u32, u32)>,
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
                let drive = DriveBlock::new(cfg.seed, part.neurons());
                PartitionState {
                    states,
                    ring: InputRing::new(n, cfg.delay),
                    drive,
                    history: vec![PostHistory::default(); n],
                    spikes: Vec::new(),
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
        }
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
    /// ([`Slicer::work`]); the workers meet at two barriers per slice (after
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
    /// The loop of worker `w` over every slice: deliver the last slice's
    /// spikes to partition `p`, advance its neurons `b`, hand over its
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
        while t0 < steps {
            let len = d.min(steps - t0);
            let tic = Instant::now();
            if t0 > 0 {
                let g = self.gathered.read().expect("gather lock");
                tally.synaptic += deliver(
                    self.stdp,
                    self.n_e,
                    self.w_exc,
                    self.w_inh,
                    b,
                    p,
                    &g.spikes,
                    &g.snapshots,
                    t0 - d,
                    d,
                );
            }
            let tic2 = Instant::now();
            tally.external += update_block(self.model, self.stdp, self.cfg, self.counts, b, p, t0, len);
            std::mem::swap(&mut *self.outboxes[w].lock().expect("outbox lock"), &mut b.spikes);
            self.barrier.wait();
            let tic3 = Instant::now();
            if let Some(g) = gather.as_mut() {
                if !g(t0 + len) {
                    self.stop.store(true, Ordering::Relaxed);
                }
            }
            self.barrier.wait();
            let tic4 = Instant::now();
            tally.deliver += (tic2 - tic).as_secs_f64();
            tally.update += (tic3 - tic2).as_secs_f64();
            tally.gather += (tic4 - tic3).as_secs_f64();
            t0 += len;
            if self.stop.load(Ordering::Relaxed) {
                break;
            }
        }
        tally
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

/// Advance the block of partition `p` `len` steps from step `t0`; returns
/// the number of external events.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn update_block<M: NeuronModel>(
    model: &M,
    stdp: &StdpPl,
    cfg: &EngineConfig,
    table: &CountTable,
    b: &mut PartitionState<M::Block>,
    p: &Partition,
    t0: usize,
    len: usize,
) -> u64 {
    b.spikes.clear();
    let d = cfg.delay;
    let cur = b.ring.half(t0 / d);
    let next = b.ring.half(t0 / d + 1);
    // external drive emitted in this slice arrives D steps later: next half, same
    // offset, written before any recurrent spike is added there
    let (rows, stride) = b.ring.ex_rows_mut(next, len);
    let ext = b.drive.fill(table, rows, stride, len, cfg.w_ext);
    // in tiles of neurons whose state stays in L1 through the slice; within a
    // tile step-major, so that independent neurons' updates overlap
    let n = b.history.len();
    let n_exc = p.exc.len();
    let (spikes, history) = (&mut b.spikes, &mut b.history);
    for from in (0..n).step_by(TILE) {
        let to = (from + TILE).min(n);
        for k in 0..len {
            let stamp = (t0 + k + 1) as u32;
            let (ex, inh) = b.ring.rows(cur + k);
            model.step_block(&mut b.states, from, &ex[from..to], &inh[from..to], |l| {
                spikes.push((stamp, p.global(l as u32)));
                // the excitatory neurons come first; only they have a spike history
                if l < n_exc {
                    stdp.record_post(&mut history[l], stamp);
                }
            });
        }
    }
    b.ring.clear_inh(cur, len);
    ext
}

/// Deliver the slice's spikes to the synapses of one partition; returns the number of synaptic events.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn deliver<S>(
    stdp: &StdpPl,
    n_e: usize,
    w_exc: f64,
    w_inh: f64,
    b: &mut PartitionState<S>,
    p: &mut Partition,
    spikes: &[(u32, u32)],
    pre: &[PreTrace],
    t0: usize,
    d: usize,
) -> u64 {
    let next = b.ring.half(t0 / d + 1);
    let mut events = 0u64;
    for (&(stamp, src), &trace) in spikes.iter().zip(pre) {
        let slot = next + (stamp as usize - 1 - t0);
        let src = src as usize;
        if src < n_e {
            let (targets, weights) = p.plastic_row(src);
            events += targets.len() as u64;
            for (k, (&t, w)) in targets.iter().zip(weights.iter_mut()).enumerate() {
                // the targets' histories are scattered: ask for them a few synapses ahead
                if let Some(&ahead) = targets.get(k + PREFETCH_AHEAD) {
                    prefetch(b.history[ahead as usize].entries.last());
                }
                *w = stdp.transmit(*w, trace, stamp, &b.history[t as usize]);
                b.ring.add_ex(t as usize, slot, *w);
            }
            let targets = p.static_row(src);
            events += targets.len() as u64;
            for &t in targets {
                b.ring.add_ex(t as usize, slot, w_exc);
            }
        } else {
            let targets = p.static_row(src);
            events += targets.len() as u64;
            for &t in targets {
                b.ring.add_in(t as usize, slot, w_inh);
            }
        }
    }
    events
}
