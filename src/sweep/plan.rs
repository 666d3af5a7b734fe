//! The plan of a run: each point's estimated cost in the order the run
//! builds them. A build takes memory from the OS; memory the point before
//! it in the same process freed moments before comes warm, the rest cold
//! (on a VM that hands free memory back to its host, 50x slower to touch
//! on the third dev machine), so each point's first-touch term depends on
//! the point before it ([`cost::estimate_after`]).

use super::resume::Todo;
use crate::config::Sweep;
use crate::cost::{self, Cost};
use crate::error::Result;
use crate::point::Point;

/// The cost of each of `pts` (with `todos[k]` what the run does with point
/// k) on `processes` processes: the first point built finds the warm
/// memory of a fresh process ([`cost::calib::FRESH_WARM_BYTES`]), each later
/// one what the previous built point touched (the rest of a fresh
/// process's warm memory has gone cold by then: a point of the default
/// sweep that outgrew the one before by 14 MB built in 1.3-2x its
/// time on the third dev machine, 2026-12-04); a reused point builds
/// nothing and frees nothing. An invalid point is an error in its place.
pub fn costs(sweep: &Sweep, pts: &[Point], todos: &[Todo], processes: usize) -> Vec<Result<Cost>> {
    let mut warm = cost::calib::FRESH_WARM_BYTES;
    pts.iter()
        .zip(todos)
        .map(|(pt, todo)| {
            let c = cost::estimate_after(
                pt.model,
                &sweep.params_of(pt),
                pt.threads,
                processes,
                &sweep.machine,
                warm,
            )?;
            if *todo != Todo::Reuse {
                warm = c.touch_bytes;
            }
            Ok(c)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::calib;

    #[test]
    fn each_build_finds_warm_what_the_built_point_before_it_freed() {
        let sweep = Sweep {
            sizes: vec![1_000_000, 200_000],
            threads: vec![2],
            seeds: vec![1, 2],
            ..Sweep::default()
        };
        let pts = sweep.points();
        let run = vec![Todo::Run(None); pts.len()];
        let plan: Vec<Cost> = costs(&sweep, &pts, &run, 1).into_iter().map(|c| c.unwrap()).collect();
        let fresh = |k: usize| {
            let p = sweep.params_of(&pts[k]);
            cost::estimate_after(pts[k].model, &p, 2, 1, &sweep.machine, calib::FRESH_WARM_BYTES).unwrap()
        };
        // the first build: a fresh process's warm memory, the rest cold
        assert_eq!(plan[0], fresh(0));
        assert_eq!(plan[0].cold_bytes, plan[0].touch_bytes - calib::FRESH_WARM_BYTES);
        // every later build at N = 1M follows one of its size: nothing cold
        for c in &plan[1..4] {
            assert_eq!((c.cold_bytes, c.touch_s), (0.0, 0.0));
            assert!(c.build_s < plan[0].build_s);
        }
        // a smaller one after a larger one: nothing cold either
        assert!(plan[4..].iter().all(|c| c.cold_bytes == 0.0));

        // the other way round: each size outgrows the one before it
        let up = Sweep {
            sizes: vec![200_000, 1_000_000],
            ..sweep.clone()
        };
        let pts = up.points();
        let plan: Vec<Cost> = costs(&up, &pts, &run, 1).into_iter().map(|c| c.unwrap()).collect();
        let first_large = pts.iter().position(|p| p.n == 1_000_000).unwrap();
        let c = &plan[first_large];
        assert_eq!(c.cold_bytes, c.touch_bytes - plan[first_large - 1].touch_bytes);

        // a reused point builds nothing: the next build finds what the last built one freed
        let mut todos = run.clone();
        todos[first_large] = Todo::Reuse;
        let plan: Vec<Cost> = costs(&up, &pts, &todos, 1).into_iter().map(|c| c.unwrap()).collect();
        assert_eq!(plan[first_large + 1].cold_bytes, c.cold_bytes);
    }
}
