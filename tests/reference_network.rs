//! Network statistics against NEST 3.10 (tests/data/nest-3.10/network/):
//! at N = 1250 and 2500, T = 10 s, the rates and the E->E weight statistics
//! of both models, as means over seeds 1-3 like NEST's, lie within NEST's
//! seed-to-seed spread (the tolerance rule of the project's compare tool:
//! 4 x NEST's sd over seeds 1-3, with floors). A mean over seeds, because at
//! N = 1250 iaf_psc_alpha's rate varies from seed to seed more than three
//! NEST seeds show (NEST's own seeds 1-36 range over 3.9-5.3/s).
//! Slow in debug builds: run with `cargo test --release`.

mod common;

use common::{nest_data, read_json};
use scaling::models::ModelKind;
use scaling::params::Params;
use serde_json::Value;

fn reference() -> Vec<Value> {
    serde_json::from_value(read_json(&nest_data().join("network/sweep.json"))).unwrap()
}

/// (name, NEST getter, our value, relative floor, absolute floor)
type Metric = (&'static str, fn(&Value) -> f64, f64, f64, f64);

fn check(kind: ModelKind, n: usize) {
    let recs: Vec<Value> = reference()
        .into_iter()
        .filter(|r| r["model"] == kind.name() && r["N"].as_u64() == Some(n as u64))
        .collect();
    assert!(recs.len() >= 3, "reference has seeds 1-3");
    let runs: Vec<_> = (1..=3)
        .map(|seed| {
            let p = Params {
                N: n,
                seed,
                ..Params::default()
            };
            scaling::simulate::run(kind, &p, 2, &scaling::comm::Solo, None, |_| true)
                .unwrap()
                .record
        })
        .collect();
    let mean = |get: fn(&scaling::output::data_json::RunRecord) -> Option<f64>| {
        runs.iter().map(|r| get(r).unwrap()).sum::<f64>() / runs.len() as f64
    };
    let metrics: [Metric; 7] = [
        (
            "rate",
            |r| r["rate"].as_f64().unwrap(),
            mean(|r| Some(r.rate)),
            0.03,
            0.01,
        ),
        (
            "rate_E",
            |r| r["rate_E"].as_f64().unwrap(),
            mean(|r| r.rate_e),
            0.03,
            0.01,
        ),
        (
            "rate_I",
            |r| r["rate_I"].as_f64().unwrap(),
            mean(|r| r.rate_i),
            0.03,
            0.01,
        ),
        (
            "w_mean",
            |r| r["weights_all_EE"]["mean"].as_f64().unwrap(),
            mean(|r| r.weight_all_mean),
            0.04,
            0.3,
        ),
        (
            "w_sd",
            |r| r["weights_all_EE"]["sd"].as_f64().unwrap(),
            mean(|r| r.weight_all_sd),
            0.08,
            0.3,
        ),
        (
            "w_median",
            |r| r["weights_all_EE"]["median"].as_f64().unwrap(),
            mean(|r| r.weight_all_median),
            0.04,
            0.3,
        ),
        (
            "w_zero",
            |r| r["frac_zero_EE"].as_f64().unwrap(),
            mean(|r| r.weight_all_zero_fraction),
            0.05,
            0.01,
        ),
    ];
    for (name, get, v, rel, abs) in metrics {
        let vals: Vec<f64> = recs.iter().map(get).collect();
        let mu = vals.iter().sum::<f64>() / vals.len() as f64;
        let sd = (vals.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (vals.len() - 1) as f64).sqrt();
        let tol = (4.0 * sd).max(rel * mu.abs()).max(abs);
        eprintln!(
            "{:16} N={n:5} {name:8} scaling {v:10.4} NEST {mu:10.4} ± {sd:8.4} (tol {tol:.4})",
            kind.name()
        );
        assert!(
            (v - mu).abs() <= tol,
            "{} N={n} {name}: {v} not within {tol} of NEST's {mu}",
            kind.name()
        );
    }
}

#[test]
fn iaf_psc_alpha_n1250_within_nest_spread() {
    check(ModelKind::IafPscAlpha, 1250);
}

#[test]
fn iaf_psc_alpha_n2500_within_nest_spread() {
    check(ModelKind::IafPscAlpha, 2500);
}

#[test]
fn ignore_and_fire_n1250_within_nest_spread() {
    check(ModelKind::IgnoreAndFire, 1250);
}

#[test]
fn ignore_and_fire_n2500_within_nest_spread() {
    check(ModelKind::IgnoreAndFire, 2500);
}

/// Mean and sample standard deviation.
fn mean_sd(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
    (m, var.sqrt())
}

/// At N = 1250 iaf_psc_alpha's rate varies most from seed to seed: over
/// seeds 1-12 its distribution matches NEST's over seeds 1-36 (means within
/// 4 standard errors of their difference, standard deviations within a
/// factor of 2).
#[test]
fn iaf_psc_alpha_n1250_rate_distribution_matches_nest() {
    let nest: Vec<Value> =
        serde_json::from_value(read_json(&nest_data().join("network/iaf_psc_alpha_N1250_seeds.json"))).unwrap();
    let nest: Vec<f64> = nest.iter().map(|r| r["rate"].as_f64().unwrap()).collect();
    assert_eq!(nest.len(), 36);
    let ours: Vec<f64> = (1..=12)
        .map(|seed| {
            let p = Params {
                N: 1250,
                seed,
                ..Params::default()
            };
            scaling::simulate::run(ModelKind::IafPscAlpha, &p, 2, &scaling::comm::Solo, None, |_| true)
                .unwrap()
                .record
                .rate
        })
        .collect();
    let ((mo, so), (mn, sn)) = (mean_sd(&ours), mean_sd(&nest));
    let se = (so * so / ours.len() as f64 + sn * sn / nest.len() as f64).sqrt();
    eprintln!("rate over seeds: scaling {mo:.3} ± {so:.3} (12), NEST {mn:.3} ± {sn:.3} (36)");
    assert!(
        (mo - mn).abs() <= 4.0 * se,
        "means {mo} and {mn} differ by more than 4 x {se}"
    );
    assert!((0.5..=2.0).contains(&(so / sn)), "standard deviations {so} and {sn}");
}
