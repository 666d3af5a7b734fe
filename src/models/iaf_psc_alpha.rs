//! `iaf_psc_alpha`: leaky integrate-and-fire neuron with alpha-shaped
//! postsynaptic currents, integrated exactly (Rotter & Diesmann 1999), in
//! NEST's split into parameters, propagators and state, and NEST's update
//! order, so that traces agree with NEST's to round-off.

use super::NeuronModel;
use crate::params::Params;
use crate::rng::Stream;
use rand::Rng;

/// Parameters and step propagators of one population (all neurons alike).
#[derive(Debug, Clone)]
pub struct IafPscAlpha {
    /// Threshold relative to E_L (mV).
    pub theta: f64,
    /// Reset potential relative to E_L (mV).
    pub v_reset: f64,
    /// Constant input current (pA).
    pub i_dc: f64,
    /// Refractory period in steps.
    pub ref_steps: u32,
    /// Initial V is drawn from U(v_init.0, v_init.1) relative to E_L (mV).
    pub v_init: (f64, f64),
    /// exp(-h/tau_s).
    pub p11: f64,
    /// h * exp(-h/tau_s) (ms).
    pub p21: f64,
    /// expm1(-h/tau_m).
    pub expm1_tm: f64,
    /// -tau_m/C_m * expm1(-h/tau_m) (mV/pA).
    pub p30: f64,
    /// Propagator from dI to V (mV/(pA/ms)).
    pub p31: f64,
    /// Propagator from I to V (mV/pA).
    pub p32: f64,
    /// e/tau_s: jump of dI per pA of arriving weight (1/ms).
    pub psc_init: f64,
}

/// The state of one neuron.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct State {
    /// Membrane potential relative to E_L (mV).
    pub v: f64,
    /// Derivative term of the excitatory alpha current (pA/ms).
    pub di_ex: f64,
    /// Excitatory synaptic current (pA).
    pub i_ex: f64,
    /// Derivative term of the inhibitory alpha current (pA/ms).
    pub di_in: f64,
    /// Inhibitory synaptic current (pA).
    pub i_in: f64,
    /// Remaining refractory steps.
    pub r: u32,
}

impl IafPscAlpha {
    /// Propagators for membrane (tau_m, C_m) and synaptic time constant tau_s at step h (ms).
    pub fn new(p: &Params) -> Self {
        let h = p.dt;
        let (tau_m, tau_s, c_m) = (p.tau_m, p.tau_s, p.C_m);
        let p11 = (-h / tau_s).exp();
        let expm1_tm = (-h / tau_m).exp_m1();
        let (p31, p32) = if tau_m == tau_s {
            let e = (-h / tau_m).exp();
            (h * h / (2.0 * c_m) * e, h / c_m * e)
        } else {
            let beta = tau_s * tau_m / (tau_m - tau_s);
            let gamma = beta / c_m;
            let em = (h / beta).exp_m1();
            (gamma * p11 * (beta * em - h), gamma * p11 * em)
        };
        IafPscAlpha {
            theta: p.theta - p.E_L,
            v_reset: p.V_reset - p.E_L,
            i_dc: p.I_DC,
            ref_steps: (p.t_ref / h).round() as u32,
            v_init: (p.V_init_min - p.E_L, p.V_init_max - p.E_L),
            p11,
            p21: h * p11,
            expm1_tm,
            p30: -tau_m / c_m * expm1_tm,
            p31,
            p32,
            psc_init: std::f64::consts::E / tau_s,
        }
    }

    /// A neuron at rest with membrane potential `v` (mV, relative to E_L).
    pub fn state_with_v(v: f64) -> State {
        State { v, ..State::default() }
    }

    /// The constant first term of the membrane update, `p30 * (0 + I_e)` (mV).
    fn dc_term(&self) -> f64 {
        self.p30 * (0.0 + self.i_dc)
    }
}

/// Four neurons' states, field by field (one AVX2 register per field).
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
struct Quad {
    v: [f64; 4],
    di_ex: [f64; 4],
    i_ex: [f64; 4],
    di_in: [f64; 4],
    i_in: [f64; 4],
    r: [i64; 4],
}

/// The states of a block of neurons in groups of four, each group's fields
/// side by side (three cache lines), so that one step advances four neurons
/// per instruction (AVX2 where the CPU has it) from one memory stream.
/// Every neuron sees exactly the scalar arithmetic of
/// [`NeuronModel::step`], in the same order, so results are bit for bit
/// those of the scalar path.
#[derive(Debug, Clone)]
pub struct Block {
    quads: Vec<Quad>,
    n: usize,
    simd: bool,
}

impl Block {
    /// Neurons in the block.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether the block has no neurons.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The state of neuron `l`.
    pub fn get(&self, l: usize) -> State {
        assert!(l < self.n, "neuron {l} of {}", self.n);
        let (q, j) = (&self.quads[l / 4], l % 4);
        State {
            v: q.v[j],
            di_ex: q.di_ex[j],
            i_ex: q.i_ex[j],
            di_in: q.di_in[j],
            i_in: q.i_in[j],
            r: q.r[j] as u32,
        }
    }

    fn set(&mut self, l: usize, s: State) {
        let (q, j) = (&mut self.quads[l / 4], l % 4);
        q.v[j] = s.v;
        q.di_ex[j] = s.di_ex;
        q.i_ex[j] = s.i_ex;
        q.di_in[j] = s.di_in;
        q.i_in[j] = s.i_in;
        q.r[j] = s.r as i64;
    }

    /// Use the scalar path even where AVX2 is available (for tests).
    pub fn force_scalar(&mut self) {
        self.simd = false;
    }
}

/// Whether this CPU runs the AVX2 kernel.
fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl NeuronModel for IafPscAlpha {
    type State = State;

    fn init(&self, rng: &mut Stream) -> State {
        let (lo, hi) = self.v_init;
        let v = if hi > lo { rng.random_range(lo..hi) } else { lo };
        Self::state_with_v(v)
    }

    #[inline(always)]
    fn step(&self, s: &mut State, ex: f64, inh: f64) -> bool {
        // 1. membrane, from the currents at the start of the step (NEST's expression order)
        if s.r == 0 {
            s.v = self.p30 * (0.0 + self.i_dc)
                + self.p31 * s.di_ex
                + self.p32 * s.i_ex
                + self.p31 * s.di_in
                + self.p32 * s.i_in
                + self.expm1_tm * s.v
                + s.v;
        } else {
            s.r -= 1;
        }
        // 2. currents, then the input arriving in this step
        s.i_ex = self.p21 * s.di_ex + self.p11 * s.i_ex;
        s.di_ex *= self.p11;
        s.di_ex += self.psc_init * ex;
        s.i_in = self.p21 * s.di_in + self.p11 * s.i_in;
        s.di_in *= self.p11;
        s.di_in += self.psc_init * inh;
        // 3. threshold
        if s.v >= self.theta {
            s.r = self.ref_steps;
            s.v = self.v_reset;
            true
        } else {
            false
        }
    }

    type Block = Block;

    fn block(&self, states: Vec<State>) -> Block {
        let mut b = Block {
            quads: vec![Quad::default(); states.len().div_ceil(4)],
            n: states.len(),
            simd: has_avx2(),
        };
        for (l, s) in states.into_iter().enumerate() {
            b.set(l, s);
        }
        b
    }

    #[inline]
    fn step_block(&self, b: &mut Block, from: usize, ex: &[f64], inh: &[f64], mut fired: impl FnMut(usize)) {
        let end = from + ex.len();
        assert!(
            end <= b.len() && inh.len() == ex.len(),
            "one input per neuron of the block"
        );
        // neuron by neuron: where there is no AVX2, and around the whole groups of four
        let scalar = |b: &mut Block, range: std::ops::Range<usize>, fired: &mut dyn FnMut(usize)| {
            for l in range {
                let mut s = b.get(l);
                let spiked = self.step(&mut s, ex[l - from], inh[l - from]);
                b.set(l, s);
                if spiked {
                    fired(l);
                }
            }
        };
        let mut l = from;
        #[cfg(target_arch = "x86_64")]
        if b.simd {
            let first_group = from.next_multiple_of(4).min(end);
            scalar(b, from..first_group, &mut fired);
            // SAFETY: b.simd is only set where the CPU has AVX2; the range is checked above
            l = unsafe { avx2::step(self, b, from, first_group, end, ex, inh, &mut fired) };
        }
        scalar(b, l..end, &mut fired);
    }
}

/// The AVX2 step: four neurons per instruction, the scalar step's
/// operations in the scalar step's order (no fused multiply-add).
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{Block, IafPscAlpha};
    use std::arch::x86_64::*;

    /// Advance neurons `start..` of `b` (start a multiple of four) in whole
    /// groups of four up to `end`, neuron `from + j` with inputs `ex[j]`,
    /// `inh[j]`; returns the first neuron not advanced (the rest, fewer than
    /// four, are left to the scalar path).
    ///
    /// # Safety
    /// The CPU must have AVX2, `from <= start`, `start % 4 == 0`,
    /// `end <= b.len()`, and `ex` and `inh` must hold `end - from` values.
    #[target_feature(enable = "avx2")]
    #[allow(clippy::too_many_arguments)]
    pub(super) unsafe fn step(
        m: &IafPscAlpha,
        b: &mut Block,
        from: usize,
        start: usize,
        end: usize,
        ex: &[f64],
        inh: &[f64],
        fired: &mut impl FnMut(usize),
    ) -> usize {
        if start >= end {
            return start;
        }
        let stop = start + (end - start) / 4 * 4;
        let c0 = _mm256_set1_pd(m.dc_term());
        let (p11, p21) = (_mm256_set1_pd(m.p11), _mm256_set1_pd(m.p21));
        let (p31, p32) = (_mm256_set1_pd(m.p31), _mm256_set1_pd(m.p32));
        let expm1 = _mm256_set1_pd(m.expm1_tm);
        let psc = _mm256_set1_pd(m.psc_init);
        let theta = _mm256_set1_pd(m.theta);
        let v_reset = _mm256_set1_pd(m.v_reset);
        let ref_steps = _mm256_castsi256_pd(_mm256_set1_epi64x(m.ref_steps as i64));
        let (zero, minus_one) = (_mm256_setzero_si256(), _mm256_set1_epi64x(-1));
        let (xp, yp) = (ex.as_ptr().wrapping_sub(from), inh.as_ptr().wrapping_sub(from));
        let mut l = start;
        while l < stop {
            let q = b.quads.as_mut_ptr().add(l / 4);
            let v = _mm256_loadu_pd((*q).v.as_ptr());
            let di_ex = _mm256_loadu_pd((*q).di_ex.as_ptr());
            let i_ex = _mm256_loadu_pd((*q).i_ex.as_ptr());
            let di_in = _mm256_loadu_pd((*q).di_in.as_ptr());
            let i_in = _mm256_loadu_pd((*q).i_in.as_ptr());
            let r = _mm256_loadu_si256((*q).r.as_ptr().cast());
            // 1. membrane where not refractory: the scalar expression's left-to-right sum
            let mut vn = _mm256_add_pd(c0, _mm256_mul_pd(p31, di_ex));
            vn = _mm256_add_pd(vn, _mm256_mul_pd(p32, i_ex));
            vn = _mm256_add_pd(vn, _mm256_mul_pd(p31, di_in));
            vn = _mm256_add_pd(vn, _mm256_mul_pd(p32, i_in));
            vn = _mm256_add_pd(vn, _mm256_mul_pd(expm1, v));
            vn = _mm256_add_pd(vn, v);
            let free = _mm256_cmpeq_epi64(r, zero);
            let mut v = _mm256_blendv_pd(v, vn, _mm256_castsi256_pd(free));
            // r -= 1 where r > 0: r - 1 - (-1 where r == 0)
            let mut r = _mm256_castsi256_pd(_mm256_sub_epi64(_mm256_add_epi64(r, minus_one), free));
            // 2. currents, then this step's input
            let i_ex = _mm256_add_pd(_mm256_mul_pd(p21, di_ex), _mm256_mul_pd(p11, i_ex));
            let di_ex = _mm256_add_pd(
                _mm256_mul_pd(di_ex, p11),
                _mm256_mul_pd(psc, _mm256_loadu_pd(xp.add(l))),
            );
            let i_in = _mm256_add_pd(_mm256_mul_pd(p21, di_in), _mm256_mul_pd(p11, i_in));
            let di_in = _mm256_add_pd(
                _mm256_mul_pd(di_in, p11),
                _mm256_mul_pd(psc, _mm256_loadu_pd(yp.add(l))),
            );
            // 3. threshold
            let spike = _mm256_cmp_pd::<_CMP_GE_OQ>(v, theta);
            let mut bits = _mm256_movemask_pd(spike);
            if bits != 0 {
                v = _mm256_blendv_pd(v, v_reset, spike);
                r = _mm256_blendv_pd(r, ref_steps, spike);
            }
            _mm256_storeu_pd((*q).v.as_mut_ptr(), v);
            _mm256_storeu_pd((*q).di_ex.as_mut_ptr(), di_ex);
            _mm256_storeu_pd((*q).i_ex.as_mut_ptr(), i_ex);
            _mm256_storeu_pd((*q).di_in.as_mut_ptr(), di_in);
            _mm256_storeu_pd((*q).i_in.as_mut_ptr(), i_in);
            _mm256_storeu_si256((*q).r.as_mut_ptr().cast(), _mm256_castpd_si256(r));
            while bits != 0 {
                fired(l + bits.trailing_zeros() as usize);
                bits &= bits - 1;
            }
            l += 4;
        }
        stop
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, Purpose};

    /// The block step (SIMD where available) against the scalar step, bit for bit.
    #[test]
    fn block_step_is_the_scalar_step() {
        let p = Params::default();
        let m = IafPscAlpha::new(&p);
        for n in [1usize, 3, 4, 7, 37] {
            let mut rng = stream(5, Purpose::Init, n as u64);
            let mut states: Vec<State> = (0..n).map(|_| m.init(&mut rng)).collect();
            let mut block = m.block(states.clone());
            let mut scalar = m.block(states.clone());
            scalar.force_scalar();
            let mut spikes = 0;
            for step in 0..4000 {
                let ex: Vec<f64> = (0..n)
                    .map(|_| {
                        if rng.random_bool(0.3) {
                            87.8 * rng.random_range(0..3) as f64
                        } else {
                            0.0
                        }
                    })
                    .collect();
                let inh: Vec<f64> = (0..n)
                    .map(|_| if rng.random_bool(0.05) { -439.0 } else { 0.0 })
                    .collect();
                let mut want = Vec::new();
                for (l, s) in states.iter_mut().enumerate() {
                    if m.step(s, ex[l], inh[l]) {
                        want.push(l);
                    }
                }
                let (mut got, mut got_scalar) = (Vec::new(), Vec::new());
                // in two pieces, the first of odd length
                let cut = (n / 2) | 1;
                let cut = cut.min(n);
                m.step_block(&mut block, 0, &ex[..cut], &inh[..cut], |l| got.push(l));
                m.step_block(&mut block, cut, &ex[cut..], &inh[cut..], |l| got.push(l));
                m.step_block(&mut scalar, 0, &ex, &inh, |l| got_scalar.push(l));
                assert_eq!(got, want, "n {n} step {step}");
                assert_eq!(got_scalar, want, "n {n} step {step}");
                for (l, s) in states.iter().enumerate() {
                    assert_eq!(block.get(l), *s, "n {n} step {step} neuron {l}");
                    assert_eq!(scalar.get(l), *s, "n {n} step {step} neuron {l}");
                }
                spikes += want.len();
            }
            assert!(spikes > 0, "the test must exercise spikes and refractoriness");
        }
    }
}
