//! Integration tests of `scaling analyse`: drive the real binary on small
//! results trees built in a temporary directory.

mod common;

use assert_cmd::Command;
use common::{nest_data, read, read_json, scaling_cmd};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn example_tree() -> PathBuf {
    nest_data().join("example-tree")
}

/// Copy a directory tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.path().is_dir() {
            copy_tree(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

/// A data.json with the eight original keys.
fn record(sim: f64, rate: f64, wmean: f64, wsd: f64) -> String {
    format!(
        r#"{{"build_time": 0.5, "sim_time": {sim}, "rate": {rate}, "weight_mean": {wmean},
"weight_sd": {wsd}, "weight_min": 0.0, "weight_max": 300.0, "weight_median": 27.0}}"#
    )
}

fn write_point(root: &Path, n: usize, model: &str, seed: Option<u64>, json: &str) -> PathBuf {
    let mut d = root.join(format!("N{n}")).join(model);
    if let Some(s) = seed {
        d = d.join(format!("seed{s}"));
    }
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("data.json"), json).unwrap();
    d
}

/// `scaling analyse DATA --out FIGS`, to which a test adds its own flags.
fn analyse_into(data: &Path, figs: &Path) -> Command {
    let mut c = scaling_cmd();
    c.arg("analyse").arg(data).arg("--out").arg(figs);
    c
}

fn check_png(p: &Path, w: u32, h: u32) {
    let img = image::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    assert_eq!((img.width(), img.height()), (w, h), "{}", p.display());
}

#[test]
fn example_tree_figure_and_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_tree(&example_tree(), &data);
    std::fs::write(data.join("sweep.json"), "[]").unwrap(); // a manifest: ignored
    let figs = tmp.path().join("figs");
    analyse_into(&data, &figs)
        .assert()
        .success()
        .stdout(predicate::str::contains("iaf_psc_alpha"))
        .stdout(predicate::str::contains("4.638"))
        .stderr(predicate::str::contains("scaling.png"))
        .stderr(predicate::str::contains("warning").not());

    check_png(&figs.join("scaling.png"), 900, 1200);
    let svg = read(&figs.join("scaling.svg"));
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(100)]);
    assert!(svg.contains("network size N") && svg.contains("ignore_and_fire"));

    // the tables hold the numbers of data.json
    let csv = read(&figs.join("scaling.csv"));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 22);
    assert!(lines[0].starts_with("tree,model,N,n_seeds,build_time_s,sim_time_s,rate_per_s,weight_mean_pA"));
    let rec = read_json(&data.join("N1250/iaf_psc_alpha/data.json"));
    let row = lines
        .iter()
        .find(|l| l.starts_with("main,iaf_psc_alpha,1250,"))
        .unwrap();
    for key in [
        "build_time",
        "sim_time",
        "rate",
        "weight_mean",
        "weight_sd",
        "weight_max",
    ] {
        let v = rec[key].as_f64().unwrap();
        assert!(
            row.split(',').any(|c| c.parse::<f64>() == Ok(v)),
            "{key} = {v} not in {row}"
        );
    }
    let md = read(&figs.join("scaling.md"));
    assert!(
        md.contains("| iaf_psc_alpha | 1250 | 0.234 | 4.423 | 4.638 | 42.16 | 304.77 |"),
        "{md}"
    );
    // NEST's tree has no spikes or connectivity: per-run figures are skipped quietly
    assert!(!figs.join("N1250").exists());
}

#[test]
fn compare_adds_ratios_and_second_style() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    // ours: half NEST's sim time, same rate, weights +10 %
    for (n, model, sim, rate, wm) in [
        (
            1250,
            "iaf_psc_alpha",
            4.422685146331787 / 2.0,
            4.6376800000000005,
            42.15891008131626 * 1.1,
        ),
        (
            1250,
            "ignore_and_fire",
            2.30743145942688 / 2.0,
            0.99544,
            25.982763559099073 * 1.1,
        ),
        (2500, "ignore_and_fire", 1.0, 1.0, 26.0),
    ] {
        write_point(&data, n, model, None, &record(sim, rate, wm, 20.0));
    }
    let figs = tmp.path().join("figs");
    analyse_into(&data, &figs)
        .arg("--compare")
        .arg(example_tree())
        .args(["--label", "NEST"])
        .assert()
        .success()
        .stdout(predicate::str::contains("sim ratio"))
        .stdout(predicate::str::contains("NEST results in"))
        // the example tree has N2500 ignore_and_fire too: no ratio warning
        .stderr(predicate::str::contains("ratios are left empty").not())
        // our tree lacks iaf at N2500
        .stderr(predicate::str::contains("iaf_psc_alpha has no result for N = 2500"));

    let csv = read(&figs.join("scaling.csv"));
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let row: Vec<&str> = csv
        .lines()
        .find(|l| l.starts_with("main,iaf_psc_alpha,1250,"))
        .unwrap()
        .split(',')
        .collect();
    let f = |name: &str| row[col(name)].parse::<f64>().unwrap();
    assert!((f("sim_time_ratio") - 2.0).abs() < 1e-12);
    assert!((f("rate_ratio") - 1.0).abs() < 1e-12);
    assert!((f("weight_mean_ratio") - 1.0 / 1.1).abs() < 1e-12);
    // the compare tree's own rows follow, labelled
    assert_eq!(csv.lines().filter(|l| l.starts_with("NEST,")).count(), 22);
    let md = read(&figs.join("scaling.md"));
    assert!(md.contains("w mean ratio") && md.contains("NEST results in"), "{md}");
    check_png(&figs.join("scaling.png"), 900, 1200);
    let svg = read(&figs.join("scaling.svg"));
    assert!(svg.contains("iaf_psc_alpha (NEST)") && svg.contains("mean (NEST)"));
}

#[test]
fn seeds_give_mean_and_sd() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    for (s, sim) in [(1, 1.0), (2, 2.0), (3, 3.0)] {
        write_point(&data, 500, "ignore_and_fire", Some(s), &record(sim, 1.0, 25.0, 20.0));
    }
    write_point(&data, 1000, "ignore_and_fire", None, &record(5.0, 1.0, 26.0, 20.0));
    let figs = tmp.path().join("figs");
    let out = analyse_into(&data, &figs)
        .args(["--models", "ignore", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let r0 = &v["main"]["rows"][0];
    assert_eq!(r0["N"], 500);
    assert_eq!(r0["n_seeds"], 3);
    assert_eq!(r0["sim_time"], 2.0);
    assert_eq!(r0["seed_sd"]["sim_time"], 1.0);
    assert_eq!(v["main"]["rows"][1]["n_seeds"], 1);
    assert!(v["compare"].is_null());

    let csv = read(&figs.join("scaling.csv"));
    let row = csv.lines().nth(1).unwrap();
    assert!(row.starts_with("main,ignore_and_fire,500,3,0.5,2,1,25,"), "{row}");
    assert!(row.contains(",1,0,0,"), "seed SD of sim_time, rate, weight_mean: {row}");
    check_png(&figs.join("scaling.png"), 900, 1200);

    // the text table shows the seeds column and mean ± sd
    analyse_into(&data, &figs)
        .arg("--no-per-run")
        .assert()
        .success()
        .stdout(predicate::str::contains("seeds"))
        .stdout(predicate::str::contains("2.000 ± 1.000"));
}

#[test]
fn missing_points_warn_and_draw_what_exists() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write_point(&data, 100, "iaf_psc_alpha", None, &record(1.0, 4.6, 42.0, 300.0));
    write_point(&data, 200, "iaf_psc_alpha", None, &record(2.0, 2.0, 27.0, 90.0));
    let figs = tmp.path().join("figs");
    analyse_into(&data, &figs)
        .assert()
        .success()
        .stderr(predicate::str::contains("warning"))
        .stderr(predicate::str::contains("no results for model ignore_and_fire"));
    check_png(&figs.join("scaling.png"), 900, 1200);

    write_point(&data, 100, "ignore_and_fire", None, &record(1.0, 1.0, 26.0, 25.0));
    analyse_into(&data, &figs)
        .assert()
        .success()
        .stderr(predicate::str::contains("ignore_and_fire has no result for N = 200"));
    // --quiet: no warning, no table, no note
    analyse_into(&data, &figs)
        .arg("--quiet")
        .assert()
        .success()
        .stdout("")
        .stderr("");
    // a single point with all-equal values still draws
    let one = tmp.path().join("one");
    write_point(&one, 100, "iaf_psc_alpha", None, &record(1.0, 1.0, 1.0, 0.0));
    scaling_cmd()
        .arg("analyse")
        .arg(&one)
        .arg("--out")
        .arg(tmp.path().join("figs1"))
        .args(["--models", "iaf", "--format", "png"])
        .assert()
        .success();
    check_png(&tmp.path().join("figs1/scaling.png"), 900, 1200);
    assert!(!tmp.path().join("figs1/scaling.svg").exists());
}

#[test]
fn per_run_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let files = nest_data().join("files");
    let d = write_point(&data, 50, "ignore_and_fire", Some(1), &record(1.0, 1.0, 26.0, 25.0));
    std::fs::copy(files.join("spikes-51-0.dat"), d.join("spikes.dat")).unwrap();
    std::fs::copy(
        files.join("connectivity_postsim.dat"),
        d.join("connectivity_postsim.dat"),
    )
    .unwrap();
    std::fs::write(
        d.join("model_instance_parameters.json"),
        r#"{"T": 1000.0, "derived": {"N_E": 40}, "I_E": 31.7773697}"#,
    )
    .unwrap();
    let figs = tmp.path().join("figs");
    analyse_into(&data, &figs)
        .assert()
        .success()
        .stderr(predicate::str::contains("per-run"));
    let pr = figs.join("N50/ignore_and_fire/seed1");
    check_png(&pr.join("raster.png"), 1200, 900);
    check_png(&pr.join("weights.png"), 1200, 900);
    assert!(read(&pr.join("raster.svg")).starts_with("<svg"));

    let figs2 = tmp.path().join("figs2");
    analyse_into(&data, &figs2).arg("--no-per-run").assert().success();
    assert!(figs2.join("scaling.png").exists());
    assert!(!figs2.join("N50").exists());

    // a corrupt spike file names file and line
    std::fs::write(d.join("spikes.dat"), "sender\ttime_ms\n1\t2.0\n3\tx\n").unwrap();
    analyse_into(&data, &figs)
        .assert()
        .failure()
        .stderr(predicate::str::contains("spikes.dat"))
        .stderr(predicate::str::contains("line 3"));
}

#[test]
fn truncated_data_json_names_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write_point(&data, 100, "iaf_psc_alpha", None, &record(1.0, 1.0, 26.0, 25.0));
    let full = record(1.0, 1.0, 26.0, 25.0);
    write_point(&data, 200, "iaf_psc_alpha", None, &full[..full.len() / 2]);
    scaling_cmd()
        .arg("analyse")
        .arg(&data)
        .arg("--out")
        .arg(tmp.path().join("figs"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("N200/iaf_psc_alpha/data.json"))
        .stderr(predicate::str::contains("line"))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn empty_and_missing_dirs_error() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    scaling_cmd()
        .arg("analyse")
        .arg(&empty)
        .arg("--out")
        .arg(tmp.path().join("figs"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("no results in"))
        .stderr(predicate::str::contains("empty"));
    scaling_cmd()
        .arg("analyse")
        .arg(tmp.path().join("nope"))
        .arg("--out")
        .arg(tmp.path().join("figs"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("nope"));
    assert!(!tmp.path().join("figs").exists());
}

#[test]
fn bad_flags_error() {
    scaling_cmd()
        .arg("analyse")
        .arg(example_tree())
        .args(["--models", "iaf,lif"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--models"))
        .stderr(predicate::str::contains("lif"));
    scaling_cmd()
        .arg("analyse")
        .arg(example_tree())
        .args(["--format", "pdf"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--format"));
}

/// The whole pipeline: `scaling run` at tiny N (analysis pass included, two
/// seeds), then `scaling analyse` on its tree; the figures decode and the
/// tables hold the numbers of data.json.
#[test]
fn run_then_analyse() {
    let dir = tempfile::tempdir().unwrap();
    let (data, figs) = (dir.path().join("data"), dir.path().join("figs"));
    scaling_cmd()
        .args([
            "run",
            "--models",
            "iaf,ignore",
            "--N",
            "150,300",
            "--T",
            "200",
            "--set",
            "K=60",
            "--seeds",
            "1,2",
        ])
        .arg("--out")
        .arg(&data)
        .arg("--figures")
        .arg(&figs)
        .assert()
        .success();
    check_png(&figs.join("scaling.png"), 900, 1200);
    assert!(read(&figs.join("scaling.svg")).contains("<svg"));
    for m in ["iaf_psc_alpha", "ignore_and_fire"] {
        for f in ["raster.png", "weights.png"] {
            assert!(figs.join(format!("N300/{m}")).read_dir().unwrap().any(|e| {
                let p = e.unwrap().path();
                p.to_string_lossy().contains(f.trim_end_matches(".png")) || p.is_dir()
            }));
        }
    }
    // analyse again, into another directory, and check the table against data.json
    let figs2 = dir.path().join("figs2");
    let out = analyse_into(&data, &figs2).arg("--json").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let csv = read(&figs2.join("scaling.csv"));
    let rec = read_json(&data.join("N150/iaf_psc_alpha/seed1/data.json"));
    let rec2 = read_json(&data.join("N150/iaf_psc_alpha/seed2/data.json"));
    let mean_rate = (rec["rate"].as_f64().unwrap() + rec2["rate"].as_f64().unwrap()) / 2.0;
    let text = table.to_string();
    assert!(
        text.contains("iaf_psc_alpha") && text.contains("ignore_and_fire"),
        "{text}"
    );
    let found = csv.lines().any(|l| {
        l.contains("iaf_psc_alpha")
            && l.contains(",150,")
            && l.split(',').any(|c| {
                c.parse::<f64>()
                    .is_ok_and(|v| (v - mean_rate).abs() < 1e-3 * mean_rate.max(1e-3))
            })
    });
    assert!(found, "mean rate {mean_rate} of the two seeds not in\n{csv}");
}
