//! A sweep that runs out of disk space on a real file system: a tmpfs just
//! large enough for the first points. The failure names the file that could
//! not be written, the finished points stay intact, nothing temporary or
//! half-written is left behind, and once there is space again the same
//! command reuses the finished points and completes the sweep with the
//! results of a run on a normal disk.
//!
//! Mounting needs root (or CAP_SYS_ADMIN); without it the test says
//! "skipped: ..." on stderr and passes.

mod common;

use common::{assert_point_same, data_files, read_json, run_ok, scaling, stderr, tmp_files};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The sweep: three small points, written in this order.
const SWEEP: &[&str] = &[
    "run",
    "--models",
    "ignore",
    "--N",
    "200,400,800",
    "--T",
    "2000",
    "--threads",
    "1",
    "--no-analyse",
];

/// The point directories of [`SWEEP`], in sweep order.
const POINTS: [&str; 3] = ["N200/ignore_and_fire", "N400/ignore_and_fire", "N800/ignore_and_fire"];

/// How many points the small tmpfs holds; the next one fails.
const FITS: usize = 2;

/// The files of one point.
const FILES: [&str; 4] = [
    "spikes.dat",
    "connectivity_postsim.dat",
    "model_instance_parameters.json",
    "data.json",
];

/// A tmpfs mounted on a directory, unmounted when dropped.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// Mount a tmpfs of `kib` KiB on `dir`, or say why not.
    fn mount(dir: &Path, kib: u64) -> Result<Tmpfs, String> {
        let o = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !o.status.success() {
            let why = stderr(&o).split_whitespace().collect::<Vec<_>>().join(" ");
            return Err(format!("mount -t tmpfs failed: {why}"));
        }
        Ok(Tmpfs { dir: dir.to_path_buf() })
    }

    /// Change the size limit to `kib` KiB.
    fn resize(&self, kib: u64) {
        let o = Command::new("mount")
            .args(["-o", &format!("remount,size={kib}k")])
            .arg(&self.dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "remount: {}", stderr(&o));
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let ok = Command::new("umount")
            .arg(&self.dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            // busy: detach it now, the kernel frees it when it is no longer used
            let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        }
    }
}

/// The memory page size in bytes (tmpfs allocates whole pages).
fn page_size() -> u64 {
    Command::new("getconf")
        .arg("PAGESIZE")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(4096)
}

/// Bytes that the files `names` in `dir` take on a tmpfs with pages of `page` bytes.
fn footprint(dir: &Path, names: &[&str], page: u64) -> u64 {
    names
        .iter()
        .map(|n| {
            let len = std::fs::metadata(dir.join(n))
                .unwrap_or_else(|e| panic!("{}: {e}", dir.join(n).display()))
                .len();
            len.div_ceil(page) * page
        })
        .sum()
}

#[test]
fn full_disk_keeps_finished_points_and_resumes() {
    // the same sweep on a normal disk, to size the tmpfs and to compare with
    let reference = tempfile::tempdir().unwrap();
    run_ok(SWEEP, reference.path());
    let page = page_size();
    let point_bytes: Vec<u64> = POINTS
        .iter()
        .map(|p| footprint(&reference.path().join(p), &FILES, page))
        .collect();
    // the manifest is rewritten atomically: old copy and new copy at once
    let manifest = 2 * footprint(reference.path(), &["sweep.json"], page);
    // room for the manifest and the first points, and for half of the next
    let slack = point_bytes[FITS] / 2;
    let largest_next = FILES
        .iter()
        .map(|f| footprint(&reference.path().join(POINTS[FITS]), &[f], page))
        .max()
        .unwrap();
    assert!(
        largest_next > slack + 8 * page,
        "the point after the first {FITS} must have a file larger than the slack; choose other sizes"
    );
    let small = point_bytes[..FITS].iter().sum::<u64>() + manifest + slack;

    let holder = tempfile::tempdir().unwrap();
    let out = holder.path();
    let tmpfs = match Tmpfs::mount(out, small.div_ceil(1024)) {
        Ok(t) => t,
        Err(why) => {
            eprintln!("skipped: cannot mount a tmpfs ({why}); this test needs root or CAP_SYS_ADMIN");
            return;
        }
    };

    let o = scaling().args(SWEEP).arg("--out").arg(out).output().unwrap();
    let log = stderr(&o);
    assert!(!o.status.success(), "the sweep fit into {small} bytes:\n{log}");
    assert!(o.status.code().is_some(), "killed by a signal: {:?}\n{log}", o.status);
    assert!(!log.contains("panicked"), "{log}");
    assert!(log.contains("No space left on device"), "{log}");

    // the error names the file that could not be written, and that file is not there
    let failed = out.join(POINTS[FITS]);
    let named: Vec<&str> = FILES
        .iter()
        .copied()
        .filter(|f| log.contains(&format!("`{}`", failed.join(f).display())))
        .collect();
    assert_eq!(
        named.len(),
        1,
        "the error must name one file of {}:\n{log}",
        failed.display()
    );
    assert!(!failed.join(named[0]).exists(), "{} is there", named[0]);
    // no data.json of the failed point: it is not mistaken for a finished one
    assert!(!failed.join("data.json").exists());

    // the finished points are whole and the same as on a normal disk
    let expected: Vec<PathBuf> = POINTS[..FITS].iter().map(|p| out.join(p).join("data.json")).collect();
    assert_eq!(data_files(out), expected);
    for p in &POINTS[..FITS] {
        assert_point_same(reference.path(), out, Path::new(p));
    }
    assert!(tmp_files(out).is_empty(), "left behind: {:?}", tmp_files(out));
    let m = read_json(&out.join("sweep.json"));
    assert!(m["status"].as_str().unwrap().starts_with("failed"), "{m}");

    // space again: the same command reuses the finished points and completes
    let total = point_bytes.iter().sum::<u64>() + manifest;
    tmpfs.resize((2 * total).div_ceil(1024) + 1024);
    let log = stderr(&run_ok(SWEEP, out));
    assert_eq!(
        log.matches("done already").count(),
        FITS,
        "the rerun must reuse exactly the finished points:\n{log}"
    );
    assert_eq!(data_files(out).len(), POINTS.len());
    for p in POINTS {
        assert_point_same(reference.path(), out, Path::new(p));
    }
    assert!(tmp_files(out).is_empty(), "left behind: {:?}", tmp_files(out));
    assert_eq!(read_json(&out.join("sweep.json"))["status"], "complete");
    drop(tmpfs);
}
