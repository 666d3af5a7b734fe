//! Synapse storage. Each partition owns a contiguous range of excitatory
//! and one of inhibitory target neurons (the same share of each, so that
//! partitions carry the same plastic and static load) and holds, grouped by source (CSR), the targets of every source
//! inside its range: plastic E->E synapses as (target, weight), static
//! synapses as a target only (a static weight is the same for a whole
//! projection: I_E from E sources, I_I from I sources). Within a source's
//! row, targets ascend and multapses keep their draw order, so summation
//! order per target does not depend on how targets are partitioned.
//!
//! During a simulation a plastic row may be split in two (see
//! [`Partition::retire_zero_weights`]): its synapses of nonzero weight in
//! target order, then those of zero weight. [`Partition::restore_target_order`]
//! joins them again.

use std::ops::Range;

/// Synapses onto one range of target neurons.
#[derive(Debug, Clone, Default)]
pub struct Partition {
    /// Excitatory target neurons owned (global indices); local indices 0..exc.len().
    pub exc: Range<u32>,
    /// Inhibitory target neurons owned (global indices); local indices follow the excitatory ones.
    pub inh: Range<u32>,
    /// Row offsets of plastic synapses per E source (length N_E + 1).
    pub pl_offsets: Vec<usize>,
    /// Local target index (see [`Partition::global`]) of each plastic synapse.
    pub pl_targets: Vec<u32>,
    /// Weight of each plastic synapse (pA).
    pub pl_weights: Vec<f64>,
    /// Row offsets of static synapses per source (length N + 1).
    pub st_offsets: Vec<usize>,
    /// Local target index of each static synapse.
    pub st_targets: Vec<u32>,
    /// While plastic rows are split (empty otherwise): the end of each
    /// row's live part (positions in `pl_targets`), per E source.
    pub pl_live: Vec<usize>,
}

impl Partition {
    /// Neurons owned.
    pub fn len(&self) -> usize {
        self.exc.len() + self.inh.len()
    }

    /// Whether the partition owns no neuron.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The global index of local neuron `l`.
    #[inline(always)]
    pub fn global(&self, l: u32) -> u32 {
        let n_exc = self.exc.len() as u32;
        if l < n_exc {
            self.exc.start + l
        } else {
            self.inh.start + (l - n_exc)
        }
    }

    /// The global indices of the neurons owned, in local order.
    pub fn neurons(&self) -> impl Iterator<Item = u32> {
        self.exc.clone().chain(self.inh.clone())
    }

    /// Plastic row of E source `s`: (local targets, weights).
    #[inline(always)]
    pub fn plastic_row(&mut self, s: usize) -> (&[u32], &mut [f64]) {
        let (a, b) = (self.pl_offsets[s], self.pl_offsets[s + 1]);
        (&self.pl_targets[a..b], &mut self.pl_weights[a..b])
    }

    /// Static row of source `s`: local targets.
    #[inline(always)]
    pub fn static_row(&self, s: usize) -> &[u32] {
        &self.st_targets[self.st_offsets[s]..self.st_offsets[s + 1]]
    }

    /// Synapses of source `s` in this partition, plastic and static; every
    /// excitatory source (below `n_e`) has a plastic row.
    #[inline(always)]
    pub fn synapses_of(&self, s: usize, n_e: usize) -> usize {
        let plastic = if s < n_e {
            self.pl_offsets[s + 1] - self.pl_offsets[s]
        } else {
            0
        };
        plastic + self.st_offsets[s + 1] - self.st_offsets[s]
    }

    /// Positions of the plastic synapses of E source `s` that a spike must
    /// visit: the whole row, or, while rows are split, its live part (in
    /// target order, like the whole row).
    #[inline(always)]
    pub fn live_row(&self, s: usize) -> Range<usize> {
        let end = match self.pl_live.get(s) {
            Some(&end) => end,
            None => self.pl_offsets[s + 1],
        };
        self.pl_offsets[s]..end
    }

    /// Split every plastic row (or its live part, if already split) into
    /// its synapses of nonzero weight, in their order, followed by those
    /// of zero weight; returns how many live synapses remain. For a rule
    /// under which a zero weight stays zero and carries no input, those
    /// synapses need no visits any more.
    pub fn retire_zero_weights(&mut self) -> usize {
        if self.pl_live.is_empty() {
            self.pl_live = self.pl_offsets[1..].to_vec();
        }
        let longest = self.pl_offsets.windows(2).map(|r| r[1] - r[0]).max().unwrap_or(0);
        let mut dead = vec![(0u32, 0.0f64); longest];
        let mut live = 0;
        for s in 0..self.pl_live.len() {
            let (start, end) = (self.pl_offsets[s], self.pl_live[s]);
            // without branches (zeros lie scattered, so a branch would often
            // guess wrong): every synapse is written to both places, and the
            // one it belongs to moves on
            let (mut keep, mut gone) = (start, 0);
            for k in start..end {
                let (t, w) = (self.pl_targets[k], self.pl_weights[k]);
                self.pl_targets[keep] = t;
                self.pl_weights[keep] = w;
                dead[gone] = (t, w);
                let zero = (w == 0.0) as usize;
                keep += 1 - zero;
                gone += zero;
            }
            for (k, &(t, w)) in (keep..).zip(&dead[..gone]) {
                self.pl_targets[k] = t;
                self.pl_weights[k] = w;
            }
            self.pl_live[s] = keep;
            live += keep - start;
        }
        live
    }

    /// Join split plastic rows again: targets ascending, multapses in draw
    /// order. A live and a retired synapse never share a target: multapses
    /// start with the same weight and see the same spikes, so they reach
    /// zero together (ties would put the live one first).
    pub fn restore_target_order(&mut self) {
        if self.pl_live.is_empty() {
            return;
        }
        let mut dead: Vec<(u32, f64)> = Vec::new();
        let mut row: Vec<(u32, f64)> = Vec::new();
        for s in 0..self.pl_live.len() {
            let (start, live, end) = (self.pl_offsets[s], self.pl_live[s], self.pl_offsets[s + 1]);
            if live == end {
                continue;
            }
            dead.clear();
            dead.extend((live..end).map(|k| (self.pl_targets[k], self.pl_weights[k])));
            // retired in batches: each batch in target order, batches not
            dead.sort_by_key(|&(t, _)| t);
            row.clear();
            let mut rest = dead.iter().peekable();
            for k in start..live {
                let t = self.pl_targets[k];
                while let Some(&&d) = rest.peek().filter(|d| d.0 < t) {
                    row.push(d);
                    rest.next();
                }
                row.push((t, self.pl_weights[k]));
            }
            row.extend(rest);
            for (k, &(t, w)) in (start..).zip(&row) {
                self.pl_targets[k] = t;
                self.pl_weights[k] = w;
            }
        }
        self.pl_live = Vec::new();
    }
}

/// The network's synapses, partitioned by target neuron.
#[derive(Debug, Clone, Default)]
pub struct Network {
    /// Neurons in total.
    pub n: usize,
    /// Excitatory neurons (indices 0..n_e).
    pub n_e: usize,
    /// Weight of static synapses from E sources (pA).
    pub w_exc: f64,
    /// Weight of static synapses from I sources (pA).
    pub w_inh: f64,
    /// Partitions in ascending target order.
    pub parts: Vec<Partition>,
}

impl Network {
    /// Total number of synapses between network neurons.
    pub fn n_synapses(&self) -> u64 {
        self.parts
            .iter()
            .map(|p| (p.pl_targets.len() + p.st_targets.len()) as u64)
            .sum()
    }

    /// Visit every E->E synapse as (source, target, weight) in (source,
    /// target, draw) order, which does not depend on the partitioning.
    /// Stops early once `max_source` sources are visited.
    pub fn for_each_plastic(&self, max_source: usize, mut f: impl FnMut(u32, u32, f64)) {
        for s in 0..max_source.min(self.n_e) {
            for p in &self.parts {
                let (a, b) = (p.pl_offsets[s], p.pl_offsets[s + 1]);
                for k in a..b {
                    f(s as u32, p.global(p.pl_targets[k]), p.pl_weights[k]);
                }
            }
        }
    }

    /// E->E synapses with source and target both below `limit`, as
    /// (source, target, weight), ordered by source, then target.
    pub fn plastic_subset(&self, limit: usize) -> Vec<(u32, u32, f64)> {
        let mut out = Vec::new();
        self.for_each_plastic(limit, |s, t, w| {
            if (t as usize) < limit {
                out.push((s, t, w));
            }
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{build, Layout};

    #[test]
    fn retired_rows_are_restored_to_target_order() {
        let l = Layout {
            n: 60,
            n_e: 48,
            k_e: 20,
            k_i: 5,
            w_exc: 1.0,
            w_inh: -5.0,
            seed: 7,
        };
        let mut net = build(&l, 2);
        let mut want: Vec<Partition> = net.parts.clone();
        // zero the weights of some (source, target) pairs, multapses together,
        // in three rounds, retiring after each; the weights left change too
        for round in 0..3u32 {
            for (p, w) in net.parts.iter_mut().zip(&mut want) {
                let kill = |s: usize, t: u32| (s as u32 * 7 + t * 3 + round).is_multiple_of(5);
                for s in 0..l.n_e {
                    for k in p.live_row(s) {
                        if kill(s, p.pl_targets[k]) {
                            p.pl_weights[k] = if round == 1 { -0.0 } else { 0.0 };
                        } else {
                            p.pl_weights[k] += 1.0;
                        }
                    }
                    for k in w.pl_offsets[s]..w.pl_offsets[s + 1] {
                        if w.pl_weights[k] != 0.0 {
                            if kill(s, w.pl_targets[k]) {
                                w.pl_weights[k] = if round == 1 { -0.0 } else { 0.0 };
                            } else {
                                w.pl_weights[k] += 1.0;
                            }
                        }
                    }
                }
                let live = p.retire_zero_weights();
                let mut counted = 0;
                for s in 0..l.n_e {
                    let row = p.live_row(s);
                    counted += row.len();
                    assert!(p.pl_targets[row.clone()].is_sorted());
                    assert!(p.pl_weights[row].iter().all(|&w| w != 0.0));
                }
                assert_eq!(live, counted);
                let nonzero = w.pl_weights.iter().filter(|&&w| w != 0.0).count();
                assert_eq!(live, nonzero, "round {round}");
            }
        }
        assert!(net.parts[0].live_row(0).len() < net.parts[0].pl_offsets[1]);
        for (p, w) in net.parts.iter_mut().zip(&want) {
            p.restore_target_order();
            assert!(p.pl_live.is_empty());
            assert_eq!(p.pl_targets, w.pl_targets);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&p.pl_weights), bits(&w.pl_weights));
        }
    }
}
