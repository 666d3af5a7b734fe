//! Synapse storage. Each partition owns a contiguous range of excitatory
//! and one of inhibitory target neurons (the same share of each, so that
//! partitions carry the same plastic and static load) and holds, grouped by source (CSR), the targets of every source
//! inside its range: plastic E->E synapses as (target, weight), static
//! synapses as a target only (a static weight is the same for a whole
//! projection: I_E from E sources, I_I from I sources). Within a source's
//! row, targets ascend and multapses keep their draw order, so summation
//! order per target does not depend on how targets are partitioned.

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
