//! `--dry-run`: what a sweep would cost, before anything is allocated.

use crate::config::Plan;
use crate::sweep::{point_params, Point};

/// Print the plan of a sweep.
pub fn print(plan: &Plan, pts: &[Point], threads: usize) {
    println!(
        "{:<16} {:>8} {:>6} {:>14}",
        "model", "N", "seed", "synapses"
    );
    for pt in pts {
        let p = point_params(plan, pt);
        let syn = p.N as u64 * p.K as u64;
        println!(
            "{:<16} {:>8} {:>6} {:>14}",
            pt.model.name(),
            pt.n,
            pt.seed,
            syn
        );
    }
    println!("{} point(s), {threads} thread(s)", pts.len());
}
