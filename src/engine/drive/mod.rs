//! External Poisson drive: every neuron receives an independent Poisson
//! process of rate nu_X. As NEST's `poisson_generator` does, each step draws
//! the neuron's number of events c ~ Poisson(nu_X h / 1000) and delivers
//! them as one input of weight `c * w_ext` (NEST's weight times
//! multiplicity).
//!
//! The count is the inverse of the Poisson CDF at one uniform 64-bit draw
//! from the neuron's own xoshiro256++ stream. The streams of a block of
//! neurons are kept side by side in groups of eight (structure of arrays),
//! so that eight neurons draw, count and write a step at once (vectorised,
//! by the kernels of [`crate::engine::drive::simd`]). The input of a whole slice is
//! written into the excitatory rows of the input ring before any recurrent
//! spike is added to them, so those rows need no clearing.

pub mod simd;

use crate::rng::{splitmix64, stream, stream_seed, Purpose};
use crate::simd::Isa;
use rand_distr::Distribution;
use simd::{Streams, FAST};
use std::ops::Range;

pub use simd::LANES;

/// The inverse CDF of the event count per step.
#[derive(Debug, Clone)]
pub struct CountTable {
    /// `thresholds[k]` = P(count <= k) * 2^64, while below 2^64; the count
    /// of a uniform draw u is the number of thresholds at or below u.
    thresholds: Vec<u64>,
    /// The first [`FAST`] thresholds, padded with `u64::MAX`.
    fast: [u64; FAST],
}

impl CountTable {
    /// Table for `mean` events per step.
    pub fn new(mean: f64) -> Self {
        let mut thresholds = Vec::new();
        if mean > 0.0 {
            // P(k) by recurrence in log space to stay accurate for large means
            let (mut cdf, mut k) = (0.0f64, 0u32);
            let mut log_p = -mean;
            loop {
                cdf += log_p.exp();
                let t = cdf * 18446744073709551616.0;
                // stop when the CDF is 1 in 64 bits, or when the rest of the tail
                // (past the mode, P(k) < 2^-64) can no longer move it
                if t >= 18446744073709551615.0 || (k as f64 > mean && log_p < -45.0) {
                    break;
                }
                thresholds.push(t as u64);
                k += 1;
                log_p += mean.ln() - (k as f64).ln();
            }
        }
        let mut fast = [u64::MAX; FAST];
        for (f, &t) in fast.iter_mut().zip(&thresholds) {
            *f = t;
        }
        CountTable { thresholds, fast }
    }

    /// The first [`FAST`] thresholds (`u64::MAX` past the end of the table),
    /// which every kernel compares each draw with.
    pub(crate) fn fast(&self) -> &[u64; FAST] {
        &self.fast
    }

    /// The count for the uniform draw `u`, by scanning the thresholds.
    pub(crate) fn scan(&self, u: u64) -> u64 {
        self.thresholds.iter().take_while(|&&t| t <= u).count() as u64
    }

    /// The count for `u` as every kernel takes it: the number of the first
    /// three thresholds at or below `u`, or by scanning if `u` reaches the
    /// [`FAST`]-th (rare).
    #[inline(always)]
    pub(crate) fn count(&self, u: u64) -> u64 {
        let f = &self.fast;
        if u >= f[FAST - 1] {
            self.scan(u)
        } else {
            (u >= f[0]) as u64 + (u >= f[1]) as u64 + (u >= f[2]) as u64
        }
    }
}

/// The Poisson drive of a block of neurons: one xoshiro256++ stream per
/// neuron, seeded from (seed, Poisson, global index).
#[derive(Debug, Clone)]
pub struct DriveBlock {
    /// The streams in groups of [`LANES`], neuron l in lane l % LANES of
    /// group l / LANES (the last group padded).
    groups: Vec<Streams>,
    n: usize,
    /// The instruction set of the kernel (one this CPU has).
    isa: Isa,
}

impl DriveBlock {
    /// The drive of the neurons with global indices `neurons` (local index
    /// l for the l-th of them), drawn with the widest kernel this CPU runs.
    pub fn new(seed: u64, neurons: impl Iterator<Item = u32>) -> Self {
        let mut groups: Vec<Streams> = Vec::new();
        let mut n = 0usize;
        for i in neurons {
            if n.is_multiple_of(LANES) {
                // padding lanes draw too, but are never written where a neuron reads
                groups.push(std::array::from_fn(|w| [splitmix64(w as u64 + 1); LANES]));
            }
            let words = seed_words(stream_seed(seed, Purpose::Poisson, i as u64));
            for (word, x) in groups[n / LANES].iter_mut().zip(words) {
                word[n % LANES] = x;
            }
            n += 1;
        }
        DriveBlock {
            groups,
            n,
            isa: Isa::detected(),
        }
    }

    /// The same drive with the kernel of `isa` (every kernel gives the same
    /// numbers). Panics if this CPU lacks `isa`.
    pub fn with_isa(self, isa: Isa) -> Self {
        assert!(isa.is_available(), "this CPU lacks {}", isa.name());
        DriveBlock { isa, ..self }
    }

    /// Neurons driven.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether the block drives no neuron.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Draw `steps` steps: `rows[k * stride + l] = c * w` for the count c of
    /// neuron l in step k (every neuron, also those without an event).
    /// `stride` must be at least the neuron count rounded up to [`LANES`].
    /// Returns the number of events.
    pub fn fill(&mut self, table: &CountTable, rows: &mut [f64], stride: usize, steps: usize, w: f64) -> u64 {
        self.fill_range(table, rows, stride, steps, w, 0..self.n)
    }

    /// [`DriveBlock::fill`] for the neurons `neurons` only (their streams
    /// advance, the others' do not): `neurons.start` must be a multiple of
    /// [`LANES`], and `neurons.end` one too or the neuron count. The rows
    /// are those of `neurons` alone: row `k` starts at `rows[k * stride]`
    /// with neuron `neurons.start`, and `stride` must be at least the
    /// range's length rounded up to [`LANES`]. Returns the number of events
    /// of those neurons.
    pub fn fill_range(
        &mut self,
        table: &CountTable,
        rows: &mut [f64],
        stride: usize,
        steps: usize,
        w: f64,
        neurons: Range<usize>,
    ) -> u64 {
        assert!(
            neurons.start.is_multiple_of(LANES)
                && (neurons.end.is_multiple_of(LANES) || neurons.end == self.n)
                && neurons.start <= neurons.end
                && neurons.end <= self.n,
            "whole groups of lanes"
        );
        let groups = neurons.start / LANES..neurons.end.div_ceil(LANES);
        let lanes = groups.len() * LANES;
        assert!(stride >= lanes, "a row holds every lane of the range");
        assert!(
            steps == 0 || rows.len() >= (steps - 1) * stride + lanes,
            "rows for every step"
        );
        if steps == 0 {
            return 0;
        }
        // the whole groups in one call, then a last group with padding lanes (if
        // any), its padding lanes not counted
        let whole = groups.start..neurons.end / LANES;
        let mut events = 0;
        for (part, lanes) in [
            (whole.clone(), LANES),
            (whole.end..groups.end, neurons.end - whole.end * LANES),
        ] {
            if part.is_empty() {
                continue;
            }
            let column = (part.start - groups.start) * LANES;
            let per_lane = simd::groups(
                self.isa,
                table,
                &mut self.groups[part],
                &mut rows[column..],
                stride,
                steps,
                w,
            );
            events += per_lane[..lanes].iter().sum::<u64>();
        }
        events
    }
}

/// The events `neurons` (global indices) receive in `steps` steps of
/// `mean` events each, drawn for a model that ignores its input, where
/// only their number is reported: per neuron one draw of
/// Poisson(`mean` * `steps`) from its own stream (seed, Poisson, index),
/// which is the distribution of the sum of its per-step counts.
pub fn total_events(seed: u64, neurons: impl Iterator<Item = u32>, mean: f64, steps: usize) -> u64 {
    let lambda = mean * steps as f64;
    let Ok(poisson) = rand_distr::Poisson::new(lambda) else {
        // no events (lambda 0), or a mean the parameters never allow
        return 0;
    };
    neurons
        .map(|i| poisson.sample(&mut stream(seed, Purpose::Poisson, i as u64)) as u64)
        .sum()
}

/// The four state words of a xoshiro256++ stream seeded with `seed`, as
/// `rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64` fills them (SplitMix64).
fn seed_words(seed: u64) -> [u64; 4] {
    std::array::from_fn(|i| splitmix64(seed.wrapping_add(i as u64 * 0x9E37_79B9_7F4A_7C15)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use rand::RngCore;

    /// Per-step counts of `n` neurons over `steps` steps, with weight 1.
    fn counts(block: &mut DriveBlock, table: &CountTable, steps: usize) -> (Vec<f64>, usize, u64) {
        let stride = block.len().next_multiple_of(LANES) + 8;
        let mut rows = vec![f64::NAN; stride * steps];
        let events = block.fill(table, &mut rows, stride, steps, 1.0);
        (rows, stride, events)
    }

    #[test]
    fn draws_are_the_neurons_streams_counted_by_scan() {
        // neuron l of the block draws from stream (seed, Poisson, its global index),
        // one draw per step, and gets the scanned count times w
        let neurons = [3u32, 70, 71, 72, 5, 6, 7, 8, 9, 10, 11];
        for (isa, mean) in Isa::available()
            .into_iter()
            .flat_map(|isa| [0.0, 0.217, 3.0, 40.0].map(|m| (isa, m)))
        {
            let table = CountTable::new(mean);
            let mut block = DriveBlock::new(9, neurons.into_iter()).with_isa(isa);
            let stride = 24;
            let mut rows = vec![f64::NAN; stride * 30];
            let events = block.fill(&table, &mut rows, stride, 30, 87.8);
            let mut want_events = 0;
            for (l, &i) in neurons.iter().enumerate() {
                let mut rng = stream(9, Purpose::Poisson, i as u64);
                for k in 0..30 {
                    let c = table.scan(rng.next_u64());
                    want_events += c;
                    assert_eq!(
                        rows[k * stride + l].to_bits(),
                        (c as f64 * 87.8).to_bits(),
                        "{isa:?} mean {mean} neuron {l} step {k}"
                    );
                }
            }
            assert_eq!(events, want_events, "{isa:?} mean {mean}");
        }
    }

    #[test]
    fn counts_per_step_are_poisson() {
        // mean, variance and P(0) of per-step counts agree with Poisson(mean)
        let mean = 0.217;
        let table = CountTable::new(mean);
        let mut block = DriveBlock::new(7, 0..37u32);
        let (mut sum, mut sq, mut zeros, mut cells, mut total) = (0.0, 0.0, 0usize, 0usize, 0u64);
        for _ in 0..100 {
            let (rows, stride, events) = counts(&mut block, &table, 120);
            for k in 0..120 {
                for l in 0..37 {
                    let c = rows[k * stride + l];
                    sum += c;
                    sq += c * c;
                    zeros += (c == 0.0) as usize;
                    cells += 1;
                }
            }
            total += events;
        }
        let n = cells as f64;
        let (m, v) = (sum / n, sq / n - (sum / n).powi(2));
        assert!((m - mean).abs() < 0.005, "{m}");
        assert!((v - mean).abs() < 0.01, "{v}");
        assert!((zeros as f64 / n - (-mean).exp()).abs() < 0.005);
        assert_eq!(total as f64, sum, "events counts only the neurons' lanes");
    }

    #[test]
    fn every_kernel_gives_the_same_numbers() {
        // a high rate too, so that the rare path (count >= 4) runs often
        let isas = Isa::available();
        for mean in [0.217, 3.0] {
            let table = CountTable::new(mean);
            let mut blocks: Vec<DriveBlock> = isas
                .iter()
                .map(|&isa| DriveBlock::new(5, 0..21u32).with_isa(isa))
                .collect();
            for _ in 0..20 {
                let runs: Vec<_> = blocks.iter_mut().map(|b| counts(b, &table, 12)).collect();
                for (run, isa) in runs.iter().zip(&isas) {
                    let bits = |r: &(Vec<f64>, usize, u64)| r.0.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(run), bits(&runs[0]), "{isa:?}");
                    assert_eq!(run.2, runs[0].2, "{isa:?}");
                }
            }
        }
    }

    #[test]
    fn ranges_draw_what_the_whole_block_draws() {
        // filling the groups in pieces, in any order, gives the numbers and
        // events of filling them at once
        let table = CountTable::new(3.0);
        let (n, steps, stride) = (45usize, 7usize, 56usize);
        let mut whole = DriveBlock::new(4, 10..10 + n as u32);
        let mut parts = whole.clone();
        for _ in 0..3 {
            let mut a = vec![f64::NAN; stride * steps];
            let mut b = vec![f64::NAN; stride * steps];
            let events = whole.fill(&table, &mut a, stride, steps, 2.5);
            let mut sum = 0;
            for r in [16..32, 0..16, 32..n] {
                // each range into its own rows, then copied to its columns
                let mut rows = vec![f64::NAN; stride * steps];
                sum += parts.fill_range(&table, &mut rows, stride, steps, 2.5, r.clone());
                for k in 0..steps {
                    let from = &rows[k * stride..k * stride + r.len()];
                    b[k * stride + r.start..k * stride + r.end].copy_from_slice(from);
                }
            }
            assert_eq!(sum, events);
            for k in 0..steps {
                for l in 0..n {
                    assert_eq!(
                        a[k * stride + l].to_bits(),
                        b[k * stride + l].to_bits(),
                        "step {k} neuron {l}"
                    );
                }
            }
        }
    }

    #[test]
    fn count_agrees_with_scan() {
        // at and around every threshold, also for tables shorter than FAST
        for mean in [1e-30, 0.01, 0.217, 3.0, 40.0] {
            let t = CountTable::new(mean);
            for &th in t.thresholds.iter().chain(&[0, u64::MAX]) {
                for u in [th.saturating_sub(1), th, th.saturating_add(1)] {
                    assert_eq!(t.count(u), t.scan(u), "mean {mean}, u {u}");
                }
            }
        }
    }

    #[test]
    fn table_is_short() {
        // the CDF saturates below 1 in f64: the table must still end near the tail
        for (mean, max) in [(0.217, 40), (3.0, 120), (40.0, 900)] {
            let t = CountTable::new(mean);
            assert!(
                t.thresholds.len() < max,
                "mean {mean}: {} thresholds",
                t.thresholds.len()
            );
        }
    }

    #[test]
    fn zero_rate_gives_nothing() {
        let table = CountTable::new(0.0);
        let mut block = DriveBlock::new(1, 0..9u32);
        let (rows, stride, events) = counts(&mut block, &table, 12);
        assert_eq!(events, 0);
        assert!((0..12).all(|k| rows[k * stride..k * stride + 9].iter().all(|&x| x == 0.0)));
    }

    #[test]
    fn total_events_are_per_neuron_poisson_totals() {
        // per neuron, so any split of the neurons gives the same sum; and the
        // sum of the drawn counts of the step-by-step drive has the same mean
        let (mean, steps, n) = (0.217, 16_000, 5000u32);
        let all = total_events(4, 0..n, mean, steps);
        let split = total_events(4, 0..1234, mean, steps) + total_events(4, 1234..n, mean, steps);
        assert_eq!(all, split);
        let lambda = mean * steps as f64 * n as f64;
        assert!(
            (all as f64 - lambda).abs() < 5.0 * lambda.sqrt(),
            "{all} events, expected {lambda}"
        );
        let stepwise = DriveBlock::new(4, 0..n).fill(&CountTable::new(mean), &mut vec![0.0; 5008 * 2], 5008, 2, 1.0);
        let two_steps = total_events(4, 0..n, mean, 2);
        let sd = (2.0 * mean * n as f64).sqrt();
        assert!(
            (stepwise as f64 - two_steps as f64).abs() < 8.0 * sd,
            "{stepwise} vs {two_steps}"
        );
        assert_eq!(total_events(4, 0..n, 0.0, steps), 0);
        assert_eq!(total_events(4, 0..n, mean, 0), 0);
    }
}
