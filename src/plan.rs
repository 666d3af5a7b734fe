//! Plan before spending: the cost model of one sweep point (synapses,
//! peak memory, build and simulation time), the `--dry-run` table, and the
//! memory check that refuses a point before anything is allocated.
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
//! incl. STDP); both divided by the thread speed-up. See [`calib`] for how the coefficients were measured and how
//! far off the estimate was on a real sweep.

use crate::config::Plan;
use crate::error::{Error, Result};
use crate::models::ModelKind;
use crate::params::Params;
use crate::sweep::{point_params, Point};

/// Calibration of the cost model. Recalibrate here when the engine changes.
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
/// Accuracy: see the README ("Plan before spending"): on the original sweep
/// (in sample) and at N = 1,000,000, T = 1 s (out of sample).
pub mod calib {
    /// Fixed resident memory of the process (bytes); a tiny point measures ~6 MB.
    pub const BASE_BYTES: f64 = 15e6;
    /// Factor on the size-dependent memory (allocator slack, thread arenas).
    pub const MEM_MARGIN: f64 = 1.15;
    /// Build (create and connect) time per synapse, one thread (s).
    pub const BUILD_S_PER_SYNAPSE: f64 = 9.2e-9;
    /// iaf_psc_alpha: update time per neuron and simulated second, one thread (s).
    pub const IAF_UPDATE_S: f64 = 1.49e-5;
    /// iaf_psc_alpha: delivery time per synaptic event incl. STDP, one thread (s).
    pub const IAF_EVENT_S: f64 = 1.38e-8;
    /// ignore_and_fire: update time per neuron and simulated second, one thread (s).
    pub const IGNORE_UPDATE_S: f64 = 6.74e-6;
    /// ignore_and_fire: delivery time per synaptic event incl. STDP, one thread (s).
    pub const IGNORE_EVENT_S: f64 = 1.37e-8;
    /// Speed-up per additional thread (1 = perfect scaling).
    pub const PARALLEL_EFFICIENCY: f64 = 1.0;
    /// iaf_psc_alpha rate below [`IAF_SMALL_N`] (1/s); measured 4.5 ± 0.6/s at N = 1250.
    pub const IAF_RATE_SMALL: f64 = 5.0;
    /// iaf_psc_alpha rate from [`IAF_SMALL_N`] on (1/s); measured 1.0-1.4/s.
    pub const IAF_RATE: f64 = 1.2;
    /// Network size from which iaf_psc_alpha settles to its low rate.
    pub const IAF_SMALL_N: usize = 2500;
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
    /// Estimated build wall time (s).
    pub build_s: f64,
    /// Estimated simulation wall time (s).
    pub sim_s: f64,
}

/// The conservative rate (spikes/s) the model assumes for `model` at `p`:
/// ignore_and_fire fires at the mean of `rate_dist`; iaf_psc_alpha at the
/// calibrated bound of [`calib`] (an assumption: other parameters than the
/// defaults can give very different rates).
pub fn assumed_rate(model: ModelKind, p: &Params) -> f64 {
    match model {
        ModelKind::IgnoreAndFire => 0.5 * (p.rate_dist[0] + p.rate_dist[1]),
        ModelKind::IafPscAlpha if p.N < calib::IAF_SMALL_N => calib::IAF_RATE_SMALL,
        ModelKind::IafPscAlpha => calib::IAF_RATE,
    }
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
    let sim_peak = syn_bytes + offsets + per_neuron + 16.0 * e_spikes + 16.0 * spikes;
    let memory = calib::BASE_BYTES + calib::MEM_MARGIN * build_peak.max(sim_peak);
    let (a, b) = match model {
        ModelKind::IafPscAlpha => (calib::IAF_UPDATE_S, calib::IAF_EVENT_S),
        ModelKind::IgnoreAndFire => (calib::IGNORE_UPDATE_S, calib::IGNORE_EVENT_S),
    };
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let speedup = 1.0 + calib::PARALLEL_EFFICIENCY * (threads.clamp(1, cores) - 1) as f64;
    Ok(Cost {
        neurons: p.N,
        plastic,
        static_,
        synapses,
        rate,
        spikes,
        memory,
        build_s: calib::BUILD_S_PER_SYNAPSE * synapses as f64 / speedup,
        sim_s: (a * n * t_s + b * spikes * p.K as f64) / speedup,
    })
}

/// Memory available to new processes (bytes): `MemAvailable` of
/// /proc/meminfo; None where it cannot be read.
pub fn mem_available() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = s.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Refuse a point whose estimated memory exceeds `available` bytes; the
/// error names the point, both numbers and the way out (`--force`).
pub fn check_memory(pt: &Point, cost: &Cost, available: Option<u64>) -> Result<()> {
    match available {
        Some(avail) if cost.memory > avail as f64 => Err(Error::config(
            "N",
            format!(
                "{} N={} seed={} needs an estimated {} of memory ({} synapses) but only {} is available \
                 (MemAvailable in /proc/meminfo); nothing was run. Use a smaller N or fewer threads, \
                 or --force to run it anyway",
                pt.model.name(),
                pt.n,
                pt.seed,
                bytes(cost.memory),
                cost.synapses,
                bytes(avail as f64)
            ),
        )),
        _ => Ok(()),
    }
}

/// Human-readable bytes (decimal units): `155.3 MB`.
pub fn bytes(b: f64) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut v = b;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{v:.0} {}", UNITS[u])
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Human-readable duration: `0.42 s`, `12.3 s`, `4.2 min`, `3.1 h`, `2.0 d`.
pub fn duration(s: f64) -> String {
    if !s.is_finite() {
        "?".into()
    } else if s < 10.0 {
        format!("{s:.2} s")
    } else if s < 120.0 {
        format!("{s:.1} s")
    } else if s < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else if s < 172_800.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1} d", s / 86400.0)
    }
}

/// Print the plan of a sweep to stdout: per point neurons, synapses
/// (plastic, static, total), estimated peak memory, build and sim time, and
/// what a run would do with it (`status[k]` of point k: `run`, `rerun` or
/// `reuse`); then the totals.
/// Writes nothing.
pub fn print(plan: &Plan, pts: &[Point], threads: usize, status: &[&str]) {
    println!(
        "{:<16} {:>9} {:>5} {:>13} {:>13} {:>13} {:>10} {:>10} {:>10}  status",
        "model", "N", "seed", "plastic", "static", "synapses", "memory", "build", "sim"
    );
    let (mut total_s, mut max_mem) = (0.0, 0.0f64);
    for (k, pt) in pts.iter().enumerate() {
        let p = point_params(plan, pt);
        let st = status.get(k).copied().unwrap_or("run");
        match estimate(pt.model, &p, threads) {
            Ok(c) => {
                if st != "reuse" {
                    total_s += c.build_s + c.sim_s;
                    max_mem = max_mem.max(c.memory);
                }
                println!(
                    "{:<16} {:>9} {:>5} {:>13} {:>13} {:>13} {:>10} {:>10} {:>10}  {st}",
                    pt.model.name(),
                    c.neurons,
                    pt.seed,
                    c.plastic,
                    c.static_,
                    c.synapses,
                    bytes(c.memory),
                    duration(c.build_s),
                    duration(c.sim_s),
                )
            }
            Err(e) => println!("{:<16} {:>9} {:>5}  invalid: {e}", pt.model.name(), pt.n, pt.seed),
        }
    }
    let avail = mem_available();
    println!(
        "{} point(s), {threads} thread(s); to run: about {} in total, peak memory {} (available: {})",
        pts.len(),
        duration(total_s),
        bytes(max_mem),
        avail.map_or("unknown".into(), |a| bytes(a as f64))
    );
    if avail.is_some_and(|a| max_mem > a as f64) {
        println!("some points exceed the available memory: a run refuses them unless --force");
    }
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
        let e = check_memory(&pt, &c, Some(1 << 30)).unwrap_err().to_string();
        assert!(e.contains("N=200000000") && e.contains("--force"), "{e}");
        assert!(check_memory(&pt, &c, None).is_ok());
    }

    #[test]
    fn units() {
        assert_eq!(bytes(155.3e6), "155.3 MB");
        assert_eq!(bytes(12.0), "12 B");
        assert_eq!(duration(0.5), "0.50 s");
        assert_eq!(duration(3600.0), "60.0 min");
    }
}
