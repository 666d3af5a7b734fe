//! What a running sweep tells the user, and how the user stops it.
//!
//! [`Reporter`] prints lines to stderr and, only when stderr is a terminal,
//! a one-line progress bar for the point in progress (simulated time, wall
//! time, real-time factor, ETA), redrawn in place with `\r`. When stderr is
//! not a terminal (a log file, a pipe, Slurm) there are no control codes:
//! only whole lines, plus one progress line per [`LOG_EVERY`] of a long
//! point. `--quiet` silences everything but errors.
//!
//! [`stop_flag`] installs a Ctrl-C (SIGINT/SIGTERM) handler that sets a
//! flag; the sweep's progress callback returns false once it is set, which
//! interrupts the point in progress at the next slice. A second Ctrl-C
//! exits at once with status 130.

use crate::plan::duration;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How often a long point prints a progress line when stderr is not a terminal.
pub const LOG_EVERY: Duration = Duration::from_secs(60);
/// Minimum interval between two redraws of the terminal bar.
const REDRAW: Duration = Duration::from_millis(100);
/// Width of the bar (characters).
const BAR: usize = 12;

static STOP: AtomicBool = AtomicBool::new(false);
static HANDLER: OnceLock<bool> = OnceLock::new();

/// The flag set by Ctrl-C; installs the handler on first use (once per
/// process). If no handler can be installed, the flag simply never gets set
/// and Ctrl-C keeps its default effect (the process dies; finished points
/// stay intact).
pub fn stop_flag() -> &'static AtomicBool {
    HANDLER.get_or_init(|| {
        ctrlc::set_handler(|| {
            if STOP.swap(true, Ordering::SeqCst) {
                // second Ctrl-C: do not wait for the slice to end
                std::process::exit(130);
            }
        })
        .is_ok()
    });
    &STOP
}

/// Whether Ctrl-C was pressed.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// Progress of the point in progress.
struct Bar {
    tag: String,
    started: Instant,
    last_draw: Instant,
    last_log: Instant,
    /// Wall time and steps at the first tick (the simulation's start; the
    /// build before it does not count into the real-time factor and ETA).
    first: Option<(Instant, usize)>,
    shown: bool,
}

/// Prints sweep messages and the progress bar to stderr.
pub struct Reporter {
    quiet: bool,
    tty: bool,
    bar: Option<Bar>,
}

impl Reporter {
    /// A reporter for stderr; the bar is drawn only if stderr is a terminal.
    pub fn new(quiet: bool) -> Self {
        Self::with_terminal(quiet, std::io::stderr().is_terminal())
    }

    /// A reporter that draws the bar if `tty` (for tests).
    pub fn with_terminal(quiet: bool, tty: bool) -> Self {
        Reporter { quiet, tty, bar: None }
    }

    /// Print one line (after clearing the bar); nothing if quiet.
    pub fn line(&mut self, s: &str) {
        if self.quiet {
            return;
        }
        self.clear();
        eprintln!("{s}");
    }

    /// A point labelled `tag` starts now.
    pub fn start_point(&mut self, tag: &str) {
        let now = Instant::now();
        self.bar = Some(Bar {
            tag: tag.to_string(),
            started: now,
            last_draw: now - REDRAW,
            last_log: now,
            first: None,
            shown: false,
        });
    }

    /// `done` of `total` steps of `dt_ms` ms each are simulated.
    pub fn tick(&mut self, done: usize, total: usize, dt_ms: f64) {
        if self.quiet {
            return;
        }
        let tty = self.tty;
        let Some(bar) = self.bar.as_mut() else {
            return;
        };
        let now = Instant::now();
        let (t0, d0) = *bar.first.get_or_insert((now, done));
        let due = if tty {
            now - bar.last_draw >= REDRAW
        } else {
            now - bar.last_log >= LOG_EVERY
        };
        if !due {
            return;
        }
        let wall = (now - bar.started).as_secs_f64();
        let sim_wall = (now - t0).as_secs_f64();
        let text = progress_text(&bar.tag, (d0, done, total), dt_ms, (wall, sim_wall), tty);
        if tty {
            eprint!("\r\x1b[2K{text}");
            let _ = std::io::stderr().flush();
            bar.last_draw = now;
            bar.shown = true;
        } else {
            eprintln!("{text}");
            bar.last_log = now;
        }
    }

    /// The point is over (finished or not): remove the bar.
    pub fn end_point(&mut self) {
        self.clear();
        self.bar = None;
    }

    fn clear(&mut self) {
        if let Some(bar) = self.bar.as_mut().filter(|b| b.shown) {
            eprint!("\r\x1b[2K");
            let _ = std::io::stderr().flush();
            bar.shown = false;
        }
    }
}

/// One progress line: tag, bar (terminal only) or percentage, simulated of
/// total time (ms), wall time since the point started (s, build included),
/// real-time factor (simulated s per wall s) and ETA, both measured over the
/// simulation only: `steps` = (steps at the first tick, steps done, total
/// steps) of `dt_ms` ms; `wall_s` = (since the point started, since the
/// first tick).
pub fn progress_text(
    tag: &str,
    steps: (usize, usize, usize),
    dt_ms: f64,
    wall_s: (f64, f64),
    with_bar: bool,
) -> String {
    let (d0, done, total) = steps;
    let (wall, sim_wall) = wall_s;
    let frac = if total == 0 { 1.0 } else { done as f64 / total as f64 };
    let sim_ms = done as f64 * dt_ms;
    let step_s = if done > d0 && sim_wall > 0.0 {
        sim_wall / (done - d0) as f64
    } else {
        f64::NAN
    };
    let rtf = dt_ms / 1000.0 / step_s;
    let eta = step_s * total.saturating_sub(done) as f64;
    let bar = if with_bar {
        let full = ((frac * BAR as f64) as usize).min(BAR);
        format!(" [{}{}]", "#".repeat(full), "-".repeat(BAR - full))
    } else {
        format!(" {:.0}%", 100.0 * frac)
    };
    let rtf = if rtf.is_finite() {
        format!("{rtf:.2}x")
    } else {
        "?x".into()
    };
    format!(
        "{tag}{bar} {sim_ms:.0}/{:.0} ms, wall {}, {rtf} real time, ETA {}",
        total as f64 * dt_ms,
        duration(wall),
        duration(eta)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_has_times_and_no_control_codes() {
        // 40 steps of 0.125 ms (5 ms) in 2 s of simulation, 1 s of build before
        let t = progress_text("[1/2] iaf N=100", (10, 50, 100), 0.125, (3.0, 2.0), false);
        assert_eq!(
            t,
            "[1/2] iaf N=100 50% 6/12 ms, wall 3.00 s, 0.00x real time, ETA 2.50 s"
        );
        let t = progress_text("x", (0, 8000, 8000), 0.125, (1.5, 1.0), true);
        assert!(t.contains("[############]") && t.contains("1.00x real time"), "{t}");
        assert!(t.contains("ETA 0.00 s") && !t.contains('\x1b') && !t.contains('\r'));
        let t = progress_text("x", (0, 0, 8000), 0.125, (0.0, 0.0), true);
        assert!(t.contains("?x real time") && t.contains("ETA ?"), "{t}");
    }
}
