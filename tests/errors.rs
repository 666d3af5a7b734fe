//! The error messages of bad input: each names the real culprit once, in
//! readable units, and says what would be valid; nothing is written.

mod common;

use common::scaling;
use std::path::Path;

/// Run `scaling run ARGS --out DIR/o --no-analyse`; it must fail without a
/// panic and write nothing; returns stderr.
fn refused(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = scaling()
        .args(args)
        .arg("--out")
        .arg(dir.path().join("o"))
        .arg("--no-analyse")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{args:?} succeeded: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!dir.path().join("o").join(Path::new("N400")).exists());
    err
}

#[test]
fn absurd_t_names_t_with_what_fits() {
    let e = refused(&["run", "--N", "400", "--T", "1e30"]);
    assert!(
        e.contains("invalid value for `T`") && e.contains("must be at most"),
        "{e}"
    );
    assert!(!e.contains("`N`") && !e.contains("EB"), "{e}");
}

#[test]
fn long_spike_record_names_t_and_a_shorter_t() {
    // 4000 neurons over ~6 days: the spike record needs far more than any test machine has
    let e = refused(&["run", "--N", "4000", "--T", "5e8"]);
    assert!(e.contains("invalid value for `T`") && e.contains("spike record"), "{e}");
    assert!(e.contains("at most T = ") && e.contains("use a shorter --T"), "{e}");
    assert!(e.contains(" GB") || e.contains(" TB"), "{e}");
}

#[test]
fn huge_network_names_n_and_a_smaller_n() {
    let e = refused(&["run", "--N", "200000000"]);
    assert!(e.contains("invalid value for `N`") && e.contains("at most N = "), "{e}");
    assert!(e.contains(" TB") && e.contains("--force"), "{e}");
}

#[test]
fn set_n_has_one_prefix() {
    let e = refused(&["run", "--set", "N=abc"]);
    assert!(
        e.contains("invalid value for `--set N`: `abc` is not a whole number"),
        "{e}"
    );
    assert_eq!(e.matches("invalid value").count(), 1, "{e}");
    assert!(!e.contains("--N"), "{e}");
}

#[test]
fn config_file_names_key_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("sweep.toml");
    std::fs::write(&cfg, "K = 20\n\nN = \"10..5\"\n").unwrap();
    let e = refused(&["run", cfg.to_str().unwrap()]);
    let want = format!(
        "invalid value for `N` in `{}`, line 3: range `10..5` is empty",
        cfg.display()
    );
    assert!(e.contains(&want), "{e}");
    assert!(!e.contains("`N` in `") || !e.contains("`N` in `N"), "{e}");
}
