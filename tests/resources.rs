//! Integration tests of the resource-scaling analysis: `scaling analyse` on
//! trees whose points ran on several compute resources
//! (`N{N}/{model}/p{P}t{T}/`), built in a temporary directory.

mod common;

use common::{read, read_json, scaling};
use std::path::Path;

/// Write a minimal `data.json` for `model` at N below `rel` (relative to
/// `root`), with `extra` JSON keys (e.g. `"processes": 2`).
fn write_point(root: &Path, rel: &str, n: usize, sim: f64, extra: &str) {
    let d = root.join(rel);
    std::fs::create_dir_all(&d).unwrap();
    let json = format!(
        r#"{{"build_time": 0.5, "sim_time": {sim}, "rate": 4.0, "weight_mean": 30.0,
"weight_sd": 5.0, "weight_min": 0.0, "weight_max": 300.0, "weight_median": 27.0,
"model": "iaf_psc_alpha", "N": {n}{extra}}}"#
    );
    std::fs::write(d.join("data.json"), json).unwrap();
}

/// A strong-scaling series (N = 12500 on p1t1, p1t2, p2t1, p2t2; two seeds
/// on p1t1) and a weak-scaling series (12500 per process: N12500 p1t1,
/// N25000 p2t1).
fn strong_and_weak_tree(root: &Path) {
    let m = "N12500/iaf_psc_alpha";
    for (sub, sim) in [("p1t1/seed1", 7.0), ("p1t1/seed2", 9.0)] {
        let extra = r#", "processes": 1, "threads": 1, "n_per_process": 12500"#;
        write_point(root, &format!("{m}/{sub}"), 12500, sim, extra);
    }
    for (p, t, sim) in [(1, 2, 4.4), (2, 1, 5.0), (2, 2, 2.5)] {
        let extra = format!(r#", "processes": {p}, "threads": {t}"#);
        write_point(root, &format!("{m}/p{p}t{t}"), 12500, sim, &extra);
    }
    let extra = r#", "processes": 2, "threads": 1, "n_per_process": 12500"#;
    write_point(root, "N25000/iaf_psc_alpha/p2t1", 25000, 10.0, extra);
}

/// Run `scaling analyse DATA --out FIGS --models iaf_psc_alpha ARGS`,
/// assert success without warnings, return stdout.
fn analyse(data: &Path, figs: &Path, args: &[&str]) -> String {
    let o = scaling()
        .arg("analyse")
        .arg(data)
        .arg("--out")
        .arg(figs)
        .args(["--models", "iaf_psc_alpha"])
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("warning"), "{err}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn png_size(p: &Path) -> (u32, u32) {
    let img = image::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    (img.width(), img.height())
}

/// The CSV as one map per row (header -> cell).
fn csv_rows(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            head.iter()
                .map(|h| h.to_string())
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or_else(|e| panic!("`{s}`: {e}"))
}

#[test]
fn strong_and_weak_scaling_figure_and_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, figs) = (tmp.path().join("data"), tmp.path().join("figs"));
    strong_and_weak_tree(&data);
    let out = analyse(&data, &figs, &["--no-per-run"]);
    assert!(
        out.contains("compute resources in") && out.contains("weak eff."),
        "{out}"
    );

    // both sections: 900 x (12 + 770 + 500 + 12)
    assert_eq!(png_size(&figs.join("resources.png")), (900, 1294));
    let svg = read(&figs.join("resources.svg"));
    assert!(svg.starts_with("<svg") && svg.contains("parallel efficiency") && svg.contains("weak scaling"));

    let rows = csv_rows(&read(&figs.join("resources.csv")));
    let key =
        |r: &std::collections::HashMap<String, String>| (r["N"].clone(), r["processes"].clone(), r["threads"].clone());
    let get = |n: &str, p: &str, t: &str| {
        rows.iter()
            .find(|r| key(r) == (n.into(), p.into(), t.into()))
            .unwrap_or_else(|| panic!("no row N{n} p{p}t{t}"))
    };
    assert_eq!(rows.len(), 5);
    // baseline: p1t1, mean of the two seeds 8 s
    let base = get("12500", "1", "1");
    assert_eq!(
        (num(&base["sim_time_s"]), num(&base["sim_time_s_seed_sd"])),
        (8.0, 2f64.sqrt())
    );
    assert_eq!((num(&base["speed_up"]), num(&base["efficiency"])), (1.0, 1.0));
    for (p, t, cores, speed_up, eff) in [
        ("1", "2", "2", 8.0 / 4.4, 8.0 / 8.8),
        ("2", "1", "2", 1.6, 0.8),
        ("2", "2", "4", 3.2, 0.8),
    ] {
        let r = get("12500", p, t);
        assert_eq!(r["cores"], cores);
        assert!((num(&r["speed_up"]) - speed_up).abs() < 1e-12, "p{p}t{t}: {r:?}");
        assert!((num(&r["efficiency"]) - eff).abs() < 1e-12, "p{p}t{t}: {r:?}");
    }
    // weak: 8 s on one process, 10 s on two
    let w = get("25000", "2", "1");
    assert_eq!(
        (w["n_per_process"].as_str(), num(&w["weak_efficiency"])),
        ("12500", 0.8)
    );
    assert_eq!((w["speed_up"].as_str(), w["efficiency"].as_str()), ("", ""));
    assert_eq!(num(&base["weak_efficiency"]), 1.0);

    let md = read(&figs.join("resources.md"));
    assert!(md.contains("| iaf_psc_alpha | 12500 | - | 2 | 2 | 4 | 1 | 2.500 | 0.500 | 3.200 | 0.800 | - |"));

    // the scaling table shows one configuration per N: the one run at the
    // most sizes (p2t1: N12500 and N25000)
    let scsv = read(&figs.join("scaling.csv"));
    let line = scsv
        .lines()
        .find(|l| l.starts_with("main,iaf_psc_alpha,12500,"))
        .unwrap();
    assert!(line.starts_with("main,iaf_psc_alpha,12500,1,0.5,5,"), "{scsv}");
    assert!(read(&figs.join("scaling.md")).contains("several compute resources"));

    // --json: the resources key
    let figs2 = tmp.path().join("figs2");
    let j: serde_json::Value = serde_json::from_str(&analyse(&data, &figs2, &["--no-per-run", "--json"])).unwrap();
    assert_eq!(j["resources"].as_array().unwrap().len(), 5);
    assert_eq!(j["resources"][3]["efficiency"], serde_json::json!(0.8));
}

#[test]
fn strong_only_and_weak_only_sizes() {
    let tmp = tempfile::tempdir().unwrap();
    let strong = tmp.path().join("strong");
    for (p, t, sim) in [(1, 1, 8.0), (1, 2, 4.4), (2, 1, 5.0), (2, 2, 2.5)] {
        let extra = format!(r#", "processes": {p}, "threads": {t}"#);
        write_point(&strong, &format!("N12500/iaf_psc_alpha/p{p}t{t}"), 12500, sim, &extra);
    }
    // a spike file: the per-run raster of p2t2 goes to its own directory
    let spikes = common::nest_data().join("files/spikes-51-0.dat");
    std::fs::copy(spikes, strong.join("N12500/iaf_psc_alpha/p2t2/spikes.dat")).unwrap();
    analyse(&strong, &tmp.path().join("f1"), &["--format", "png"]);
    assert_eq!(png_size(&tmp.path().join("f1/resources.png")), (900, 794));
    assert!(!tmp.path().join("f1/resources.svg").exists());
    assert!(tmp.path().join("f1/N12500/iaf_psc_alpha/p2t2/raster.png").is_file());
    assert!(!tmp.path().join("f1/N12500/iaf_psc_alpha/raster.png").exists());

    let weak = tmp.path().join("weak");
    for (p, n, sim) in [(1, 12500, 8.0), (2, 25000, 10.0)] {
        let extra = format!(r#", "processes": {p}, "threads": 1, "n_per_process": 12500"#);
        write_point(&weak, &format!("N{n}/iaf_psc_alpha/p{p}t1"), n, sim, &extra);
    }
    analyse(&weak, &tmp.path().join("f2"), &["--no-per-run"]);
    assert_eq!(png_size(&tmp.path().join("f2/resources.png")), (900, 524));
    let rows = csv_rows(&read(&tmp.path().join("f2/resources.csv")));
    assert_eq!(rows[1]["weak_efficiency"], "0.8");
}

#[test]
fn one_configuration_draws_no_resources_figure() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    // a sweep on p1t1 only, and the layout without resource directories
    for n in [1250, 2500] {
        let extra = r#", "processes": 1, "threads": 1"#;
        write_point(&data, &format!("N{n}/iaf_psc_alpha/p1t1"), n, n as f64 / 1000.0, extra);
    }
    write_point(&data, "N5000/iaf_psc_alpha", 5000, 5.0, r#", "threads": 1"#);
    let figs = tmp.path().join("figs");
    let out = analyse(&data, &figs, &["--no-per-run"]);
    assert!(!out.contains("compute resources"), "{out}");
    for f in ["resources.png", "resources.svg", "resources.csv", "resources.md"] {
        assert!(!figs.join(f).exists(), "{f}");
    }
    assert!(figs.join("scaling.png").exists());
    let j = read_json(&{
        let figs2 = tmp.path().join("figs2");
        let s = analyse(&data, &figs2, &["--no-per-run", "--json"]);
        let p = tmp.path().join("out.json");
        std::fs::write(&p, s).unwrap();
        p
    });
    assert!(j.get("resources").is_none());
    assert_eq!(j["main"]["rows"].as_array().unwrap().len(), 3);
}

#[test]
fn directory_and_data_json_disagree_warns() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write_point(&data, "N100/iaf_psc_alpha/p2t1", 100, 1.0, r#", "processes": 3"#);
    let o = scaling()
        .arg("analyse")
        .arg(&data)
        .arg("--out")
        .arg(tmp.path().join("figs"))
        .arg("--no-per-run")
        .output()
        .unwrap();
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("warning") && err.contains("processes = 3") && err.contains("p2t1"),
        "{err}"
    );
}
