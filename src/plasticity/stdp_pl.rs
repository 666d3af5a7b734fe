//! `stdp_pl_synapse_hom`: power-law spike-timing-dependent plasticity.
//!
//! State is split as NEST splits it, but without per-synapse copies of what
//! is shared: a synapse holds only its weight; the presynaptic trace (Kplus,
//! t_last) lives once per presynaptic neuron ([`PreTrace`]); the
//! postsynaptic spike history with the trace value after each spike lives
//! once per postsynaptic neuron ([`PostHistory`]). Times are integer step
//! stamps; the exponentials of the (exact, on-grid) time differences come
//! from tables computed with NEST's expression, `exp(dt_ms * (1/tau))`, so
//! results are bit-identical to evaluating the exponential directly when h
//! is a power of two fraction of a millisecond (as 0.125 ms is).

use crate::params::Params;

/// `exp(-n * h / tau)` for integer step counts n, tabulated.
#[derive(Debug, Clone)]
pub struct Decay {
    h: f64,
    tau_inv: f64,
    table: Vec<f64>,
}

impl Decay {
    /// Table for time constant `tau` (ms) at step `h` (ms) with `len` entries.
    pub fn new(tau: f64, h: f64, len: usize) -> Self {
        let tau_inv = 1.0 / tau;
        let table = (0..len).map(|n| ((-(n as f64) * h) * tau_inv).exp()).collect();
        Decay { h, tau_inv, table }
    }

    /// `exp(-n*h/tau)`, computed as NEST computes `exp((t_a - t_b) * tau_inv)`.
    #[inline(always)]
    pub fn get(&self, n: u32) -> f64 {
        match self.table.get(n as usize) {
            Some(&v) => v,
            None => ((-(n as f64) * self.h) * self.tau_inv).exp(),
        }
    }
}

/// Presynaptic trace of one neuron (shared by all its plastic synapses).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PreTrace {
    /// Trace value just after the last spike (0 before the first).
    pub kplus: f64,
    /// Step stamp of the last spike (0 before the first).
    pub t_last: u32,
}

/// One entry of a postsynaptic spike history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistEntry {
    /// Step stamp of the spike.
    pub t: u32,
    /// Postsynaptic trace just after the spike.
    pub kminus: f64,
}

/// Spike history of one postsynaptic neuron (NEST's archiving node).
#[derive(Debug, Clone, Default)]
pub struct PostHistory {
    /// Spikes in time order.
    pub entries: Vec<HistEntry>,
    /// Current trace value just after the last spike.
    pub kminus: f64,
}

/// Parameters and decay tables of the rule; shared by all E->E synapses.
#[derive(Debug, Clone)]
pub struct StdpPl {
    /// Potentiation step lambda.
    pub lambda: f64,
    /// Depression relative to potentiation, alpha.
    pub alpha: f64,
    /// Exponent mu of the weight dependence of potentiation.
    pub mu: f64,
    /// Dendritic delay = full delay (steps).
    pub d: u32,
    plus: Decay,
    minus: Decay,
}

impl StdpPl {
    /// The rule for the parameters (tables cover the whole simulated time).
    pub fn new(p: &Params, delay_steps: usize, steps: usize) -> Self {
        let len = (steps + 2 * delay_steps + 1).min(1 << 20);
        StdpPl {
            lambda: p.stdp_lambda,
            alpha: p.stdp_alpha,
            mu: p.stdp_mu_plus,
            d: delay_steps as u32,
            plus: Decay::new(p.stdp_tau_plus, p.dt, len),
            minus: Decay::new(p.stdp_tau_minus, p.dt, len),
        }
    }

    /// Record a postsynaptic spike with step stamp `t` in `post`.
    pub fn record_post(&self, post: &mut PostHistory, t: u32) {
        // NEST: Kminus = Kminus * exp((last_spike - t) / tau_minus) + 1 (last_spike = -1 ms
        // initially, when Kminus is 0, so the first spike gives exactly 1)
        post.kminus = match post.entries.last() {
            Some(last) => post.kminus * self.minus.get(t - last.t) + 1.0,
            None => 1.0,
        };
        post.entries.push(HistEntry { t, kminus: post.kminus });
    }

    /// The new weight of a synapse with weight `w` for a presynaptic spike
    /// with stamp `t`, given the presynaptic trace before this spike and the
    /// postsynaptic history (facilitation, then depression).
    #[inline]
    pub fn transmit(&self, mut w: f64, pre: PreTrace, t: u32, post: &PostHistory) -> f64 {
        // a zero weight stays exactly zero: facilitation adds lambda * 0^mu * k = 0
        // and depression subtracts lambda * alpha * 0 * K = 0 (mu > 0)
        if w == 0.0 && self.mu > 0.0 {
            return 0.0;
        }
        let h = &post.entries;
        let t_minus_d = t as i64 - self.d as i64;
        // last entry with t_k <= t - d, scanning back over the few newer ones
        let mut end = h.len();
        while end > 0 && h[end - 1].t as i64 > t_minus_d {
            end -= 1;
        }
        // facilitation by post spikes in (t_last - d, t - d]; Kplus == 0 (no earlier
        // pre spike) adds exactly 0, so it is skipped
        if pre.kplus != 0.0 {
            let lo = pre.t_last as i64 - self.d as i64;
            let mut start = end;
            while start > 0 && h[start - 1].t as i64 > lo {
                start -= 1;
            }
            for e in &h[start..end] {
                let n = e.t + self.d - pre.t_last; // t_last - (t_k + d) = -n steps, n >= 1
                let kplus = pre.kplus * self.plus.get(n);
                w += self.lambda * w.powf(self.mu) * kplus;
            }
        }
        // depression by the trace of the last post spike strictly before t - d
        let mut j = end;
        while j > 0 && h[j - 1].t as i64 >= t_minus_d {
            j -= 1;
        }
        if j > 0 {
            let e = h[j - 1];
            let n = (t_minus_d - e.t as i64) as u32;
            let kminus = e.kminus * self.minus.get(n);
            let nw = w - self.lambda * self.alpha * w * kminus;
            w = if nw > 0.0 { nw } else { 0.0 };
        }
        w
    }

    /// Advance a presynaptic trace past its spike with stamp `t`.
    #[inline]
    pub fn update_pre(&self, pre: &mut PreTrace, t: u32) {
        pre.kplus = pre.kplus * self.plus.get(t - pre.t_last) + 1.0;
        pre.t_last = t;
    }
}
