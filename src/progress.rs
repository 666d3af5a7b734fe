//! What a running sweep tells the user, and how the user stops it.
//!
//! [`Reporter`] prints lines to stderr and, only when stderr is a terminal,
//! a progress display for the point in progress, redrawn in place by
//! `indicatif`: the point's label on one line, and under it a bar, first of
//! the network's construction (synapses, ETA; [`build_text`]), then of the
//! simulation (simulated time, wall time, real-time factor and ETA), then a
//! word while the weight statistics are computed, cut to the terminal's
//! width. When stderr is not a terminal (a log file, a pipe,
//! Slurm) there are no control codes: only whole lines, plus one progress
//! line ([`build_text`], [`progress_text`]) per [`LOG_EVERY`] of a long
//! point. `--quiet`
//! silences everything but errors.
//!
//! [`stop_flag`] installs a Ctrl-C (SIGINT/SIGTERM) handler that sets a
//! flag; the sweep's progress callback returns false once it is set, which
//! interrupts the point in progress at the next slice. A second Ctrl-C
//! exits at once with status 130.

use crate::units::duration;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How often a long point prints a progress line when stderr is not a terminal.
pub const LOG_EVERY: Duration = Duration::from_secs(60);
/// Width of the bar in [`progress_text`] (characters).
const BAR: usize = 12;
/// The terminal display: the label, then bar and numbers cut to the width.
const TEMPLATE: &str = "{prefix}\n{bar:24} {wide_msg}";

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

/// Progress of the point in progress.
struct PointProgress {
    tag: String,
    started: Instant,
    last_log: Instant,
    /// Wall time and steps at the first tick (the simulation's start; the
    /// build before it does not count into the real-time factor and ETA).
    first: Option<(Instant, usize)>,
    /// The terminal display, if stderr is a terminal.
    bar: Option<ProgressBar>,
}

/// Prints sweep messages and the progress display to stderr.
pub struct Reporter {
    quiet: bool,
    tty: bool,
    point: Option<PointProgress>,
}

impl Reporter {
    /// A reporter for stderr; the progress display is drawn only if stderr is a terminal.
    pub fn new(quiet: bool) -> Self {
        Self::with_terminal(quiet, std::io::stderr().is_terminal())
    }

    /// A reporter that draws the progress display if `tty` (for tests).
    pub fn with_terminal(quiet: bool, tty: bool) -> Self {
        Reporter {
            quiet,
            tty,
            point: None,
        }
    }

    /// Print one line (above the progress display, if any); nothing if quiet.
    pub fn line(&mut self, s: &str) {
        if self.quiet {
            return;
        }
        match self.point.as_ref().and_then(|p| p.bar.as_ref()) {
            Some(bar) => bar.suspend(|| eprintln!("{s}")),
            None => eprintln!("{s}"),
        }
    }

    /// A point labelled `tag` starts now.
    pub fn start_point(&mut self, tag: &str) {
        let now = Instant::now();
        let bar = (self.tty && !self.quiet).then(|| {
            let style = ProgressStyle::with_template(TEMPLATE)
                .expect("valid progress template")
                .progress_chars("#>-");
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(style);
            bar.set_prefix(tag.to_string());
            bar.set_message("building the network");
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        self.point = Some(PointProgress {
            tag: tag.to_string(),
            started: now,
            last_log: now,
            first: None,
            bar,
        });
    }

    /// `done` of `total` steps of `dt_ms` ms each are simulated.
    pub fn tick(&mut self, done: usize, total: usize, dt_ms: f64) {
        if self.quiet {
            return;
        }
        let Some(pt) = self.point.as_mut() else {
            return;
        };
        let now = Instant::now();
        let (t0, d0) = *pt.first.get_or_insert((now, done));
        let wall = ((now - pt.started).as_secs_f64(), (now - t0).as_secs_f64());
        if let Some(bar) = &pt.bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
            bar.set_message(stats_text((d0, done, total), dt_ms, wall));
        } else if now - pt.last_log >= LOG_EVERY {
            eprintln!("{}", progress_text(&pt.tag, (d0, done, total), dt_ms, wall, false));
            pt.last_log = now;
        }
    }

    /// `work` of `total` units of the network's build are done
    /// ([`crate::network::WORK_PER_SYNAPSE`] per synapse).
    pub fn build_tick(&mut self, work: u64, total: u64) {
        if self.quiet {
            return;
        }
        let Some(pt) = self.point.as_mut() else {
            return;
        };
        let now = Instant::now();
        let text = build_text(work, total, (now - pt.started).as_secs_f64());
        if let Some(bar) = &pt.bar {
            bar.set_length(total);
            bar.set_position(work);
            bar.set_message(text);
        } else if now - pt.last_log >= LOG_EVERY {
            eprintln!("{} {text}", pt.tag);
            pt.last_log = now;
        }
    }

    /// The simulation is over and the weight statistics are being
    /// computed: said on the display, or in a plain line if the point has
    /// run for [`LOG_EVERY`] or longer.
    pub fn statistics(&mut self) {
        if self.quiet {
            return;
        }
        let Some(pt) = self.point.as_mut() else {
            return;
        };
        let wall = pt.started.elapsed();
        let text = format!(
            "simulated (wall {}); weight statistics ...",
            duration(wall.as_secs_f64())
        );
        if let Some(bar) = &pt.bar {
            bar.set_message(text);
        } else if wall >= LOG_EVERY {
            eprintln!("{} {text}", pt.tag);
        }
    }

    /// The point is over (finished or not): remove the progress display.
    pub fn end_point(&mut self) {
        if let Some(bar) = self.point.take().and_then(|p| p.bar) {
            bar.finish_and_clear();
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
    let (_, done, total) = steps;
    let frac = if total == 0 { 1.0 } else { done as f64 / total as f64 };
    let bar = if with_bar {
        let full = ((frac * BAR as f64) as usize).min(BAR);
        format!(" [{}{}]", "#".repeat(full), "-".repeat(BAR - full))
    } else {
        format!(" {:.0}%", 100.0 * frac)
    };
    format!("{tag}{bar} {}", stats_text(steps, dt_ms, wall_s))
}

/// The numbers of a progress line: simulated of total time (ms), wall time
/// since the point started (s, build included), real-time factor
/// (simulated s per wall s) and ETA, both measured over the simulation
/// only; arguments as in [`progress_text`].
pub fn stats_text(steps: (usize, usize, usize), dt_ms: f64, wall_s: (f64, f64)) -> String {
    let (d0, done, total) = steps;
    let (wall, sim_wall) = wall_s;
    let sim_ms = done as f64 * dt_ms;
    let step_s = if done > d0 && sim_wall > 0.0 {
        sim_wall / (done - d0) as f64
    } else {
        f64::NAN
    };
    let rtf = dt_ms / 1000.0 / step_s;
    let eta = step_s * total.saturating_sub(done) as f64;
    let rtf = if rtf.is_finite() {
        format!("{rtf:.2}x")
    } else {
        "?x".into()
    };
    format!(
        "{sim_ms:.0}/{:.0} ms, wall {}, {rtf} real time, ETA {}",
        total as f64 * dt_ms,
        duration(wall),
        duration(eta)
    )
}

/// The numbers of a build's progress line: synapses, share done, wall time
/// since the point started (s) and ETA (extrapolated linearly), for `work`
/// of `total` units ([`crate::network::WORK_PER_SYNAPSE`] per synapse).
pub fn build_text(work: u64, total: u64, wall_s: f64) -> String {
    let frac = if total == 0 { 1.0 } else { work as f64 / total as f64 };
    let eta = if frac > 0.0 {
        wall_s * (1.0 - frac) / frac
    } else {
        f64::NAN
    };
    format!(
        "building: {:.0}% of {} synapses, wall {}, ETA {}",
        100.0 * frac,
        count(total / crate::network::WORK_PER_SYNAPSE),
        duration(wall_s),
        duration(eta)
    )
}

/// A count with an SI suffix: `950`, `12.5k`, `1.25M`, `1.25G`.
fn count(n: u64) -> String {
    let x = n as f64;
    match x {
        _ if x >= 1e9 => format!("{:.3}G", x / 1e9),
        _ if x >= 1e6 => format!("{:.3}M", x / 1e6),
        _ if x >= 1e4 => format!("{:.1}k", x / 1e3),
        _ => format!("{n}"),
    }
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
        let t = build_text(1_000_000_000, 5_000_000_000, 10.0);
        assert_eq!(t, "building: 20% of 1.250G synapses, wall 10.0 s, ETA 40.0 s");
        let t = build_text(0, 50_000, 0.1);
        assert!(t.contains("0% of 12.5k synapses") && t.contains("ETA ?"), "{t}");
        let t = progress_text("x", (0, 0, 8000), 0.125, (0.0, 0.0), true);
        assert!(t.contains("?x real time") && t.contains("ETA ?"), "{t}");
    }
}
