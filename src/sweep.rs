//! The sweep: every point (model x N x seed) of a [`Plan`], run one after
//! the other, each written to disk as soon as it finishes. A point whose
//! `data.json` exists with the same parameter digest is skipped, so an
//! interrupted sweep resumes where it stopped; `data.json` is written last,
//! atomically, so its presence marks a complete point.

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
    output::point_dir(&plan.out, pt.n, pt.model.name(), plan.seed_dirs.then_some(pt.seed))
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
    let text = serde_json::to_string(&(model.name(), p, crate::VERSION)).expect("parameters serialise");
    fnv1a(&text)
}

/// What a run does with one point.
#[derive(Debug, Clone, PartialEq)]
pub enum Todo {
    /// Its finished results were made with the same parameters: reuse them.
    Reuse,
    /// Compute it; `Some(why)` if results exist but cannot be reused
    /// (`--force`, other parameters, unreadable or incomplete files).
    Run(Option<String>),
}

/// The files a finished point holds besides `data.json`.
fn companions(spikes: bool) -> Vec<&'static str> {
    let mut v = vec![output::CONNECTIVITY_DAT, output::PARAMETERS_JSON];
    if spikes {
        v.push(output::SPIKES_DAT);
    }
    v
}

/// Decide whether the point in `dir` with parameter digest `want` must run.
/// A `data.json` is reused only if it parses, carries the same digest, and
/// every companion file is there (`spikes.dat` only if `spikes`).
pub fn todo(dir: &Path, want: &str, force: bool, spikes: bool) -> Todo {
    let path = dir.join(output::DATA_JSON);
    if !path.exists() {
        return Todo::Run(None);
    }
    if force {
        return Todo::Run(Some("--force: recomputing existing results".into()));
    }
    match RunRecord::load(&path) {
        Ok(r) if r.param_digest.as_deref() == Some(want) => {
            match companions(spikes).into_iter().find(|f| !dir.join(f).is_file()) {
                None => Todo::Reuse,
                Some(f) => Todo::Run(Some(format!(
                    "{} exists but {f} is missing; recomputing",
                    path.display()
                ))),
            }
        }
        Ok(r) => Todo::Run(Some(format!(
            "existing results in {} were made with other parameters (digest {} != {want}); recomputing",
            dir.display(),
            r.param_digest.as_deref().unwrap_or("none")
        ))),
        Err(e) => Todo::Run(Some(format!("existing results unreadable ({e}); recomputing"))),
    }
}

/// Remove whatever an earlier, possibly killed, run left of a point:
/// `data.json` first (so a cut-short recomputation never looks complete),
/// then the other files and the temporary files of atomic writes. Seed
/// subdirectories are left alone.
fn clear_point(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    let names = [
        output::DATA_JSON,
        output::SPIKES_DAT,
        output::CONNECTIVITY_DAT,
        output::PARAMETERS_JSON,
    ];
    for name in names {
        let f = dir.join(name);
        if f.is_file() {
            std::fs::remove_file(&f).map_err(|e| Error::io("cannot remove stale", &f, e))?;
        }
    }
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io("cannot read directory", dir, e))?;
    for entry in rd.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if names.iter().any(|n| name.starts_with(&format!(".{n}.tmp"))) {
            let f = entry.path();
            std::fs::remove_file(&f).map_err(|e| Error::io("cannot remove stale", &f, e))?;
        }
    }
    Ok(())
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
            res.sim.spikes.iter().map(|&(stamp, i)| (i, stamp as f64 * h)),
        )?;
    }
    let conn: Vec<(u32, u32, f64, f64)> = res.subset.iter().map(|&(s, t, w)| (s, t, w, p.delay)).collect();
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

/// Status of a point in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not reached (yet).
    Pending,
    /// Computed by this run.
    Ran,
    /// Finished results of an earlier run reused.
    Reused,
    /// Stopped by Ctrl-C; its files are incomplete.
    Interrupted,
    /// Failed (see the manifest's `status`).
    Failed,
}

/// One point in the manifest.
#[derive(Serialize)]
struct ManifestPoint {
    model: &'static str,
    #[serde(rename = "N")]
    n: usize,
    seed: u64,
    dir: PathBuf,
    status: Status,
}

/// Where and how the sweep ran.
#[derive(Serialize)]
struct Machine {
    host: String,
    cpu: String,
    cores: usize,
    threads: usize,
    os: String,
    arch: &'static str,
}

/// The sweep manifest: `DIR/sweep.json`, or `DIR/sweep-shard-I-of-M.json`
/// for a shard, so shards writing into one directory do not clobber each
/// other. Rewritten atomically after every point; `status` is `running`
/// until the run ends (a killed run leaves `running`).
#[derive(Serialize)]
struct Manifest<'a> {
    version: &'a str,
    build: &'static str,
    command: Vec<String>,
    started_unix_s: u64,
    finished_unix_s: Option<u64>,
    status: String,
    machine: Machine,
    models: Vec<&'a str>,
    sizes: &'a [usize],
    seeds: &'a [u64],
    shard: Option<(usize, usize)>,
    spikes: bool,
    params: &'a Params,
    points: Vec<ManifestPoint>,
}

/// File name of the manifest of a shard (or of the unsharded sweep).
pub fn manifest_name(shard: Option<(usize, usize)>) -> String {
    match shard {
        Some((i, m)) => format!("sweep-shard-{i}-of-{m}.json"),
        None => "sweep.json".into(),
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|s| s.trim().to_string())
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

impl<'a> Manifest<'a> {
    fn new(plan: &'a Plan, pts: &[Point], threads: usize) -> Self {
        Manifest {
            version: crate::VERSION,
            build: if cfg!(debug_assertions) { "debug" } else { "release" },
            command: std::env::args().collect(),
            started_unix_s: unix_now(),
            finished_unix_s: None,
            status: "running".into(),
            machine: Machine {
                host: read_trimmed("/proc/sys/kernel/hostname").unwrap_or_else(|| "unknown".into()),
                cpu: cpu_model(),
                cores: resolve_threads(0),
                threads,
                os: format!(
                    "{} {}",
                    std::env::consts::OS,
                    read_trimmed("/proc/sys/kernel/osrelease").unwrap_or_default()
                ),
                arch: std::env::consts::ARCH,
            },
            models: plan.models.iter().map(|m| m.name()).collect(),
            sizes: &plan.sizes,
            seeds: &plan.seeds,
            shard: plan.shard,
            spikes: plan.spikes,
            params: &plan.params,
            points: pts
                .iter()
                .map(|pt| ManifestPoint {
                    model: pt.model.name(),
                    n: pt.n,
                    seed: pt.seed,
                    dir: point_dir(plan, pt),
                    status: Status::Pending,
                })
                .collect(),
        }
    }

    /// Remove temporary files a killed run left of this manifest.
    fn clear_stale(&self, dir: &Path) {
        let prefix = format!(".{}.tmp", manifest_name(self.shard));
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                if e.file_name().to_string_lossy().starts_with(&prefix) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }

    fn save(&self, dir: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).expect("manifest serialises") + "\n";
        output::atomic::write_bytes(&dir.join(manifest_name(self.shard)), text.as_bytes())
    }

    fn finish(&mut self, dir: &Path, status: &str) -> Result<()> {
        self.status = status.into();
        self.finished_unix_s = Some(unix_now());
        self.save(dir)
    }
}

/// Number of worker threads for a requested count (0 = every core).
pub fn resolve_threads(requested: usize) -> usize {
    if requested > 0 {
        requested
    } else {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    }
}

/// The label of a point in messages: `[k/n] model N=.. seed=..`.
fn tag(k: usize, total: usize, pt: &Point) -> String {
    format!("[{}/{total}] {} N={} seed={}", k + 1, pt.model.name(), pt.n, pt.seed)
}

/// Short names of points, at most `max` of them.
fn list_points(pts: &[&Point], max: usize) -> String {
    let mut s: Vec<String> = pts
        .iter()
        .take(max)
        .map(|p| format!("{} N={} seed={}", p.model.name(), p.n, p.seed))
        .collect();
    if pts.len() > max {
        s.push(format!("and {} more", pts.len() - max));
    }
    if s.is_empty() {
        "none".into()
    } else {
        s.join(", ")
    }
}

/// Run the sweep of `plan`, then (unless disabled) the analysis pass.
///
/// Pipeline: plan (what to do with each point, `--dry-run` stops here) →
/// memory check → for each point: reuse or run → write (data.json last) →
/// summary line → final summary → analysis. Ctrl-C stops at the next
/// 1.5 ms slice with [`Error::Interrupted`]; finished points stay on disk
/// and a rerun of the same command resumes.
///
/// # Sharding across machines
///
/// `--shard I/M` runs every M-th point starting at the I-th (in sweep order
/// N, model, seed), so the M shards are disjoint and together the whole
/// sweep; each writes its own manifest `sweep-shard-I-of-M.json`, and
/// `scaling analyse DIR` reads the merged tree. A Slurm array job:
///
/// ```text
/// #!/bin/bash
/// #SBATCH --job-name=scaling
/// #SBATCH --array=1-8
/// #SBATCH --cpus-per-task=16
/// #SBATCH --mem=64G
/// #SBATCH --time=12:00:00
/// #SBATCH --output=logs/scaling-%A_%a.log
/// # every task writes its own points into the shared results directory;
/// # a requeued or resubmitted task skips the points it finished already
/// scaling run configs/nest-example.toml --threads "$SLURM_CPUS_PER_TASK" \
///     --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" \
///     --out results --no-analyse
/// # afterwards, once: scaling analyse results --out figures
/// ```
pub fn run(plan: &Plan) -> Result<()> {
    let pts = points(plan);
    let threads = resolve_threads(plan.threads);
    let todos: Vec<Todo> = pts
        .iter()
        .map(|pt| {
            let p = point_params(plan, pt);
            todo(&point_dir(plan, pt), &digest(pt.model, &p), plan.force, plan.spikes)
        })
        .collect();
    if plan.dry_run {
        let status: Vec<&str> = todos
            .iter()
            .map(|t| match t {
                Todo::Reuse => "reuse",
                Todo::Run(None) => "run",
                Todo::Run(Some(_)) => "rerun",
            })
            .collect();
        crate::plan::print(plan, &pts, threads, &status);
        return Ok(());
    }
    if !plan.force {
        let avail = crate::plan::mem_available();
        for (pt, t) in pts.iter().zip(&todos) {
            if *t != Todo::Reuse {
                let cost = crate::plan::estimate(pt.model, &point_params(plan, pt), threads)?;
                crate::plan::check_memory(pt, &cost, avail)?;
            }
        }
    }
    std::fs::create_dir_all(&plan.out).map_err(|e| Error::io("cannot create results directory", &plan.out, e))?;
    let stop = crate::progress::stop_flag();
    let mut manifest = Manifest::new(plan, &pts, threads);
    manifest.clear_stale(&plan.out);
    manifest.save(&plan.out)?;
    let mut rep = crate::progress::Reporter::new(plan.quiet);
    let outcome = run_points(plan, &pts, &todos, threads, stop, &mut manifest, &mut rep);
    let (ran, reused) = (
        pts_with(&pts, &manifest, Status::Ran),
        pts_with(&pts, &manifest, Status::Reused),
    );
    match outcome {
        Ok(elapsed) => {
            manifest.finish(&plan.out, "complete")?;
            rep.line(&format!(
                "sweep: {} point(s) run, {} reused, {} wall; results in {}",
                ran.len(),
                reused.len(),
                crate::plan::duration(elapsed),
                plan.out.display()
            ));
        }
        Err(e) => {
            let what = match &e {
                Error::Interrupted(_) => "interrupted".to_string(),
                other => format!("failed: {other}"),
            };
            // best effort: the disk may be what failed
            let _ = manifest.finish(&plan.out, &what);
            let msg = format!(
                "finished by this run: {}; reused: {}; finished points are intact, rerun the same command to resume",
                list_points(&ran, 20),
                reused.len()
            );
            return Err(match e {
                Error::Interrupted(m) => Error::Interrupted(format!("{m}; {msg}")),
                other => {
                    rep.line(&format!("sweep stopped: {msg}"));
                    other
                }
            });
        }
    }
    if plan.analyse {
        crate::analysis::run(&crate::analysis::Options {
            dir: plan.out.clone(),
            out: plan.figures.clone(),
            quiet: plan.quiet,
            ..Default::default()
        })?;
    }
    Ok(())
}

/// The points whose manifest status is `s`.
fn pts_with<'p>(pts: &'p [Point], m: &Manifest, s: Status) -> Vec<&'p Point> {
    pts.iter()
        .zip(&m.points)
        .filter(|(_, mp)| mp.status == s)
        .map(|(p, _)| p)
        .collect()
}

/// The loop over the points; returns the wall time (s).
fn run_points(
    plan: &Plan,
    pts: &[Point],
    todos: &[Todo],
    threads: usize,
    stop: &std::sync::atomic::AtomicBool,
    manifest: &mut Manifest,
    rep: &mut crate::progress::Reporter,
) -> Result<f64> {
    use std::sync::atomic::Ordering;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::config("--threads", format!("cannot start {threads} threads: {e}")))?;
    let started = Instant::now();
    for (k, (pt, what)) in pts.iter().zip(todos).enumerate() {
        let tag = tag(k, pts.len(), pt);
        if stop.load(Ordering::SeqCst) {
            return Err(Error::Interrupted(format!("stopped before {tag}")));
        }
        match what {
            Todo::Reuse => {
                rep.line(&format!("{tag}: done already (same parameters), skipped"));
                manifest.points[k].status = Status::Reused;
                manifest.save(&plan.out)?;
                continue;
            }
            Todo::Run(Some(why)) => rep.line(&format!("{tag}: {why}")),
            Todo::Run(None) => {}
        }
        let p = point_params(plan, pt);
        let dir = point_dir(plan, pt);
        clear_point(&dir)?;
        let est = crate::plan::estimate(pt.model, &p, threads)?;
        rep.start_point(&tag);
        let res = pool.install(|| {
            point::run(pt.model, &p, threads, |done, total| {
                rep.tick(done, total, p.dt);
                !stop.load(Ordering::SeqCst)
            })
        });
        rep.end_point();
        let mut res = match res {
            Ok(r) => r,
            Err(e) => {
                manifest.points[k].status = match e {
                    Error::Interrupted(_) => Status::Interrupted,
                    _ => Status::Failed,
                };
                return Err(match e {
                    Error::Interrupted(m) => Error::Interrupted(format!(
                        "{m} (its files in {} are incomplete and will be recomputed)",
                        dir.display()
                    )),
                    other => other,
                });
            }
        };
        res.record.param_digest = Some(digest(pt.model, &p));
        if let Err(e) = write_point(&dir, pt, &p, &res, plan.spikes) {
            manifest.points[k].status = Status::Failed;
            return Err(e);
        }
        manifest.points[k].status = Status::Ran;
        manifest.save(&plan.out)?;
        let r = &res.record;
        rep.line(&format!(
            "{tag}: build {:.2} s, sim {:.2} s (est. {}), rate {:.3}/s, E->E weight {:.2} ± {:.2} pA, peak {}",
            r.build_time,
            r.sim_time,
            crate::plan::duration(est.build_s + est.sim_s),
            r.rate,
            r.weight_all_mean.unwrap_or(f64::NAN),
            r.weight_all_sd.unwrap_or(f64::NAN),
            r.peak_rss_bytes.map_or("?".into(), |b| crate::plan::bytes(b as f64))
        ));
    }
    Ok(started.elapsed().as_secs_f64())
}
