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

/// `exp(-n * h / tau)` for integer step counts n, tabulated while the value
/// is above a floor (so the table stays in cache), computed beyond.
#[derive(Debug, Clone)]
pub struct Decay {
    h: f64,
    tau_inv: f64,
    table: Vec<f64>,
    /// An upper bound of `exp(-n*h/tau)` for every n past the table (the last entry).
    tail: f64,
}

/// 2^-56: a relative change below this leaves a weight unchanged in f64.
const NEGLIGIBLE: f64 = 1.0 / 72057594037927936.0;

impl Decay {
    /// Table for time constant `tau` (ms) at step `h` (ms): at most `len`
    /// entries, and none past the first value below `floor`.
    pub fn new(tau: f64, h: f64, len: usize, floor: f64) -> Self {
        let mut d = Decay {
            h,
            tau_inv: 1.0 / tau,
            table: Vec::new(),
            tail: 0.0,
        };
        // the entries are the exact values, computed the one way `exact` computes them
        for n in 0..len.max(1) as u32 {
            let v = d.exact(n);
            d.table.push(v);
            if v < floor {
                break;
            }
        }
        d.tail = *d.table.last().expect("at least one entry");
        d
    }

    /// `exp(-n*h/tau)`, computed as NEST computes `exp((t_a - t_b) * tau_inv)`.
    #[inline(always)]
    pub fn get(&self, n: u32) -> f64 {
        match self.table.get(n as usize) {
            Some(&v) => v,
            None => self.exact(n),
        }
    }

    /// `exp(-n*h/tau)` without the table.
    #[cold]
    fn exact(&self, n: u32) -> f64 {
        ((-(n as f64) * self.h) * self.tau_inv).exp()
    }

    /// `exp(-n*h/tau)`, or None if n is past the table and `scale` times
    /// the decay is at most `limit` (`scale` >= 0).
    #[inline(always)]
    fn get_unless_below(&self, n: u32, scale: f64, limit: f64) -> Option<f64> {
        match self.table.get(n as usize) {
            Some(&v) => Some(v),
            None if scale * self.tail <= limit => None,
            None => Some(self.exact(n)),
        }
    }

    /// Entries in the table.
    pub fn table_len(&self) -> usize {
        self.table.len()
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

/// Spikes a [`PostHistory::with_room`] holds before it grows.
pub const HISTORY_ROOM: usize = 4;

impl PostHistory {
    /// An empty history with room for [`HISTORY_ROOM`] spikes. Made in
    /// neuron order, a block's histories lie side by side in memory rather
    /// than wherever each neuron's first spike found room: delivery at
    /// N = 200000 took 0.94x the time (a neuron's first spike allocates
    /// that room anyway).
    pub fn with_room() -> Self {
        PostHistory {
            entries: Vec::with_capacity(HISTORY_ROOM),
            kminus: 0.0,
        }
    }
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
    /// Whether a facilitation term too small to change w may be skipped
    /// (0 <= mu <= 1, where w^mu <= max(w, 1)).
    skip_facilitation: bool,
    plus: Decay,
    minus: Decay,
}

impl StdpPl {
    /// The rule for the parameters. The decay tables cover the simulated
    /// time, but end where a trace of 64 decayed that far could no longer
    /// change a weight (about 1.2 s for tau_minus = 30 ms, 84 KB), so they
    /// stay in cache; past them the exponential is computed, or skipped
    /// where its term provably leaves the weight unchanged.
    pub fn new(p: &Params, delay_steps: usize, steps: usize) -> Self {
        let len = steps + 2 * delay_steps + 1;
        let floor = |factor: f64| {
            if factor > 0.0 {
                NEGLIGIBLE / (64.0 * factor)
            } else {
                1.0
            }
        };
        StdpPl {
            lambda: p.stdp_lambda,
            alpha: p.stdp_alpha,
            mu: p.stdp_mu_plus,
            d: delay_steps as u32,
            skip_facilitation: (0.0..=1.0).contains(&p.stdp_mu_plus),
            plus: Decay::new(p.stdp_tau_plus, p.dt, len, floor(p.stdp_lambda.abs())),
            minus: Decay::new(p.stdp_tau_minus, p.dt, len, floor((p.stdp_lambda * p.stdp_alpha).abs())),
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

    /// Whether a zero weight stays exactly zero under the rule (mu > 0):
    /// facilitation adds lambda * 0^mu * k = 0 and depression subtracts
    /// lambda * alpha * 0 * K = 0.
    #[inline(always)]
    pub fn keeps_zero(&self) -> bool {
        self.mu > 0.0
    }

    /// The new weight of a synapse with weight `w` for a presynaptic spike
    /// with stamp `t`, given the presynaptic trace before this spike and the
    /// postsynaptic history (facilitation, then depression).
    #[inline(always)]
    pub fn transmit(&self, mut w: f64, pre: PreTrace, t: u32, post: &PostHistory) -> f64 {
        if w == 0.0 && self.keeps_zero() {
            return 0.0;
        }
        let h = &post.entries;
        let end = self.window_end(h, t);
        // facilitation by post spikes in (t_last - d, t - d]; Kplus == 0 (no earlier
        // pre spike) adds exactly 0, so it is skipped
        if pre.kplus != 0.0 {
            let lo = pre.t_last as i64 - self.d as i64;
            let mut start = end;
            while start > 0 && h[start - 1].t as i64 > lo {
                start -= 1;
            }
            for e in &h[start..end] {
                w = self.facilitate(w, pre, e.t + self.d - pre.t_last);
            }
        }
        self.depress(w, self.depression(h, end, t))
    }

    /// The number of history entries with t_k <= t - d (scanning back over the few newer ones).
    #[inline(always)]
    fn window_end(&self, h: &[HistEntry], t: u32) -> usize {
        let t_minus_d = t as i64 - self.d as i64;
        let mut end = h.len();
        while end > 0 && h[end - 1].t as i64 > t_minus_d {
            end -= 1;
        }
        end
    }

    /// The depression by the last post spike strictly before t - d among
    /// `h[..end]`: (steps from it to t - d, its trace), if there is one.
    #[inline(always)]
    fn depression(&self, h: &[HistEntry], end: usize, t: u32) -> Option<(u32, f64)> {
        let t_minus_d = t as i64 - self.d as i64;
        let mut j = end;
        while j > 0 && h[j - 1].t as i64 >= t_minus_d {
            j -= 1;
        }
        (j > 0).then(|| ((t_minus_d - h[j - 1].t as i64) as u32, h[j - 1].kminus))
    }

    /// One facilitation term: a post spike n steps after t_last - d
    /// (t_last - (t_k + d) = -n steps, n >= 1).
    #[inline(always)]
    fn facilitate(&self, w: f64, pre: PreTrace, n: u32) -> f64 {
        // skip a term below w * 2^-56 (under a quarter ulp of w): then w + term == w exactly.
        // With w^mu <= max(w, 1) and four roundings, |term| <= |lambda| Kplus
        // decay max(w, 1) (1 + 2^-50), below that bound when the limit holds.
        let limit = if self.skip_facilitation && w >= f64::MIN_POSITIVE {
            w.min(1.0) * NEGLIGIBLE
        } else {
            -1.0
        };
        match self.plus.get_unless_below(n, self.lambda.abs() * pre.kplus, limit) {
            None => w,
            Some(decay) => {
                let kplus = pre.kplus * decay;
                w + self.lambda * w.powf(self.mu) * kplus
            }
        }
    }

    /// The depression step for `dep` from [`StdpPl::depression`].
    #[inline(always)]
    fn depress(&self, w: f64, dep: Option<(u32, f64)>) -> f64 {
        let Some((n, kminus_k)) = dep else {
            return w;
        };
        // skip a decrement below w * 2^-56 (a quarter ulp of w, w > 0): w - it == w exactly
        let scale = (self.lambda * self.alpha).abs() * kminus_k;
        match self.minus.get_unless_below(n, scale, NEGLIGIBLE / 2.0) {
            None => w,
            Some(decay) => {
                let kminus = kminus_k * decay;
                let nw = w - self.lambda * self.alpha * w * kminus;
                if nw > 0.0 {
                    nw
                } else {
                    0.0
                }
            }
        }
    }

    /// Advance a presynaptic trace past its spike with stamp `t`.
    #[inline]
    pub fn update_pre(&self, pre: &mut PreTrace, t: u32) {
        pre.kplus = pre.kplus * self.plus.get(t - pre.t_last) + 1.0;
        pre.t_last = t;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, Purpose};
    use rand::Rng;

    /// The rule as the model description states it: every exponential
    /// evaluated, nothing skipped.
    fn naive(p: &Params, d: u32, mut w: f64, pre: PreTrace, t: u32, post: &[(u32, f64)]) -> f64 {
        let exp = |dt_steps: f64, tau: f64| ((dt_steps * p.dt) * (1.0 / tau)).exp();
        let (t, d, t_last) = (t as i64, d as i64, pre.t_last as i64);
        if w == 0.0 {
            return 0.0;
        }
        if pre.kplus != 0.0 {
            for &(tk, _) in post
                .iter()
                .filter(|&&(tk, _)| t_last - d < tk as i64 && tk as i64 <= t - d)
            {
                let kplus = pre.kplus * exp(-((tk as i64 + d - t_last) as f64), p.stdp_tau_plus);
                w += p.stdp_lambda * w.powf(p.stdp_mu_plus) * kplus;
            }
        }
        if let Some(&(tj, kminus_j)) = post.iter().rev().find(|&&(tj, _)| (tj as i64) < t - d) {
            let kminus = kminus_j * exp(-((t - d - tj as i64) as f64), p.stdp_tau_minus);
            let nw = w - p.stdp_lambda * p.stdp_alpha * w * kminus;
            w = if nw > 0.0 { nw } else { 0.0 };
        }
        w
    }

    #[test]
    fn short_tables_and_skips_are_exact() {
        // post spikes up to 40 s apart, weights from 1e-12 to 1e3 pA: the
        // tabulated, skipping rule must give the naive rule's weight bit for bit
        let p = Params::default();
        let d = 12;
        let rule = StdpPl::new(&p, d as usize, 400_000);
        assert!(rule.plus.table_len() < 10_000 && rule.minus.table_len() < 20_000);
        let mut rng = stream(11, Purpose::Init, 0);
        let (mut skipped_region, mut cases) = (0, 0);
        for _ in 0..20_000 {
            let mut post = PostHistory::default();
            let mut t = rng.random_range(1..20u32);
            for _ in 0..rng.random_range(0..6) {
                rule.record_post(&mut post, t);
                t += [
                    rng.random_range(1..200),
                    rng.random_range(1..20_000),
                    rng.random_range(1..200_000),
                ][rng.random_range(0..3)];
            }
            let t_last = rng.random_range(1..t.max(2));
            let pre = PreTrace {
                kplus: [0.0, 1.0, rng.random_range(1.0..3.0)][rng.random_range(0..3)],
                t_last,
            };
            let stamp = t + rng.random_range(0..30_000);
            let w = 10f64.powf(rng.random_range(-12.0..3.0));
            let entries: Vec<(u32, f64)> = post.entries.iter().map(|e| (e.t, e.kminus)).collect();
            let want = naive(&p, d, w, pre, stamp, &entries);
            let got = rule.transmit(w, pre, stamp, &post);
            assert_eq!(
                got.to_bits(),
                want.to_bits(),
                "w {w}, pre {pre:?}, t {stamp}, post {entries:?}"
            );
            cases += 1;
            let past = |tk: u32, len: usize| stamp as i64 - d as i64 - tk as i64 > len as i64;
            if entries.iter().any(|&(tk, _)| past(tk, rule.minus.table_len()))
                && entries
                    .iter()
                    .any(|&(tk, _)| (tk + d) as i64 - t_last as i64 >= rule.plus.table_len() as i64 && past(tk, 0))
            {
                skipped_region += 1;
            }
        }
        assert!(skipped_region > cases / 10, "the test must reach past the tables");
    }
}
