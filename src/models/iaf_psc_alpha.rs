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
}
