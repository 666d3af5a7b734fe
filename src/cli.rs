//! Command-line interface: clap definitions for `run` and `analyse`, and the
//! parsers for `--N` specs and `--set KEY=VALUE`.

use crate::analysis;
use crate::error::{Error, Result};
use crate::models::ModelKind;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Exact, fast, reproducible scaling experiments with plastic spiking networks.
#[derive(Debug, Parser)]
#[command(name = "scaling", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a sweep over models and network sizes, then draw the figure.
    Run(RunArgs),
    /// Draw the scaling figure and tables from a results tree on disk.
    Analyse(AnalyseArgs),
}

/// Arguments of `scaling run`.
#[derive(Debug, Clone, Args, Default)]
pub struct RunArgs {
    /// TOML configuration file (see configs/); flags override it.
    pub config: Option<PathBuf>,
    /// Neuron models: iaf (iaf_psc_alpha), ignore (ignore_and_fire), comma separated.
    #[arg(long)]
    pub models: Option<String>,
    /// Network sizes: `1250..15000` (end excluded, step = start),
    /// `1250..15000:2500`, `1250..=13750`, or a list `500,1000,4000`.
    #[arg(long = "N", value_name = "SPEC")]
    pub n: Option<String>,
    /// Simulated time (ms).
    #[arg(long = "T", value_name = "MS", allow_hyphen_values = true)]
    pub t: Option<String>,
    /// Random seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Several seeds (`1,2,3`); results go to `DIR/N{N}/{model}/seed{S}/`.
    #[arg(long, conflicts_with_all = ["seed", "repeats"])]
    pub seeds: Option<String>,
    /// Run seeds 1..=R (results in seed{S}/ subdirectories).
    #[arg(long)]
    pub repeats: Option<u64>,
    /// Worker threads; 0 uses every core.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Results directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a model parameter by its spec name (repeatable): `--set K=625`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Do not run the analysis pass (figure and tables) after the sweep.
    #[arg(long)]
    pub no_analyse: bool,
    /// Directory of the figures and tables written by the analysis pass.
    #[arg(long)]
    pub figures: Option<PathBuf>,
    /// Recompute points whose results exist already (and ignore the memory plan).
    #[arg(long)]
    pub force: bool,
    /// Print the plan (sizes, memory, time estimates) and exit.
    #[arg(long)]
    pub dry_run: bool,
    /// Run only the I-th of M disjoint slices of the sweep (`--shard 1/4`).
    #[arg(long, value_name = "I/M")]
    pub shard: Option<String>,
    /// Print only errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Do not write spikes.dat (saves time and disk at large N).
    #[arg(long)]
    pub no_spikes: bool,
}

/// Arguments of `scaling analyse`.
#[derive(Debug, Clone, Args)]
pub struct AnalyseArgs {
    /// Results tree to read.
    #[arg(default_value = "data")]
    pub dir: PathBuf,
    /// Directory for figures and tables.
    #[arg(long, default_value = "figures")]
    pub out: PathBuf,
    /// Figure formats, comma separated: png, svg.
    #[arg(long, default_value = "png,svg")]
    pub format: String,
    /// Models to include (default: all found).
    #[arg(long)]
    pub models: Option<String>,
    /// A second results tree (e.g. NEST's) drawn in the same figure.
    #[arg(long)]
    pub compare: Option<PathBuf>,
    /// Label of the `--compare` tree.
    #[arg(long, default_value = "NEST", requires = "compare")]
    pub label: String,
    /// Print the tables as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Skip the per-run figures (raster, weight distribution).
    #[arg(long)]
    pub no_per_run: bool,
    /// Print only errors (and the `--json` output).
    #[arg(long, short)]
    pub quiet: bool,
}

impl AnalyseArgs {
    /// The analysis options these arguments ask for; errors name `--format`
    /// or `--models`.
    pub fn options(&self) -> Result<analysis::Options> {
        Ok(analysis::Options {
            dir: self.dir.clone(),
            out: self.out.clone(),
            formats: analysis::plot::parse_formats(&self.format)?,
            models: self
                .models
                .as_deref()
                .map(|s| ModelKind::parse_list(s, "--models"))
                .transpose()?,
            compare: self.compare.clone(),
            label: self.label.clone(),
            json: self.json,
            per_run: !self.no_per_run,
            quiet: self.quiet,
        })
    }
}

/// Most network sizes one spec may produce (bounds the memory a spec can ask for).
pub const MAX_SIZES: usize = 100_000;

/// Parse a network-size spec (the `--N` flag, the config's `N`).
///
/// `a..b` is `numpy.arange(a, b, a)`; `a..b:s` uses step s; `a..=b` includes
/// b; `a,b,c` is a list; a single number is one size. At most
/// [`MAX_SIZES`] sizes; errors name `--N`.
pub fn parse_n_spec(spec: &str) -> Result<Vec<usize>> {
    let bad = |msg: String| Error::config("--N", msg);
    let num = |s: &str| -> Result<usize> {
        let s = s.trim();
        s.parse::<usize>().map_err(|_| {
            bad(format!(
                "`{s}` is not a whole number; expected e.g. `1250..15000`, `1250..15000:2500` or `500,1000`"
            ))
        })
    };
    let spec = spec.trim();
    if spec.is_empty() {
        return Err(bad("empty network-size spec; expected e.g. `1250..15000`".into()));
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
            return Err(bad(format!("step must be positive in `{spec}`")));
        }
        let end_ok = |n: usize| if inclusive { n <= b } else { n < b };
        if !end_ok(a) {
            return Err(bad(format!("range `{spec}` is empty or inverted (start {a}, end {b})")));
        }
        // checked: `0..=18446744073709551615:1` must not overflow
        let count = ((b - a) / step).saturating_add(1);
        if count > MAX_SIZES {
            return Err(bad(format!(
                "range `{spec}` has {count} points; at most {MAX_SIZES} allowed"
            )));
        }
        (0..count).map(|i| a + i * step).filter(|&n| end_ok(n)).collect()
    } else {
        let count = spec.split(',').count();
        if count > MAX_SIZES {
            return Err(bad(format!("list has {count} sizes; at most {MAX_SIZES} allowed")));
        }
        spec.split(',').map(num).collect::<Result<_>>()?
    };
    if let Some(&z) = out.iter().find(|&&n| n == 0) {
        return Err(bad(format!("network size {z} in `{spec}`; sizes must be positive")));
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

#[cfg(test)]
mod tests {
    use super::*;

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

    /// `scaling analyse` with `args` after the subcommand.
    fn analyse_args(args: &[&str]) -> AnalyseArgs {
        let cli = Cli::try_parse_from(["scaling", "analyse"].iter().chain(args)).unwrap();
        let Command::Analyse(a) = cli.command else {
            unreachable!("parsed `analyse`")
        };
        a
    }

    #[test]
    fn analyse_options() {
        // clap's defaults are the library's
        assert_eq!(analyse_args(&[]).options().unwrap(), analysis::Options::default());
        let o = analyse_args(&[
            "--models",
            "iaf, ignore_and_fire,iaf",
            "--no-per-run",
            "--format",
            "svg",
        ])
        .options()
        .unwrap();
        assert_eq!(o.models, Some(vec![ModelKind::IafPscAlpha, ModelKind::IgnoreAndFire]));
        assert_eq!(o.formats, vec![analysis::plot::Format::Svg]);
        assert!(!o.per_run);
        let e = analyse_args(&["--models", "iaf,lif"])
            .options()
            .unwrap_err()
            .to_string();
        assert!(e.contains("--models") && e.contains("lif"), "{e}");
        assert!(analyse_args(&["--models", ""]).options().is_err());
        let e = analyse_args(&["--format", "pdf"]).options().unwrap_err().to_string();
        assert!(e.contains("--format") && e.contains("pdf"), "{e}");
    }

    #[test]
    fn n_spec_errors() {
        for s in ["", "15000..1250", "100..100", "a..b", "0", "10..20:0", "1,,2"] {
            let e = parse_n_spec(s).unwrap_err().to_string();
            assert!(e.contains("--N"), "{s}: {e}");
        }
    }
}
