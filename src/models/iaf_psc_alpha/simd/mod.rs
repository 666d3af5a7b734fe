//! The kernel of `iaf_psc_alpha` ([`crate::models::iaf_psc_alpha`]): one
//! step of whole groups of four neurons whose states lie field by field in
//! [`Quad`]s.
//!
//! `portable` is the model's own scalar step
//! ([`NeuronModel::step`](crate::models::NeuronModel::step)), lane by lane;
//! `avx2` advances four neurons per instruction with the scalar step's
//! operations in the scalar step's order (no fused multiply-add), so both
//! give the same bits. There is no AVX-512 kernel: [`Isa::Avx512`] runs the
//! AVX2 one (the step is bound by memory, not by the width of a vector).

use super::Isa;
use crate::models::iaf_psc_alpha::{IafPscAlpha, State};

mod portable;

#[cfg(target_arch = "x86_64")]
mod avx2;

/// Four neurons' states, field by field (one AVX2 register per field,
/// three cache lines in all).
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
pub struct Quad {
    /// Membrane potentials relative to E_L (mV).
    v: [f64; 4],
    /// Derivative terms of the excitatory alpha currents (pA/ms).
    di_ex: [f64; 4],
    /// Excitatory synaptic currents (pA).
    i_ex: [f64; 4],
    /// Derivative terms of the inhibitory alpha currents (pA/ms).
    di_in: [f64; 4],
    /// Inhibitory synaptic currents (pA).
    i_in: [f64; 4],
    /// Remaining refractory steps.
    r: [i64; 4],
}

impl Quad {
    /// The state of the neuron in lane `j` (0..4).
    #[inline(always)]
    pub fn lane(&self, j: usize) -> State {
        State {
            v: self.v[j],
            di_ex: self.di_ex[j],
            i_ex: self.i_ex[j],
            di_in: self.di_in[j],
            i_in: self.i_in[j],
            r: self.r[j] as u32,
        }
    }

    /// Set the state of the neuron in lane `j` (0..4).
    #[inline(always)]
    pub fn set_lane(&mut self, j: usize, s: State) {
        self.v[j] = s.v;
        self.di_ex[j] = s.di_ex;
        self.i_ex[j] = s.i_ex;
        self.di_in[j] = s.di_in;
        self.i_in[j] = s.i_in;
        self.r[j] = s.r as i64;
    }
}

/// Advance every neuron of `quads` one step of model `m` with the kernel of
/// `isa`, neuron `l` (lane `l % 4` of quad `l / 4`) with inputs `ex[l]`,
/// `inh[l]` (pA); `fired(l)` is called in increasing `l` for each neuron
/// that spikes. Every `isa` gives bit for bit what
/// [`NeuronModel::step`](crate::models::NeuronModel::step) gives neuron by
/// neuron.
///
/// Panics if this CPU lacks `isa`, or unless `ex` and `inh` hold four
/// values per quad.
pub fn step_quads(
    isa: Isa,
    m: &IafPscAlpha,
    quads: &mut [Quad],
    ex: &[f64],
    inh: &[f64],
    fired: &mut impl FnMut(usize),
) {
    assert!(isa.is_available(), "this CPU lacks {}", isa.name());
    assert!(
        ex.len() == 4 * quads.len() && inh.len() == ex.len(),
        "one input per neuron"
    );
    let (ex, inh) = (ex.as_chunks::<4>().0, inh.as_chunks::<4>().0);
    match isa {
        Isa::Portable => portable::step_quads(m, quads, ex, inh, fired),
        // SAFETY: the CPU has AVX2 (asserted above; Avx512 includes it)
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 | Isa::Avx512 => unsafe { avx2::step_quads(m, quads, ex, inh, fired) },
        #[cfg(not(target_arch = "x86_64"))]
        Isa::Avx2 | Isa::Avx512 => unreachable!("x86-64 instruction sets are never available elsewhere"),
    }
}
