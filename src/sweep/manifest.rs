//! The sweep manifest: `DIR/sweep.json`, or `DIR/sweep-shard-I-of-M.json`
//! for a shard (so shards writing into one directory do not clobber each
//! other). It says what was asked, on which machine, and where each point
//! stands. Rewritten atomically after every point; `status` is `running`
//! until the run ends (a killed run leaves `running`).

use crate::config::Sweep;
use crate::error::Result;
use crate::host;
use crate::output;
use crate::params::Params;
use crate::point::Point;
use serde::Serialize;
use std::path::PathBuf;

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
struct Entry {
    model: &'static str,
    #[serde(rename = "N")]
    n: usize,
    seed: u64,
    threads: usize,
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

/// The manifest of one run of a sweep.
#[derive(Serialize)]
pub struct Manifest<'a> {
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
    processes: usize,
    spikes: bool,
    params: &'a Params,
    points: Vec<Entry>,
    #[serde(skip)]
    dir: PathBuf,
    /// Whether this process writes the manifest (process 0 of a distributed run).
    #[serde(skip)]
    writes: bool,
}

/// File name of the manifest of a shard (or of the unsharded sweep).
pub fn manifest_name(shard: Option<(usize, usize)>) -> String {
    match shard {
        Some((i, m)) => format!("sweep-shard-{i}-of-{m}.json"),
        None => "sweep.json".into(),
    }
}

impl<'a> Manifest<'a> {
    /// The manifest of `sweep` running `pts` on `processes`, every point
    /// pending, kept in the sweep's results directory; written only if
    /// `writes`.
    pub fn new(sweep: &'a Sweep, pts: &[Point], processes: usize, writes: bool) -> Self {
        Manifest {
            version: crate::VERSION,
            build: if cfg!(debug_assertions) { "debug" } else { "release" },
            command: std::env::args().collect(),
            started_unix_s: host::unix_now(),
            finished_unix_s: None,
            status: "running".into(),
            machine: Machine {
                host: host::hostname(),
                cpu: host::cpu_model(),
                cores: host::cores(),
                threads: pts.iter().map(|p| p.threads).max().unwrap_or(0),
                os: host::os(),
                arch: std::env::consts::ARCH,
            },
            models: sweep.models.iter().map(|m| m.name()).collect(),
            sizes: &sweep.sizes,
            seeds: &sweep.seeds,
            shard: sweep.shard,
            spikes: sweep.spikes,
            params: &sweep.params,
            points: pts
                .iter()
                .map(|pt| Entry {
                    model: pt.model.name(),
                    n: pt.n,
                    seed: pt.seed,
                    threads: pt.threads,
                    dir: sweep.dir_of(pt),
                    status: Status::Pending,
                })
                .collect(),
            dir: sweep.out.clone(),
            writes,
            processes,
        }
    }

    /// Remove temporary files a killed run left of this manifest.
    pub fn clear_stale(&self) {
        if !self.writes {
            return;
        }
        let prefix = format!(".{}.tmp", manifest_name(self.shard));
        if let Ok(rd) = std::fs::read_dir(&self.dir) {
            for e in rd.flatten() {
                if e.file_name().to_string_lossy().starts_with(&prefix) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }

    /// Write the manifest atomically.
    pub fn save(&self) -> Result<()> {
        if !self.writes {
            return Ok(());
        }
        output::write_json(&self.dir.join(manifest_name(self.shard)), self)
    }

    /// Set point `k`'s status and save.
    pub fn mark(&mut self, k: usize, status: Status) -> Result<()> {
        self.points[k].status = status;
        self.save()
    }

    /// Set point `k`'s status without saving (the disk may be what failed).
    pub fn mark_unsaved(&mut self, k: usize, status: Status) {
        self.points[k].status = status;
    }

    /// The points of `pts` whose status is `s`.
    pub fn with_status<'p>(&self, pts: &'p [Point], s: Status) -> Vec<&'p Point> {
        pts.iter()
            .zip(&self.points)
            .filter(|(_, e)| e.status == s)
            .map(|(p, _)| p)
            .collect()
    }

    /// End the run with `status` (`complete`, `interrupted`, `failed: ...`) and save.
    pub fn finish(&mut self, status: &str) -> Result<()> {
        self.status = status.into();
        self.finished_unix_s = Some(host::unix_now());
        self.save()
    }
}
