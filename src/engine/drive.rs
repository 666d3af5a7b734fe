//! External Poisson drive of one neuron: an independent Poisson process of
//! rate nu_X. Per slice of D steps it draws the number of events from
//! Poisson(D * mean) by inverting the CDF with one 64-bit uniform, then
//! places each event in a step drawn uniformly from the D steps (exact
//! Lemire sampling). Given its count, the events of a Poisson process are
//! independent and uniform over the interval, so the counts per step are
//! independent Poisson variables with mean nu_X*h/1000, exactly as NEST's
//! poisson_generator draws them, at a fraction of the random draws.

use crate::rng::{stream, Purpose, Stream};
use rand::RngCore;

/// The CDF of the event count per slice, shared by all neurons.
#[derive(Debug, Clone)]
pub struct CountTable {
    /// `thresholds[k]` = P(count <= k) * 2^64, while below 2^64.
    thresholds: Vec<u64>,
    /// The count for every u with the same top [`FAST_BITS`] bits, or
    /// [`AMBIGUOUS`] where a threshold falls inside that range.
    fast: Vec<u8>,
    d: u32,
}

/// Bits of the uniform draw that index the direct lookup.
const FAST_BITS: u32 = 10;
/// Marks a lookup bucket that a threshold splits.
const AMBIGUOUS: u8 = u8::MAX;

impl CountTable {
    /// Table for `mean` events per step and slices of `d` steps.
    pub fn new(mean: f64, d: usize) -> Self {
        let mu = mean * d as f64;
        let mut thresholds = Vec::new();
        if mu > 0.0 {
            // P(k) by recurrence in log space to stay accurate for large mu
            let (mut cdf, mut k) = (0.0f64, 0u32);
            let mut log_p = -mu;
            loop {
                cdf += log_p.exp();
                let t = cdf * 18446744073709551616.0;
                // stop when the CDF is 1 in 64 bits, or when the rest of the tail
                // (past the mode, P(k) < 2^-64) can no longer move it
                if t >= 18446744073709551615.0 || (k as f64 > mu && log_p < -45.0) {
                    break;
                }
                thresholds.push(t as u64);
                k += 1;
                log_p += mu.ln() - (k as f64).ln();
            }
        }
        let mut table = CountTable {
            thresholds,
            fast: Vec::new(),
            d: d as u32,
        };
        let shift = 64 - FAST_BITS;
        table.fast = (0..1u64 << FAST_BITS)
            .map(|b| {
                let (lo, hi) = (b << shift, (b << shift) | ((1u64 << shift) - 1));
                let (a, z) = (table.scan(lo), table.scan(hi));
                if a == z && a < AMBIGUOUS as usize {
                    a as u8
                } else {
                    AMBIGUOUS
                }
            })
            .collect();
        table
    }

    /// The count for `u` by scanning the thresholds.
    fn scan(&self, u: u64) -> usize {
        self.thresholds.iter().take_while(|&&t| t <= u).count()
    }

    /// The count for the uniform 64-bit value `u`: the number of thresholds
    /// at or below `u`, by direct lookup on its top bits except in the few
    /// buckets a threshold splits.
    #[inline(always)]
    fn count(&self, u: u64) -> usize {
        match self.fast[(u >> (64 - FAST_BITS)) as usize] {
            AMBIGUOUS => self.scan(u),
            c => c as usize,
        }
    }
}

/// The drive of one neuron (its own random stream).
#[derive(Debug, Clone)]
pub struct PoissonDrive {
    rng: Stream,
}

/// A uniform index in 0..d from 32 random bits (Lemire), or None to redraw.
#[inline(always)]
fn lemire(x: u32, d: u32) -> Option<usize> {
    let m = x as u64 * d as u64;
    if (m as u32) < d && (m as u32) < d.wrapping_neg() % d {
        return None;
    }
    Some((m >> 32) as usize)
}

impl PoissonDrive {
    /// Drive of neuron `i`, from stream (seed, Poisson, i).
    pub fn new(seed: u64, i: usize) -> Self {
        PoissonDrive {
            rng: stream(seed, Purpose::Poisson, i as u64),
        }
    }

    /// Emit the events of one slice of `len` steps: `f(k)` once per event in
    /// step k of the slice. A shorter last slice draws its count from a table
    /// for its own length. Returns the number of events.
    #[inline]
    pub fn emit(&mut self, table: &CountTable, mut f: impl FnMut(usize)) -> u64 {
        let n = table.count(self.rng.next_u64());
        let mut left = n;
        while left > 0 {
            let r = self.rng.next_u64();
            for x in [r as u32, (r >> 32) as u32] {
                if left == 0 {
                    break;
                }
                if let Some(k) = lemire(x, table.d) {
                    f(k);
                    left -= 1;
                }
            }
        }
        n as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_step_are_poisson() {
        // mean, variance and P(0) of per-step counts agree with Poisson(mean)
        let mean = 0.217;
        let d = 12;
        let table = CountTable::new(mean, d);
        let mut drive = PoissonDrive::new(7, 3);
        let slices = 40_000;
        let mut counts = vec![0u32; slices * d];
        for s in 0..slices {
            drive.emit(&table, |k| counts[s * d + k] += 1);
        }
        let n = counts.len() as f64;
        let m = counts.iter().map(|&c| c as f64).sum::<f64>() / n;
        let v = counts.iter().map(|&c| (c as f64 - m).powi(2)).sum::<f64>() / n;
        assert!((m - mean).abs() < 0.005, "{m}");
        assert!((v - mean).abs() < 0.01, "{v}");
        let p0 = counts.iter().filter(|&&c| c == 0).count() as f64 / n;
        assert!((p0 - (-mean).exp()).abs() < 0.005, "{p0}");
        // steps are used uniformly
        let mut per_k = vec![0u32; d];
        for (i, &c) in counts.iter().enumerate() {
            per_k[i % d] += c;
        }
        let avg = per_k.iter().sum::<u32>() as f64 / d as f64;
        assert!(per_k.iter().all(|&c| (c as f64 - avg).abs() < 0.05 * avg), "{per_k:?}");
    }

    #[test]
    fn lookup_agrees_with_scan() {
        for mean in [0.0, 0.01, 0.217, 3.0, 40.0] {
            let t = CountTable::new(mean, 12);
            let mut rng = stream(3, Purpose::Poisson, 0);
            for _ in 0..20_000 {
                let u = rng.next_u64();
                assert_eq!(t.count(u), t.scan(u), "mean {mean}, u {u}");
            }
            for &th in &t.thresholds {
                for u in [th.saturating_sub(1), th, th.saturating_add(1)] {
                    assert_eq!(t.count(u), t.scan(u));
                }
            }
        }
    }

    #[test]
    fn table_is_short() {
        // the CDF saturates below 1 in f64: the table must still end near the tail
        for (mean, max) in [(0.217, 40), (3.0, 120), (40.0, 900)] {
            let t = CountTable::new(mean, 12);
            assert!(
                t.thresholds.len() < max,
                "mean {mean}: {} thresholds",
                t.thresholds.len()
            );
        }
    }

    #[test]
    fn zero_rate_gives_nothing() {
        let table = CountTable::new(0.0, 12);
        let mut drive = PoissonDrive::new(1, 1);
        assert_eq!(drive.emit(&table, |_| panic!("no event expected")), 0);
    }

    #[test]
    fn lemire_is_unbiased_range() {
        // 2^32 mod 12 = 4 values are rejected, so each index has exactly (2^32 - 4) / 12 preimages
        assert_eq!(lemire(0, 12), None);
        assert_eq!(lemire(u32::MAX, 12), Some(11));
        assert_eq!(lemire((1 << 31) + 1, 12), Some(6));
    }
}
