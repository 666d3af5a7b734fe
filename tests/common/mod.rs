//! What the integration tests share: the one way to start the `scaling`
//! binary, and the helpers more than one test file needs (reading results,
//! comparing points, finding the temporary files of atomic writes).
//!
//! This module lives in `tests/common/mod.rs` rather than `tests/common.rs`
//! so that cargo does not build it as a test binary of its own; every test
//! file includes it with `mod common;`.

// Each test binary uses only some of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `scaling` binary built for this test run, as a plain [`Command`]
/// (for `.output()`, `.spawn()` and piped streams).
pub fn scaling() -> Command {
    Command::new(env!("CARGO_BIN_EXE_scaling"))
}

/// The same binary as [`scaling`], wrapped for `assert_cmd`'s `.assert()`.
pub fn scaling_cmd() -> assert_cmd::Command {
    assert_cmd::Command::from_std(scaling())
}

/// Run `scaling ARGS --out OUT`, assert that it succeeds (showing its stderr
/// if not) and return its output.
pub fn run_ok(args: &[&str], out: &Path) -> Output {
    let o = scaling().args(args).arg("--out").arg(out).output().unwrap();
    assert!(
        o.status.success(),
        "scaling {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// The stderr of a finished run, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A path inside the repository (`rel` relative to its root).
pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The NEST 3.10 reference data, `tests/data/nest-3.10`.
pub fn nest_data() -> PathBuf {
    repo_path("tests/data/nest-3.10")
}

/// The text of file `p`; a failure names the file.
pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The JSON of file `p`; a failure names the file.
pub fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&read(p)).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A new temporary directory holding one file `name` with content `text`;
/// the directory lives as long as the returned guard.
pub fn temp_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// Every file under `dir` (recursively) whose name satisfies `keep`, sorted.
/// A directory that cannot be read counts as empty if `lenient` (a tree that
/// a running sweep is writing), and fails the test otherwise.
fn files_where(dir: &Path, lenient: bool, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = match std::fs::read_dir(&d) {
            Ok(rd) => rd,
            Err(_) if lenient => continue,
            Err(e) => panic!("{}: {e}", d.display()),
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if keep(&e.file_name().to_string_lossy()) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every `data.json` under `dir`, sorted; also while a sweep writes there.
pub fn data_files(dir: &Path) -> Vec<PathBuf> {
    files_where(dir, true, |n| n == "data.json")
}

/// Every file under `dir` whose name contains `.tmp` (left by an atomic
/// write, which writes `.NAME.tmpPID` and renames it), sorted.
pub fn tmp_files(dir: &Path) -> Vec<PathBuf> {
    files_where(dir, false, |n| n.contains(".tmp"))
}

/// data.json without the keys that measure the machine rather than the network.
pub fn stable_json(path: &Path) -> serde_json::Value {
    let mut v = read_json(path);
    let m = v.as_object_mut().unwrap();
    for k in ["build_time", "sim_time", "stats_time", "peak_rss_bytes", "phases"] {
        assert!(m.remove(k).is_some(), "{} lacks {k}", path.display());
    }
    v
}

/// The point at relative directory `rel` is the same in `a` and `b`: the
/// same spikes, connectivity and parameter files byte for byte, and the same
/// data.json but for its timing and memory keys.
pub fn assert_point_same(a: &Path, b: &Path, rel: &Path) {
    for f in [
        "spikes.dat",
        "connectivity_postsim.dat",
        "model_instance_parameters.json",
    ] {
        let (x, y) = (
            std::fs::read(a.join(rel).join(f)).unwrap(),
            std::fs::read(b.join(rel).join(f)).unwrap(),
        );
        assert!(x == y, "{}/{f} differs", rel.display());
    }
    assert_eq!(
        stable_json(&a.join(rel).join("data.json")),
        stable_json(&b.join(rel).join("data.json")),
        "{}/data.json differs",
        rel.display()
    );
}

/// Wait until `cond` holds, at most `limit`; whether it did.
pub fn wait_for(limit: std::time::Duration, mut cond: impl FnMut() -> bool) -> bool {
    let t = std::time::Instant::now();
    while t.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    false
}
