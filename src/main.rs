//! The `scaling` binary: parse the command line, run the pipeline, report errors.

use clap::Parser;
use scaling::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => scaling::config::from_run_args(args).and_then(|plan| scaling::sweep::run(&plan)),
        Command::Analyse(args) => args.options().and_then(|opts| scaling::analysis::run(&opts)),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                eprintln!("  caused by: {s}");
                src = s.source();
            }
            match e {
                // the shell's convention for a process stopped by SIGINT
                scaling::Error::Interrupted(_) => std::process::ExitCode::from(130),
                _ => std::process::ExitCode::FAILURE,
            }
        }
    }
}
