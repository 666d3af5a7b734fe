//! `--dry-run`: the plan of a sweep, printed and nothing else done: per
//! point its size, estimated memory and time, and what a run would do with
//! it; then the totals. With `--processes R` (R > 1) the plan is that of
//! one network spread over R processes: memory, build, sim and statistics
//! per process, and the synapses, CSR offsets, total memory and spike
//! exchange besides.

use super::resume::Todo;
use crate::config::Sweep;
use crate::cost::Cost;
use crate::host;
use crate::point::Point;
use crate::units::{bytes, duration};

/// Print the plan of `sweep` to stdout: per point neurons, synapses
/// (plastic, static, total), estimated peak memory, build, sim and weight
/// statistics time (per process), the per-process columns of
/// [`process_columns`] when `sweep.processes` > 1, and what a run would do
/// with it (`todos[k]` of point k); then the totals. Writes nothing.
pub fn print(sweep: &Sweep, pts: &[Point], todos: &[Todo]) {
    let r = sweep.processes;
    let mut counts: Vec<usize> = pts.iter().map(|p| p.threads).collect();
    counts.sort_unstable();
    counts.dedup();
    let threads = counts.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(",");
    if r > 1 {
        println!(
            "plan for {r} processes x {threads} thread(s); per process (the largest): memory, build, sim \
             (without the spike exchange: not calibrated), stats, syn/process, offsets (CSR), recv/slice and \
             sent/slice (bytes per {} ms slice); total mem: all processes",
            sweep.params.delay
        );
    }
    println!(
        "{:<16} {:>9} {:>5} {:>13} {:>13} {:>13} {:>10} {:>10} {:>10} {:>10}{}  status",
        "model",
        "N",
        "seed",
        "plastic",
        "static",
        "synapses",
        "memory",
        "build",
        "sim",
        "stats",
        process_columns(r, None)
    );
    let (mut total_s, mut max_mem, mut max_total) = (0.0, 0.0f64, 0.0f64);
    let mut most_touch: Option<(&Point, Cost)> = None;
    for ((pt, todo), est) in pts.iter().zip(todos).zip(super::plan::costs(sweep, pts, todos, r)) {
        let st = todo.word();
        match est {
            Ok(c) => {
                if *todo != Todo::Reuse {
                    total_s += c.build_s + c.sim_s + c.stats_s;
                    max_mem = max_mem.max(c.memory);
                    max_total = max_total.max(c.total_memory);
                }
                println!(
                    "{:<16} {:>9} {:>5} {:>13} {:>13} {:>13} {:>10} {:>10} {:>10} {:>10}{}  {st}",
                    pt.model.name(),
                    c.neurons,
                    pt.seed,
                    c.plastic,
                    c.static_,
                    c.synapses,
                    bytes(c.memory),
                    duration(c.build_s),
                    duration(c.sim_s),
                    duration(c.stats_s),
                    process_columns(r, Some(&c)),
                );
                // the note is about a build that will happen: not a reused point's
                if *todo != Todo::Reuse && most_touch.as_ref().is_none_or(|(_, m)| c.touch_s > m.touch_s) {
                    most_touch = Some((pt, c));
                }
            }
            Err(e) => println!("{:<16} {:>9} {:>5}  invalid: {e}", pt.model.name(), pt.n, pt.seed),
        }
    }
    print_totals(pts.len(), &threads, r, total_s, max_mem, max_total);
    println!("times for: {}", sweep.machine.origin);
    if let Some(note) = most_touch.and_then(|(pt, c)| touch_note(pt, &c)) {
        println!("{note}");
    }
}

/// Build estimates below this share of first touch (and below
/// [`TOUCH_NOTE_MIN_S`]) get no note.
const TOUCH_NOTE_SHARE: f64 = 0.25;
/// The least first-touch time (s) worth a note.
const TOUCH_NOTE_MIN_S: f64 = 1.0;

/// A note on the point whose build estimate holds the most first touch of
/// cold memory, `c` its cost, if that part is large: it is the least
/// certain part of a plan (see [`Cost::touch_s`]), so the note gives the
/// build both ways.
fn touch_note(pt: &Point, c: &Cost) -> Option<String> {
    if c.touch_s < TOUCH_NOTE_MIN_S || c.touch_s < TOUCH_NOTE_SHARE * c.build_s {
        return None;
    }
    Some(format!(
        "note: the build of {} N={} includes {} to touch {} of memory the OS hands out cold \
         (planned so: on a VM that hands free memory back to its host, memory left free for \
         a few seconds is cold); right after a run that freed as much it would take about {}",
        pt.model.name(),
        pt.n,
        duration(c.touch_s),
        bytes(c.cold_bytes),
        duration(c.build_s - c.touch_s),
    ))
}

/// The columns a plan over `r` > 1 processes adds (empty for one): the
/// synapses, CSR offsets (bytes) of the largest process, the memory of all
/// processes, and the bytes a process receives and sends per slice; their
/// header for `None`.
pub fn process_columns(r: usize, c: Option<&Cost>) -> String {
    if r <= 1 {
        return String::new();
    }
    match c {
        None => format!(
            " {:>13} {:>10} {:>10} {:>10} {:>10}",
            "syn/process", "offsets", "total mem", "recv/slice", "sent/slice"
        ),
        Some(c) => format!(
            " {:>13} {:>10} {:>10} {:>10} {:>10}",
            c.synapses_per_process,
            bytes(c.offset_bytes),
            bytes(c.total_memory),
            bytes(c.exchange.recv_bytes),
            bytes(c.exchange.sent_bytes),
        ),
    }
}

/// The closing lines of a plan of `n` points with `threads` threads on `r`
/// processes: the total time (s), the peak memory per process and of all
/// processes (bytes), what this machine has, and a warning when a point
/// would not fit (for `r` processes: all of them on this machine).
fn print_totals(n: usize, threads: &str, r: usize, total_s: f64, max_mem: f64, max_total: f64) {
    let avail = host::mem_available();
    let avail_text = avail.map_or("unknown".into(), |a| bytes(a as f64));
    if r <= 1 {
        println!(
            "{n} point(s), {threads} thread(s); to run: about {} in total, peak memory {} (available: {avail_text})",
            duration(total_s),
            bytes(max_mem),
        );
    } else {
        println!(
            "{n} point(s), {r} processes x {threads} thread(s); to run: about {} in total, peak memory {} \
             per process, {} all processes (available on this machine: {avail_text}{})",
            duration(total_s),
            bytes(max_mem),
            bytes(max_total),
            avail.map_or(String::new(), |a| format!(
                ", {} per process if all {r} ran here",
                bytes((a / r as u64) as f64)
            )),
        );
    }
    if avail.is_some_and(|a| max_mem > (a / r.max(1) as u64) as f64) {
        let per = if r > 1 { " per process" } else { "" };
        println!("some points exceed the available memory{per}: a run refuses them unless --force");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::calib::FRESH_WARM_BYTES;
    use crate::cost::machine::Machine;
    use crate::models::ModelKind;
    use crate::params::Params;

    /// The note on an iaf_psc_alpha point of `n` neurons whose build finds `warm` bytes warm.
    fn note_for(n: usize, warm: f64) -> Option<String> {
        let pt = Point {
            model: ModelKind::IafPscAlpha,
            n,
            seed: 1,
            threads: 2,
        };
        let (p, machine) = (pt.params(&Params::default()), Machine::default());
        let c = crate::cost::estimate_after(pt.model, &p, 2, 1, &machine, warm).unwrap();
        touch_note(&pt, &c)
    }

    #[test]
    fn a_build_mostly_first_touch_gets_a_note() {
        // N = 1M in a fresh process: 11.4 GB of synapse memory, almost all cold
        let note = note_for(1_000_000, FRESH_WARM_BYTES).expect("a note at N = 1M");
        assert!(
            note.contains("N=1000000") && note.contains("11.3 GB of memory the OS hands out cold"),
            "{note}"
        );
        // its build both ways: the warm one without the touch
        assert!(
            note.contains("right after a run that freed as much it would take about"),
            "{note}"
        );
        // right after a run of its size, or the default sweep's sizes: no note
        assert_eq!(note_for(1_000_000, 12e9), None);
        assert_eq!(note_for(13750, FRESH_WARM_BYTES), None);
    }
}
