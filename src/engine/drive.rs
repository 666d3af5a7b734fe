//! External Poisson drive of one neuron: an independent Poisson process of
//! rate nu_X, generated as exponential inter-arrival times on the step
//! axis. Its counts per step are independent Poisson variables with mean
//! nu_X*h/1000, as NEST's poisson_generator draws them, at one random draw
//! per event instead of one per step.

use crate::rng::{stream, Purpose, Stream};
use rand::Rng;
use rand_distr::Exp1;

/// The drive of one neuron.
#[derive(Debug, Clone)]
pub struct PoissonDrive {
    rng: Stream,
    /// Time of the next event, in steps (continuous).
    next: f64,
    /// Mean inter-event interval, in steps.
    mean_gap: f64,
}

impl PoissonDrive {
    /// Drive of neuron `i` with `mean` events per step, from stream (seed, Poisson, i).
    pub fn new(seed: u64, i: usize, mean: f64) -> Self {
        let mut rng = stream(seed, Purpose::Poisson, i as u64);
        let mean_gap = if mean > 0.0 {
            1.0 / mean
        } else {
            f64::INFINITY
        };
        let first: f64 = rng.sample::<f64, _>(Exp1) * mean_gap;
        PoissonDrive {
            rng,
            next: first,
            mean_gap,
        }
    }

    /// Emit the events of steps `t0 .. t0+len`: `f(k)` once per event in step t0+k.
    /// Returns the number of events.
    #[inline]
    pub fn emit(&mut self, t0: usize, len: usize, mut f: impl FnMut(usize)) -> u64 {
        let end = (t0 + len) as f64;
        let mut n = 0;
        while self.next < end {
            f(self.next as usize - t0);
            n += 1;
            self.next += self.rng.sample::<f64, _>(Exp1) * self.mean_gap;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_poisson() {
        // mean and variance of per-step counts agree with Poisson(mean)
        let mean = 0.217;
        let mut d = PoissonDrive::new(7, 3, mean);
        let steps = 400_000;
        let mut counts = vec![0u32; steps];
        d.emit(0, steps, |k| counts[k] += 1);
        let m = counts.iter().map(|&c| c as f64).sum::<f64>() / steps as f64;
        let v = counts.iter().map(|&c| (c as f64 - m).powi(2)).sum::<f64>() / steps as f64;
        assert!((m - mean).abs() < 0.005, "{m}");
        assert!((v - mean).abs() < 0.01, "{v}");
        let p0 = counts.iter().filter(|&&c| c == 0).count() as f64 / steps as f64;
        assert!((p0 - (-mean).exp()).abs() < 0.005, "{p0}");
    }
}
