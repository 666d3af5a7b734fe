//! The `scaling` binary: parse the command line, run the pipeline, report errors.

use clap::Parser;
use scaling::cli::{Cli, Command};
use scaling::{analysis, cli, comm, config, sweep};
use std::process::ExitCode;

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Run(args) => {
            let comm = comm::world();
            let result = config::from_run_options_on(&args.options(), comm.size()).and_then(|s| sweep::run(&s, &*comm));
            if !comm.is_root() {
                // process 0 reports what every process shares
                return if result.is_ok() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                };
            }
            result
        }
        Command::Analyse(args) => args.options().and_then(|o| analysis::run(&o)),
        Command::Completions { shell } => cli::print_completions(shell),
        Command::Man => cli::print_man(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e),
    }
}

/// Print `e` and its causes to stderr; the exit status for it. An error
/// of process 0 that another process of a distributed run shares is
/// reported by process 0 alone.
fn report(e: &scaling::Error) -> ExitCode {
    if let scaling::Error::Peer(_) = e {
        return ExitCode::FAILURE;
    }
    let msg = e.to_string();
    eprintln!("error: {msg}");
    // each cause once: most messages already end with their source's text
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let cause = s.to_string();
        if !msg.contains(&cause) {
            eprintln!("  caused by: {cause}");
        }
        src = s.source();
    }
    match e {
        // the shell's convention for a process stopped by SIGINT
        scaling::Error::Interrupted(_) => ExitCode::from(130),
        _ => ExitCode::FAILURE,
    }
}
