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

/// Neurons whose countdowns are checked together in [`NeuronModel::step_block`].
const GROUP: usize = 16;

/// The states of a block of neurons as a structure of arrays (neuron l at index l).
#[derive(Debug, Clone, Default)]
pub struct IgnoreBlock {
    /// Steps between spikes.
    pub period: Vec<u32>,
    /// Steps until the next spike.
    pub countdown: Vec<u32>,
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

    const READS_INPUT: bool = false;

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

    type Block = IgnoreBlock;

    fn block(&self, states: Vec<State>) -> IgnoreBlock {
        IgnoreBlock {
            period: states.iter().map(|s| s.period).collect(),
            countdown: states.iter().map(|s| s.countdown).collect(),
        }
    }

    #[inline]
    fn step_block(&self, b: &mut IgnoreBlock, from: usize, ex: &[f64], inh: &[f64], mut fired: impl FnMut(usize)) {
        let to = from + ex.len();
        assert!(
            to <= b.countdown.len() && inh.len() == ex.len(),
            "one input per neuron of the block"
        );
        // groups of GROUP: in most steps none of them fires, and the step is a
        // countdown for all of them (vectorised); otherwise neuron by neuron
        let mut l = from;
        while l < to {
            let end = (l + GROUP).min(to);
            let countdown = &mut b.countdown[l..end];
            if countdown.len() == GROUP && countdown.iter().fold(true, |a, &c| a & (c != 0)) {
                countdown.iter_mut().for_each(|c| *c -= 1);
            } else {
                for i in l..end {
                    let mut s = State {
                        period: b.period[i],
                        countdown: b.countdown[i],
                    };
                    if self.step(&mut s, ex[i - from], inh[i - from]) {
                        fired(i);
                    }
                    b.countdown[i] = s.countdown;
                }
            }
            l = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, Purpose};

    #[test]
    fn block_step_is_the_scalar_step() {
        // short periods, so that groups with a spike and groups without both occur
        let m = IgnoreAndFire {
            h: 0.125,
            rate: (300.0, 1500.0),
            phase: (0.0, 1.0),
        };
        for n in [1usize, 15, 16, 17, 50] {
            let mut rng = stream(6, Purpose::Init, n as u64);
            let mut states: Vec<State> = (0..n).map(|_| m.init(&mut rng)).collect();
            let mut block = m.block(states.clone());
            let zeros = vec![0.0; n];
            let (mut spikes, mut quiet_groups) = (0, 0);
            for step in 0..400 {
                let mut want = Vec::new();
                for (l, s) in states.iter_mut().enumerate() {
                    if m.step(s, 0.0, 0.0) {
                        want.push(l);
                    }
                }
                quiet_groups += (n >= 16 && !want.iter().any(|&l| l < 16)) as usize;
                // in two pieces, the first of odd length
                let cut = ((n / 2) | 1).min(n);
                let mut got = Vec::new();
                m.step_block(&mut block, 0, &zeros[..cut], &zeros[..cut], |l| got.push(l));
                m.step_block(&mut block, cut, &zeros[cut..], &zeros[cut..], |l| got.push(l));
                assert_eq!(got, want, "n {n} step {step}");
                for (l, s) in states.iter().enumerate() {
                    assert_eq!(
                        (block.period[l], block.countdown[l]),
                        (s.period, s.countdown),
                        "n {n} step {step}"
                    );
                }
                spikes += want.len();
            }
            assert!(spikes > 0, "n {n}: the test must exercise spikes");
            assert!(n < 16 || quiet_groups > 0, "n {n}: and steps without them");
        }
    }
}
