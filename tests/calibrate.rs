//! `scaling calibrate`: fitting the cost model to points measured on this
//! machine, and `scaling run --calibration FILE` planning with the result.
//! Through the real binary, on tiny networks.

mod common;

use common::{run_ok, scaling, stderr};
use std::path::Path;

/// The plan (stdout) of `--dry-run` for N = 200000, with `extra` flags.
fn plan(extra: &[&str], out: &Path) -> String {
    let o = scaling()
        .args([
            "run",
            "--models",
            "iaf",
            "--N",
            "200000",
            "--T",
            "1000",
            "--threads",
            "1",
            "--dry-run",
        ])
        .args(extra)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    String::from_utf8(o.stdout).unwrap()
}

/// The plan's row of the point (model, N, seed, counts, memory, build, sim, stats, status).
fn row(plan: &str) -> Vec<String> {
    let line = plan.lines().find(|l| l.starts_with("iaf_psc_alpha")).unwrap();
    line.split_whitespace().map(String::from).collect()
}

#[test]
fn calibrating_from_measured_points_changes_the_planned_times_not_the_memory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    run_ok(
        &[
            "run",
            "--models",
            "iaf,ignore",
            "--N",
            "300,600",
            "--T",
            "300",
            "--threads",
            "1",
            "--no-spikes",
            "--no-analyse",
            "-q",
        ],
        &data,
    );
    let file = dir.path().join("machine.json");
    let o = scaling()
        .arg("calibrate")
        .arg(&data)
        .arg("--out")
        .arg(&file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let said = stderr(&o);
    assert!(
        said.contains("iaf_psc_alpha: update") && said.contains("ignore_and_fire: update"),
        "{said}"
    );
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(json["fitted_to"].as_array().unwrap().len(), 4, "{json}");

    let never = dir.path().join("never");
    let (built_in, calibrated) = (
        plan(&[], &never),
        plan(&["--calibration", file.to_str().unwrap()], &never),
    );
    assert!(built_in.contains("times for: built-in"), "{built_in}");
    assert!(
        calibrated.contains("times for: ") && calibrated.contains("calibrated"),
        "{calibrated}"
    );
    let (a, b) = (row(&built_in), row(&calibrated));
    // the same synapses and memory; other times (the columns hold "1.2 s" as two words)
    assert_eq!(a[..8], b[..8], "{a:?} {b:?}");
    assert_ne!(a[8..14], b[8..14], "{a:?} {b:?}");
    assert!(!never.exists());
}

#[test]
fn a_calibration_file_scales_every_planned_time_by_its_factors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("slow.json");
    // a machine three times slower than the built-in model at everything
    // (and a first touch three times the built-in one's)
    std::fs::write(
        &file,
        r#"{"format": 5, "origin": "a slow test machine", "build": 3.0, "touch_s_per_byte": 6e-9,
            "models": {"iaf_psc_alpha": {"update": 3.0, "event": 3.0}}}"#,
    )
    .unwrap();
    let never = dir.path().join("never");
    let (a, b) = (
        plan(&[], &never),
        plan(&["--calibration", file.to_str().unwrap()], &never),
    );
    assert!(b.contains("times for: a slow test machine"), "{b}");
    let secs = |r: &[String], k: usize| -> f64 {
        let v: f64 = r[k].parse().unwrap();
        match r[k + 1].as_str() {
            "ms" => v / 1000.0,
            "s" => v,
            "min" => v * 60.0,
            u => panic!("unit {u}"),
        }
    };
    let (ra, rb) = (row(&a), row(&b));
    // build, sim and the weight statistics (which scale with the build factor)
    for k in [8, 10, 12] {
        let ratio = secs(&rb, k) / secs(&ra, k);
        // both are rounded for display
        assert!((ratio - 3.0).abs() < 0.05, "column {k}: {ra:?} {rb:?}");
    }
}

#[test]
fn bad_calibration_input_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let never = dir.path().join("never");
    // a failed plan with `--calibration FILE`: (failed, stderr)
    let plan_with = |file: &Path| {
        let o = scaling()
            .args(["run", "--N", "1250", "--dry-run", "--calibration"])
            .arg(file)
            .arg("--out")
            .arg(&never)
            .output()
            .unwrap();
        (!o.status.success(), stderr(&o))
    };
    // a missing calibration file: the flag and the file
    let (failed, e) = plan_with(&dir.path().join("none.json"));
    assert!(failed && e.contains("--calibration") && e.contains("none.json"), "{e}");
    // a file that is not a calibration
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"build\": 2}").unwrap();
    let (failed, e) = plan_with(&bad);
    assert!(
        failed && e.contains("bad.json") && e.contains("scaling calibrate"),
        "{e}"
    );
    // a results tree without anything to fit to
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = scaling()
        .arg("calibrate")
        .arg(&empty)
        .arg("--out")
        .arg(dir.path().join("c.json"))
        .output()
        .unwrap();
    let e = stderr(&o);
    assert!(!o.status.success() && e.contains("empty"), "{e}");
    assert!(!dir.path().join("c.json").exists());
}
