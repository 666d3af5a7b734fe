//! Input buffers of one slice and one block of neurons: per channel
//! (excitatory, inhibitory) D rows of one slot per neuron of the block,
//! slot-major. In slice s, for a block of neurons, the excitatory rows first
//! receive the external drive arriving in slice s, then the spikes of slice
//! s - 1 (emitted D steps earlier) are added, then the block reads them row
//! by row. One slice's rows of one block are all the engine ever needs, as
//! everything arriving in a slice is written in that slice, and a block is
//! done with its rows before the next block begins: so the blocks of a
//! partition share one set of rows, which stays in cache (at N = 1M a
//! partition's rows would be 120 MB, streamed from memory every slice).

use std::ops::Range;

/// Excitatory and inhibitory input of the neurons of a block (neuron `l`
/// of the block is column `l`), D slots each.
#[derive(Debug, Clone)]
pub struct InputRing {
    n: usize,
    stride: usize,
    ex: Vec<f64>,
    inh: Vec<f64>,
}

impl InputRing {
    /// Buffers for blocks of at most `n` neurons and slices of `d` steps,
    /// all zero.
    pub fn new(n: usize, d: usize) -> Self {
        let stride = row_stride(n);
        InputRing {
            n,
            stride,
            ex: vec![0.0; stride * d],
            inh: vec![0.0; stride * d],
        }
    }

    /// Add `w` (pA) to the excitatory input of neuron `l` at `slot`.
    #[inline(always)]
    pub fn add_ex(&mut self, l: usize, slot: usize, w: f64) {
        self.ex[slot * self.stride + l] += w;
    }

    /// Add `w` (pA) to the inhibitory input of neuron `l` at `slot`.
    #[inline(always)]
    pub fn add_in(&mut self, l: usize, slot: usize, w: f64) {
        self.inh[slot * self.stride + l] += w;
    }

    /// The excitatory row of `slot`, for adding to it (one value per neuron).
    #[inline(always)]
    pub fn ex_row_mut(&mut self, slot: usize) -> &mut [f64] {
        &mut self.ex[slot * self.stride..slot * self.stride + self.n]
    }

    /// The excitatory and inhibitory rows of `slot` (one value per neuron).
    #[inline(always)]
    pub fn rows(&self, slot: usize) -> (&[f64], &[f64]) {
        let r = slot * self.stride..slot * self.stride + self.n;
        (&self.ex[r.clone()], &self.inh[r])
    }

    /// The excitatory rows of the first `len` slots, for writing whole
    /// rows: the slice of the buffer from the first row, and the row stride
    /// (at least the neuron count rounded up to 8).
    pub fn ex_rows_mut(&mut self, len: usize) -> (&mut [f64], usize) {
        (&mut self.ex[..len * self.stride], self.stride)
    }

    /// Zero the inhibitory input of `neurons` (columns) in `slots` (after
    /// they are read; the excitatory rows are overwritten by the next
    /// drive).
    pub fn clear_inh(&mut self, slots: Range<usize>, neurons: Range<usize>) {
        for slot in slots {
            let row = slot * self.stride;
            self.inh[row + neurons.start..row + neurons.end].fill(0.0);
        }
    }
}

/// Row stride (values) for `n` neurons: whole cache lines, and an odd number
/// of them, so that the rows of one slice (and the two channels) do not map
/// onto the same cache sets.
fn row_stride(n: usize) -> usize {
    let lines = n.div_ceil(8);
    (lines | 1) * 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clear_inh_zeroes_only_the_neurons_and_slots_given() {
        let mut r = InputRing::new(20, 3);
        for slot in 0..3 {
            for l in 0..20 {
                r.add_in(l, slot, -1.0);
                r.add_ex(l, slot, 1.0);
            }
        }
        r.clear_inh(0..2, 8..16);
        for slot in 0..3 {
            let (ex, inh) = r.rows(slot);
            assert!(ex.iter().all(|&x| x == 1.0));
            for (l, &x) in inh.iter().enumerate() {
                let cleared = slot < 2 && (8..16).contains(&l);
                assert_eq!(x, if cleared { 0.0 } else { -1.0 }, "slot {slot} neuron {l}");
            }
        }
    }
}
