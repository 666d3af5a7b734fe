//! The sweep: every point (model x N x seed) of a [`Sweep`], run one after
//! the other, each written to disk as soon as it finishes. A point whose
//! `data.json` exists with the same parameter digest is skipped, so an
//! interrupted sweep resumes where it stopped ([`resume`]); `data.json` is
//! written last, atomically ([`write`](mod@write)), so its presence marks a complete
//! point. The manifest ([`manifest`]) records where every point stands.
//!
//! # Several processes
//!
//! Under `mpirun -np R` every process runs this same loop, and every point
//! is one network distributed over all of them ([`crate::simulate`]).
//! Process 0 decides (what to reuse, whether a point fits), writes every
//! file and reports; the others follow its decisions ([`comm::on_root`]),
//! so that they never wait in a collective that process 0 has left. A
//! Ctrl-C on any process stops every process at the same slice.
//!
//! # Sharding across machines
//!
//! `--shard I/M` runs every M-th point starting at the I-th (in sweep order
//! N, model, seed), so the M shards are disjoint and together the whole
//! sweep; each writes its own manifest `sweep-shard-I-of-M.json`, and
//! `scaling analyse DIR` reads the merged tree. A Slurm array job:
//!
//! ```text
//! #!/bin/bash
//! #SBATCH --job-name=scaling
//! #SBATCH --array=1-8
//! #SBATCH --cpus-per-task=16
//! #SBATCH --mem=64G
//! #SBATCH --time=12:00:00
//! #SBATCH --output=logs/scaling-%A_%a.log
//! # every task writes its own points into the shared results directory;
//! # a requeued or resubmitted task skips the points it finished already
//! scaling run configs/nest-example.toml --threads "$SLURM_CPUS_PER_TASK" \
//!     --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" \
//!     --out results --no-analyse
//! # afterwards, once: scaling analyse results --out figures
//! ```

pub mod dry_run;
pub mod manifest;
pub mod plan;
pub mod resume;
pub mod write;

use crate::comm::{self, Comm};
use crate::config::Sweep;
use crate::cost::{self, Cost};
use crate::error::{Error, Result};
use crate::output::{self, spikes::SpikeStream};
use crate::point::Point;
use crate::progress::{self, Reporter};
use crate::simulate;
use crate::simulate::Stage;
use crate::units::{bytes, duration};
use manifest::{Manifest, Status};
use resume::Todo;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Run the sweep on the processes of `comm`, then (unless disabled) the
/// analysis pass.
///
/// Pipeline: what to do with each point (`--dry-run` stops here) → memory
/// check → for each point: reuse or run → write (data.json last) → summary
/// line → final summary → analysis. Ctrl-C stops at the next slice with
/// [`Error::Interrupted`]; finished points stay on disk and a rerun of the
/// same command resumes.
pub fn run(sweep: &Sweep, comm: &dyn Comm) -> Result<()> {
    let root = comm.is_root();
    let pts = sweep.points();
    let todos: Vec<Todo> = if root {
        pts.iter()
            .map(|pt| resume::todo(&sweep.dir_of(pt), &sweep.digest_of(pt), sweep.force, sweep.spikes))
            .collect()
    } else {
        Vec::new()
    };
    let todos: Vec<Todo> = comm::broadcast_json(comm, &todos);
    if sweep.dry_run {
        if root {
            dry_run::print(sweep, &pts, &todos);
        }
        return Ok(());
    }
    comm::on_root(comm, || check_memory(sweep, &pts, &todos))?;
    let mut manifest = Manifest::new(sweep, &pts, comm.size(), root);
    comm::on_root(comm, || {
        std::fs::create_dir_all(&sweep.out).map_err(|e| Error::io("cannot create results directory", &sweep.out, e))?;
        manifest.clear_stale();
        manifest.save()
    })?;
    let mut rep = Reporter::new(sweep.quiet || !root);
    let outcome = run_points(sweep, &pts, &todos, comm, &mut manifest, &mut rep);
    let outcome = conclude(sweep, &pts, outcome, &mut manifest, &mut rep);
    if !root {
        // process 0 reports; the others only stop
        return outcome.map_err(|e| match e {
            Error::Interrupted(m) => Error::Peer(format!("interrupted: {m}")),
            other => other,
        });
    }
    outcome?;
    if sweep.analyse {
        crate::analysis::run(&crate::analysis::Options {
            dir: sweep.out.clone(),
            out: sweep.figures.clone(),
            quiet: sweep.quiet,
            ..Default::default()
        })?;
    }
    Ok(())
}

/// Refuse, before anything is allocated, a point to run whose estimated
/// memory exceeds what the machine has available (unless `--force`).
fn check_memory(sweep: &Sweep, pts: &[Point], todos: &[Todo]) -> Result<()> {
    if sweep.force {
        return Ok(());
    }
    let avail = crate::host::mem_available();
    for (pt, t) in pts.iter().zip(todos) {
        if *t != Todo::Reuse {
            cost::check_memory_on(pt, &sweep.params_of(pt), pt.threads, sweep.processes, avail)?;
        }
    }
    Ok(())
}

/// Close the run: the manifest's final status, the summary line, and on
/// failure an error that says what finished and how to resume.
fn conclude(
    sweep: &Sweep,
    pts: &[Point],
    outcome: Result<f64>,
    manifest: &mut Manifest,
    rep: &mut Reporter,
) -> Result<()> {
    let ran = manifest.with_status(pts, Status::Ran);
    let reused = manifest.with_status(pts, Status::Reused);
    let e = match outcome {
        Ok(elapsed) => {
            manifest.finish("complete")?;
            rep.line(&format!(
                "sweep: {} point(s) run, {} reused, {} wall; results in {}",
                ran.len(),
                reused.len(),
                duration(elapsed),
                sweep.out.display()
            ));
            return Ok(());
        }
        Err(e) => e,
    };
    let what = match &e {
        Error::Interrupted(_) => "interrupted".to_string(),
        other => format!("failed: {other}"),
    };
    // best effort: the disk may be what failed
    let _ = manifest.finish(&what);
    let msg = format!(
        "finished by this run: {}; reused: {}; finished points are intact, rerun the same command to resume",
        list_points(&ran, 20),
        reused.len()
    );
    Err(match e {
        Error::Interrupted(m) => Error::Interrupted(format!("{m}; {msg}")),
        other => {
            rep.line(&format!("sweep stopped: {msg}"));
            other
        }
    })
}

/// Short names of points, at most `max` of them.
fn list_points(pts: &[&Point], max: usize) -> String {
    let mut s: Vec<String> = pts.iter().take(max).map(|p| p.label()).collect();
    if pts.len() > max {
        s.push(format!("and {} more", pts.len() - max));
    }
    if s.is_empty() {
        "none".into()
    } else {
        s.join(", ")
    }
}

/// The loop over the points on the processes of `comm`; returns the wall
/// time (s).
fn run_points(
    sweep: &Sweep,
    pts: &[Point],
    todos: &[Todo],
    comm: &dyn Comm,
    manifest: &mut Manifest,
    rep: &mut Reporter,
) -> Result<f64> {
    let stop = progress::stop_flag();
    let started = Instant::now();
    let plan = plan::costs(sweep, pts, todos, comm.size());
    for (k, ((pt, what), est)) in pts.iter().zip(todos).zip(plan).enumerate() {
        let tag = format!("[{}/{}] {}", k + 1, pts.len(), sweep.label_of(pt));
        if comm::any(comm, stop.load(Ordering::SeqCst)) {
            return Err(Error::Interrupted(format!("stopped before {tag}")));
        }
        match what {
            Todo::Reuse => {
                rep.line(&format!("{tag}: done already (same parameters), skipped"));
                comm::on_root(comm, || manifest.mark(k, Status::Reused))?;
                continue;
            }
            Todo::Run(Some(why)) => rep.line(&format!("{tag}: {why}")),
            Todo::Run(None) => {}
        }
        let ctx = PointRun { sweep, comm, stop };
        if let Err(e) = ctx.run(pt, &tag, est, rep) {
            manifest.mark_unsaved(k, failed_status(&e));
            return Err(e);
        }
        comm::on_root(comm, || manifest.mark(k, Status::Ran))?;
    }
    Ok(started.elapsed().as_secs_f64())
}

/// How a point that returned `e` stands in the manifest.
fn failed_status(e: &Error) -> Status {
    match e {
        Error::Interrupted(_) => Status::Interrupted,
        _ => Status::Failed,
    }
}

/// What running one point needs besides the point.
struct PointRun<'a> {
    sweep: &'a Sweep,
    comm: &'a dyn Comm,
    stop: &'a AtomicBool,
}

impl PointRun<'_> {
    /// Run point `pt` labelled `tag` with a progress bar, write its files
    /// (process 0), and report its summary line beside `est`, the point's
    /// cost in the run's plan ([`plan::costs`]).
    fn run(&self, pt: &Point, tag: &str, est: Result<Cost>, rep: &mut Reporter) -> Result<()> {
        let (sweep, threads, comm) = (self.sweep, pt.threads, self.comm);
        let p = sweep.params_of(pt);
        let dir = sweep.dir_of(pt);
        comm::on_root(comm, || resume::clear_point(&dir))?;
        let est = est?;
        // process 0 streams the spike file while the simulation runs
        let mut stream = None;
        comm::on_root(comm, || {
            if sweep.spikes {
                stream = Some(SpikeStream::create(
                    &dir.join(output::SPIKES_DAT),
                    crate::VERSION,
                    p.dt,
                )?);
            }
            Ok(())
        })?;
        let mut push = stream.as_mut().map(|s| move |spikes: &[(u32, u32)]| s.push(spikes));
        let record = push.as_mut().map(|f| f as crate::engine::SpikeSink<'_>);
        rep.start_point(tag);
        let res = simulate::run(pt.model, &p, threads, comm, record, |stage| {
            match stage {
                Stage::Build { work, total } => rep.build_tick(work, total),
                Stage::Sim { steps, total } => rep.tick(steps, total, p.dt),
                Stage::Statistics => rep.statistics(),
            }
            !self.stop.load(Ordering::SeqCst)
        });
        rep.end_point();
        let mut res = res.map_err(|e| match e {
            Error::Interrupted(m) => Error::Interrupted(format!(
                "{m} (its files in {} are incomplete and will be recomputed)",
                dir.display()
            )),
            other => other,
        })?;
        res.record.param_digest = Some(sweep.digest_of(pt));
        res.record.n_per_process = sweep.n_per_process;
        comm::on_root(comm, || write::write_point(&dir, pt.model, &p, &res, stream))?;
        let r = &res.record;
        rep.line(&format!(
            "{tag}: build {} (est. {}), sim {} (est. {}), stats {} (est. {}), rate {:.3}/s, E->E weight {:.2} ± {:.2} pA, peak {} (est. {})",
            duration(r.build_time),
            duration(est.build_s),
            duration(r.sim_time),
            duration(est.sim_s),
            r.stats_time.map_or("?".into(), duration),
            duration(est.stats_s),
            r.rate,
            r.weight_all_mean.unwrap_or(f64::NAN),
            r.weight_all_sd.unwrap_or(f64::NAN),
            r.peak_rss_bytes.map_or("?".into(), |b| bytes(b as f64)),
            bytes(est.memory)
        ));
        Ok(())
    }
}
