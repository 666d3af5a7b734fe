//! Input ring buffers: per neuron and channel (excitatory, inhibitory), two
//! halves of D slots. The current slice reads one half while spikes emitted
//! in it are delivered into the other, D steps later.

/// Excitatory and inhibitory input of a block of neurons, 2*D slots each.
#[derive(Debug, Clone)]
pub struct InputRing {
    d: usize,
    ex: Vec<f64>,
    inh: Vec<f64>,
    scratch_ex: Vec<f64>,
    scratch_in: Vec<f64>,
}

impl InputRing {
    /// Buffers for `n` neurons and slices of `d` steps, all zero.
    pub fn new(n: usize, d: usize) -> Self {
        InputRing {
            d,
            ex: vec![0.0; n * 2 * d],
            inh: vec![0.0; n * 2 * d],
            scratch_ex: vec![0.0; d],
            scratch_in: vec![0.0; d],
        }
    }

    /// Offset of the half used by slice number `slice`.
    #[inline(always)]
    pub fn half(&self, slice: usize) -> usize {
        (slice & 1) * self.d
    }

    /// Add `w` (pA) to the excitatory input of neuron `l` at `slot`.
    #[inline(always)]
    pub fn add_ex(&mut self, l: usize, slot: usize, w: f64) {
        self.ex[l * 2 * self.d + slot] += w;
    }

    /// Add `w` (pA) to the inhibitory input of neuron `l` at `slot`.
    #[inline(always)]
    pub fn add_in(&mut self, l: usize, slot: usize, w: f64) {
        self.inh[l * 2 * self.d + slot] += w;
    }

    /// Take (read and clear) `len` slots of neuron `l` from `half`:
    /// (excitatory, inhibitory) inputs per step.
    #[inline(always)]
    pub fn take(&mut self, l: usize, half: usize, len: usize) -> (&[f64], &[f64]) {
        let a = l * 2 * self.d + half;
        for k in 0..len {
            self.scratch_ex[k] = std::mem::take(&mut self.ex[a + k]);
            self.scratch_in[k] = std::mem::take(&mut self.inh[a + k]);
        }
        (&self.scratch_ex[..len], &self.scratch_in[..len])
    }

    /// Bytes of heap memory held.
    pub fn heap_bytes(&self) -> usize {
        (self.ex.capacity() + self.inh.capacity()) * 8
    }
}
