//! The distributed engine through `mpirun` (built only with the `mpi` cargo
//! feature; needs Open MPI's `mpirun` on PATH): the same outputs for any
//! processes x threads, a killed process that leaves finished points intact
//! and a sweep that resumes, and a Ctrl-C on one process that stops every
//! process, after which the sweep resumes too.
//!
//! The tests run one at a time (they share two cores at most, and MPI
//! processes poll while they wait); every wait has a deadline, and every
//! process a test starts is killed when the test ends, however it ends.

#![cfg(feature = "mpi")]

mod common;

use common::{data_files, read, read_json, run_ok, tmp_files, wait_for};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long any one wait may take before the test fails instead of hanging.
const DEADLINE: Duration = Duration::from_secs(60);

/// data.json keys that measure the machine or the layout of the run rather
/// than the network.
const RESOURCE_KEYS: &[&str] = &[
    "build_time",
    "sim_time",
    "stats_time",
    "peak_rss_bytes",
    "peak_rss_bytes_sum",
    "phases",
    "threads",
    "processes",
    "bytes_exchanged",
    "version",
    "param_digest",
];

/// Start a test: fail it with a clear message if `mpirun` is not on PATH,
/// then hold the lock that runs the tests one at a time (the MPI jobs of
/// parallel tests would compete for the cores and slow each other down many
/// times over).
fn setup() -> MutexGuard<'static, ()> {
    match Command::new("mpirun")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("`mpirun --version` failed ({s}); the mpi tests need a working Open MPI"),
        Err(e) => panic!(
            "`mpirun` not found on PATH ({e}); the tests of the `mpi` feature need Open MPI \
             (Debian: apt-get install openmpi-bin libopenmpi-dev)"
        ),
    }
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `mpirun -np NP scaling` with per-process stdout/stderr files under
/// `logs` (`logs/1/rank.R/stderr`).
fn mpirun(np: usize, logs: &Path) -> Command {
    let mut c = Command::new("mpirun");
    c.args(["--allow-run-as-root", "--oversubscribe", "--output-filename"])
        .arg(logs)
        .args(["-np", &np.to_string(), env!("CARGO_BIN_EXE_scaling")])
        .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
        .stdin(Stdio::null());
    c
}

/// The stderr of process `rank` of a job that logged into `logs`.
fn rank_stderr(logs: &Path, rank: usize) -> String {
    read(&logs.join(format!("1/rank.{rank}/stderr")))
}

/// A running `mpirun`; dropping it kills mpirun and every process below it.
struct Job {
    child: Child,
    logs: tempfile::TempDir,
}

impl Job {
    /// Start `mpirun -np NP scaling ARGS --out OUT`.
    fn start(np: usize, args: &[&str], out: &Path) -> Job {
        let logs = tempfile::tempdir().unwrap();
        let child = mpirun(np, logs.path())
            .args(args)
            .arg("--out")
            .arg(out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mpirun starts");
        Job { child, logs }
    }

    /// Wait for mpirun to exit (at most [`DEADLINE`]).
    fn wait(&mut self) -> ExitStatus {
        let t = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(t.elapsed() < DEADLINE, "mpirun did not exit within {DEADLINE:?}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The process id of MPI rank `rank` (waits until it has started).
    fn rank_pid(&self, rank: usize) -> u32 {
        let want = format!("OMPI_COMM_WORLD_RANK={rank}");
        let mut found = None;
        assert!(
            wait_for(DEADLINE, || {
                found = descendants(self.child.id())
                    .into_iter()
                    .find(|&p| environ(p).contains(&want));
                found.is_some()
            }),
            "no process of rank {rank} below mpirun"
        );
        found.unwrap()
    }

    /// The stderr of process `rank` (complete once mpirun has exited).
    fn stderr(&self, rank: usize) -> String {
        rank_stderr(self.logs.path(), rank)
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        for p in descendants(self.child.id()) {
            signal(p, "KILL");
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run `mpirun -np NP scaling ARGS --out OUT` to the end; assert that it
/// succeeds and return process 0's stderr. Every other process must have
/// printed nothing (process 0 reports alone).
fn mpirun_ok(np: usize, args: &[&str], out: &Path) -> String {
    let mut job = Job::start(np, args, out);
    let status = job.wait();
    assert!(
        status.success(),
        "mpirun -np {np} scaling {args:?} failed ({status}): {}",
        job.stderr(0)
    );
    for r in 1..np {
        assert_eq!(job.stderr(r), "", "process {r} of {np} printed something");
    }
    job.stderr(0)
}

/// Parent pid and state of process `pid`, from /proc; None once it is gone.
fn stat(pid: u32) -> Option<(u32, char)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // pid (comm) state ppid ...; comm may hold spaces and parentheses
    let rest = &s[s.rfind(')')? + 2..];
    let mut f = rest.split(' ');
    let state = f.next()?.chars().next()?;
    Some((f.next()?.parse().ok()?, state))
}

/// Every process below `root` (children, their children, ...).
fn descendants(root: u32) -> Vec<u32> {
    let all: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|p| Some((p, stat(p)?.0)))
        .collect();
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(p) = stack.pop() {
        for &(c, _) in all.iter().filter(|&&(_, parent)| parent == p) {
            out.push(c);
            stack.push(c);
        }
    }
    out
}

/// The environment of process `pid` (empty if it cannot be read).
fn environ(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/environ"))
        .map(|b| {
            b.split(|&c| c == 0)
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether process `pid` has ended (gone, or a zombie nobody reaped yet).
fn ended(pid: u32) -> bool {
    stat(pid).is_none_or(|(_, state)| state == 'Z' || state == 'X')
}

/// Send signal `sig` (a name: KILL, INT, TERM) to process `pid`.
fn signal(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// data.json without the keys in [`RESOURCE_KEYS`].
fn network_json(path: &Path) -> Value {
    let mut v = read_json(path);
    let m = v.as_object_mut().unwrap();
    for k in RESOURCE_KEYS {
        m.remove(*k);
    }
    v
}

/// The point at relative directory `rel` is the same in `a` and `b`:
/// spikes, connectivity and parameters byte for byte, data.json but for
/// its timing, memory and resource keys.
fn assert_same_point(a: &Path, b: &Path, rel: &Path) {
    assert_same_point_at(&a.join(rel), &b.join(rel));
}

/// The points in directories `a` and `b` are the same (as in
/// [`assert_same_point`]).
fn assert_same_point_at(a: &Path, b: &Path) {
    for f in [
        "spikes.dat",
        "connectivity_postsim.dat",
        "model_instance_parameters.json",
    ] {
        let (x, y) = (read(&a.join(f)), read(&b.join(f)));
        assert!(x == y, "{}/{f} differs", b.display());
    }
    assert_eq!(
        network_json(&a.join("data.json")),
        network_json(&b.join("data.json")),
        "{}/data.json differs",
        b.display()
    );
}

/// The directories of the finished points under `dir`, relative to it.
fn finished(dir: &Path) -> Vec<PathBuf> {
    data_files(dir)
        .iter()
        .map(|d| d.parent().unwrap().strip_prefix(dir).unwrap().to_path_buf())
        .collect()
}

/// Every point finished in `got` is intact (the same as in `reference`,
/// no temporary files); returns how many finished.
fn assert_finished_intact(reference: &Path, got: &Path) -> usize {
    let done = finished(got);
    for rel in &done {
        assert_same_point(reference, got, rel);
        let tmp = tmp_files(&got.join(rel));
        assert!(tmp.is_empty(), "temporary files in a finished point: {tmp:?}");
    }
    done.len()
}

/// Rerun `args` under `mpirun -np 2` into `out`, which holds `done` finished
/// points: exactly those are reused, and the whole sweep then equals
/// `reference`.
fn assert_resumes(args: &[&str], out: &Path, reference: &Path, done: usize) {
    let log = mpirun_ok(2, args, out);
    assert_eq!(
        log.matches("done already").count(),
        done,
        "resume must reuse exactly the finished points:\n{log}"
    );
    let all = finished(reference);
    assert_eq!(finished(out), all);
    for rel in &all {
        assert_same_point(reference, out, rel);
    }
    assert!(tmp_files(out).is_empty(), "{:?}", tmp_files(out));
    assert_eq!(read_json(&out.join("sweep.json"))["status"], "complete");
}

const SMALL: &[&str] = &[
    "run",
    "--models",
    "iaf,ignore",
    "--N",
    "400,800",
    "--T",
    "500",
    "--no-analyse",
];

#[test]
fn outputs_identical_for_any_processes_and_threads() {
    let _serial = setup();
    let reference = tempfile::tempdir().unwrap();
    let mut args = SMALL.to_vec();
    args.extend(["--threads", "1"]);
    run_ok(&args, reference.path());
    let points = finished(reference.path());
    assert_eq!(points.len(), 4);
    for rel in &points {
        let d = read_json(&reference.path().join(rel).join("data.json"));
        assert_eq!(d["processes"], 1, "{}", rel.display());
    }
    assert_eq!(read_json(&reference.path().join("sweep.json"))["processes"], 1);

    for (np, threads) in [(2, 1), (3, 1), (2, 2)] {
        let out = tempfile::tempdir().unwrap();
        let t = threads.to_string();
        let mut args = SMALL.to_vec();
        args.extend(["--threads", &t]);
        let log = mpirun_ok(np, &args, out.path());
        assert!(log.contains("sweep: 4 point(s) run, 0 reused"), "{np}x{threads}: {log}");
        // a distributed point lives in the directory of its resources
        let res = format!("p{np}t{threads}");
        let there: Vec<PathBuf> = points.iter().map(|rel| rel.join(&res)).collect();
        assert_eq!(finished(out.path()), there, "{np}x{threads}");
        for (rel, rel_out) in points.iter().zip(&there) {
            assert_same_point_at(&reference.path().join(rel), &out.path().join(rel_out));
            let d = read_json(&out.path().join(rel_out).join("data.json"));
            let at = format!("{np}x{threads} {}", rel.display());
            assert_eq!(d["processes"], np, "{at}");
            assert_eq!(d["threads"], threads, "{at}");
            assert!(d["bytes_exchanged"].as_u64().unwrap() > 0, "{at}: {d}");
            let (one, sum) = (d["peak_rss_bytes"].as_u64(), d["peak_rss_bytes_sum"].as_u64());
            assert!(matches!((one, sum), (Some(o), Some(s)) if s >= o), "{at}: {d}");
        }
        let m = read_json(&out.path().join("sweep.json"));
        assert_eq!(m["status"], "complete", "{np}x{threads}");
        assert_eq!(m["processes"], np, "{np}x{threads}");
        assert!(tmp_files(out.path()).is_empty());
    }
}

/// A sweep whose first point is short and whose second takes several times
/// longer (a quarter of a second on two idle cores, seconds on busy ones),
/// so that a signal sent once the first point is finished lands in the
/// second.
const LONG: &[&str] = &[
    "run",
    "--models",
    "ignore",
    "--N",
    "300,2400",
    "--T",
    "10000",
    "--threads",
    "1",
    "--no-analyse",
];

/// The uninterrupted [`LONG`] sweep under `mpirun -np 2` (which the test
/// above shows equal to the plain binary's), in the same layout as the
/// interrupted runs (`p2t1` point directories).
fn long_reference() -> tempfile::TempDir {
    let reference = tempfile::tempdir().unwrap();
    mpirun_ok(2, LONG, reference.path());
    assert_eq!(finished(reference.path()).len(), 2);
    reference
}

/// Start [`LONG`] under `mpirun -np 2` into `out` and wait until its first
/// point is finished.
fn start_long(out: &Path) -> Job {
    let job = Job::start(2, LONG, out);
    let first = out.join("N300/ignore_and_fire/p2t1/data.json");
    assert!(wait_for(DEADLINE, || first.exists()), "the first point did not finish");
    job
}

/// mpirun and both of its processes end within [`DEADLINE`]; returns
/// mpirun's exit status.
fn wait_all_ended(job: &mut Job, ranks: &[u32]) -> ExitStatus {
    let status = job.wait();
    for &p in ranks {
        assert!(
            wait_for(DEADLINE, || ended(p)),
            "process {p} still runs after mpirun exited"
        );
    }
    status
}

#[test]
fn killed_process_ends_the_job_and_the_sweep_resumes() {
    let _serial = setup();
    let reference = long_reference();
    let out = tempfile::tempdir().unwrap();
    let mut job = start_long(out.path());
    let ranks = [job.rank_pid(0), job.rank_pid(1)];
    signal(ranks[1], "KILL");
    let status = wait_all_ended(&mut job, &ranks);
    assert!(!status.success(), "mpirun succeeded although process 1 was killed");
    // a killed run leaves its manifest `running`
    assert_eq!(read_json(&out.path().join("sweep.json"))["status"], "running");
    let done = assert_finished_intact(reference.path(), out.path());
    assert_eq!(
        done, 1,
        "the sweep finished before process 1 was killed; nothing was tested"
    );
    drop(job);
    assert_resumes(LONG, out.path(), reference.path(), done);
}

/// Ctrl-C (SIGINT) on process `rank` alone of a running two-process sweep:
/// every process stops before the second point is done, process 0 says so,
/// finished points are intact and a rerun resumes.
fn ctrl_c_on(rank: usize) {
    let _serial = setup();
    let reference = long_reference();
    let out = tempfile::tempdir().unwrap();
    let mut job = start_long(out.path());
    let ranks = [job.rank_pid(0), job.rank_pid(1)];
    signal(ranks[rank], "INT");
    let status = wait_all_ended(&mut job, &ranks);
    let log = job.stderr(0);
    assert!(!status.success(), "{status}: {log}");
    assert!(log.contains("interrupted"), "process 0 does not say so: {log}");
    assert!(
        log.contains("finished by this run: ignore_and_fire N=300 seed=1"),
        "{log}"
    );
    assert_eq!(job.stderr(1), "", "process 1 printed something");
    let m = read_json(&out.path().join("sweep.json"));
    assert_eq!(m["status"], "interrupted");
    assert_eq!(m["points"][0]["status"], "ran");
    // stopped in the second point, or just before it
    let second = m["points"][1]["status"].as_str().unwrap();
    assert!(second == "interrupted" || second == "pending", "{m}");
    let done = assert_finished_intact(reference.path(), out.path());
    assert_eq!(done, 1, "the second point was not interrupted");
    drop(job);
    assert_resumes(LONG, out.path(), reference.path(), done);
}

#[test]
fn ctrl_c_on_another_process_stops_every_process() {
    ctrl_c_on(1);
}

#[test]
fn ctrl_c_on_process_0_stops_every_process() {
    ctrl_c_on(0);
}

/// More spikes per slice than the fixed-size exchange holds (64 per
/// process at first): the slice goes through the second, exact round and
/// the capacity grows, with the same results.
#[test]
fn busy_slices_overflow_the_fixed_exchange_and_stay_identical() {
    let _serial = setup();
    let args = [
        "run",
        "--models",
        "ignore",
        "--N",
        "3000",
        "--T",
        "300",
        "--set",
        "rate_dist=40,80",
        "--threads",
        "1",
        "--no-analyse",
    ];
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run_ok(&args, one.path());
    mpirun_ok(2, &args, two.path());
    let rel = Path::new("N3000/ignore_and_fire");
    assert_same_point_at(&one.path().join(rel), &two.path().join(rel).join("p2t1"));
    let d = read_json(&two.path().join(rel).join("p2t1/data.json"));
    // about 270 spikes per 1.5 ms slice: far beyond 64 per process
    assert!(d["n_spikes"].as_u64().unwrap() > 200 * 2 * 64, "{d}");
}
