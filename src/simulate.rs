//! One sweep point, run: build the network for (model, N, seed), simulate
//! it, and compute its statistics. It picks the model by kind (through the
//! model table); the engine below it knows no model.

use crate::engine::{EngineConfig, SimResult, Simulation};
use crate::error::{Error, Result};
use crate::models::{ModelKind, ModelVisitor, NeuronModel};
use crate::network::{build, Layout, Network};
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

/// Run one point on the current rayon pool with `threads` partitions;
/// `progress(steps_done, steps_total)` is called after each slice and stops
/// the point (with [`Error::Interrupted`]) by returning false.
pub fn run(
    kind: ModelKind,
    p: &Params,
    threads: usize,
    progress: impl FnMut(usize, usize) -> bool,
) -> Result<PointResult> {
    let d = p.derive()?;
    kind.visit(
        p,
        Simulate {
            kind,
            p,
            d: &d,
            threads,
            progress,
        },
    )
}

/// [`run`] with the model built.
struct Simulate<'a, F> {
    kind: ModelKind,
    p: &'a Params,
    d: &'a Derived,
    threads: usize,
    progress: F,
}

impl<F: FnMut(usize, usize) -> bool> ModelVisitor for Simulate<'_, F> {
    type Output = Result<PointResult>;

    fn visit<M: NeuronModel>(mut self, model: &M) -> Result<PointResult> {
        let (p, d) = (self.p, self.d);
        crate::host::reset_peak_rss();
        let t_build = Instant::now();
        let mut sim = Simulation::new(
            model,
            StdpPl::new(p, d.delay_steps, d.steps),
            build_network(p, d, self.threads),
            engine_config(p, d),
        );
        let n_synapses = sim.network().n_synapses();
        let build_time = t_build.elapsed().as_secs_f64();
        let t_sim = Instant::now();
        let res = sim.run(|done| (self.progress)(done, d.steps));
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
        let peak = crate::host::peak_rss_bytes();
        let subset = sim.network().plastic_subset(SUBSET);
        let mut record = measure(p, d, &res, sim.network(), &subset);
        record.build_time = build_time;
        record.sim_time = sim_time;
        record.n_synapses = Some(n_synapses);
        record.peak_rss_bytes = peak;
        record.threads = Some(self.threads);
        record.model = Some(self.kind.name().to_string());
        Ok(PointResult {
            record,
            sim: res,
            subset,
        })
    }
}

/// Create and connect the network of `p` in `parts` partitions.
fn build_network(p: &Params, d: &Derived, parts: usize) -> Network {
    let layout = Layout {
        n: p.N,
        n_e: d.N_E,
        k_e: d.K_E,
        k_i: d.K_I,
        w_exc: d.I_E,
        w_inh: d.I_I,
        seed: p.seed,
    };
    build(&layout, parts)
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
/// and of every E->E synapse, counters. Timings, memory, threads and model
/// are left for the caller.
fn measure(p: &Params, d: &Derived, res: &SimResult, net: &Network, subset: &[(u32, u32, f64)]) -> RunRecord {
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
        n_spikes: Some(res.spikes.len() as u64),
        synaptic_events: Some(res.synaptic_events),
        external_events: Some(res.external_events),
        seed: Some(p.seed),
        version: Some(crate::VERSION.to_string()),
        n: Some(p.N),
        t: Some(p.T),
        phases: Some(res.phases.clone()),
        ..Default::default()
    }
}
