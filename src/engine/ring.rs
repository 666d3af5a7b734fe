//! Input ring buffers: per channel (excitatory, inhibitory) 2*D rows of one
//! slot per neuron, slot-major. The current slice reads one half (D rows)
//! row by row, while spikes emitted in it are delivered into the other half,
//! D steps later.

/// Excitatory and inhibitory input of a block of neurons, 2*D slots each.
#[derive(Debug, Clone)]
pub struct InputRing {
    n: usize,
    stride: usize,
    d: usize,
    ex: Vec<f64>,
    inh: Vec<f64>,
}

impl InputRing {
    /// Buffers for `n` neurons and slices of `d` steps, all zero.
    pub fn new(n: usize, d: usize) -> Self {
        let stride = row_stride(n);
        InputRing {
            n,
            stride,
            d,
            ex: vec![0.0; stride * 2 * d],
            inh: vec![0.0; stride * 2 * d],
        }
    }

    /// Slot offset of the half used by slice number `slice`.
    #[inline(always)]
    pub fn half(&self, slice: usize) -> usize {
        (slice & 1) * self.d
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

    /// The excitatory and inhibitory rows of `slot` (one value per neuron).
    #[inline(always)]
    pub fn rows(&self, slot: usize) -> (&[f64], &[f64]) {
        let r = slot * self.stride..slot * self.stride + self.n;
        (&self.ex[r.clone()], &self.inh[r])
    }

    /// The excitatory rows of `len` slots from `slot`, for writing whole
    /// rows: the slice of the buffer from the first row, and the row stride
    /// (at least the neuron count rounded up to 8).
    pub fn ex_rows_mut(&mut self, slot: usize, len: usize) -> (&mut [f64], usize) {
        let r = slot * self.stride..(slot + len) * self.stride;
        (&mut self.ex[r], self.stride)
    }

    /// Zero the inhibitory rows of `len` slots from `slot` (after they are
    /// read; the excitatory rows are overwritten by the next drive).
    pub fn clear_inh(&mut self, slot: usize, len: usize) {
        self.inh[slot * self.stride..(slot + len) * self.stride].fill(0.0);
    }
}

/// Row stride (values) for `n` neurons: whole cache lines, and an odd number
/// of them, so that the rows of one slice (and the two channels) do not map
/// onto the same cache sets.
fn row_stride(n: usize) -> usize {
    let lines = n.div_ceil(8);
    (lines | 1) * 8
}
