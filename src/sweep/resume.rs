//! Resuming a sweep: whether a point's finished results on disk can be
//! reused, and clearing what an earlier, possibly killed, run left of a
//! point that must run again.

use crate::error::{Error, Result};
use crate::output::{self, data_json::RunRecord};
use std::path::Path;

/// What a run does with one point.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Todo {
    /// Its finished results were made with the same parameters: reuse them.
    Reuse,
    /// Compute it; `Some(why)` if results exist but cannot be reused
    /// (`--force`, other parameters, unreadable or incomplete files).
    Run(Option<String>),
}

impl Todo {
    /// The word for the `--dry-run` table: `reuse`, `run` or `rerun`.
    pub fn word(&self) -> &'static str {
        match self {
            Todo::Reuse => "reuse",
            Todo::Run(None) => "run",
            Todo::Run(Some(_)) => "rerun",
        }
    }
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
pub fn clear_point(dir: &Path) -> Result<()> {
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
