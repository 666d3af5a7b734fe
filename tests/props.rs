//! Bad input, systematically: the config-file parser, the `--N` spec parser
//! and `--set` never panic or hang on arbitrary input, stay bounded in
//! memory, and every rejection names what was wrong.

mod common;

use common::temp_file;
use proptest::prelude::*;
use scaling::config::{apply_file, Sweep, SWEEP_KEYS};
use scaling::config::{parse_n_spec, parse_set, MAX_SIZES};
use scaling::params::{Params, KEYS};

fn any_key() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(KEYS).prop_map(str::to_string),
        proptest::sample::select(SWEEP_KEYS).prop_map(str::to_string),
        "[A-Za-z_][A-Za-z0-9_]{0,12}",
    ]
}

fn any_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|v| v.to_string()),
        any::<f64>().prop_map(|v| format!("{v:?}")),
        Just("true".to_string()),
        Just("nan".to_string()),
        Just("inf".to_string()),
        "\"[ -~]{0,20}\"",
        "\\[[0-9., -]{0,20}\\]",
        "[ -~]{0,20}",
    ]
}

fn n_spec() -> impl Strategy<Value = String> {
    let num = prop_oneof![
        Just(String::new()),
        any::<u64>().prop_map(|v| v.to_string()),
        (0u64..20_000).prop_map(|v| v.to_string()),
        Just(usize::MAX.to_string()),
        "[0-9a-z ]{0,4}",
    ];
    prop_oneof![
        (num.clone(), num.clone()).prop_map(|(a, b)| format!("{a}..{b}")),
        (num.clone(), num.clone()).prop_map(|(a, b)| format!("{a}..={b}")),
        (num.clone(), num.clone(), num.clone()).prop_map(|(a, b, s)| format!("{a}..{b}:{s}")),
        proptest::collection::vec(num, 0..6).prop_map(|v| v.join(",")),
        "[0-9.,:= a-z-]{0,24}",
        ".{0,24}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Arbitrary text as a config file: an error (naming the file), never a panic.
    #[test]
    fn config_file_arbitrary_text(text in ".{0,200}") {
        let (_dir, path) = temp_file("fuzz.toml", &text);
        if let Err(e) = apply_file(&mut Sweep::default(), &path) {
            prop_assert!(e.to_string().contains("fuzz.toml"), "{}", e);
        }
    }

    /// `key = value` lines: a rejection names the file and the key.
    #[test]
    fn config_file_key_values(pairs in proptest::collection::vec((any_key(), any_value()), 1..4)) {
        let text: String = pairs.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
        let (_dir, path) = temp_file("kv.toml", &text);
        if let Err(e) = apply_file(&mut Sweep::default(), &path) {
            let msg = e.to_string();
            prop_assert!(msg.contains("kv.toml"), "{}", msg);
            if !msg.contains("not valid TOML") {
                prop_assert!(
                    pairs.iter().any(|(k, _)| msg.contains(&format!("`{k}`"))),
                    "{msg} names no key of {pairs:?}"
                );
            }
        }
    }

    /// `--N` specs: bounded output, errors name `--N`, and accepted sizes are positive.
    #[test]
    fn n_spec_is_bounded_and_named(spec in n_spec()) {
        match parse_n_spec(&spec) {
            Ok(v) => {
                prop_assert!(!v.is_empty() && v.len() <= MAX_SIZES);
                prop_assert!(v.iter().all(|&n| n > 0));
            }
            Err(e) => prop_assert!(e.to_string().contains("--N"), "{}", e),
        }
    }

    /// `--set KEY=VALUE`: errors name `--set` or the key.
    #[test]
    fn set_names_the_key(key in any_key(), value in any_value(), sep in prop_oneof![Just("="), Just(""), Just(" = ")]) {
        let arg = format!("{key}{sep}{value}");
        match parse_set(&arg) {
            Err(e) => prop_assert!(e.to_string().contains("--set"), "{}", e),
            Ok((k, v)) => {
                let mut p = Params::default();
                let set = p.set(&k, &v);
                if let Err(e) = set {
                    prop_assert!(e.to_string().contains(&format!("`{k}`")), "{}", e);
                } else {
                    // whatever was accepted is either valid or rejected by derive, naming a key
                    if let Err(e) = p.derive() {
                        prop_assert!(e.to_string().starts_with("invalid value for `"), "{}", e);
                    }
                }
            }
        }
    }
}

#[test]
fn huge_ranges_do_not_allocate() {
    let max = usize::MAX;
    for spec in [
        format!("1..{max}"),
        format!("1..={max}"),
        format!("0..={max}:1"),
        format!("1..={max}:1"),
        format!("{}..={max}:1", max - 5),
    ] {
        let t = std::time::Instant::now();
        let r = parse_n_spec(&spec);
        assert!(t.elapsed().as_secs() < 1, "{spec}");
        match r {
            Ok(v) => assert!(v.len() <= MAX_SIZES, "{spec}"),
            Err(e) => assert!(e.to_string().contains("--N"), "{spec}: {e}"),
        }
    }
    let many = vec!["1"; MAX_SIZES + 1].join(",");
    assert!(parse_n_spec(&many).is_err());
}

/// Regression test for a panic found by `set_names_the_key`: extreme
/// tau_s/tau_m ratios are rejected with an error naming the key.
#[test]
fn extreme_tau_ratio_is_an_error_not_a_panic() {
    for (tau_m, tau_s) in [(20.0, 14903.0), (0.01, 20.0)] {
        let p = Params {
            tau_m,
            tau_s,
            ..Default::default()
        };
        let e = p.derive().unwrap_err().to_string();
        assert!(e.contains("tau_s") || e.contains("tau_m"), "{e}");
    }
}
