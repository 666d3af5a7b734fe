//! `--dry-run`: the plan of a sweep, printed and nothing else done: per
//! point its size, estimated memory and time, and what a run would do with
//! it; then the totals.

use super::resume::Todo;
use crate::config::Sweep;
use crate::cost::estimate;
use crate::host;
use crate::point::Point;
use crate::units::{bytes, duration};

/// Print the plan of `sweep` to stdout: per point neurons, synapses
/// (plastic, static, total), estimated peak memory, build and sim time, and
/// what a run would do with it (`todos[k]` of point k); then the totals.
/// Writes nothing.
pub fn print(sweep: &Sweep, pts: &[Point], threads: usize, todos: &[Todo]) {
    println!(
        "{:<16} {:>9} {:>5} {:>13} {:>13} {:>13} {:>10} {:>10} {:>10}  status",
        "model", "N", "seed", "plastic", "static", "synapses", "memory", "build", "sim"
    );
    let (mut total_s, mut max_mem) = (0.0, 0.0f64);
    for (pt, todo) in pts.iter().zip(todos) {
        let st = todo.word();
        match estimate(pt.model, &sweep.params_of(pt), threads) {
            Ok(c) => {
                if *todo != Todo::Reuse {
                    total_s += c.build_s + c.sim_s;
                    max_mem = max_mem.max(c.memory);
                }
                println!(
                    "{:<16} {:>9} {:>5} {:>13} {:>13} {:>13} {:>10} {:>10} {:>10}  {st}",
                    pt.model.name(),
                    c.neurons,
                    pt.seed,
                    c.plastic,
                    c.static_,
                    c.synapses,
                    bytes(c.memory),
                    duration(c.build_s),
                    duration(c.sim_s),
                )
            }
            Err(e) => println!("{:<16} {:>9} {:>5}  invalid: {e}", pt.model.name(), pt.n, pt.seed),
        }
    }
    let avail = host::mem_available();
    println!(
        "{} point(s), {threads} thread(s); to run: about {} in total, peak memory {} (available: {})",
        pts.len(),
        duration(total_s),
        bytes(max_mem),
        avail.map_or("unknown".into(), |a| bytes(a as f64))
    );
    if avail.is_some_and(|a| max_mem > a as f64) {
        println!("some points exceed the available memory: a run refuses them unless --force");
    }
}
