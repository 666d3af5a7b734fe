//! One sweep point, run: build the network for (model, N, seed), simulate
//! it, and compute its statistics. It picks the model by kind (through the
//! model table); the engine below it knows no model.
//!
//! Distributed over the processes of a [`Comm`], every process builds and
//! simulates its share (the partitions `rank * threads .. (rank + 1) *
//! threads` of `processes * threads`), the statistics are reduced over the
//! processes in an order that does not depend on the decomposition, and
//! process 0 receives what it writes (every spike, the connectivity of the
//! first 200 E neurons); the other processes' [`PointResult`] holds only
//! what every process knows.

use crate::comm::Comm;
use crate::engine::{EngineConfig, SimResult, Simulation, SpikeSink};
use crate::error::{Error, Result};
use crate::models::{ModelKind, ModelVisitor, NeuronModel};
use crate::network::{build_share, share_synapses, BuildProgress, Layout, Network, WORK_PER_SYNAPSE};
use crate::output::data_json::RunRecord;
use crate::params::{Derived, Params};
use crate::plasticity::StdpPl;
use crate::stats::{summarise, summarise_over, Summary};
use std::time::Instant;

/// The first this many E neurons form the subset of the original example's weight statistics.
pub const SUBSET: usize = 200;

/// Everything one point produced.
#[derive(Debug, Clone)]
pub struct PointResult {
    /// The statistics written to data.json.
    pub record: RunRecord,
    /// The simulation's spikes and counters.
    pub sim: SimResult,
    /// E->E synapses among the first 200 E neurons after the simulation (source, target, weight).
    pub subset: Vec<(u32, u32, f64)>,
}

/// How far a point has come, as its progress callback hears it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Building this process's share of the network: `work` of `total`
    /// units done, [`WORK_PER_SYNAPSE`] units per synapse.
    Build {
        /// Work units done.
        work: u64,
        /// Work units of the whole build.
        total: u64,
    },
    /// Simulating: `steps` of `total` steps done.
    Sim {
        /// Steps simulated.
        steps: usize,
        /// Steps to simulate.
        total: usize,
    },
    /// The simulation is done; the weight statistics are being computed
    /// (at N = 1M a few seconds of every thread).
    Statistics,
}

/// How often the build reports its progress.
const BUILD_TICK: std::time::Duration = std::time::Duration::from_millis(100);

/// Run one point with `threads` workers (and partitions) on this process,
/// together with every other process of `comm`; `spikes`, if given,
/// receives every slice's spikes as (step stamp, neuron) in time order;
/// `progress` hears of the build every 0.1 s and of the simulation after
/// each slice, and stops the point (with [`Error::Interrupted`], on every
/// process) by returning false. A build on several processes runs to its
/// end (they stop together at the first slice).
pub fn run(
    kind: ModelKind,
    p: &Params,
    threads: usize,
    comm: &dyn Comm,
    spikes: Option<SpikeSink<'_>>,
    progress: impl FnMut(Stage) -> bool,
) -> Result<PointResult> {
    let d = p.derive()?;
    let workers = threads.max(1) * comm.size();
    if p.N < workers {
        return Err(Error::config(
            "N",
            format!(
                "{} neurons cannot be shared by {} process(es) x {} thread(s); use at least N = {workers}",
                p.N,
                comm.size(),
                threads.max(1)
            ),
        ));
    }
    kind.visit(
        p,
        Simulate {
            kind,
            p,
            d: &d,
            threads: threads.max(1),
            comm,
            spikes,
            progress,
        },
    )
}

/// [`run`] with the model built.
struct Simulate<'a, 's, F> {
    kind: ModelKind,
    p: &'a Params,
    d: &'a Derived,
    threads: usize,
    comm: &'a dyn Comm,
    spikes: Option<SpikeSink<'s>>,
    progress: F,
}

impl<F: FnMut(Stage) -> bool> ModelVisitor for Simulate<'_, '_, F> {
    type Output = Result<PointResult>;

    fn visit<M: NeuronModel>(mut self, model: &M) -> Result<PointResult> {
        let (p, d, comm) = (self.p, self.d, self.comm);
        // the peak is this point's: what earlier points freed goes back first
        crate::host::release_free_memory();
        crate::host::reset_peak_rss();
        let t_build = Instant::now();
        let (rank, t, size) = (comm.rank(), self.threads, comm.size());
        // the build runs on a pool of `t` threads; the simulation spawns its
        // own workers and keeps every exchange on this thread
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .map_err(|e| Error::config("--threads", format!("cannot start {t} threads: {e}")))?;
        let net = self.build(&pool, t * size, rank * t..(rank + 1) * t)?;
        let mut sim = pool.install(|| {
            let stdp = StdpPl::new(p, d.delay_steps, d.steps);
            Simulation::new(model, stdp, net, engine_config(p, d))
        });
        let build_time = t_build.elapsed().as_secs_f64();
        let t_sim = Instant::now();
        let record = self.spikes.as_mut().map(|s| &mut **s as SpikeSink<'_>);
        let res = sim.run(comm, record, |done| {
            (self.progress)(Stage::Sim {
                steps: done,
                total: d.steps,
            })
        });
        let sim_time = t_sim.elapsed().as_secs_f64();
        if res.steps_done < d.steps {
            return Err(Error::Interrupted(format!(
                "{} N={} stopped after {} ms of {} ms",
                self.kind.name(),
                p.N,
                res.steps_done as f64 * p.dt,
                p.T
            )));
        }
        // whether to stop no longer matters: the run is complete
        let _ = (self.progress)(Stage::Statistics);
        let t_stats = Instant::now();
        let subset = gather_subset(comm, sim.network().plastic_subset(SUBSET));
        let mut record = measure(p, d, &res, sim.network(), &subset, comm, &pool);
        let stats_time = t_stats.elapsed().as_secs_f64();
        // the slowest process's times: every process waits for it at the end
        let mut times = [build_time, sim_time, stats_time];
        comm.max_f64(&mut times);
        let [build_time, sim_time, stats_time] = times;
        (record.build_time, record.sim_time, record.stats_time) = (build_time, sim_time, Some(stats_time));
        let peak = crate::host::peak_rss_bytes().unwrap_or(0);
        let (mut max, mut sum) = ([peak as f64], [peak]);
        comm.max_f64(&mut max);
        comm.sum_u64(&mut sum);
        record.peak_rss_bytes = (max[0] > 0.0).then_some(max[0] as u64);
        record.peak_rss_bytes_sum = (comm.size() > 1 && sum[0] > 0).then_some(sum[0]);
        record.threads = Some(self.threads);
        record.processes = Some(comm.size());
        record.model = Some(self.kind.name().to_string());
        Ok(PointResult {
            record,
            sim: res,
            subset,
        })
    }
}

impl<F: FnMut(Stage) -> bool> Simulate<'_, '_, F> {
    /// Build the partitions `share` of `parts` on `pool`, telling the
    /// progress callback how far it is every [`BUILD_TICK`] (on this
    /// thread: the callback need not be `Send`); a callback that returns
    /// false stops the build if this is the only process.
    fn build(&mut self, pool: &rayon::ThreadPool, parts: usize, share: std::ops::Range<usize>) -> Result<Network> {
        let layout = Layout::of(self.p, self.d);
        let total = WORK_PER_SYNAPSE * share_synapses(&layout, parts, share.clone());
        let prog = BuildProgress::default();
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let net = std::thread::scope(|scope| {
            let builder = scope.spawn(|| {
                // owned here: a build that panics drops it, which ends the wait below
                let done = done_tx;
                let net = pool.install(|| build_share(&layout, parts, share, &prog));
                done.send(()).ok();
                net
            });
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(BUILD_TICK) {
                let work = prog.work.load(std::sync::atomic::Ordering::Relaxed);
                if !(self.progress)(Stage::Build { work, total }) && self.comm.size() == 1 {
                    prog.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            }
            builder.join().expect("build thread")
        });
        net.ok_or_else(|| {
            Error::Interrupted(format!(
                "{} N={} stopped while building the network",
                self.kind.name(),
                self.p.N
            ))
        })
    }
}

/// The E->E synapses among the first [`SUBSET`] E neurons of every process,
/// on process 0, in the order of [`Network::plastic_subset`] (source, then
/// target, then draw); empty elsewhere.
fn gather_subset(comm: &dyn Comm, mine: Vec<(u32, u32, f64)>) -> Vec<(u32, u32, f64)> {
    if comm.size() == 1 {
        return mine;
    }
    let bytes: Vec<u8> = mine
        .iter()
        .flat_map(|&(s, t, w)| [s.to_le_bytes().as_slice(), &t.to_le_bytes(), &w.to_le_bytes()].concat())
        .collect();
    let Some(parts) = comm.gather_bytes(&bytes) else {
        return Vec::new();
    };
    let mut all: Vec<(u32, u32, f64)> = parts
        .iter()
        .flat_map(|b| b.chunks_exact(16))
        .map(|c| {
            let u = |r: std::ops::Range<usize>| u32::from_le_bytes(c[r].try_into().expect("4 bytes"));
            (
                u(0..4),
                u(4..8),
                f64::from_le_bytes(c[8..16].try_into().expect("8 bytes")),
            )
        })
        .collect();
    // processes hold ascending target ranges: a stable sort by (source,
    // target) restores the one-process order, draw order within a pair
    all.sort_by_key(|&(s, t, _)| (s, t));
    all
}

/// What the engine needs of `p`.
fn engine_config(p: &Params, d: &Derived) -> EngineConfig {
    EngineConfig {
        delay: d.delay_steps,
        steps: d.steps,
        poisson_mean: d.nu_X * p.dt / 1000.0,
        w_ext: d.I_X,
        seed: p.seed,
    }
}

/// The statistics of a finished simulation: rates, weights of the subset
/// and of every E->E synapse (over every process of `comm`), counters.
/// Timings, memory, threads and model are left for the caller; the passes
/// over the weights run on `pool`.
fn measure(
    p: &Params,
    d: &Derived,
    res: &SimResult,
    net: &Network,
    subset: &[(u32, u32, f64)],
    comm: &dyn Comm,
    pool: &rayon::ThreadPool,
) -> RunRecord {
    let sub: Vec<f64> = subset.iter().map(|&(_, _, w)| w).collect();
    let sub = summarise(&[&sub]);
    let runs: Vec<&[f64]> = net.parts.iter().map(|p| p.pl_weights.as_slice()).collect();
    let all: Summary = summarise_over(comm, &runs, Some(pool));
    let mut counters = [net.n_synapses(), res.synaptic_events, res.external_events];
    comm.sum_u64(&mut counters);
    let [n_synapses, synaptic_events, external_events] = counters;
    let t_s = p.T / 1000.0;
    let rate_of = |r: std::ops::Range<usize>| {
        let n = r.len();
        let c: u64 = res.counts[r].iter().map(|&c| c as u64).sum();
        if n == 0 || t_s == 0.0 {
            None
        } else {
            Some(c as f64 / t_s / n as f64)
        }
    };
    RunRecord {
        rate: rate_of(0..p.N).unwrap_or(0.0),
        weight_mean: sub.mean,
        weight_sd: sub.sd,
        weight_min: sub.min,
        weight_max: sub.max,
        weight_median: sub.median,
        weight_all_mean: Some(all.mean),
        weight_all_sd: Some(all.sd),
        weight_all_min: Some(all.min),
        weight_all_max: Some(all.max),
        weight_all_median: Some(all.median),
        weight_all_zero_fraction: Some(all.zero_fraction),
        rate_e: rate_of(0..d.N_E),
        rate_i: rate_of(d.N_E..p.N),
        n_spikes: Some(res.counts.iter().map(|&c| c as u64).sum()),
        n_synapses: Some(n_synapses),
        synaptic_events: Some(synaptic_events),
        external_events: Some(external_events),
        bytes_exchanged: Some(res.exchanged_bytes),
        seed: Some(p.seed),
        version: Some(crate::VERSION.to_string()),
        n: Some(p.N),
        t: Some(p.T),
        phases: Some(res.phases.clone()),
        ..Default::default()
    }
}
