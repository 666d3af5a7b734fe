//! Planning a run spread over many processes: `scaling run --dry-run
//! --processes R` prints per-process memory, time, synapses and spike
//! exchange for sizes far beyond this machine, and `--processes` without
//! `--dry-run` is refused. Through the real binary.

mod common;

use common::{scaling, stderr};

#[test]
fn dry_run_plans_a_hundred_million_neurons_on_1024_processes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let o = scaling()
        .args([
            "run",
            "--dry-run",
            "--processes",
            "1024",
            "--N",
            "100000000",
            "--threads",
            "48",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    let head = text.lines().next().unwrap();
    assert!(
        head.contains("1024 processes x 48 thread(s)") && head.contains("per process"),
        "{head}"
    );
    let header = text.lines().nth(1).unwrap();
    for col in [
        "memory",
        "syn/process",
        "offsets",
        "total mem",
        "recv/slice",
        "sent/slice",
    ] {
        assert!(header.contains(col), "{header}");
    }
    let rows: Vec<&str> = text.lines().filter(|l| l.contains(" 100000000 ")).collect();
    assert_eq!(rows.len(), 2, "{text}");
    for row in rows {
        // whole network: 1e8 * 1250 synapses; the largest process: ceil(8e7/1024)
        // E and ceil(2e7/1024) I neurons of 1250 synapses each
        assert!(row.contains(" 125000000000 "), "{row}");
        assert!(row.contains(" 122071250 "), "{row}");
        assert!(row.contains("GB") && row.contains("TB") && row.contains("MB"), "{row}");
    }
    assert!(
        text.contains("GB per process") && text.contains("all processes"),
        "{text}"
    );
    assert!(!out.exists(), "dry run wrote {}", out.display());
}

#[test]
fn processes_without_dry_run_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let o = scaling()
        .args(["run", "--processes", "2", "--N", "1000", "--T", "10", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("--processes") && e.contains("mpirun -np R"), "{e}");
    assert!(!out.exists(), "a refused run wrote {}", out.display());
}
