//! `ignore_and_fire`: fires at a fixed rate with a fixed phase and ignores
//! its input, so the network's activity does not depend on its size. Time
//! conversion follows NEST's: a time x (ms) is rounded to the tic grid
//! (128 tics per step) and then rounded up to whole steps.

use super::NeuronModel;
use crate::params::Params;
use crate::rng::Stream;
use rand::Rng;

/// Tics per simulation step (NEST's grid: tics_per_ms = 128 / h).
pub const TICS_PER_STEP: f64 = 128.0;

/// Population parameters: the distributions the per-neuron rate and phase are drawn from.
#[derive(Debug, Clone)]
pub struct IgnoreAndFire {
    /// Step h (ms).
    pub h: f64,
    /// Rates are drawn from U(rate.0, rate.1) (1/s).
    pub rate: (f64, f64),
    /// Phases are drawn from U(phase.0, phase.1).
    pub phase: (f64, f64),
}

/// The state of one neuron.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    /// Steps between spikes.
    pub period: u32,
    /// Steps until the next spike.
    pub countdown: u32,
}

/// NEST's conversion of a time `x_ms` to whole steps of `h` ms.
pub fn steps(x_ms: f64, h: f64) -> u32 {
    let tics_per_ms = TICS_PER_STEP / h;
    ((x_ms * tics_per_ms).round() / TICS_PER_STEP).ceil() as u32
}

impl IgnoreAndFire {
    /// Population from the parameters.
    pub fn new(p: &Params) -> Self {
        IgnoreAndFire {
            h: p.dt,
            rate: (p.rate_dist[0], p.rate_dist[1]),
            phase: (p.phase_dist[0], p.phase_dist[1]),
        }
    }

    /// The state of a neuron with `rate` (1/s) and `phase` in (0, 1].
    pub fn state(&self, rate: f64, phase: f64) -> State {
        State {
            period: steps(1000.0 / rate, self.h),
            countdown: steps(1000.0 * phase / rate, self.h),
        }
    }
}

fn uniform(rng: &mut Stream, (lo, hi): (f64, f64)) -> f64 {
    if hi > lo {
        rng.random_range(lo..hi)
    } else {
        lo
    }
}

impl NeuronModel for IgnoreAndFire {
    type State = State;

    fn init(&self, rng: &mut Stream) -> State {
        let rate = uniform(rng, self.rate);
        let phase = uniform(rng, self.phase);
        self.state(rate, phase)
    }

    #[inline(always)]
    fn step(&self, s: &mut State, _ex: f64, _inh: f64) -> bool {
        if s.countdown == 0 {
            s.countdown = s.period.saturating_sub(1);
            true
        } else {
            s.countdown -= 1;
            false
        }
    }

    type Block = Vec<State>;

    fn block(&self, states: Vec<State>) -> Vec<State> {
        states
    }

    #[inline]
    fn step_block(&self, block: &mut Vec<State>, from: usize, ex: &[f64], inh: &[f64], mut fired: impl FnMut(usize)) {
        let states = &mut block[from..from + ex.len()];
        for (j, ((s, &x), &y)) in states.iter_mut().zip(ex).zip(inh).enumerate() {
            if self.step(s, x, y) {
                fired(from + j);
            }
        }
    }
}
