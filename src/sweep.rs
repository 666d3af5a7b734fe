//! The sweep: every point (model x N x seed) of a [`Plan`], run one after
//! the other, each written to disk as soon as it finishes. A point whose
//! `data.json` exists with the same parameter digest is skipped, so an
//! interrupted sweep resumes where it stopped; `data.json` is written last,
//! atomically, so its presence marks a complete point.

use crate::cli::AnalyseArgs;
use crate::config::Plan;
use crate::error::{Error, Result};
use crate::models::ModelKind;
use crate::output::{self, data_json::RunRecord};
use crate::params::Params;
use crate::point::{self, PointResult};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One point of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Neuron model.
    pub model: ModelKind,
    /// Network size.
    pub n: usize,
    /// Seed.
    pub seed: u64,
}

/// The points of a plan in sweep order (N, then model, then seed), restricted to its shard.
pub fn points(plan: &Plan) -> Vec<Point> {
    let mut all = Vec::new();
    for &n in &plan.sizes {
        for &model in &plan.models {
            for &seed in &plan.seeds {
                all.push(Point { model, n, seed });
            }
        }
    }
    match plan.shard {
        Some((i, m)) => all
            .into_iter()
            .enumerate()
            .filter(|(k, _)| k % m == i - 1)
            .map(|(_, p)| p)
            .collect(),
        None => all,
    }
}

/// The parameters of one point.
pub fn point_params(plan: &Plan, pt: &Point) -> Params {
    Params {
        N: pt.n,
        seed: pt.seed,
        ..plan.params.clone()
    }
}

/// The directory of one point.
pub fn point_dir(plan: &Plan, pt: &Point) -> PathBuf {
    output::point_dir(
        &plan.out,
        pt.n,
        pt.model.name(),
        plan.seed_dirs.then_some(pt.seed),
    )
}

/// FNV-1a 64-bit hash, hex.
fn fnv1a(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Digest of everything that determines a point's result: model, every
/// parameter, and the `scaling` version.
pub fn digest(model: ModelKind, p: &Params) -> String {
    let text =
        serde_json::to_string(&(model.name(), p, crate::VERSION)).expect("parameters serialise");
    fnv1a(&text)
}

/// Why a point must run, or None if its finished results can be reused.
fn needs_run(dir: &Path, want: &str, force: bool) -> Option<String> {
    let path = dir.join(output::DATA_JSON);
    if force {
        return Some("--force".into());
    }
    if !path.exists() {
        return Some(String::new());
    }
    match RunRecord::load(&path) {
        Ok(r) if r.param_digest.as_deref() == Some(want) => None,
        Ok(r) => Some(format!(
            "existing results in {} were made with other parameters (digest {} != {want}); recomputing",
            dir.display(),
            r.param_digest.as_deref().unwrap_or("none")
        )),
        Err(e) => Some(format!("existing {} unreadable ({e}); recomputing", path.display())),
    }
}

/// Everything a point's `model_instance_parameters.json` holds.
#[derive(Serialize)]
struct ParamFile<'a> {
    model: &'a str,
    #[serde(flatten)]
    params: &'a Params,
    #[serde(flatten)]
    derived: &'a crate::params::Derived,
}

/// Write a finished point's files; data.json last.
fn write_point(dir: &Path, pt: &Point, p: &Params, res: &PointResult, spikes: bool) -> Result<()> {
    let d = p.derive()?;
    if spikes {
        let h = p.dt;
        output::spikes::write(
            &dir.join(output::SPIKES_DAT),
            crate::VERSION,
            res.sim
                .spikes
                .iter()
                .map(|&(stamp, i)| (i, stamp as f64 * h)),
        )?;
    }
    let conn: Vec<(u32, u32, f64, f64)> = res
        .subset
        .iter()
        .map(|&(s, t, w)| (s, t, w, p.delay))
        .collect();
    output::connectivity::write(&dir.join(output::CONNECTIVITY_DAT), &conn)?;
    output::parameters::write(
        &dir.join(output::PARAMETERS_JSON),
        &ParamFile {
            model: pt.model.name(),
            params: p,
            derived: &d,
        },
    )?;
    res.record.save(&dir.join(output::DATA_JSON))
}

/// The sweep manifest `DIR/sweep.json`.
#[derive(Serialize)]
struct Manifest<'a> {
    version: &'a str,
    cpu: String,
    cores: usize,
    threads: usize,
    models: Vec<&'a str>,
    sizes: &'a [usize],
    seeds: &'a [u64],
    shard: Option<(usize, usize)>,
    params: &'a Params,
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Number of worker threads for a requested count (0 = every core).
pub fn resolve_threads(requested: usize) -> usize {
    if requested > 0 {
        requested
    } else {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    }
}

/// Run the sweep of `plan`, then (unless disabled) the analysis pass.
pub fn run(plan: &Plan) -> Result<()> {
    let pts = points(plan);
    let threads = resolve_threads(plan.threads);
    if plan.dry_run {
        crate::plan::print(plan, &pts, threads);
        return Ok(());
    }
    std::fs::create_dir_all(&plan.out)
        .map_err(|e| Error::io("cannot create results directory", &plan.out, e))?;
    let manifest = Manifest {
        version: crate::VERSION,
        cpu: cpu_model(),
        cores: resolve_threads(0),
        threads,
        models: plan.models.iter().map(|m| m.name()).collect(),
        sizes: &plan.sizes,
        seeds: &plan.seeds,
        shard: plan.shard,
        params: &plan.params,
    };
    let text = serde_json::to_string_pretty(&manifest).expect("manifest serialises") + "\n";
    output::atomic::write_bytes(&plan.out.join("sweep.json"), text.as_bytes())?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::config("--threads", format!("cannot start {threads} threads: {e}")))?;
    let say = |s: String| {
        if !plan.quiet {
            eprintln!("{s}");
        }
    };
    let started = Instant::now();
    let (mut ran, mut skipped) = (0, 0);
    for (k, pt) in pts.iter().enumerate() {
        let p = point_params(plan, pt);
        let dir = point_dir(plan, pt);
        let want = digest(pt.model, &p);
        let tag = format!(
            "[{}/{}] {} N={} seed={}",
            k + 1,
            pts.len(),
            pt.model.name(),
            pt.n,
            pt.seed
        );
        match needs_run(&dir, &want, plan.force) {
            None => {
                say(format!("{tag}: done already (same parameters), skipped"));
                skipped += 1;
                continue;
            }
            Some(why) if !why.is_empty() => say(format!("{tag}: {why}")),
            Some(_) => {}
        }
        // a stale data.json must not outlive a recomputation that is cut short
        let stale = dir.join(output::DATA_JSON);
        if stale.exists() {
            std::fs::remove_file(&stale)
                .map_err(|e| Error::io("cannot remove stale", &stale, e))?;
        }
        let mut res = pool.install(|| point::run(pt.model, &p, threads, |_, _| true))?;
        res.record.param_digest = Some(want);
        write_point(&dir, pt, &p, &res, plan.spikes)?;
        let r = &res.record;
        say(format!(
            "{tag}: build {:.2} s, sim {:.2} s, rate {:.3}/s, E->E weight {:.2} ± {:.2} pA",
            r.build_time,
            r.sim_time,
            r.rate,
            r.weight_all_mean.unwrap_or(f64::NAN),
            r.weight_all_sd.unwrap_or(f64::NAN)
        ));
        ran += 1;
    }
    say(format!(
        "sweep: {ran} point(s) run, {skipped} reused, {:.1} s; results in {}",
        started.elapsed().as_secs_f64(),
        plan.out.display()
    ));
    if plan.analyse {
        crate::analysis::run(&AnalyseArgs {
            dir: plan.out.clone(),
            out: plan.figures.clone(),
            format: "png,svg".into(),
            models: None,
            compare: None,
            label: "NEST".into(),
            json: false,
            no_per_run: false,
            quiet: plan.quiet,
        })?;
    }
    Ok(())
}
