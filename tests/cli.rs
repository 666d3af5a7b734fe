//! The real binary on tiny networks: a smoke sweep, thread-count
//! independence, and clear errors for bad input.

mod common;

use common::{read, read_json, repo_path, scaling_cmd, temp_file};
use predicates::prelude::*;
use std::path::Path;

const TINY: &[&str] = &["--N", "150,300", "--T", "300", "--set", "K=60", "--no-analyse"];

fn run_tiny(out: &Path, threads: usize, models: &str) {
    scaling_cmd()
        .args(["run", "--models", models, "--threads", &threads.to_string(), "--out"])
        .arg(out)
        .args(TINY)
        .assert()
        .success();
}

#[test]
fn smoke_sweep_writes_nest_layout() {
    let dir = tempfile::tempdir().unwrap();
    run_tiny(dir.path(), 2, "iaf,ignore");
    for n in [150, 300] {
        for m in ["iaf_psc_alpha", "ignore_and_fire"] {
            let d = dir.path().join(format!("N{n}/{m}"));
            let data = read_json(&d.join("data.json"));
            for k in [
                "build_time",
                "sim_time",
                "stats_time",
                "rate",
                "weight_mean",
                "weight_sd",
                "weight_min",
                "weight_max",
                "weight_median",
                "weight_all_mean",
                "weight_all_sd",
                "weight_all_min",
                "weight_all_max",
                "weight_all_median",
                "weight_all_zero_fraction",
                "rate_E",
                "rate_I",
                "n_spikes",
                "n_synapses",
                "peak_rss_bytes",
                "threads",
                "seed",
                "version",
                "phases",
            ] {
                assert!(data.get(k).is_some(), "{m} N={n}: data.json lacks {k}");
            }
            assert_eq!(data["n_synapses"].as_u64().unwrap(), n as u64 * 60);
            let waits = data["phases"]["waits"].as_array().expect("phases.waits");
            assert_eq!(waits.len(), 2, "one wait per worker thread");
            assert!(waits.iter().all(|w| w.as_f64().is_some_and(|w| w >= 0.0)));
            let spikes = read(&d.join("spikes.dat"));
            let mut lines = spikes.lines();
            assert!(lines.next().unwrap().starts_with("# scaling "));
            assert_eq!(lines.next().unwrap(), "# RecordingBackendASCII version: 2");
            assert_eq!(lines.next().unwrap(), "sender\ttime_ms");
            let n_spikes = lines.count() as u64;
            assert_eq!(n_spikes, data["n_spikes"].as_u64().unwrap());
            let conn = read(&d.join("connectivity_postsim.dat"));
            assert!(conn.starts_with("#  source \t target \t weight \tdelay (ms)\n"));
            assert!(conn.lines().nth(1).unwrap().ends_with("\t1.500e+00"));
            let params = read(&d.join("model_instance_parameters.json"));
            assert!(params.contains("\"J_unit\"") && params.contains("\"nu_X\""));
        }
    }
    assert!(dir.path().join("sweep.json").exists());
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run_tiny(a.path(), 1, "iaf,ignore");
    run_tiny(b.path(), 2, "iaf,ignore");
    for n in [150, 300] {
        for m in ["iaf_psc_alpha", "ignore_and_fire"] {
            for f in ["spikes.dat", "connectivity_postsim.dat"] {
                let p = format!("N{n}/{m}/{f}");
                let (x, y) = (
                    std::fs::read(a.path().join(&p)).unwrap(),
                    std::fs::read(b.path().join(&p)).unwrap(),
                );
                assert!(x == y, "{p} differs between 1 and 2 threads");
            }
            let load = |d: &Path| -> serde_json::Value { read_json(&d.join(format!("N{n}/{m}/data.json"))) };
            let (x, y) = (load(a.path()), load(b.path()));
            for k in [
                "rate",
                "weight_all_mean",
                "weight_all_sd",
                "weight_all_median",
                "weight_mean",
                "n_spikes",
            ] {
                assert_eq!(x[k], y[k], "{m} N={n}: {k} differs between 1 and 2 threads");
            }
        }
    }
    // three threads: an uneven partition
    let c = tempfile::tempdir().unwrap();
    run_tiny(c.path(), 3, "iaf");
    let p = "N300/iaf_psc_alpha/spikes.dat";
    assert_eq!(
        std::fs::read(a.path().join(p)).unwrap(),
        std::fs::read(c.path().join(p)).unwrap()
    );
}

fn fails_with(args: &[&str], needle: &str) {
    let out = tempfile::tempdir().unwrap();
    scaling_cmd()
        .args(args)
        .arg("--out")
        .arg(out.path().join("o"))
        .arg("--no-analyse")
        .assert()
        .failure()
        .stderr(predicate::str::contains(needle))
        .stderr(predicate::str::contains("panicked").not());
    // nothing half-written: no point directory appears
    assert!(!out.path().join("o").join("N100").exists());
}

#[test]
fn bad_input_is_named() {
    fails_with(&["run", "--models", "lif", "--N", "100"], "unknown model `lif`");
    fails_with(&["run", "--N", "15000..1250"], "--N");
    fails_with(&["run", "--N", "100..100"], "empty or inverted");
    fails_with(&["run", "--N", "100", "--set", "bogus=3"], "bogus");
    fails_with(&["run", "--N", "100", "--set", "eta"], "KEY=VALUE");
    fails_with(&["run", "--N", "100", "--T", "-5"], "--T");
    fails_with(&["run", "--N", "100", "--set", "delay=1.3"], "delay");
    fails_with(&["run", "--N", "4", "--T", "10"], "autapses");
    fails_with(
        &["run", "/nonexistent/config.toml", "--N", "100"],
        "/nonexistent/config.toml",
    );
}

#[test]
fn bad_config_file_is_named() {
    let (_dir, cfg) = temp_file("bad.toml", "N = [100]\nfrobnicate = 2\n");
    fails_with(&["run", cfg.to_str().unwrap()], "frobnicate");
    std::fs::write(&cfg, "N = [100\n").unwrap();
    fails_with(&["run", cfg.to_str().unwrap()], "bad.toml");
}

#[test]
fn unwritable_out_dir_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plainfile");
    std::fs::write(&file, "x").unwrap();
    scaling_cmd()
        .args(["run", "--N", "100", "--T", "10", "--no-analyse", "--out"])
        .arg(file.join("sub"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("plainfile"));
}

#[test]
fn smoke_config_runs() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = repo_path("configs/smoke.toml");
    scaling_cmd()
        .arg("run")
        .arg(&cfg)
        .args(["--no-analyse", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    assert!(dir.path().join("N400/ignore_and_fire/data.json").exists());
}

/// Each point's summary line puts every estimate of the cost model beside
/// the measurement it estimates (build, simulation, peak memory).
#[test]
fn summary_line_shows_each_estimate_beside_its_measurement() {
    let dir = tempfile::tempdir().unwrap();
    let out = scaling_cmd()
        .args(["run", "--models", "iaf", "--threads", "1", "--out"])
        .arg(dir.path())
        .args(["--N", "150", "--T", "100", "--set", "K=60", "--no-analyse"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let line = text
        .lines()
        .find(|l| l.contains("N=150") && l.contains("build"))
        .unwrap_or_else(|| panic!("no summary line in {text}"));
    for key in ["build ", ", sim ", ", peak "] {
        assert!(estimated_after(line, key), "no `{key}<value> (est. <value>)` in {line}");
    }
}

/// Whether `line` has `key`, a value (without a comma), then ` (est. <value>)`.
fn estimated_after(line: &str, key: &str) -> bool {
    line.split_once(key).is_some_and(|(_, rest)| {
        rest.split_once(" (est. ")
            .is_some_and(|(value, est)| !value.is_empty() && !value.contains(',') && est.contains(')'))
    })
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    // `scaling run --dry-run | head -1`, the reader gone before the plan is
    // printed: the process ends as Unix tools do, without a panic
    let mut child = common::scaling()
        .args(["run", "--dry-run"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
}
