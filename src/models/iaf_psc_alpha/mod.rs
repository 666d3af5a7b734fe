//! `iaf_psc_alpha`: leaky integrate-and-fire neuron with alpha-shaped
//! postsynaptic currents, integrated exactly (Rotter & Diesmann 1999), in
//! NEST's split into parameters, propagators and state, and NEST's update
//! order, so that traces agree with NEST's to round-off.

pub mod simd;

use super::NeuronModel;
use crate::params::Params;
use crate::rng::Stream;
use crate::simd::Isa;
use rand::Rng;
use simd::{step_groups, Group, LANES};

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
    /// `tau_m` must differ from `tau_s` (as [`Params::derive`] demands: the
    /// propagators below are singular there).
    pub fn new(p: &Params) -> Self {
        let h = p.dt;
        let (tau_m, tau_s, c_m) = (p.tau_m, p.tau_s, p.C_m);
        debug_assert!(tau_m != tau_s, "tau_m == tau_s is rejected by Params::derive");
        let p11 = (-h / tau_s).exp();
        let expm1_tm = (-h / tau_m).exp_m1();
        let beta = tau_s * tau_m / (tau_m - tau_s);
        let gamma = beta / c_m;
        let em = (h / beta).exp_m1();
        let (p31, p32) = (gamma * p11 * (beta * em - h), gamma * p11 * em);
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
    #[inline(always)]
    pub(crate) fn dc_term(&self) -> f64 {
        self.p30 * (0.0 + self.i_dc)
    }
}

/// The states of a block of neurons in groups of [`LANES`], each group's
/// fields side by side ([`Group`]), so that one step advances four or eight
/// neurons per instruction (with the widest kernel of [`crate::models::iaf_psc_alpha::simd`] this CPU
/// runs) from one memory stream. Every neuron sees exactly the scalar
/// arithmetic of [`NeuronModel::step`], in the same order, so results are
/// bit for bit those of the scalar path.
#[derive(Debug, Clone)]
pub struct IafBlock {
    groups: Vec<Group>,
    n: usize,
    /// The instruction set of the kernel (one this CPU has).
    isa: Isa,
}

impl IafBlock {
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
        self.groups[l / LANES].lane(l % LANES)
    }

    fn set(&mut self, l: usize, s: State) {
        self.groups[l / LANES].set_lane(l % LANES, s);
    }

    /// Step with the kernel of `isa` from now on (every kernel gives the
    /// same numbers; for tests and benchmarks). Panics if this CPU lacks
    /// `isa`.
    pub fn set_isa(&mut self, isa: Isa) {
        assert!(isa.is_available(), "this CPU lacks {}", isa.name());
        self.isa = isa;
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
            s.v = self.dc_term()
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

    type Block = IafBlock;

    fn block(&self, states: Vec<State>) -> IafBlock {
        let mut b = IafBlock {
            groups: vec![Group::default(); states.len().div_ceil(LANES)],
            n: states.len(),
            isa: Isa::detected(),
        };
        for (l, s) in states.into_iter().enumerate() {
            b.set(l, s);
        }
        b
    }

    #[inline]
    fn step_block(&self, b: &mut IafBlock, from: usize, ex: &[f64], inh: &[f64], mut fired: impl FnMut(usize)) {
        let end = from + ex.len();
        assert!(
            end <= b.len() && inh.len() == ex.len(),
            "one input per neuron of the block"
        );
        // neuron by neuron around the whole groups, the groups by the kernel
        let scalar = |b: &mut IafBlock, range: std::ops::Range<usize>, fired: &mut dyn FnMut(usize)| {
            for l in range {
                let mut s = b.get(l);
                let spiked = self.step(&mut s, ex[l - from], inh[l - from]);
                b.set(l, s);
                if spiked {
                    fired(l);
                }
            }
        };
        let start = from.next_multiple_of(LANES).min(end);
        let stop = start + (end - start) / LANES * LANES;
        scalar(b, from..start, &mut fired);
        let (isa, groups) = (b.isa, &mut b.groups[start / LANES..stop / LANES]);
        let (ex_g, inh_g) = (&ex[start - from..stop - from], &inh[start - from..stop - from]);
        step_groups(isa, self, groups, ex_g, inh_g, &mut |l| fired(start + l));
        scalar(b, stop..end, &mut fired);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, Purpose};

    /// The block step with every kernel this CPU runs against the scalar
    /// step, bit for bit.
    #[test]
    fn block_step_is_the_scalar_step() {
        let p = Params::default();
        let m = IafPscAlpha::new(&p);
        let isas = Isa::available();
        // 530 neurons: more groups than a kernel advances before it reports spikes
        for n in [1usize, 3, 4, 7, 8, 13, 37, 530] {
            let mut rng = stream(5, Purpose::Init, n as u64);
            let mut states: Vec<State> = (0..n).map(|_| m.init(&mut rng)).collect();
            // per instruction set: one block stepped in two pieces, one in one
            let mut blocks: Vec<(Isa, IafBlock, IafBlock)> = isas
                .iter()
                .map(|&isa| {
                    let mut b = m.block(states.clone());
                    b.set_isa(isa);
                    (isa, b.clone(), b)
                })
                .collect();
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
                for (isa, split, whole) in blocks.iter_mut() {
                    let (mut got, mut got_whole) = (Vec::new(), Vec::new());
                    // in two pieces, the first of odd length
                    let cut = (n / 2) | 1;
                    let cut = cut.min(n);
                    m.step_block(split, 0, &ex[..cut], &inh[..cut], |l| got.push(l));
                    m.step_block(split, cut, &ex[cut..], &inh[cut..], |l| got.push(l));
                    m.step_block(whole, 0, &ex, &inh, |l| got_whole.push(l));
                    assert_eq!(got, want, "{isa:?} n {n} step {step}");
                    assert_eq!(got_whole, want, "{isa:?} n {n} step {step}");
                    for (l, s) in states.iter().enumerate() {
                        assert_eq!(split.get(l), *s, "{isa:?} n {n} step {step} neuron {l}");
                        assert_eq!(whole.get(l), *s, "{isa:?} n {n} step {step} neuron {l}");
                    }
                }
                spikes += want.len();
            }
            assert!(spikes > 0, "the test must exercise spikes and refractoriness");
        }
    }
}
