//! The cost model of one sweep point (synapses, peak memory, build and
//! simulation time), behind `--dry-run` and the memory check that refuses a
//! point before anything is allocated.
//!
//! # Cost model
//!
//! Memory (bytes), following the engine's storage (`network::storage`,
//! `engine`), with P = partitions = worker threads and D = delay steps:
//!
//! | item | bytes |
//! | --- | --- |
//! | plastic E->E synapse (u32 target + f64 weight) | 12 per synapse, N_E*K_E synapses |
//! | static synapse (u32 target) | 4 per synapse, N*K - N_E*K_E synapses |
//! | CSR row offsets | 8 * ((N_E+1) + (N+1)) * P; twice that while building (fill cursors) |
//! | input ring | 2 channels * 2*D slots * 8 per neuron |
//! | neuron state, Poisson drive | 48 + 48 per neuron |
//! | STDP spike history | 16 per spike of an E neuron |
//! | recorded spikes | 8 per spike, twice that while the vector grows |
//! | process base | [`calib::BASE_BYTES`] |
//!
//! The synapse-dependent part is multiplied by [`calib::MEM_MARGIN`]. Spikes
//! are estimated as N * rate * T with a conservative rate (see
//! [`assumed_rate`]).
//!
//! Time (wall seconds): build = [`calib::BUILD_S_PER_SYNAPSE`] * synapses;
//! sim = a * N * T + b * N * rate * K * T per model (a: neuron update incl.
//! Poisson drive, per neuron and simulated second; b: per synaptic event
//! incl. STDP); both divided by the thread speed-up. The per-model
//! coefficients a and b and the assumed rate are the model's
//! [`Calibration`] in the model table (`crate::models`); see [`calib`] for
//! how they were measured and how far off the estimate was on a real sweep.

use crate::error::{Error, Result};
use crate::models::{Calibration, ModelKind};
use crate::params::Params;
use crate::point::Point;
use crate::units::{bytes, sim_time};

/// Calibration of the model-independent part of the cost model; the
/// per-model coefficients live in each model's [`Calibration`] (the model
/// table in `crate::models`). Recalibrate both when the engine changes.
///
/// How: on the project's dev machine (2 cores of an AMD EPYC, otherwise
/// idle), release build, the original sweep `scaling run` (both models,
/// N = 1250..13750, T = 10 s, 2 threads); from each point's `data.json`,
/// summed over the 11 points of a model: update coefficient = `threads *
/// phases.update / (N * T)`, event coefficient = `threads * (phases.deliver +
/// phases.gather) / (n_spikes * K)`, build = `threads * build_time /
/// n_synapses`. The rates are typical measured ones: iaf_psc_alpha 4.5 ±
/// 0.6/s at N = 1250 over seeds 1-40 (5.5/s with seed 1) and 1.0-1.4/s from
/// N = 2500 on with seed 1 (NEST's seeds 1-36 give 4.4 ± 0.5 at N = 1250,
/// seeds 1-3 2.5 ± 1.4 at N = 2500).
///
/// Threads: coefficients are single-thread costs; the estimate divides by
/// `1 + PARALLEL_EFFICIENCY * (t - 1)` with t = min(threads, cores).
///
/// Accuracy: see docs/performance.md ("Plan before spending"): on the
/// original sweep (in sample) and at N = 1,000,000, T = 1 s (out of sample).
pub mod calib {
    /// Fixed resident memory of the process (bytes); a tiny point measures ~6 MB.
    pub const BASE_BYTES: f64 = 15e6;
    /// Factor on the size-dependent memory (allocator slack, thread arenas).
    pub const MEM_MARGIN: f64 = 1.15;
    /// Build (create and connect) time per synapse, one thread (s).
    pub const BUILD_S_PER_SYNAPSE: f64 = 9.2e-9;
    /// Speed-up per additional thread (1 = perfect scaling).
    pub const PARALLEL_EFFICIENCY: f64 = 1.0;
}

/// What one point costs, estimated before it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Cost {
    /// Neurons (N).
    pub neurons: usize,
    /// Plastic E->E synapses, N_E * K_E.
    pub plastic: u64,
    /// Static synapses (E->I, I->E, I->I), N*K - N_E*K_E.
    pub static_: u64,
    /// All synapses between network neurons, N*K.
    pub synapses: u64,
    /// Assumed rate (spikes/s per neuron).
    pub rate: f64,
    /// Expected spikes in [0, T].
    pub spikes: f64,
    /// Estimated peak resident memory (bytes).
    pub memory: f64,
    /// Of `memory`, the part that grows with the spikes (recorded spikes
    /// and STDP spike history) (bytes).
    pub spike_bytes: f64,
    /// Estimated build wall time (s).
    pub build_s: f64,
    /// Estimated simulation wall time (s).
    pub sim_s: f64,
}

/// The conservative rate (spikes/s) assumed for `model` at `p`: the
/// model's [`Calibration::rate`] (an assumption: other parameters than the
/// defaults can give very different rates).
pub fn assumed_rate(model: ModelKind, p: &Params) -> f64 {
    (model.info().cost.rate)(p)
}

/// Estimate the cost of one point with `threads` partitions; errors if the
/// parameters are invalid.
pub fn estimate(model: ModelKind, p: &Params, threads: usize) -> Result<Cost> {
    let d = p.derive()?;
    let n = p.N as f64;
    let plastic = d.N_E as u64 * d.K_E as u64;
    let synapses = p.N as u64 * p.K as u64;
    let static_ = synapses - plastic;
    let rate = assumed_rate(model, p);
    let t_s = p.T / 1000.0;
    let spikes = n * rate * t_s;
    let e_spikes = d.N_E as f64 * rate * t_s;
    let parts = threads.clamp(1, p.N.max(1)) as f64;
    let offsets = 8.0 * ((d.N_E + 1) as f64 + (p.N + 1) as f64) * parts;
    let syn_bytes = 12.0 * plastic as f64 + 4.0 * static_ as f64;
    let per_neuron = n * (2.0 * 2.0 * d.delay_steps as f64 * 8.0 + 48.0 + 48.0 + 4.0);
    let build_peak = syn_bytes + 2.0 * offsets;
    let spike_bytes = 16.0 * e_spikes + 16.0 * spikes;
    let sim_peak = syn_bytes + offsets + per_neuron + spike_bytes;
    let memory = calib::BASE_BYTES + calib::MEM_MARGIN * build_peak.max(sim_peak);
    let Calibration {
        update_s: a,
        event_s: b,
        ..
    } = model.info().cost;
    let cores = crate::host::cores();
    let speedup = 1.0 + calib::PARALLEL_EFFICIENCY * (threads.clamp(1, cores) - 1) as f64;
    Ok(Cost {
        neurons: p.N,
        plastic,
        static_,
        synapses,
        rate,
        spikes,
        memory,
        spike_bytes: if sim_peak > build_peak {
            calib::MEM_MARGIN * spike_bytes
        } else {
            0.0
        },
        build_s: calib::BUILD_S_PER_SYNAPSE * synapses as f64 / speedup,
        sim_s: (a * n * t_s + b * spikes * p.K as f64) / speedup,
    })
}

/// Refuse a point whose estimated memory exceeds `available` bytes; the
/// error names the parameter that makes the point too big (`T` when the
/// spike record dominates, else `N`), both sizes, and what would fit.
/// Nothing is checked where `available` is unknown.
pub fn check_memory(pt: &Point, p: &Params, threads: usize, available: Option<u64>) -> Result<()> {
    let Some(avail) = available else {
        return Ok(());
    };
    let c = estimate(pt.model, p, threads)?;
    if c.memory <= avail as f64 {
        return Ok(());
    }
    let (key, hint) = if c.spike_bytes > c.memory - c.spike_bytes {
        let on_grid = |t: f64| (t / p.dt).floor() * p.dt;
        let fit = largest_fitting(
            p.T,
            |t| Params {
                T: on_grid(t),
                ..p.clone()
            },
            pt.model,
            threads,
            avail,
        );
        let hint = match fit.map(on_grid) {
            Some(t) => format!("at most T = {t} ms ({}) fits; use a shorter --T", sim_time(t)),
            None => "no T fits at this N; use a smaller --N".into(),
        };
        (
            "T",
            format!("the spike record of T = {} needs most of it; {hint}", sim_time(p.T)),
        )
    } else {
        let with_n = |n: f64| Params {
            N: n as usize,
            ..p.clone()
        };
        let fit = largest_fitting(p.N as f64, with_n, pt.model, threads, avail);
        let hint = match fit.map(|n| n as usize) {
            Some(n) => format!("at most N = {n} fits"),
            None => "nothing fits".into(),
        };
        ("N", format!("{} synapses need most of it; {hint}", c.synapses))
    };
    Err(Error::config(
        key,
        format!(
            "{} needs an estimated {} of memory but only {} is available (MemAvailable in \
             /proc/meminfo): {hint}, or --force to run it anyway; nothing was run",
            pt.label(),
            bytes(c.memory),
            bytes(avail as f64),
        ),
    ))
}

/// The largest value in (0, `at`] of one parameter (set by `with`) whose
/// point fits in `avail` bytes, to 3 significant digits; None if even the
/// smallest tried does not fit.
fn largest_fitting(at: f64, with: impl Fn(f64) -> Params, model: ModelKind, threads: usize, avail: u64) -> Option<f64> {
    let fits = |v: f64| estimate(model, &with(v), threads).is_ok_and(|c| c.memory <= avail as f64);
    let (mut lo, mut hi) = (0.0, at);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-3 * hi {
            break;
        }
    }
    // round down to 3 significant digits, so the suggestion is readable and still fits
    let scale = 10f64.powi(lo.log10().floor() as i32 - 2);
    let v = (lo / scale).floor() * scale;
    (v > 0.0 && fits(v)).then_some(v)
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synapse_counts_follow_derive() {
        let p = Params::default();
        let c = estimate(ModelKind::IafPscAlpha, &p, 2).unwrap();
        assert_eq!((c.plastic, c.static_, c.synapses), (10_000_000, 5_625_000, 15_625_000));
        // 12 B per plastic, 4 B per static synapse dominate
        assert!(c.memory > 1.6e8 && c.memory < 2.2e8, "{}", c.memory);
    }

    #[test]
    fn huge_point_refused() {
        let p = Params {
            N: 200_000_000,
            ..Default::default()
        };
        let c = estimate(ModelKind::IgnoreAndFire, &p, 1).unwrap();
        assert!(c.memory > 1e12);
        let pt = Point {
            model: ModelKind::IgnoreAndFire,
            n: p.N,
            seed: 1,
        };
        let e = check_memory(&pt, &p, 1, Some(1 << 30)).unwrap_err().to_string();
        assert!(e.contains("N=200000000") && e.contains("--force"), "{e}");
        assert!(e.contains("`N`") && e.contains("at most N = "), "{e}");
        assert!(check_memory(&pt, &p, 1, None).is_ok());
    }

    #[test]
    fn long_spike_record_names_t_and_what_fits() {
        let p = Params {
            N: 400,
            T: 5e8,
            ..Default::default()
        };
        let pt = Point {
            model: ModelKind::IafPscAlpha,
            n: p.N,
            seed: 1,
        };
        let avail = 8 << 30;
        let e = check_memory(&pt, &p, 1, Some(avail)).unwrap_err().to_string();
        assert!(
            e.contains("`T`") && e.contains("shorter --T") && !e.contains("EB"),
            "{e}"
        );
        // the suggested T fits
        let t: f64 = e
            .split("at most T = ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let fit = Params { T: t, ..p.clone() };
        assert!(check_memory(&pt, &fit, 1, Some(avail)).is_ok(), "{e}");
    }
}
