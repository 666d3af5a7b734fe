//! `scaling calibrate`: measure this machine for the cost model. The
//! built-in coefficients of [`crate::cost`] were measured on the project's
//! dev machine; on another machine (a cluster node) `--dry-run` would plan
//! with the wrong speed. Calibrating runs a short sweep here (both models,
//! N = 1250, 5000 and 12500, T = 5 s, two seeds each, in a temporary
//! directory; 6 s on the project's third dev machine, a minute or two on a
//! slow one) or reads the points of a results tree measured here, fits the
//! factors of [`Machine::fit`], times the first touch of 1 GiB of cold
//! memory (touched and freed before the sweep, touched again at least
//! [`COLD_WAIT_S`] later), and writes the calibration file that `scaling run
//! --calibration FILE` reads.
//!
//! Pipeline: free the probe's memory → sweep (or tree) → samples → touch
//! probe → fit → file → report.

use crate::analysis::load::{load_tree, StoredPoint};
use crate::comm::Solo;
use crate::config::{self, RunOptions};
use crate::cost::machine::{Machine, Sample};
use crate::error::Result;
use crate::host;
use std::path::{Path, PathBuf};

/// What `scaling calibrate` was asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// A results tree to fit to instead of running the calibration sweep.
    pub dir: Option<PathBuf>,
    /// The calibration file to write.
    pub out: PathBuf,
    /// Worker threads of the calibration sweep (0: every core).
    pub threads: usize,
    /// Print only errors.
    pub quiet: bool,
}

/// Sizes of the calibration sweep: small, middle and large within one
/// target block, so no point pays the slowdown of large partitions.
pub const SIZES: &str = "1250,5000,12500";
/// Simulated time of each calibration point (ms).
pub const T_MS: &str = "5000";
/// Seeds of each calibration point (1..=this): every (model, N) is
/// measured this many times, so each model's medians in [`Machine::fit`]
/// have six points. With one seed, a factor rested on three points; two
/// calibrations minutes apart on the third dev machine (2026-12-04) then
/// gave build factors of 1.84 and 1.60 and iaf_psc_alpha update factors of
/// 0.75 and 1.10, and planned that machine's builds 2-2.8x too long; with
/// two seeds (still the plain median of the builds), two fits gave build
/// factors of 0.61 and 0.60 and update factors of 0.85 and 0.78
/// (docs/performance.md, "Third machine").
pub const SEEDS: u64 = 2;
/// Fresh memory the touch probe allocates (bytes).
pub const TOUCH_BYTES: usize = 1 << 30;
/// Least time (s) between freeing the touch probe's first 1 GiB and
/// touching it again: a VM that hands free memory back to its host has
/// handed most of it back by then, so the probe finds cold memory
/// whatever ran before. On the third dev machine (2026-12-04) 1 GiB freed
/// and touched again came back cold in 66 % of its huge pages after 2 s,
/// 77 % after 5 s and 95 % after 12 s; within 1 s none.
pub const COLD_WAIT_S: f64 = 5.0;
/// The quantile of the probe's piece times taken as the cold rate: the
/// pieces are cold or warm (a VM's host faults, 50x apart on the third
/// dev machine), and after [`COLD_WAIT_S`] well over this share is cold.
pub const COLD_QUANTILE: f64 = 0.9;

/// Calibrate: measure (or read) the points, fit, write `o.out`, report.
pub fn run(o: &Options) -> Result<()> {
    let say = |s: &str| {
        if !o.quiet {
            eprintln!("{s}");
        }
    };
    // touch and free the probe's memory first: the sweep's time lets the
    // OS hand it back (where it does), so the probe below finds it cold
    let probe_threads = if o.threads == 0 {
        host::cores()
    } else {
        o.threads.min(host::cores())
    };
    host::touch_pieces(TOUCH_BYTES, probe_threads);
    let freed = std::time::Instant::now();
    let points = match &o.dir {
        Some(dir) => load_tree(dir)?.points,
        None => {
            say(&format!(
                "calibrating: both models at N = {SIZES}, T = {T_MS} ms, seeds 1-{SEEDS}, {} thread(s)",
                threads_text(o.threads)
            ));
            measure(o.threads, o.quiet)?
        }
    };
    let samples: Vec<Sample> = points.iter().filter_map(sample).collect();
    std::thread::sleep(std::time::Duration::from_secs_f64(
        (COLD_WAIT_S - freed.elapsed().as_secs_f64()).max(0.0),
    ));
    let touch = cold_s_per_byte(&host::touch_pieces(TOUCH_BYTES, probe_threads));
    let origin = format!(
        "{}, {} cores, host {}; calibrated {} from {} point(s){}",
        host::cpu_model(),
        host::cores(),
        host::hostname(),
        crate::units::utc_minute(host::unix_now()),
        samples.len(),
        o.dir.as_ref().map_or(String::new(), |d| format!(" of {}", d.display()))
    );
    let machine = Machine::fit(&samples, touch, host::cores(), origin)?;
    crate::output::write_json(&o.out, &machine)?;
    say(&report(&machine, &o.out));
    Ok(())
}

/// Run the calibration sweep in a temporary directory and read its points.
fn measure(threads: usize, quiet: bool) -> Result<Vec<StoredPoint>> {
    let tmp = std::env::temp_dir().join(format!("scaling-calibrate-{}", std::process::id()));
    let run = || -> Result<Vec<StoredPoint>> {
        let opts = RunOptions {
            models: Some("iaf,ignore".into()),
            n: Some(SIZES.into()),
            t: Some(T_MS.into()),
            repeats: Some(SEEDS),
            threads: Some(threads.to_string()),
            out: Some(tmp.clone()),
            no_analyse: true,
            no_spikes: true,
            force: true,
            quiet,
            ..RunOptions::default()
        };
        crate::sweep::run(&config::from_run_options(&opts)?, &Solo)?;
        Ok(load_tree(&tmp)?.points)
    };
    let points = run();
    // best effort: a leftover temporary directory is harmless
    let _ = std::fs::remove_dir_all(&tmp);
    points
}

/// The fit's view of a stored point; `None` for a point without what the
/// fit needs (NEST's trees, points of several processes).
fn sample(p: &StoredPoint) -> Option<Sample> {
    let r = &p.record;
    if r.processes.unwrap_or(1) != 1 {
        return None;
    }
    let phases = r.phases.as_ref()?;
    Some(Sample {
        model: p.model,
        n: p.n,
        t_ms: r.t?,
        threads: r.threads?,
        build_time: r.build_time,
        synapses: r.n_synapses?,
        update: phases.update,
        deliver: phases.deliver + phases.gather,
        events: r.synaptic_events?,
    })
}

/// One thread's time per byte of cold memory (s) from the probe's piece
/// times (s per [`host::TOUCH_PIECE`]): their [`COLD_QUANTILE`].
fn cold_s_per_byte(pieces: &[f64]) -> f64 {
    let mut t: Vec<f64> = pieces.iter().copied().filter(|t| t.is_finite()).collect();
    if t.is_empty() {
        return 0.0;
    }
    t.sort_by(f64::total_cmp);
    let k = ((t.len() - 1) as f64 * COLD_QUANTILE).round() as usize;
    t[k] / host::TOUCH_PIECE as f64
}

/// "every core" for 0, else the count.
fn threads_text(threads: usize) -> String {
    if threads == 0 {
        format!("{} (every core)", host::cores())
    } else {
        threads.to_string()
    }
}

/// What the calibration found, for the terminal.
fn report(m: &Machine, out: &Path) -> String {
    let mut s = format!(
        "this machine against the built-in cost model (factor > 1: slower):\n  build {:.2}x, first touch of cold memory {:.2} s/GB per thread",
        m.build,
        m.touch_s_per_byte * 1e9
    );
    for (name, sp) in &m.models {
        s += &format!("\n  {name}: update {:.2}x, events {:.2}x", sp.update, sp.event);
    }
    s += &format!(
        "\nwrote {}; plan with `scaling run --calibration {} --dry-run ...`",
        out.display(),
        out.display()
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cold_rate_is_the_slow_pieces_whatever_share_came_warm() {
        let piece = host::TOUCH_PIECE as f64;
        // a VM: warm pieces 0.09 ms, cold 4.3 ms, 30 % warm (the sweep's recycled memory)
        let mut pieces: Vec<f64> = (0..512).map(|i| if i % 10 < 3 { 0.09e-3 } else { 4.3e-3 }).collect();
        assert_eq!(cold_s_per_byte(&pieces), 4.3e-3 / piece);
        // in any order
        pieces.reverse();
        assert_eq!(cold_s_per_byte(&pieces), 4.3e-3 / piece);
        // a machine that zeroes every piece alike: that time
        let even: Vec<f64> = (0..512).map(|i| 0.1e-3 + 1e-7 * (i % 7) as f64).collect();
        let r = cold_s_per_byte(&even) * piece;
        assert!((0.1e-3..=0.1007e-3).contains(&r), "{r}");
        assert_eq!(cold_s_per_byte(&[]), 0.0);
    }

    #[test]
    fn the_probe_times_every_piece() {
        let t = host::touch_pieces(3 * host::TOUCH_PIECE + 1, 2);
        assert_eq!(t.len(), 4);
        assert!(t.iter().all(|t| t.is_finite() && *t >= 0.0));
    }
}
