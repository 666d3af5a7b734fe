//! Command-line interface: the clap definitions of `run`, `analyse`,
//! `completions` and `man`, and their conversion into the library's own
//! option structs. The only module that knows clap.

use crate::analysis;
use crate::config::RunOptions;
use crate::error::{Error, Result};
use crate::models::ModelKind;
use clap::{Args, CommandFactory, Parser, Subcommand};
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
    /// Measure this machine for the cost model behind `run --dry-run`:
    /// run a short sweep (or read the points of DIR), time the first touch
    /// of cold memory, and write the calibration file that `run
    /// --calibration FILE` reads.
    Calibrate(CalibrateArgs),
    /// Print a shell completion script to stdout
    /// (e.g. `scaling completions bash > ~/.local/share/bash-completion/completions/scaling`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout (e.g. `scaling man > scaling.1`).
    Man,
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
    /// Worker threads per process; 0 uses every core. A list (`1,2,4`)
    /// runs every point with each: a resource-scaling sweep, results in
    /// `DIR/N{N}/{model}/p{P}t{T}/`.
    #[arg(long, value_name = "T[,T...]")]
    pub threads: Option<String>,
    /// Weak scaling: N grows with the processes, N = this x processes
    /// (replaces --N); results in `DIR/N{N}/{model}/p{P}t{T}/`.
    #[arg(long = "N-per-process", value_name = "N", conflicts_with = "n")]
    pub n_per_process: Option<usize>,
    /// Plan for a network spread over R processes (with --dry-run): memory
    /// per process and in total, time, spike exchange per slice.
    #[arg(long, value_name = "R")]
    pub processes: Option<usize>,
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
    /// Machine calibration for the time estimates (`--dry-run`, the
    /// summary lines): a file written by `scaling calibrate` on the
    /// machine the sweep runs on.
    #[arg(long, value_name = "FILE")]
    pub calibration: Option<PathBuf>,
}

/// Arguments of `scaling calibrate`.
#[derive(Debug, Clone, Args)]
pub struct CalibrateArgs {
    /// A results tree measured on this machine (one process per point) to
    /// fit to, instead of running the calibration sweep.
    pub dir: Option<PathBuf>,
    /// The calibration file to write.
    #[arg(long, default_value = "calibration.json")]
    pub out: PathBuf,
    /// Worker threads of the calibration sweep and of the memory probe; 0
    /// uses every core.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Print only errors.
    #[arg(long, short)]
    pub quiet: bool,
}

impl CalibrateArgs {
    /// The library's options for these arguments.
    pub fn options(&self) -> crate::calibrate::Options {
        crate::calibrate::Options {
            dir: self.dir.clone(),
            out: self.out.clone(),
            threads: self.threads,
            quiet: self.quiet,
        }
    }
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

impl RunArgs {
    /// The library's options for these flags.
    pub fn options(&self) -> RunOptions {
        RunOptions {
            config: self.config.clone(),
            models: self.models.clone(),
            n: self.n.clone(),
            t: self.t.clone(),
            seed: self.seed,
            seeds: self.seeds.clone(),
            repeats: self.repeats,
            threads: self.threads.clone(),
            n_per_process: self.n_per_process,
            processes: self.processes,
            out: self.out.clone(),
            set: self.set.clone(),
            no_analyse: self.no_analyse,
            figures: self.figures.clone(),
            force: self.force,
            dry_run: self.dry_run,
            shard: self.shard.clone(),
            quiet: self.quiet,
            no_spikes: self.no_spikes,
            calibration: self.calibration.clone(),
        }
    }
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

/// Write the completion script for `shell` to stdout.
pub fn print_completions(shell: clap_complete::Shell) -> Result<()> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "scaling", &mut out);
    crate::output::write_stdout(&out)
}

/// Write the man page (roff) to stdout.
pub fn print_man() -> Result<()> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| Error::io("cannot render", std::path::Path::new("the man page"), e))?;
    crate::output::write_stdout(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
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
    fn run_flags_become_options() {
        let cli = Cli::parse_from(["scaling", "run", "--N", "100", "--set", "K=20", "--no-spikes"]);
        let Command::Run(a) = cli.command else { panic!() };
        let o = a.options();
        assert_eq!(
            (o.n.as_deref(), o.set.as_slice(), o.no_spikes),
            (Some("100"), &["K=20".to_string()][..], true)
        );
    }
}
