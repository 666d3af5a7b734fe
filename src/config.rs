//! Configuration: defaults, then a TOML file, then command-line options,
//! then `--set` overrides, validated into a [`Sweep`] (what to run).
//!
//! A config file is flat: the sweep keys `models`, `N` (a size, a list or a
//! spec string like `"1250..15000"`), `seeds`, `threads`, `out`, `figures`,
//! `analyse`, `spikes`, `calibration` (a file written by `scaling
//! calibrate`, for the cost model's times), and any model parameter by its
//! spec name (`K`, `eta`, `T`, `seed`, ...; see [`crate::params::KEYS`]).
//!
//! Every value, wherever it comes from, goes through one setter
//! ([`Sweep::set`]), whose errors are bare messages; the one place that
//! knows where the value came from ([`Origin`]) names it: `--N`, `--set N`,
//! or `N` in `file.toml`, line 3.

use crate::cost::Machine;
use crate::error::{Error, FileLine, Result};
use crate::models::ModelKind;
use crate::params::{Params, KEYS};
use crate::point::Point;
use std::path::{Path, PathBuf};

/// Sweep keys a config file may hold besides the model parameters.
pub const SWEEP_KEYS: &[&str] = &[
    "models",
    "N",
    "N_per_process",
    "seeds",
    "threads",
    "out",
    "figures",
    "analyse",
    "spikes",
    "calibration",
];

/// Most network sizes one spec may produce (bounds the memory a spec can ask for).
pub const MAX_SIZES: usize = 100_000;
/// Most worker threads a sweep may ask for.
pub const MAX_THREADS: usize = 4096;
/// Most points (models x sizes x seeds) one sweep may have.
pub const MAX_POINTS: usize = 1_000_000;
/// Most processes `--processes` may plan for.
pub const MAX_PROCESSES: usize = 1_000_000;

/// A validated sweep: every point is (model, N, threads, seed).
#[derive(Debug, Clone)]
pub struct Sweep {
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
    /// Worker thread counts per process (0 = every core); more than one
    /// makes a resource-scaling sweep.
    pub threads: Vec<usize>,
    /// Weak scaling: neurons per process, so that N = this x processes
    /// (replaces the sizes).
    pub n_per_process: Option<usize>,
    /// Processes the network is spread over: the communicator size of a
    /// distributed run (1 without one), or what `--dry-run --processes R`
    /// plans for.
    pub processes: usize,
    /// Results directory.
    pub out: PathBuf,
    /// Figure directory of the analysis pass.
    pub figures: PathBuf,
    /// Run the analysis pass after the sweep.
    pub analyse: bool,
    /// Write spikes.dat.
    pub spikes: bool,
    /// Recompute existing points, ignore the memory check.
    pub force: bool,
    /// Only print the plan.
    pub dry_run: bool,
    /// (index from 1, count) of the shard to run.
    pub shard: Option<(usize, usize)>,
    /// Print only errors.
    pub quiet: bool,
    /// The machine the cost model's times are for (`calibration`: a file
    /// written by `scaling calibrate`; the built-in coefficients without).
    pub machine: Machine,
}

impl Default for Sweep {
    fn default() -> Self {
        Sweep {
            models: ModelKind::ALL.to_vec(),
            sizes: (1..=11).map(|i| i * 1250).collect(),
            seeds: vec![1],
            seed_dirs: false,
            params: Params::default(),
            threads: vec![0],
            n_per_process: None,
            processes: 1,
            out: PathBuf::from("data"),
            figures: PathBuf::from("figures"),
            analyse: true,
            spikes: true,
            force: false,
            dry_run: false,
            shard: None,
            quiet: false,
            machine: Machine::default(),
        }
    }
}

/// What `scaling run` was asked on its command line, without clap: each
/// field overrides the config file's value when given.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// TOML configuration file.
    pub config: Option<PathBuf>,
    /// `--models`: comma-separated models.
    pub models: Option<String>,
    /// `--N`: a network-size spec.
    pub n: Option<String>,
    /// `--T`: simulated time (ms), as text.
    pub t: Option<String>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--seeds`: a seed list.
    pub seeds: Option<String>,
    /// `--repeats`: seeds 1..=R.
    pub repeats: Option<u64>,
    /// `--threads`: thread counts per process (0 = every core), comma separated.
    pub threads: Option<String>,
    /// `--N-per-process`: neurons per process (weak scaling).
    pub n_per_process: Option<usize>,
    /// `--processes`: processes to plan for (with `--dry-run`).
    pub processes: Option<usize>,
    /// `--out`: results directory.
    pub out: Option<PathBuf>,
    /// `--set KEY=VALUE` overrides, in order.
    pub set: Vec<String>,
    /// `--no-analyse`.
    pub no_analyse: bool,
    /// `--figures`: figure directory.
    pub figures: Option<PathBuf>,
    /// `--force`.
    pub force: bool,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--shard I/M`.
    pub shard: Option<String>,
    /// `--quiet`.
    pub quiet: bool,
    /// `--no-spikes`.
    pub no_spikes: bool,
    /// `--calibration`: a machine calibration file.
    pub calibration: Option<PathBuf>,
}

/// Where a value came from; errors name it as the user wrote it there.
#[derive(Debug, Clone, Copy)]
pub enum Origin<'a> {
    /// A flag of `scaling run` (`--N`).
    Flag(&'a str),
    /// `--set KEY=VALUE`.
    Set,
    /// A key of the config file at a 1-based line, if known.
    File(&'a Path, Option<usize>),
}

impl Origin<'_> {
    /// The one place a bad value gets its name: the error for `key` with
    /// message `msg`, named `--N`, `--set N`, or `N` in the file at its line.
    pub fn error(self, key: &str, msg: impl Into<String>) -> Error {
        match self {
            Origin::Flag(flag) => Error::config(flag, msg),
            Origin::Set => Error::config(format!("--set {key}"), msg),
            Origin::File(path, line) => Error::Config {
                key: key.to_string(),
                at: Some(FileLine {
                    path: path.to_path_buf(),
                    line,
                }),
                msg: msg.into(),
            },
        }
    }
}

/// A value to set: text, or a boolean from a config file.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    /// Text as written (`1250..15000`, `0.5,1.5`, `true`).
    Text(&'a str),
    /// A TOML boolean.
    Bool(bool),
}

impl Sweep {
    /// Set one key (a sweep key or a model parameter) from `value`; the
    /// error is a bare message, named by the caller through its [`Origin`].
    pub fn set(&mut self, key: &str, value: Value) -> Result<(), String> {
        let text = match value {
            Value::Text(t) => t,
            Value::Bool(_) if matches!(key, "analyse" | "spikes") => "",
            Value::Bool(_) => return Err("expected a number, string or array, not a boolean".into()),
        };
        let boolean = || match value {
            Value::Bool(b) => Ok(b),
            Value::Text(t) => t
                .trim()
                .parse::<bool>()
                .map_err(|_| "expected true or false".to_string()),
        };
        match key {
            "models" => self.models = ModelKind::parse_list(text, key).map_err(bare)?,
            "N" => self.sizes = n_spec(text)?,
            "seeds" => {
                self.seeds = seed_list(text)?;
                self.seed_dirs = true;
            }
            "threads" => self.threads = thread_list(text)?,
            "N_per_process" => {
                self.n_per_process = Some(
                    text.trim()
                        .parse::<usize>()
                        .ok()
                        .filter(|&k| k > 0)
                        .ok_or_else(|| format!("expected a positive whole number of neurons, got `{text}`"))?,
                )
            }
            "out" => self.out = PathBuf::from(text),
            "calibration" => self.machine = Machine::load(Path::new(text)).map_err(|e| e.to_string())?,
            "figures" => self.figures = PathBuf::from(text),
            "analyse" => self.analyse = boolean()?,
            "spikes" => self.spikes = boolean()?,
            "T" => {
                self.params.set("T", text).map_err(bare)?;
                if self.params.T < 0.0 {
                    return Err(format!("simulated time must be >= 0 ms, got {text}"));
                }
            }
            k if KEYS.contains(&k) => {
                self.params.set(k, text).map_err(bare)?;
                if k == "seed" {
                    self.seeds = vec![self.params.seed];
                }
            }
            _ => {
                return Err(format!(
                    "unknown key; valid keys: {}, {}",
                    SWEEP_KEYS.join(", "),
                    KEYS.join(", ")
                ))
            }
        }
        Ok(())
    }

    /// Set `key` from `value`, naming it by `origin` if it is invalid.
    pub fn set_from(&mut self, key: &str, value: Value, origin: Origin) -> Result<()> {
        self.set(key, value).map_err(|m| origin.error(key, m))
    }

    /// The points in sweep order (N, then model, then threads, then seed),
    /// restricted to the shard.
    pub fn points(&self) -> Vec<Point> {
        let mut all = Vec::new();
        for &n in &self.sizes {
            for &model in &self.models {
                for &t in &self.threads {
                    for &seed in &self.seeds {
                        let threads = if t == 0 { crate::host::cores() } else { t };
                        all.push(Point {
                            model,
                            n,
                            seed,
                            threads,
                        });
                    }
                }
            }
        }
        match self.shard {
            Some((i, m)) => all
                .into_iter()
                .enumerate()
                .filter(|(k, _)| k % m == i - 1)
                .map(|(_, p)| p)
                .collect(),
            None => all,
        }
    }

    /// The parameters of one point.
    pub fn params_of(&self, pt: &Point) -> Params {
        pt.params(&self.params)
    }

    /// The digest of everything that determines one point's results
    /// ([`crate::point::digest`]), with `--N-per-process` when given (it is
    /// recorded in data.json).
    pub fn digest_of(&self, pt: &Point) -> String {
        let d = crate::point::digest(pt.model, &self.params_of(pt));
        match self.n_per_process {
            Some(k) => crate::point::digest_text(&format!("{d} N_per_process={k}")),
            None => d,
        }
    }

    /// The point in messages: its label, with its resources `p{P}t{T}`
    /// in a resource-scaling sweep.
    pub fn label_of(&self, pt: &Point) -> String {
        if self.resource_dirs() {
            format!("{} p{}t{}", pt.label(), self.processes, pt.threads)
        } else {
            pt.label()
        }
    }

    /// The directory of one point.
    pub fn dir_of(&self, pt: &Point) -> PathBuf {
        pt.dir(
            &self.out,
            self.seed_dirs,
            self.resource_dirs().then_some(self.processes),
        )
    }

    /// Whether points go to `p{P}t{T}` directories of their resources: in a
    /// resource-scaling sweep (several thread counts, several processes, or
    /// `--N-per-process`), so that runs with other resources can share the
    /// results tree.
    pub fn resource_dirs(&self) -> bool {
        self.threads.len() > 1 || self.processes > 1 || self.n_per_process.is_some()
    }
}

/// The message of a keyed error, for re-naming by an [`Origin`].
fn bare(e: Error) -> String {
    match e {
        Error::Config { msg, .. } => msg,
        other => other.to_string(),
    }
}

/// Parse a network-size spec (the `--N` flag); errors name `--N`. See
/// [`n_spec`].
pub fn parse_n_spec(spec: &str) -> Result<Vec<usize>> {
    n_spec(spec).map_err(|m| Origin::Flag("--N").error("N", m))
}

/// Parse a network-size spec: `a..b` is `numpy.arange(a, b, a)`; `a..b:s`
/// uses step s; `a..=b` includes b; `a,b,c` is a list; a single number is
/// one size. At most [`MAX_SIZES`] sizes, all positive.
pub fn n_spec(spec: &str) -> Result<Vec<usize>, String> {
    let num = |s: &str| -> Result<usize, String> {
        let s = s.trim();
        s.parse::<usize>().map_err(|_| {
            format!("`{s}` is not a whole number; expected e.g. `1250..15000`, `1250..15000:2500` or `500,1000`")
        })
    };
    let spec = spec.trim();
    if spec.is_empty() {
        return Err("empty network-size spec; expected e.g. `1250..15000`".into());
    }
    let out: Vec<usize> = if let Some((a, rest)) = spec.split_once("..") {
        let (inclusive, rest) = match rest.strip_prefix('=') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let (b, step) = match rest.split_once(':') {
            Some((b, s)) => (b, Some(num(s)?)),
            None => (rest, None),
        };
        let (a, b) = (num(a)?, num(b)?);
        let step = step.unwrap_or(a);
        if step == 0 {
            return Err(format!("step must be positive in `{spec}`"));
        }
        let end_ok = |n: usize| if inclusive { n <= b } else { n < b };
        if !end_ok(a) {
            return Err(format!("range `{spec}` is empty or inverted (start {a}, end {b})"));
        }
        // checked: `0..=18446744073709551615:1` must not overflow
        let count = ((b - a) / step).saturating_add(1);
        if count > MAX_SIZES {
            return Err(format!(
                "range `{spec}` has {count} points; at most {MAX_SIZES} allowed"
            ));
        }
        (0..count).map(|i| a + i * step).filter(|&n| end_ok(n)).collect()
    } else {
        let count = spec.split(',').count();
        if count > MAX_SIZES {
            return Err(format!("list has {count} sizes; at most {MAX_SIZES} allowed"));
        }
        spec.split(',').map(num).collect::<Result<_, _>>()?
    };
    if let Some(&z) = out.iter().find(|&&n| n == 0) {
        return Err(format!("network size {z} in `{spec}`; sizes must be positive"));
    }
    Ok(out)
}

/// Split `KEY=VALUE` from `--set`.
pub fn parse_set(s: &str) -> Result<(String, String)> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(Error::config(
            "--set",
            format!("expected KEY=VALUE (e.g. `--set K=625`), got `{s}`"),
        )),
    }
}

/// Parse a seed list `1,2,3`; repeated seeds count once (they would share a directory).
fn seed_list(s: &str) -> Result<Vec<u64>, String> {
    let mut v: Vec<u64> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for x in s.split(',') {
        let seed = x
            .trim()
            .parse::<u64>()
            .map_err(|_| format!("`{x}` is not a seed (a whole number >= 0)"))?;
        if seen.insert(seed) {
            v.push(seed);
        }
        if v.len() > MAX_POINTS {
            return Err(format!("more than {MAX_POINTS} seeds"));
        }
    }
    if v.is_empty() {
        return Err("no seed given".into());
    }
    Ok(v)
}

/// Parse thread counts `1,2,4` (each 0 = every core, at most
/// [`MAX_THREADS`]); repeated counts count once.
fn thread_list(s: &str) -> Result<Vec<usize>, String> {
    let mut v = Vec::new();
    for x in s.split(',') {
        match x.trim().parse::<usize>() {
            Ok(t) if t <= MAX_THREADS => {
                if !v.contains(&t) {
                    v.push(t)
                }
            }
            _ => {
                return Err(format!(
                    "expected whole numbers in 0..={MAX_THREADS} (0 = every core), comma separated, got `{s}`"
                ))
            }
        }
    }
    Ok(v)
}

/// The processes of `--processes R`: any R in 1..=[`MAX_PROCESSES`] with
/// `--dry-run` (a plan), else only `actual`, the processes this run has;
/// errors name `--processes`.
fn process_count(r: usize, actual: usize, dry_run: bool) -> Result<usize> {
    if r == 0 || r > MAX_PROCESSES {
        return Err(Error::config(
            "--processes",
            format!("must lie in 1..={MAX_PROCESSES}, got {r}"),
        ));
    }
    if r != actual && !dry_run {
        return Err(Error::config(
            "--processes",
            format!(
                "{r} processes asked for but this run has {actual}: --processes plans a cluster run \
                 with --dry-run; to run on R processes use mpirun -np R"
            ),
        ));
    }
    Ok(r)
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

/// The text of a TOML scalar or array (arrays joined by commas); None for tables.
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

/// Apply a TOML config file to `sweep`; errors name the file, the key and
/// its line.
pub fn apply_file(sweep: &mut Sweep, path: &Path) -> Result<()> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("cannot read config", path, e))?;
    let line_of = |offset: usize| text.get(..offset).unwrap_or(&text).matches('\n').count() + 1;
    let table: std::collections::BTreeMap<toml::Spanned<String>, toml::Value> =
        toml::from_str(&text).map_err(|e: toml::de::Error| {
            let line = e.span().map(|s| line_of(s.start));
            Error::parse(path, line, format!("not valid TOML: {}", e.message()))
        })?;
    for (key, value) in &table {
        let origin = Origin::File(path, Some(line_of(key.span().start)));
        let key = key.get_ref().as_str();
        let value_text =
            toml_scalar_text(value).ok_or_else(|| origin.error(key, "expected a number, string, boolean or array"))?;
        let value = match value {
            toml::Value::Boolean(b) => Value::Bool(*b),
            _ => Value::Text(&value_text),
        };
        sweep.set_from(key, value, origin)?;
    }
    Ok(())
}

impl RunOptions {
    /// The flags as (key, value, flag name), in the order they apply.
    fn flags(&self) -> Vec<(&'static str, String, &'static str)> {
        let mut v = Vec::new();
        let mut flag = |key, value: Option<String>, name| {
            if let Some(value) = value {
                v.push((key, value, name));
            }
        };
        flag("models", self.models.clone(), "--models");
        flag("N", self.n.clone(), "--N");
        flag("T", self.t.clone(), "--T");
        flag("seed", self.seed.map(|s| s.to_string()), "--seed");
        flag("seeds", self.seeds.clone(), "--seeds");
        flag("threads", self.threads.clone(), "--threads");
        flag(
            "N_per_process",
            self.n_per_process.map(|k| k.to_string()),
            "--N-per-process",
        );
        flag("out", self.out.as_ref().map(|p| p.display().to_string()), "--out");
        flag(
            "figures",
            self.figures.as_ref().map(|p| p.display().to_string()),
            "--figures",
        );
        flag(
            "calibration",
            self.calibration.as_ref().map(|p| p.display().to_string()),
            "--calibration",
        );
        v
    }
}

/// Build the sweep for `scaling run` in one process: defaults, then the
/// config file, then flags, then `--set`; then validate every point's
/// parameters.
pub fn from_run_options(o: &RunOptions) -> Result<Sweep> {
    from_run_options_on(o, 1)
}

/// [`from_run_options`] for a run on `processes` processes.
pub fn from_run_options_on(o: &RunOptions, processes: usize) -> Result<Sweep> {
    let mut sweep = Sweep {
        processes,
        ..Sweep::default()
    };
    if let Some(path) = &o.config {
        apply_file(&mut sweep, path)?;
    }
    for (key, value, name) in o.flags() {
        sweep.set_from(key, Value::Text(&value), Origin::Flag(name))?;
    }
    if o.seed.is_some() {
        // one seed asked on the command line: results in the point directory itself
        sweep.seed_dirs = false;
    }
    if let Some(r) = o.repeats {
        if r == 0 || r > MAX_POINTS as u64 {
            return Err(Error::config(
                "--repeats",
                format!("must lie in 1..={MAX_POINTS}, got {r}"),
            ));
        }
        sweep.seeds = (1..=r).collect();
        sweep.seed_dirs = true;
    }
    for s in &o.set {
        let (k, v) = parse_set(s)?;
        sweep.set_from(&k, Value::Text(&v), Origin::Set)?;
    }
    sweep.analyse &= !o.no_analyse;
    sweep.spikes &= !o.no_spikes;
    sweep.force = o.force;
    sweep.dry_run = o.dry_run;
    sweep.quiet = o.quiet;
    if let Some(s) = &o.shard {
        sweep.shard = Some(parse_shard(s)?);
    }
    if let Some(r) = o.processes {
        sweep.processes = process_count(r, sweep.processes, o.dry_run)?;
    }
    sweep.validate()?;
    Ok(sweep)
}

impl Sweep {
    /// Check the sweep as a whole and every point's parameters before
    /// anything runs; repeated sizes count once.
    pub fn validate(&mut self) -> Result<()> {
        if let Some(k) = self.n_per_process {
            self.sizes = vec![k.saturating_mul(self.processes)];
        }
        if self.threads.is_empty() {
            return Err(Error::config("threads", "no thread count given"));
        }
        if self.sizes.is_empty() {
            return Err(Error::config("N", "no network size to run"));
        }
        // a repeated size would share its directory with itself
        let mut seen = std::collections::HashSet::new();
        self.sizes.retain(|&n| seen.insert(n));
        let n_points = self
            .sizes
            .len()
            .saturating_mul(self.models.len())
            .saturating_mul(self.seeds.len());
        if n_points > MAX_POINTS {
            return Err(Error::config(
                "N",
                format!(
                    "{} sizes x {} models x {} seeds = {n_points} points; at most {MAX_POINTS} allowed",
                    self.sizes.len(),
                    self.models.len(),
                    self.seeds.len()
                ),
            ));
        }
        for &n in &self.sizes {
            let p = Params {
                N: n,
                ..self.params.clone()
            };
            p.derive().map_err(|e| match e {
                Error::Config { key, msg, at } => Error::Config {
                    key,
                    at,
                    msg: format!("{msg} (at N = {n})"),
                },
                o => o,
            })?;
        }
        Ok(())
    }
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
        let e = apply_file(&mut Sweep::default(), &p).unwrap_err().to_string();
        assert!(e.contains("bogus") && e.contains("c.toml"), "{e}");
    }

    #[test]
    fn file_errors_name_key_file_and_line_as_fields() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "# comment\nK = 20\n\nN = \"10..5\"\n").unwrap();
        match apply_file(&mut Sweep::default(), &p).unwrap_err() {
            Error::Config { key, at: Some(at), msg } => {
                assert_eq!(key, "N");
                assert_eq!((at.path.as_path(), at.line), (p.as_path(), Some(4)));
                assert!(msg.contains("empty or inverted") && !msg.contains("--N"), "{msg}");
            }
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn only_the_seed_flag_drops_seed_directories() {
        let o = RunOptions {
            repeats: Some(3),
            set: vec!["seed=5".into()],
            ..Default::default()
        };
        let s = from_run_options(&o).unwrap();
        assert_eq!((s.seeds.as_slice(), s.seed_dirs), (&[5][..], true));
        let o = RunOptions {
            seed: Some(5),
            ..Default::default()
        };
        let s = from_run_options(&o).unwrap();
        assert_eq!((s.seeds.as_slice(), s.seed_dirs), (&[5][..], false));
    }

    #[test]
    fn set_n_has_one_prefix() {
        let o = RunOptions {
            set: vec!["N=abc".into()],
            ..Default::default()
        };
        let e = from_run_options(&o).unwrap_err().to_string();
        assert!(
            e.starts_with("invalid value for `--set N`: `abc` is not a whole number"),
            "{e}"
        );
        assert_eq!(e.matches("invalid value").count(), 1, "{e}");
    }

    #[test]
    fn file_values() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(
            &p,
            "models = [\"ignore\"]\nN = \"100..300\"\nT = 50.0\nK = 20\nrate_dist = [0.5, 1.5]\nspikes = false\n",
        )
        .unwrap();
        let mut sweep = Sweep::default();
        apply_file(&mut sweep, &p).unwrap();
        assert_eq!(sweep.models, vec![ModelKind::IgnoreAndFire]);
        assert_eq!(sweep.sizes, vec![100, 200]);
        assert_eq!(sweep.params.T, 50.0);
        assert_eq!(sweep.params.K, 20);
        assert!(!sweep.spikes);
    }

    #[test]
    fn processes_plan_only_with_dry_run() {
        let o = |processes, dry_run| RunOptions {
            processes: Some(processes),
            dry_run,
            ..Default::default()
        };
        assert_eq!(from_run_options(&o(1024, true)).unwrap().processes, 1024);
        assert_eq!(from_run_options(&o(1, false)).unwrap().processes, 1);
        assert_eq!(from_run_options(&RunOptions::default()).unwrap().processes, 1);
        for (r, dry) in [(2, false), (0, true), (MAX_PROCESSES + 1, true)] {
            let e = from_run_options(&o(r, dry)).unwrap_err().to_string();
            assert!(e.contains("`--processes`"), "{e}");
        }
        let e = from_run_options(&o(2, false)).unwrap_err().to_string();
        assert!(e.contains("--dry-run") && e.contains("mpirun -np R"), "{e}");
    }

    #[test]
    fn n_spec_like_arange() {
        assert_eq!(
            parse_n_spec("1250..15000").unwrap(),
            (1..=11).map(|i| i * 1250).collect::<Vec<_>>()
        );
        assert_eq!(
            parse_n_spec("1250..15000:2500").unwrap(),
            vec![1250, 3750, 6250, 8750, 11250, 13750]
        );
        assert_eq!(parse_n_spec("1250..=2500").unwrap(), vec![1250, 2500]);
        assert_eq!(parse_n_spec("500,1000,4000").unwrap(), vec![500, 1000, 4000]);
        assert_eq!(parse_n_spec("100").unwrap(), vec![100]);
    }

    #[test]
    fn n_spec_errors() {
        for s in ["", "15000..1250", "100..100", "a..b", "0", "10..20:0", "1,,2"] {
            let e = parse_n_spec(s).unwrap_err().to_string();
            assert!(e.contains("--N"), "{s}: {e}");
        }
    }
}
