//! The simulation engine: clock-driven, in min-delay slices.
//!
//! Every connection has the same delay of D steps. Each slice advances all
//! neurons D steps independently (update phase), then delivers the slice's
//! spikes into the targets' input ring buffers (delivery phase), where they
//! are read D steps after emission. Both phases run in parallel over
//! partitions of the neurons; a partition owns its neurons' state, input
//! buffers, Poisson drive and spike history, and the synapses onto them.
//!
//! Determinism: every random number comes from a per-neuron stream; the
//! spikes of a slice are delivered in (time, sender) order, and each sender's
//! synapses in a fixed order, so every input buffer sums its inputs in the
//! same order for any number of threads. The engine knows no model
//! equations: it calls [`NeuronModel::step`] with the summed excitatory and
//! inhibitory input of each step.

pub mod drive;
pub mod ring;

use crate::models::NeuronModel;
use crate::network::{build::split, Network, Partition};
use crate::output::data_json::Phases;
use crate::plasticity::{PostHistory, PreTrace, StdpPl};
use crate::rng::{stream, Purpose};
use drive::{CountTable, PoissonDrive};
use rayon::prelude::*;
use ring::InputRing;
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

/// Per-partition neuron state.
struct Block<S> {
    start: usize,
    states: Vec<S>,
    ring: InputRing,
    drive: Vec<PoissonDrive>,
    history: Vec<PostHistory>,
    spikes: Vec<(u32, u32)>,
}

/// What a simulation produced.
#[derive(Debug, Clone, Default)]
pub struct SimResult {
    /// Every spike as (step stamp, neuron index), in (time, neuron) order;
    /// the time of a stamp is stamp * h.
    pub spikes: Vec<(u32, u32)>,
    /// Spike count per neuron.
    pub counts: Vec<u32>,
    /// External events generated and delivered.
    pub external_events: u64,
    /// Spike deliveries to synapses (recurrent synaptic events).
    pub synaptic_events: u64,
    /// Wall-clock split of the simulation.
    pub phases: Phases,
    /// Steps simulated.
    pub steps_done: usize,
    /// Whether all steps were simulated (false if stopped by the progress callback).
    pub completed: bool,
}

/// A network with its neurons, ready to simulate.
pub struct Simulation<'m, M: NeuronModel> {
    model: &'m M,
    stdp: StdpPl,
    cfg: EngineConfig,
    net: Network,
    blocks: Vec<Block<M::State>>,
    pre: Vec<PreTrace>,
    counts: CountTable,
}

impl<'m, M: NeuronModel> Simulation<'m, M> {
    /// Set up neurons for `net` (one block per network partition); initial
    /// states come from the streams (seed, Init, i).
    pub fn new(model: &'m M, stdp: StdpPl, net: Network, cfg: EngineConfig) -> Self {
        let ranges = split(net.n, net.parts.len());
        let blocks = ranges
            .into_par_iter()
            .map(|r| {
                let states = r
                    .clone()
                    .map(|i| model.init(&mut stream(cfg.seed, Purpose::Init, i as u64)))
                    .collect();
                let drive = r.clone().map(|i| PoissonDrive::new(cfg.seed, i)).collect();
                Block {
                    start: r.start,
                    states,
                    ring: InputRing::new(r.len(), cfg.delay),
                    drive,
                    history: vec![PostHistory::default(); r.len()],
                    spikes: Vec::new(),
                }
            })
            .collect();
        let pre = vec![PreTrace::default(); net.n_e];
        let counts = CountTable::new(cfg.poisson_mean, cfg.delay);
        Simulation {
            model,
            stdp,
            cfg,
            net,
            blocks,
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
    /// then has `completed == false`).
    pub fn run(&mut self, mut progress: impl FnMut(usize) -> bool) -> SimResult {
        let d = self.cfg.delay;
        let steps = self.cfg.steps;
        let mut res = SimResult {
            counts: vec![0; self.net.n],
            ..Default::default()
        };
        let mut slice_spikes: Vec<(u32, u32)> = Vec::new();
        let mut snapshots: Vec<PreTrace> = Vec::new();
        let mut t0 = 0usize;
        while t0 < steps {
            let len = d.min(steps - t0);
            // update phase
            let tic = Instant::now();
            let (model, stdp, cfg, n_e) = (self.model, &self.stdp, &self.cfg, self.net.n_e);
            let last_table;
            let table = if len == d {
                &self.counts
            } else {
                last_table = CountTable::new(cfg.poisson_mean, len);
                &last_table
            };
            let ext: u64 = self
                .blocks
                .par_iter_mut()
                .map(|b| update_block(model, stdp, cfg, table, n_e, b, t0, len))
                .sum();
            res.external_events += ext;
            let tic2 = Instant::now();
            res.phases.update += (tic2 - tic).as_secs_f64();
            // gather: (time, sender) order
            slice_spikes.clear();
            for b in &self.blocks {
                slice_spikes.extend_from_slice(&b.spikes);
            }
            slice_spikes.sort_unstable();
            snapshots.clear();
            for &(stamp, i) in &slice_spikes {
                res.counts[i as usize] += 1;
                res.spikes.push((stamp, i));
                if (i as usize) < n_e {
                    let pre = &mut self.pre[i as usize];
                    snapshots.push(*pre);
                    self.stdp.update_pre(pre, stamp);
                } else {
                    snapshots.push(PreTrace::default());
                }
            }
            let tic3 = Instant::now();
            res.phases.gather += (tic3 - tic2).as_secs_f64();
            // delivery phase; like NEST, the spikes of the last slice are
            // recorded but not delivered (no later step would read them)
            if t0 + d < steps && !slice_spikes.is_empty() {
                let net = &mut self.net;
                let (w_exc, w_inh) = (net.w_exc, net.w_inh);
                let ev: u64 = self
                    .blocks
                    .par_iter_mut()
                    .zip(net.parts.par_iter_mut())
                    .map(|(b, p)| deliver(stdp, n_e, w_exc, w_inh, b, p, &slice_spikes, &snapshots, t0, d))
                    .sum();
                res.synaptic_events += ev;
            }
            res.phases.deliver += tic3.elapsed().as_secs_f64();
            t0 += len;
            res.steps_done = t0;
            if !progress(t0) {
                return res;
            }
        }
        res.completed = true;
        res
    }
}

/// Advance one block `len` steps from step `t0`; returns the number of external events.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn update_block<M: NeuronModel>(
    model: &M,
    stdp: &StdpPl,
    cfg: &EngineConfig,
    table: &CountTable,
    n_e: usize,
    b: &mut Block<M::State>,
    t0: usize,
    len: usize,
) -> u64 {
    b.spikes.clear();
    let d = cfg.delay;
    let cur = b.ring.half(t0 / d);
    let next = b.ring.half(t0 / d + 1);
    // external drive emitted in this slice arrives D steps later: next half, same offset
    let mut ext = 0u64;
    for (l, drive) in b.drive.iter_mut().enumerate() {
        ext += drive.emit(table, |k| b.ring.add_ex(l, next + k, cfg.w_ext));
    }
    // step-major: the neurons of one step are independent, so their updates overlap
    for k in 0..len {
        let stamp = (t0 + k + 1) as u32;
        let (ex, inh) = b.ring.rows(cur + k);
        for (l, ((st, x), y)) in b.states.iter_mut().zip(ex.iter_mut()).zip(inh.iter_mut()).enumerate() {
            if model.step(st, std::mem::take(x), std::mem::take(y)) {
                let i = b.start + l;
                b.spikes.push((stamp, i as u32));
                if i < n_e {
                    stdp.record_post(&mut b.history[l], stamp);
                }
            }
        }
    }
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
    b: &mut Block<S>,
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
            for (&t, w) in targets.iter().zip(weights.iter_mut()) {
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
