//! Configuration: a TOML file, then command-line flags, then `--set`
//! overrides, validated into a [`Plan`] (the sweep to run).
//!
//! A config file is flat: the sweep keys `models`, `N` (a size, a list or a
//! spec string like `"1250..15000"`), `seeds`, `threads`, `out`, `figures`,
//! `analyse`, `spikes`, and any model parameter by its spec name (`K`, `eta`,
//! `T`, `seed`, ...; see [`crate::params::KEYS`]).

use crate::cli::{parse_n_spec, parse_set, RunArgs};
use crate::error::{Error, Result};
use crate::models::ModelKind;
use crate::params::{Params, KEYS};
use std::path::{Path, PathBuf};

/// Sweep keys a config file may hold besides the model parameters.
pub const SWEEP_KEYS: &[&str] = &["models", "N", "seeds", "threads", "out", "figures", "analyse", "spikes"];

/// A validated sweep: every point is (model, N, seed).
#[derive(Debug, Clone)]
pub struct Plan {
    /// Models in sweep order.
    pub models: Vec<ModelKind>,
    /// Network sizes in sweep order.
    pub sizes: Vec<usize>,
    /// Seeds; more than one puts results under `seed{S}/`.
    pub seeds: Vec<u64>,
    /// Whether results go to `seed{S}/` subdirectories.
    pub seed_dirs: bool,
    /// Base parameters (N and seed are set per point).
    pub params: Params,
    /// Worker threads (0 = every core).
    pub threads: usize,
    /// Results directory.
    pub out: PathBuf,
    /// Figure directory of the analysis pass.
    pub figures: PathBuf,
    /// Run the analysis pass after the sweep.
    pub analyse: bool,
    /// Write spikes.dat.
    pub spikes: bool,
    /// Recompute existing points, ignore the memory plan.
    pub force: bool,
    /// Only print the plan.
    pub dry_run: bool,
    /// (index from 1, count) of the shard to run.
    pub shard: Option<(usize, usize)>,
    /// Print only errors.
    pub quiet: bool,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            models: vec![ModelKind::IafPscAlpha, ModelKind::IgnoreAndFire],
            sizes: (1..=11).map(|i| i * 1250).collect(),
            seeds: vec![1],
            seed_dirs: false,
            params: Params::default(),
            threads: 0,
            out: PathBuf::from("data"),
            figures: PathBuf::from("figures"),
            analyse: true,
            spikes: true,
            force: false,
            dry_run: false,
            shard: None,
            quiet: false,
        }
    }
}

/// Parse a comma-separated model list (`iaf,ignore`); `what` names the flag or key.
pub fn parse_models(s: &str, what: &str) -> Result<Vec<ModelKind>> {
    let mut out = Vec::new();
    for name in s.split(',').map(str::trim).filter(|x| !x.is_empty()) {
        let m = ModelKind::parse(name).ok_or_else(|| {
            Error::config(
                what,
                format!("unknown model `{name}`; valid: iaf (iaf_psc_alpha), ignore (ignore_and_fire)"),
            )
        })?;
        if !out.contains(&m) {
            out.push(m);
        }
    }
    if out.is_empty() {
        return Err(Error::config(what, "no model given; valid: iaf, ignore"));
    }
    Ok(out)
}

/// Parse a seed list `1,2,3`; repeated seeds count once (they would share a directory).
fn parse_seeds(s: &str, what: &str) -> Result<Vec<u64>> {
    let mut v: Vec<u64> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for x in s.split(',') {
        let seed = x
            .trim()
            .parse::<u64>()
            .map_err(|_| Error::config(what, format!("`{x}` is not a seed (a whole number >= 0)")))?;
        if seen.insert(seed) {
            v.push(seed);
        }
        if v.len() > MAX_POINTS {
            return Err(Error::config(what, format!("more than {MAX_POINTS} seeds")));
        }
    }
    if v.is_empty() {
        return Err(Error::config(what, "no seed given"));
    }
    Ok(v)
}

/// Most worker threads a plan may ask for.
pub const MAX_THREADS: usize = 4096;
/// Most points (models x sizes x seeds) one sweep may have.
pub const MAX_POINTS: usize = 1_000_000;

/// Parse a thread count (0 = every core, at most [`MAX_THREADS`]).
fn parse_threads(s: &str) -> Result<usize> {
    match s.trim().parse::<usize>() {
        Ok(t) if t <= MAX_THREADS => Ok(t),
        _ => Err(Error::config(
            "threads",
            format!("expected a whole number in 0..={MAX_THREADS} (0 = every core), got `{s}`"),
        )),
    }
}

/// Parse `I/M` of `--shard`.
pub fn parse_shard(s: &str) -> Result<(usize, usize)> {
    let bad = || {
        Error::config(
            "--shard",
            format!("expected I/M with 1 <= I <= M (e.g. `2/4`), got `{s}`"),
        )
    };
    let (i, m) = s.split_once('/').ok_or_else(bad)?;
    let (i, m) = (
        i.trim().parse::<usize>().map_err(|_| bad())?,
        m.trim().parse::<usize>().map_err(|_| bad())?,
    );
    if i == 0 || m == 0 || i > m {
        return Err(bad());
    }
    Ok((i, m))
}

fn toml_scalar_text(v: &toml::Value) -> Option<String> {
    match v {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        toml::Value::Array(a) => a
            .iter()
            .map(toml_scalar_text)
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(",")),
        _ => None,
    }
}

/// Apply a TOML config file to `plan`; errors name the file and the key.
pub fn apply_file(plan: &mut Plan, path: &Path) -> Result<()> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("cannot read config", path, e))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .map(|s| text.get(..s.start).unwrap_or(&text).lines().count().max(1));
        Error::parse(path, line, format!("not valid TOML: {}", e.message()))
    })?;
    for (key, value) in &table {
        // errors name the key as written in the file (not e.g. `--N`)
        let ctx = |e: Error| match e {
            Error::Config { msg, .. } => Error::config(format!("{key}` in `{}", path.display()), msg),
            other => other,
        };
        let text = toml_scalar_text(value).ok_or_else(|| {
            Error::config(
                format!("{key}` in `{}", path.display()),
                "expected a number, string, boolean or array",
            )
        })?;
        let boolean = |k: &str| -> Result<bool> {
            match value {
                toml::Value::Boolean(b) => Ok(*b),
                _ => Err(Error::config(
                    format!("{k}` in `{}", path.display()),
                    "expected true or false",
                )),
            }
        };
        match key.as_str() {
            "models" => plan.models = parse_models(&text, "models").map_err(ctx)?,
            "N" => plan.sizes = parse_n_spec(&text).map_err(ctx)?,
            "seeds" => {
                plan.seeds = parse_seeds(&text, "seeds").map_err(ctx)?;
                plan.seed_dirs = true;
            }
            "threads" => plan.threads = parse_threads(&text).map_err(ctx)?,
            "out" => plan.out = PathBuf::from(text),
            "figures" => plan.figures = PathBuf::from(text),
            "analyse" => plan.analyse = boolean(key)?,
            "spikes" => plan.spikes = boolean(key)?,
            k if KEYS.contains(&k) => {
                plan.params.set(k, &text).map_err(ctx)?;
                if k == "seed" {
                    plan.seeds = vec![plan.params.seed];
                }
            }
            other => {
                return Err(Error::config(
                    format!("{other}` in `{}", path.display()),
                    format!(
                        "unknown key; valid keys: {}, {}",
                        SWEEP_KEYS.join(", "),
                        KEYS.join(", ")
                    ),
                ))
            }
        }
    }
    Ok(())
}

/// Build the plan for `scaling run`: defaults, then the config file, then flags, then `--set`.
pub fn from_run_args(a: &RunArgs) -> Result<Plan> {
    let mut plan = Plan::default();
    if let Some(path) = &a.config {
        apply_file(&mut plan, path)?;
    }
    if let Some(m) = &a.models {
        plan.models = parse_models(m, "--models")?;
    }
    if let Some(n) = &a.n {
        plan.sizes = parse_n_spec(n)?;
    }
    if let Some(t) = &a.t {
        plan.params
            .set("T", t)
            .map_err(|_| Error::config("--T", format!("expected a time in ms >= 0, got `{t}`")))?;
        if plan.params.T < 0.0 {
            return Err(Error::config("--T", format!("simulated time must be >= 0 ms, got {t}")));
        }
    }
    if let Some(s) = a.seed {
        plan.params.seed = s;
        plan.seeds = vec![s];
        plan.seed_dirs = false;
    }
    if let Some(s) = &a.seeds {
        plan.seeds = parse_seeds(s, "--seeds")?;
        plan.seed_dirs = true;
    }
    if let Some(r) = a.repeats {
        if r == 0 || r > MAX_POINTS as u64 {
            return Err(Error::config(
                "--repeats",
                format!("must lie in 1..={MAX_POINTS}, got {r}"),
            ));
        }
        plan.seeds = (1..=r).collect();
        plan.seed_dirs = true;
    }
    if let Some(t) = a.threads {
        plan.threads = parse_threads(&t.to_string()).map_err(|e| match e {
            Error::Config { msg, .. } => Error::config("--threads", msg),
            o => o,
        })?;
    }
    if let Some(o) = &a.out {
        plan.out = o.clone();
    }
    if let Some(f) = &a.figures {
        plan.figures = f.clone();
    }
    for s in &a.set {
        let (k, v) = parse_set(s)?;
        if k == "N" {
            plan.sizes = parse_n_spec(&v).map_err(|e| Error::config("--set N", e.to_string()))?;
            continue;
        }
        plan.params.set(&k, &v).map_err(|e| match e {
            Error::Config { key, msg } => Error::config(format!("--set {key}"), msg),
            o => o,
        })?;
        if k == "seed" {
            plan.seeds = vec![plan.params.seed];
        }
    }
    plan.analyse &= !a.no_analyse;
    plan.spikes &= !a.no_spikes;
    plan.force = a.force;
    plan.dry_run = a.dry_run;
    plan.quiet = a.quiet;
    if let Some(s) = &a.shard {
        plan.shard = Some(parse_shard(s)?);
    }
    if plan.sizes.is_empty() {
        return Err(Error::config("N", "no network size to run"));
    }
    // a repeated size would share its directory with itself
    let mut seen = std::collections::HashSet::new();
    plan.sizes.retain(|&n| seen.insert(n));
    let n_points = plan
        .sizes
        .len()
        .saturating_mul(plan.models.len())
        .saturating_mul(plan.seeds.len());
    if n_points > MAX_POINTS {
        return Err(Error::config(
            "N",
            format!(
                "{} sizes x {} models x {} seeds = {n_points} points; at most {MAX_POINTS} allowed",
                plan.sizes.len(),
                plan.models.len(),
                plan.seeds.len()
            ),
        ));
    }
    // validate every point's parameters before anything runs
    for &n in &plan.sizes {
        let p = Params {
            N: n,
            ..plan.params.clone()
        };
        p.derive().map_err(|e| match e {
            Error::Config { key, msg } => Error::config(key, format!("{msg} (at N = {n})")),
            o => o,
        })?;
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_parse() {
        assert_eq!(parse_shard("2/4").unwrap(), (2, 4));
        assert!(parse_shard("0/4").is_err());
        assert!(parse_shard("5/4").is_err());
        assert!(parse_shard("x").is_err());
    }

    #[test]
    fn file_unknown_key_names_file_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "bogus = 1\n").unwrap();
        let e = apply_file(&mut Plan::default(), &p).unwrap_err().to_string();
        assert!(e.contains("bogus") && e.contains("c.toml"), "{e}");
    }

    #[test]
    fn file_values() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(
            &p,
            "models = [\"ignore\"]\nN = \"100..300\"\nT = 50.0\nK = 20\nrate_dist = [0.5, 1.5]\n",
        )
        .unwrap();
        let mut plan = Plan::default();
        apply_file(&mut plan, &p).unwrap();
        assert_eq!(plan.models, vec![ModelKind::IgnoreAndFire]);
        assert_eq!(plan.sizes, vec![100, 200]);
        assert_eq!(plan.params.T, 50.0);
        assert_eq!(plan.params.K, 20);
    }
}
