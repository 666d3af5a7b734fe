//! The `scaling` binary: parse the command line, run the pipeline, report errors.

use clap::Parser;
use scaling::cli::{Cli, Command};
use scaling::{analysis, calibrate, cli, comm, config, host, sweep};
use std::process::ExitCode;

fn main() -> ExitCode {
    host::quiet_broken_pipe();
    let command = Cli::parse().command;
    // the processes of a run stay together until its outcome is reported
    let processes = matches!(command, Command::Run(_)).then(comm::world);
    let result = match (command, processes.as_deref()) {
        (Command::Run(args), Some(comm)) => {
            config::from_run_options_on(&args.options(), comm.size()).and_then(|s| sweep::run(&s, comm))
        }
        (Command::Run(_), None) => unreachable!("a run has its processes"),
        (Command::Analyse(args), _) => args.options().and_then(|o| analysis::run(&o)),
        (Command::Calibrate(args), _) => calibrate::run(&args.options()),
        (Command::Completions { shell }, _) => cli::print_completions(shell),
        (Command::Man, _) => cli::print_man(),
    };
    // process 0 reports what every process of a run shares
    let reporter = processes.as_deref().is_none_or(|c| c.is_root());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if reporter => report(&e),
        Err(_) => ExitCode::FAILURE,
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
