//! One sweep point: build the network for (model, N, seed), simulate it,
//! and compute its statistics. Knows which model to instantiate; the engine
//! below it does not.

use crate::engine::{EngineConfig, SimResult, Simulation};
use crate::error::{Error, Result};
use crate::models::{IafPscAlpha, IgnoreAndFire, ModelKind, NeuronModel};
use crate::network::{build, Layout};
use crate::output::data_json::RunRecord;
use crate::params::{Derived, Params};
use crate::plasticity::StdpPl;
use crate::stats::{summarise, Summary};
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

/// Peak resident set size of this process (bytes), from /proc (Linux); None elsewhere.
pub fn peak_rss_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Reset the kernel's peak-RSS mark so the next reading covers only what follows (Linux).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Run one point on the current rayon pool with `threads` partitions;
/// `progress(steps_done, steps_total)` is called after each slice.
pub fn run(
    kind: ModelKind,
    p: &Params,
    threads: usize,
    progress: impl FnMut(usize, usize) -> bool,
) -> Result<PointResult> {
    let d = p.derive()?;
    match kind {
        ModelKind::IafPscAlpha => simulate(kind, &IafPscAlpha::new(p), p, &d, threads, progress),
        ModelKind::IgnoreAndFire => simulate(kind, &IgnoreAndFire::new(p), p, &d, threads, progress),
    }
}

fn simulate<M: NeuronModel>(
    kind: ModelKind,
    model: &M,
    p: &Params,
    d: &Derived,
    threads: usize,
    mut progress: impl FnMut(usize, usize) -> bool,
) -> Result<PointResult> {
    reset_peak_rss();
    let t_build = Instant::now();
    let layout = Layout {
        n: p.N,
        n_e: d.N_E,
        k_e: d.K_E,
        k_i: d.K_I,
        w_exc: d.I_E,
        w_inh: d.I_I,
        seed: p.seed,
    };
    let net = build(&layout, threads);
    let n_synapses = net.n_synapses();
    let cfg = EngineConfig {
        delay: d.delay_steps,
        steps: d.steps,
        poisson_mean: d.nu_X * p.dt / 1000.0,
        w_ext: d.I_X,
        seed: p.seed,
    };
    let stdp = StdpPl::new(p, d.delay_steps, d.steps);
    let mut sim = Simulation::new(model, stdp, net, cfg);
    let build_time = t_build.elapsed().as_secs_f64();
    let t_sim = Instant::now();
    let res = sim.run(|done| progress(done, d.steps));
    let sim_time = t_sim.elapsed().as_secs_f64();
    if res.steps_done < d.steps {
        return Err(Error::Interrupted(format!(
            "{} N={} stopped after {} ms of {} ms",
            kind.name(),
            p.N,
            res.steps_done as f64 * p.dt,
            p.T
        )));
    }
    let peak = peak_rss_bytes();
    let net = sim.network();
    let subset = net.plastic_subset(SUBSET);
    let sub = summarise(|f| subset.iter().for_each(|&(_, _, w)| f(w)));
    let all: Summary = summarise(|f| net.for_each_plastic(usize::MAX, |_, _, w| f(w)));
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
    let n_spikes = res.spikes.len() as u64;
    let record = RunRecord {
        build_time,
        sim_time,
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
        n_spikes: Some(n_spikes),
        n_synapses: Some(n_synapses),
        synaptic_events: Some(res.synaptic_events),
        external_events: Some(res.external_events),
        peak_rss_bytes: peak,
        threads: Some(threads),
        seed: Some(p.seed),
        version: Some(crate::VERSION.to_string()),
        model: Some(kind.name().to_string()),
        n: Some(p.N),
        t: Some(p.T),
        phases: Some(res.phases.clone()),
        param_digest: None,
    };
    Ok(PointResult {
        record,
        sim: res,
        subset,
    })
}
