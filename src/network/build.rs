//! Fixed in-degree connectivity. Every target neuron j draws its K_E
//! excitatory and K_I inhibitory sources uniformly with replacement
//! (multapses allowed), never itself (redraw), from its own random stream
//! (seed, Connect, j). Each partition is built independently, in two passes
//! over its targets (count, then fill), so no temporary list of all
//! synapses is ever held.

use super::storage::{Network, Partition};
use crate::rng::{stream, Purpose};
use rand::Rng;
use rayon::prelude::*;
use std::ops::Range;

/// Sizes and weights that determine the connectivity.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Neurons in total.
    pub n: usize,
    /// Excitatory neurons (0..n_e).
    pub n_e: usize,
    /// Excitatory in-degree.
    pub k_e: usize,
    /// Inhibitory in-degree.
    pub k_i: usize,
    /// Initial E->E and static E->I weight (pA).
    pub w_exc: f64,
    /// Static weight of synapses from I neurons (pA, negative).
    pub w_inh: f64,
    /// Seed of the connection streams.
    pub seed: u64,
}

/// Draw the sources of target `j`: `f(source)` is called for the K_E
/// excitatory sources, then the K_I inhibitory ones, in draw order.
#[inline]
pub fn draw_sources(l: &Layout, j: usize, mut f: impl FnMut(usize)) {
    let mut rng = stream(l.seed, Purpose::Connect, j as u64);
    let n_i = l.n - l.n_e;
    for _ in 0..l.k_e {
        loop {
            let s = rng.random_range(0..l.n_e);
            if s != j {
                f(s);
                break;
            }
        }
    }
    for _ in 0..l.k_i {
        loop {
            let s = l.n_e + rng.random_range(0..n_i);
            if s != j {
                f(s);
                break;
            }
        }
    }
}

fn build_partition(l: &Layout, (exc, inh): (Range<usize>, Range<usize>)) -> Partition {
    let n_e = l.n_e;
    let targets = || exc.clone().chain(inh.clone());
    // pass 1: row lengths
    let mut pl_count = vec![0usize; n_e + 1];
    let mut st_count = vec![0usize; l.n + 1];
    for j in targets() {
        let target_is_e = j < n_e;
        draw_sources(l, j, |s| {
            if target_is_e && s < n_e {
                pl_count[s] += 1;
            } else {
                st_count[s] += 1;
            }
        });
    }
    let prefix = |mut c: Vec<usize>| {
        let mut acc = 0;
        for x in c.iter_mut() {
            let v = *x;
            *x = acc;
            acc += v;
        }
        c
    };
    let pl_offsets = prefix(pl_count);
    let st_offsets = prefix(st_count);
    let n_pl = pl_offsets[n_e];
    let n_st = st_offsets[l.n];
    // pass 2: fill, targets ascending within each row (local order is global order)
    let mut pl_fill = pl_offsets.clone();
    let mut st_fill = st_offsets.clone();
    let mut pl_targets = vec![0u32; n_pl];
    let mut st_targets = vec![0u32; n_st];
    for (local, j) in targets().enumerate() {
        let target_is_e = j < n_e;
        let local = local as u32;
        draw_sources(l, j, |s| {
            if target_is_e && s < n_e {
                pl_targets[pl_fill[s]] = local;
                pl_fill[s] += 1;
            } else {
                st_targets[st_fill[s]] = local;
                st_fill[s] += 1;
            }
        });
    }
    Partition {
        exc: exc.start as u32..exc.end as u32,
        inh: inh.start as u32..inh.end as u32,
        pl_offsets,
        pl_targets,
        pl_weights: vec![l.w_exc; n_pl],
        st_offsets,
        st_targets,
    }
}

/// Split the neurons into `parts` partitions, each an equal share of the
/// excitatory neurons 0..n_e and of the inhibitory neurons n_e..n (contiguous
/// ranges), so that each carries the same share of plastic synapses.
pub fn split(n: usize, n_e: usize, parts: usize) -> Vec<(Range<usize>, Range<usize>)> {
    let parts = parts.clamp(1, n.max(1));
    let n_i = n - n_e;
    (0..parts)
        .map(|i| {
            let e = (i * n_e / parts)..((i + 1) * n_e / parts);
            let q = (n_e + i * n_i / parts)..(n_e + (i + 1) * n_i / parts);
            (e, q)
        })
        .collect()
}

/// Build the network with `parts` target partitions (in parallel on the
/// current rayon pool). The synapses do not depend on `parts`.
pub fn build(l: &Layout, parts: usize) -> Network {
    build_share(l, parts, 0..parts)
}

/// Build only the partitions `share` of the `parts` target partitions of
/// the network: one process's share of a network distributed over several
/// (its synapses are those onto its own neurons). Partition k is the same
/// whichever process builds it.
pub fn build_share(l: &Layout, parts: usize, share: Range<usize>) -> Network {
    let all = split(l.n, l.n_e, parts);
    let share = share.start.min(all.len())..share.end.min(all.len());
    let parts = all[share]
        .to_vec()
        .into_par_iter()
        .map(|r| build_partition(l, r))
        .collect();
    Network {
        n: l.n,
        n_e: l.n_e,
        w_exc: l.w_exc,
        w_inh: l.w_inh,
        parts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Layout {
        Layout {
            n: 50,
            n_e: 40,
            k_e: 8,
            k_i: 2,
            w_exc: 1.0,
            w_inh: -5.0,
            seed: 3,
        }
    }

    #[test]
    fn fixed_indegree_no_autapses() {
        let l = layout();
        let net = build(&l, 3);
        let mut indeg_e = vec![0; l.n];
        let mut indeg_i = vec![0; l.n];
        for p in &net.parts {
            for s in 0..l.n {
                let mut row: Vec<u32> = p.static_row(s).to_vec();
                if s < l.n_e {
                    row.extend_from_slice(&p.pl_targets[p.pl_offsets[s]..p.pl_offsets[s + 1]]);
                }
                for t in row {
                    let t = p.global(t) as usize;
                    assert_ne!(t, s, "autapse");
                    if s < l.n_e {
                        indeg_e[t] += 1;
                    } else {
                        indeg_i[t] += 1;
                    }
                }
            }
        }
        assert!(indeg_e.iter().all(|&k| k == 8));
        assert!(indeg_i.iter().all(|&k| k == 2));
        assert_eq!(net.n_synapses(), 50 * 10);
    }

    #[test]
    fn partitions_share_both_populations() {
        // every neuron in exactly one partition; E and I shares differ by at most one
        for (n, n_e, parts) in [(50, 40, 3), (1250, 1000, 2), (7, 5, 7), (10, 8, 1)] {
            let s = split(n, n_e, parts);
            let mut seen = vec![0; n];
            for (e, i) in &s {
                assert!(e.end <= n_e && i.start >= n_e);
                e.clone().chain(i.clone()).for_each(|j| seen[j] += 1);
            }
            assert!(seen.iter().all(|&c| c == 1));
            let (es, is): (Vec<_>, Vec<_>) = s.iter().map(|(e, i)| (e.len(), i.len())).unzip();
            assert!(es.iter().max().unwrap() - es.iter().min().unwrap() <= 1, "{es:?}");
            assert!(is.iter().max().unwrap() - is.iter().min().unwrap() <= 1, "{is:?}");
        }
        let net = build(&layout(), 3);
        let globals: Vec<u32> = net
            .parts
            .iter()
            .flat_map(|p| (0..p.len() as u32).map(|l| p.global(l)))
            .collect();
        let mut sorted = globals.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<u32>>());
    }

    #[test]
    fn partitioning_does_not_change_synapses() {
        let l = layout();
        let a = build(&l, 1).plastic_subset(40);
        let b = build(&l, 4).plastic_subset(40);
        assert_eq!(a, b);
    }
}
