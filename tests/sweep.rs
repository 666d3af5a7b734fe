//! Long sweeps that survive: resume after SIGKILL and Ctrl-C, reuse by
//! parameter digest, clean piped output, dry-run plans, memory refusal,
//! shards, and a write failure that leaves finished points intact. All
//! through the real binary.

mod common;

use common::{
    assert_point_same, data_files, read, read_json, run_ok, scaling, stable_json, stderr, tmp_files, wait_for,
};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn wait_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let t = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if t.elapsed() > limit {
            let _ = child.kill();
            panic!("process did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

const KILL_SWEEP: &[&str] = &[
    "run",
    "--models",
    "iaf,ignore",
    "--N",
    "1000..=4000:1000",
    "--T",
    "3000",
    "--set",
    "K=200",
    "--threads",
    "1",
    "--no-analyse",
];

#[test]
fn sigkill_then_resume_equals_uninterrupted() {
    let (reference, killed) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run_ok(KILL_SWEEP, reference.path());
    let all = data_files(reference.path());
    assert_eq!(all.len(), 8);

    let mut child = scaling()
        .args(KILL_SWEEP)
        .arg("--out")
        .arg(killed.path())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        wait_for(Duration::from_secs(120), || data_files(killed.path()).len() >= 3),
        "no three points finished"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let done = data_files(killed.path());
    assert!(
        done.len() < all.len(),
        "the sweep finished before it was killed; nothing was tested"
    );
    // what looks complete is complete
    for d in &done {
        let rel = d.parent().unwrap().strip_prefix(killed.path()).unwrap();
        assert_point_same(reference.path(), killed.path(), rel);
    }

    let o = run_ok(KILL_SWEEP, killed.path());
    let log = stderr(&o);
    assert_eq!(
        log.matches("done already").count(),
        done.len(),
        "resume must reuse exactly the finished points:\n{log}"
    );
    for d in &all {
        let rel = d.parent().unwrap().strip_prefix(reference.path()).unwrap();
        assert_point_same(reference.path(), killed.path(), rel);
    }
    assert!(tmp_files(killed.path()).is_empty(), "{:?}", tmp_files(killed.path()));
}

#[test]
fn ctrl_c_stops_promptly_and_says_what_finished() {
    let out = tempfile::tempdir().unwrap();
    let mut child = scaling()
        .args([
            "run",
            "--models",
            "iaf",
            "--N",
            "500,6000",
            "--T",
            "60000",
            "--threads",
            "1",
            "--no-analyse",
            "--out",
        ])
        .arg(out.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let first = out.path().join("N500/iaf_psc_alpha/data.json");
    assert!(wait_for(Duration::from_secs(120), || first.exists()));
    std::thread::sleep(Duration::from_millis(300)); // into the long point
    let sent = Instant::now();
    let k = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(k.success());
    let status = wait_exit(&mut child, Duration::from_secs(20));
    let took = sent.elapsed();
    let mut log = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
    assert!(!status.success() && status.code().is_some(), "{status:?}: {log}");
    assert!(took < Duration::from_secs(3), "took {took:?} to stop");
    assert!(log.contains("interrupted"), "{log}");
    assert!(
        log.contains("finished by this run: iaf_psc_alpha N=500 seed=1"),
        "{log}"
    );
    assert!(!out.path().join("N6000/iaf_psc_alpha/data.json").exists());
    assert!(!log.contains('\x1b') && !log.contains('\r'));
    let manifest = read_json(&out.path().join("sweep.json"));
    assert_eq!(manifest["status"], "interrupted");
    assert_eq!(manifest["points"][0]["status"], "ran");
    assert_eq!(manifest["points"][1]["status"], "interrupted");
}

const TINY: &[&str] = &[
    "run",
    "--models",
    "iaf",
    "--N",
    "150",
    "--T",
    "100",
    "--set",
    "K=40",
    "--no-analyse",
];

#[test]
fn piped_output_is_clean_lines_and_quiet_is_silent() {
    let out = tempfile::tempdir().unwrap();
    let log = stderr(&run_ok(TINY, out.path()));
    assert!(!log.contains('\x1b') && !log.contains('\r'), "{log:?}");
    assert!(log.contains("[1/1] iaf_psc_alpha N=150 seed=1: build"));
    assert!(log.contains("sweep: 1 point(s) run, 0 reused"));
    let q = tempfile::tempdir().unwrap();
    let mut args = TINY.to_vec();
    args.push("--quiet");
    let o = run_ok(&args, q.path());
    assert!(o.stderr.is_empty() && o.stdout.is_empty());
}

#[test]
fn reuse_only_with_same_parameters() {
    let out = tempfile::tempdir().unwrap();
    let mut args = TINY.to_vec();
    args.extend(["--seeds", "1,2"]);
    run_ok(&args, out.path());
    let d1 = out.path().join("N150/iaf_psc_alpha/seed1");
    let log = stderr(&run_ok(&args, out.path()));
    assert_eq!(log.matches("done already").count(), 2, "{log}");
    assert!(log.contains("0 point(s) run, 2 reused"));

    // a changed parameter is recomputed, and the message says why
    let mut changed = args.clone();
    changed.extend(["--set", "eta=1.3"]);
    let log = stderr(&run_ok(&changed, out.path()));
    assert_eq!(log.matches("other parameters").count(), 2, "{log}");
    let log = stderr(&run_ok(&changed, out.path()));
    assert_eq!(log.matches("done already").count(), 2, "{log}");

    let mut forced = changed.clone();
    forced.push("--force");
    let log = stderr(&run_ok(&forced, out.path()));
    assert!(log.contains("--force") && log.contains("2 point(s) run"), "{log}");

    // a truncated data.json is named and recomputed
    let dj = d1.join("data.json");
    let text = read(&dj);
    std::fs::write(&dj, &text[..text.len() / 2]).unwrap();
    let log = stderr(&run_ok(&changed, out.path()));
    assert!(
        log.contains(&dj.display().to_string()) && log.contains("recomputing"),
        "{log}"
    );
    stable_json(&dj); // whole again

    // so is a point whose spikes.dat went missing
    std::fs::remove_file(d1.join("spikes.dat")).unwrap();
    let log = stderr(&run_ok(&changed, out.path()));
    assert!(log.contains("spikes.dat is missing"), "{log}");
    assert!(d1.join("spikes.dat").exists());
}

#[test]
fn dry_run_plans_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let o = scaling()
        .args([
            "run",
            "--models",
            "iaf",
            "--N",
            "12500,2000000000",
            "--dry-run",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    let row = text.lines().find(|l| l.contains(" 12500 ")).expect("row of N=12500");
    for want in ["10000000", "5625000", "15625000", "MB"] {
        assert!(row.contains(want), "{row}");
    }
    let huge = text.lines().find(|l| l.contains("2000000000")).unwrap();
    assert!(huge.contains("TB"), "{huge}");
    assert!(text.contains("exceed the available memory"), "{text}");
    assert!(!out.exists(), "dry run wrote {}", out.display());
}

#[test]
fn absurd_point_is_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let t = Instant::now();
    let o = scaling()
        .args([
            "run",
            "--models",
            "ignore",
            "--N",
            "2000000000",
            "--T",
            "10",
            "--no-analyse",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let log = stderr(&o);
    assert!(!o.status.success());
    assert!(
        log.contains("N=2000000000") && log.contains("memory") && log.contains("--force"),
        "{log}"
    );
    assert!(t.elapsed() < Duration::from_secs(10));
    assert!(!out.exists());
}

#[test]
fn shards_are_disjoint_and_cover_the_sweep() {
    let out = tempfile::tempdir().unwrap();
    let base = [
        "run",
        "--models",
        "iaf,ignore",
        "--N",
        "100,200,300",
        "--T",
        "50",
        "--set",
        "K=40",
        "--no-analyse",
        "--no-spikes",
    ];
    let mut seen = Vec::new();
    for i in 1..=4 {
        let mut args = base.to_vec();
        let s = format!("{i}/4");
        args.extend(["--shard", &s]);
        run_ok(&args, out.path());
        let m = read_json(&out.path().join(format!("sweep-shard-{i}-of-4.json")));
        assert_eq!(m["status"], "complete");
        assert!(m["machine"]["cpu"].is_string() && m["params"]["K"] == 40);
        for p in m["points"].as_array().unwrap() {
            assert_eq!(p["status"], "ran");
            seen.push((p["model"].as_str().unwrap().to_string(), p["N"].as_u64().unwrap()));
        }
    }
    assert!(!out.path().join("sweep.json").exists());
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), seen.len(), "shards overlap: {seen:?}");
    assert_eq!(seen.len(), 6, "shards miss points: {seen:?}");
    assert_eq!(data_files(out.path()).len(), 6);
}

#[test]
fn write_failure_names_the_path_and_keeps_finished_points() {
    let out = tempfile::tempdir().unwrap();
    // a regular file where the second point's directory must go
    std::fs::write(out.path().join("N300"), "in the way").unwrap();
    let o = scaling()
        .args([
            "run",
            "--models",
            "iaf",
            "--N",
            "150,300",
            "--T",
            "100",
            "--set",
            "K=40",
            "--no-analyse",
            "--out",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    let log = stderr(&o);
    assert!(!o.status.success());
    assert!(log.contains(&out.path().join("N300").display().to_string()), "{log}");
    assert!(log.contains("iaf_psc_alpha N=150 seed=1"), "{log}");
    let d = out.path().join("N150/iaf_psc_alpha");
    let data = read_json(&d.join("data.json"));
    let spikes = read(&d.join("spikes.dat"));
    assert_eq!(spikes.lines().count() as u64 - 3, data["n_spikes"].as_u64().unwrap());
    assert!(d.join("connectivity_postsim.dat").is_file());
    assert!(d.join("model_instance_parameters.json").is_file());
    let m = read_json(&out.path().join("sweep.json"));
    assert!(m["status"].as_str().unwrap().starts_with("failed"), "{m}");
}
