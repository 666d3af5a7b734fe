//! Output file formats, one small unit per format. The same code writes and
//! reads each format, so writer and reader cannot drift apart.
//!
//! Layout of a results tree (NEST's example layout):
//! `DIR/N{N}/{model}/` (or `DIR/N{N}/{model}/seed{S}/` for multi-seed sweeps)
//! holding `data.json`, `spikes.dat`, `connectivity_postsim.dat` and
//! `model_instance_parameters.json`.

pub mod atomic;
pub mod connectivity;
pub mod data_json;
pub mod parameters;
pub mod spikes;

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// File name of the per-point statistics.
pub const DATA_JSON: &str = "data.json";
/// File name of the spike file.
pub const SPIKES_DAT: &str = "spikes.dat";
/// File name of the post-simulation connectivity of the first 200 E neurons.
pub const CONNECTIVITY_DAT: &str = "connectivity_postsim.dat";
/// File name of the full parameter set.
pub const PARAMETERS_JSON: &str = "model_instance_parameters.json";

/// The directory of one sweep point: `DIR/N{n}/{model}`, then, when
/// `resources` = (processes, threads) is given, `/p{P}t{T}`, then, when
/// `seed_dir` is given, `/seed{seed}`.
pub fn point_dir(
    root: &Path,
    n: usize,
    model: &str,
    resources: Option<(usize, usize)>,
    seed_dir: Option<u64>,
) -> PathBuf {
    let mut d = root.join(format!("N{n}")).join(model);
    if let Some((p, t)) = resources {
        d = d.join(format!("p{p}t{t}"));
    }
    match seed_dir {
        Some(s) => d.join(format!("seed{s}")),
        None => d,
    }
}

/// `value` as pretty JSON with a final newline; `path` names the file in errors.
pub fn json_text<T: serde::Serialize + ?Sized>(value: &T, path: &Path) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|source| Error::Json {
            path: path.to_path_buf(),
            source,
        })
}

/// Write `value` to `path` atomically as pretty JSON.
pub fn write_json<T: serde::Serialize + ?Sized>(path: &Path, value: &T) -> Result<()> {
    atomic::write_bytes(path, json_text(value, path)?.as_bytes())
}

/// Write `bytes` to stdout; a closed pipe (`scaling analyse | head`) is not
/// an error.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io("cannot write", Path::new("stdout"), e)),
        _ => Ok(()),
    }
}
