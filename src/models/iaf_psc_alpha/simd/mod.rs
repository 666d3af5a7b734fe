//! The kernel of `iaf_psc_alpha` ([`crate::models::iaf_psc_alpha`]): one
//! step of whole groups of [`LANES`] neurons whose states lie field by
//! field in [`Group`]s.
//!
//! `portable` is the model's own scalar step
//! ([`NeuronModel::step`](crate::models::NeuronModel::step)), lane by lane;
//! `avx2` advances four neurons per instruction (two vectors per field of a
//! group) and `avx512` eight (one vector per field), each with the scalar
//! step's operations in the scalar step's order (no fused multiply-add), so
//! every kernel gives the same bits.

use super::Isa;
use crate::models::iaf_psc_alpha::{IafPscAlpha, State};

mod portable;

#[cfg(target_arch = "x86_64")]
mod avx2;

#[cfg(target_arch = "x86_64")]
mod avx512;

/// Neurons in a [`Group`].
pub const LANES: usize = 8;

/// The states of [`LANES`] neurons, field by field (one AVX-512 or two AVX2
/// registers per field, six cache lines in all).
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
pub struct Group {
    /// Membrane potentials relative to E_L (mV).
    v: [f64; LANES],
    /// Derivative terms of the excitatory alpha currents (pA/ms).
    di_ex: [f64; LANES],
    /// Excitatory synaptic currents (pA).
    i_ex: [f64; LANES],
    /// Derivative terms of the inhibitory alpha currents (pA/ms).
    di_in: [f64; LANES],
    /// Inhibitory synaptic currents (pA).
    i_in: [f64; LANES],
    /// Remaining refractory steps.
    r: [i64; LANES],
}

impl Group {
    /// The state of the neuron in lane `j` (0..[`LANES`]).
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

    /// Set the state of the neuron in lane `j` (0..[`LANES`]).
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

/// Advance every neuron of `groups` one step of model `m` with the kernel
/// of `isa`, neuron `l` (lane `l % LANES` of group `l / LANES`) with inputs
/// `ex[l]`, `inh[l]` (pA); `fired(l)` is called in increasing `l` for each
/// neuron that spikes. Every `isa` gives bit for bit what
/// [`NeuronModel::step`](crate::models::NeuronModel::step) gives neuron by
/// neuron.
///
/// Panics if this CPU lacks `isa`, or unless `ex` and `inh` hold
/// [`LANES`] values per group.
pub fn step_groups(
    isa: Isa,
    m: &IafPscAlpha,
    groups: &mut [Group],
    ex: &[f64],
    inh: &[f64],
    fired: &mut impl FnMut(usize),
) {
    assert!(isa.is_available(), "this CPU lacks {}", isa.name());
    assert!(
        ex.len() == LANES * groups.len() && inh.len() == ex.len(),
        "one input per neuron"
    );
    let (ex, inh) = (ex.as_chunks::<LANES>().0, inh.as_chunks::<LANES>().0);
    // the kernels only note who fired, a bit per lane and a byte per group;
    // `fired` is called after each chunk of groups, so that the kernels'
    // loops make no call: with the engine's callback inside the loop, the
    // AVX-512 kernel took 0.72 ns per neuron-step in the engine, with none
    // 0.35 ns (the compiler kept the loop's values on the stack)
    let mut masks = [0u8; CHUNK];
    for (c, (groups, (ex, inh))) in groups
        .chunks_mut(CHUNK)
        .zip(ex.chunks(CHUNK).zip(inh.chunks(CHUNK)))
        .enumerate()
    {
        let masks = &mut masks[..groups.len()];
        match isa {
            Isa::Portable => portable::step_groups(m, groups, ex, inh, masks),
            // SAFETY: the CPU has AVX2 (asserted above)
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => unsafe { avx2::step_groups(m, groups, ex, inh, masks) },
            // SAFETY: the CPU has AVX-512F (asserted above)
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => unsafe { avx512::step_groups(m, groups, ex, inh, masks) },
            #[cfg(not(target_arch = "x86_64"))]
            Isa::Avx2 | Isa::Avx512 => unreachable!("x86-64 instruction sets are never available elsewhere"),
        }
        for (g, mut bits) in masks.iter().copied().enumerate() {
            while bits != 0 {
                fired(LANES * (CHUNK * c + g) + bits.trailing_zeros() as usize);
                bits &= bits - 1;
            }
        }
    }
}

/// Groups a kernel advances before the neurons that fired are reported.
const CHUNK: usize = 64;
