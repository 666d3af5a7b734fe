//! Summary statistics of weight populations, exact, memory-light and
//! independent of how the values are spread over threads and processes:
//! sums are exact ([`ExactSum`], rounded once at the end), so the mean and
//! SD do not depend on the order of the values; the median is found by a
//! bucket pass over the bit patterns whose counts are summed over the
//! processes (or, when a sample shows one common value, by counting the
//! values below and equal to it), never by gathering or sorting the values.

use crate::comm::{Comm, Solo};
use rayon::prelude::*;

/// Summary of a population of values (pA for weights).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    /// Number of values.
    pub n: u64,
    /// Mean.
    pub mean: f64,
    /// Population standard deviation (numpy's `std`).
    pub sd: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
    /// Median (mean of the two middle values for even n, like numpy).
    pub median: f64,
    /// Fraction of values exactly 0.
    pub zero_fraction: f64,
}

/// Values per parallel task of a pass.
const CHUNK: usize = 1 << 16;

/// The values of `runs`, in chunks for parallel passes (on the current
/// rayon pool); every statistic here is independent of the order.
fn chunks<'a>(runs: &'a [&'a [f64]]) -> impl ParallelIterator<Item = &'a [f64]> {
    runs.par_iter().flat_map(|r| r.par_chunks(CHUNK))
}

/// Count, zeros, exact sum, minimum and maximum of some values.
#[derive(Debug, Clone)]
struct Moments {
    n: u64,
    zeros: u64,
    sum: ExactSum,
    min: f64,
    max: f64,
}

impl Moments {
    fn empty() -> Self {
        Moments {
            n: 0,
            zeros: 0,
            sum: ExactSum::default(),
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    fn of(values: &[f64]) -> Self {
        let mut m = Moments::empty();
        // plain comparisons: the values are never NaN, so the NaN handling
        // of f64::min/max is not needed
        for &x in values {
            m.zeros += (x == 0.0) as u64;
            m.min = if x < m.min { x } else { m.min };
            m.max = if x > m.max { x } else { m.max };
        }
        m.sum.add_mapped(values, |x| x);
        m.n = values.len() as u64;
        m
    }

    fn merge(mut self, o: Moments) -> Self {
        self.n += o.n;
        self.zeros += o.zeros;
        self.sum.merge(&o.sum);
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
        self
    }
}

/// Run `f` on `pool`, or on the current rayon pool if there is none.
fn on<R: Send>(pool: Option<&rayon::ThreadPool>, f: impl FnOnce() -> R + Send) -> R {
    match pool {
        Some(p) => p.install(f),
        None => f(),
    }
}

/// Summarise the non-negative finite values in `runs` on this process,
/// together with those of every other process of `comm`. The passes over
/// the values run in parallel on `pool` (or the current rayon pool); the
/// exchanges with the other processes stay on the calling thread.
pub fn summarise_over(comm: &dyn Comm, runs: &[&[f64]], pool: Option<&rayon::ThreadPool>) -> Summary {
    let m = on(pool, || {
        chunks(runs).map(Moments::of).reduce(Moments::empty, Moments::merge)
    });
    let Moments {
        n,
        zeros,
        mut sum,
        min,
        max,
    } = m;
    let mut counts = [n, zeros];
    comm.sum_u64(&mut counts);
    let [n, zeros] = counts;
    let (mut lo, mut hi) = ([min], [max]);
    comm.min_f64(&mut lo);
    comm.max_f64(&mut hi);
    if n == 0 {
        return Summary {
            n: 0,
            mean: f64::NAN,
            sd: f64::NAN,
            min: f64::NAN,
            max: f64::NAN,
            median: f64::NAN,
            zero_fraction: f64::NAN,
        };
    }
    sum.reduce(comm);
    let mean = sum.value() / n as f64;
    let mut ss = on(pool, || {
        chunks(runs)
            .map(|c| {
                let mut ss = ExactSum::default();
                ss.add_mapped(c, |x| (x - mean) * (x - mean));
                ss
            })
            .reduce(ExactSum::default, |mut a, b| {
                a.merge(&b);
                a
            })
    });
    ss.reduce(comm);
    let median = if let Some(common) = common_median(comm, runs, pool, n) {
        common
    } else if n % 2 == 1 {
        nth(comm, runs, pool, n / 2).0
    } else {
        let (lower, upper) = nth(comm, runs, pool, n / 2 - 1);
        let upper = upper.unwrap_or_else(|| next_rank(comm, runs, pool, lower, n / 2));
        0.5 * (lower + upper)
    };
    Summary {
        n,
        mean,
        sd: (ss.value() / n as f64).sqrt(),
        min: lo[0],
        max: hi[0],
        median,
        zero_fraction: zeros as f64 / n as f64,
    }
}

/// [`summarise_over`] the values of this process alone.
pub fn summarise(runs: &[&[f64]]) -> Summary {
    summarise_over(&Solo, runs, None)
}

/// Limbs of an [`ExactSum`]: 64 bits each, from 2^-1074 (the smallest
/// subnormal) past 2^1024 (beyond the largest double), with 64 bits of
/// headroom for carries (2^64 values).
const LIMBS: usize = 34;

/// Biased exponents of a double.
const EXPONENTS: usize = 1 << 11;

/// Significands (each below 2^53) summed per exponent and lane before a
/// carry into the limbs: 2^11 of them fit in 64 bits.
const PER_EXPONENT: usize = 1 << 11;

/// Independent sets of per-exponent sums in [`ExactSum::add_mapped`].
const LANES: usize = 4;

/// The biased exponent `e` and the integer significand `m` of a finite
/// `x >= 0`, so that `x = m * 2^(max(e, 1) - 1075)`.
#[inline]
fn split(x: f64) -> (usize, u64) {
    let b = x.to_bits();
    let e = (b >> 52) as usize & (EXPONENTS - 1);
    let f = b & ((1 << 52) - 1);
    (e, if e == 0 { f } else { f | 1 << 52 })
}

/// The exact sum of finite non-negative doubles, as an integer multiple of
/// 2^-1074 in fixed point: adding is exact and order-independent, and
/// [`ExactSum::value`] rounds once, to nearest (ties to even).
#[derive(Debug, Clone, PartialEq)]
pub struct ExactSum {
    limbs: [u64; LIMBS],
}

impl Default for ExactSum {
    fn default() -> Self {
        ExactSum { limbs: [0; LIMBS] }
    }
}

impl ExactSum {
    /// Add `x` (finite, >= 0; anything else is a logic error).
    #[inline]
    pub fn add(&mut self, x: f64) {
        debug_assert!(x.is_finite() && x >= 0.0, "{x}");
        let (e, m) = split(x);
        self.add_scaled(m, e);
    }

    /// Add `f(x)` for every `x` of `xs` (each result finite and >= 0): the
    /// same sum as [`ExactSum::add`] of each, faster on long slices. The
    /// significands are first summed per exponent, in
    /// `LANES` (4) independent sets so that neighbouring values with the same
    /// exponent do not wait for each other, and carried into the limbs once
    /// per block.
    pub fn add_mapped(&mut self, xs: &[f64], f: impl Fn(f64) -> f64) {
        let mut acc = vec![[0u64; LANES]; EXPONENTS];
        for block in xs.chunks(LANES * PER_EXPONENT) {
            // bit g set: an exponent in 32g..32g+31 was seen in this block
            let mut seen = 0u64;
            let mut add = |lane: usize, x: f64| {
                let y = f(x);
                debug_assert!(y.is_finite() && y >= 0.0, "{y}");
                let (e, m) = split(y);
                acc[e][lane] += m;
                seen |= 1 << (e / 32);
            };
            let mut groups = block.chunks_exact(LANES);
            for g in &mut groups {
                g.iter().enumerate().for_each(|(lane, &x)| add(lane, x));
            }
            groups
                .remainder()
                .iter()
                .enumerate()
                .for_each(|(lane, &x)| add(lane, x));
            while seen != 0 {
                let g = seen.trailing_zeros() as usize;
                seen &= seen - 1;
                for (e, sums) in acc.iter_mut().enumerate().skip(32 * g).take(32) {
                    for s in sums.iter_mut().filter(|s| **s != 0) {
                        self.add_scaled(*s, e);
                        *s = 0;
                    }
                }
            }
        }
    }

    /// Add `m * 2^(max(e, 1) - 1075)`: `m` (any 64 bits) times the unit of
    /// the last place of a double with biased exponent `e`.
    #[inline]
    fn add_scaled(&mut self, m: u64, e: usize) {
        let shift = e.max(1) - 1; // in units of 2^-1074
        let (li, bi) = (shift / 64, (shift % 64) as u32);
        let lo = m << bi;
        let hi = if bi == 0 { 0 } else { m >> (64 - bi) };
        self.add_at(li, lo);
        if hi != 0 {
            self.add_at(li + 1, hi);
        }
    }

    /// Add `v` at limb `i` and carry upwards.
    #[inline]
    fn add_at(&mut self, mut i: usize, v: u64) {
        let (r, mut carry) = self.limbs[i].overflowing_add(v);
        self.limbs[i] = r;
        while carry {
            i += 1;
            let (r, c) = self.limbs[i].overflowing_add(1);
            self.limbs[i] = r;
            carry = c;
        }
    }

    /// Add another exact sum.
    pub fn merge(&mut self, other: &ExactSum) {
        for (i, &v) in other.limbs.iter().enumerate() {
            if v != 0 {
                self.add_at(i, v);
            }
        }
    }

    /// Replace this process's sum by the sum over every process of `comm`
    /// (exact: the limbs are summed as 32-bit halves, so no carry is lost).
    pub fn reduce(&mut self, comm: &dyn Comm) {
        if comm.size() == 1 {
            return;
        }
        let mut halves: Vec<u64> = self.limbs.iter().flat_map(|&l| [l & 0xffff_ffff, l >> 32]).collect();
        comm.sum_u64(&mut halves);
        let mut total = ExactSum::default();
        for (k, &h) in halves.iter().enumerate() {
            // h < 2^32 * processes: split at its limb boundary
            let (i, bit) = (k / 2, 32 * (k % 2) as u32);
            total.add_at(i, h << bit);
            if bit > 0 && (h >> 32) != 0 {
                total.add_at(i + 1, h >> 32);
            }
        }
        *self = total;
    }

    /// The sum rounded to the nearest double (ties to even).
    pub fn value(&self) -> f64 {
        let Some(top) = (0..LIMBS).rev().find(|&i| self.limbs[i] != 0) else {
            return 0.0;
        };
        let p = top * 64 + 63 - self.limbs[top].leading_zeros() as usize; // highest set bit
        if p < 53 {
            // below 2^53 units of 2^-1074: a subnormal or the smallest normals, exact
            return f64::from_bits(self.limbs[0]);
        }
        let (bits, sticky) = self.bits_below(p + 1);
        let mut mant = bits >> 11; // 53 bits
        let round = bits & 0x7ff;
        let mut p = p;
        if round > 0x400 || (round == 0x400 && (sticky || mant & 1 == 1)) {
            mant += 1;
            if mant == 1 << 53 {
                mant >>= 1;
                p += 1;
            }
        }
        let biased = (p - 51) as u64;
        if biased >= 0x7ff {
            return f64::INFINITY;
        }
        f64::from_bits(biased << 52 | (mant & ((1 << 52) - 1)))
    }

    /// The 64 bits just below bit position `end` (bits end-64 .. end-1),
    /// and whether any bit below those is set.
    fn bits_below(&self, end: usize) -> (u64, bool) {
        let bit = |k: isize| -> u64 {
            if k < 0 {
                0
            } else {
                (self.limbs[k as usize / 64] >> (k as usize % 64)) & 1
            }
        };
        let lo = end as isize - 64;
        let mut v = 0u64;
        for k in 0..64 {
            v |= bit(lo + k) << k;
        }
        let sticky = lo > 0 && {
            let lo = lo as usize;
            self.limbs[..lo / 64].iter().any(|&l| l != 0) || (self.limbs[lo / 64] & ((1u64 << (lo % 64)) - 1)) != 0
        };
        (v, sticky)
    }
}

/// Values sampled per process to guess a common value.
const SAMPLE: usize = 1024;

/// The median of the `n` values of every process if it is a value that a
/// quarter or more of an evenly spaced sample of them share (as in a short
/// plastic run, where most weights still hold their initial value), found
/// with one pass that counts the values below and equal to it; `None`
/// otherwise, with no pass made. The radix passes of [`nth`] would take
/// four slow passes for such a population: every value lands in the same
/// bucket, so each count waits for the previous one.
fn common_median(comm: &dyn Comm, runs: &[&[f64]], pool: Option<&rayon::ThreadPool>, n: u64) -> Option<f64> {
    // this process's sample, its commonest value proposed if frequent enough
    let here: usize = runs.iter().map(|r| r.len()).sum();
    let stride = here.div_ceil(SAMPLE).max(1);
    let mut sample: Vec<u64> = runs
        .iter()
        .flat_map(|r| r.iter())
        .step_by(stride)
        .map(|x| x.to_bits())
        .collect();
    sample.sort_unstable();
    let (mut best, mut best_len) = (f64::INFINITY, 0);
    for run in sample.chunk_by(|a, b| a == b) {
        if run.len() > best_len {
            (best, best_len) = (f64::from_bits(run[0]), run.len());
        }
    }
    let mut candidate = [if 4 * best_len >= sample.len() && best_len > 0 {
        best
    } else {
        f64::INFINITY
    }];
    // every process takes the same candidate (or none), so all make the
    // same collective calls below
    comm.min_f64(&mut candidate);
    if candidate[0] == f64::INFINITY {
        return None;
    }
    let c = candidate[0];
    let bits = c.to_bits();
    let mut counts = on(pool, || {
        chunks(runs)
            .map(|ch| {
                let (mut below, mut equal) = (0u64, 0u64);
                for &x in ch {
                    let v = x.to_bits();
                    below += (v < bits) as u64;
                    equal += (v == bits) as u64;
                }
                [below, equal]
            })
            .reduce(|| [0, 0], |a, b| [a[0] + b[0], a[1] + b[1]])
    });
    comm.sum_u64(&mut counts);
    let [below, equal] = counts;
    // ranks (0-based) of the middle value(s): one for odd n, two for even
    let (lo, hi) = ((n - 1) / 2, n / 2);
    // as the two middle values would give it (0.5 * (c + c) is c but at the top of the range)
    (below <= lo && hi < below + equal).then_some(if n % 2 == 1 { c } else { 0.5 * (c + c) })
}

/// The k-th smallest (0-based) of the non-negative values of every process:
/// a radix select on the IEEE bit pattern (monotone for x >= 0), 16 bits per
/// pass with the bucket counts summed over the processes, until (on one
/// process) the bucket holding rank k is small enough to copy and select
/// in. Memory stays bounded (at most [`COPY_LIMIT`] values) even when most
/// values are equal. Also the (k+1)-th where it comes for free: when it lies
/// in the same last bucket or copy (the second middle value of an even count
/// then needs no pass of its own).
fn nth(comm: &dyn Comm, runs: &[&[f64]], pool: Option<&rayon::ThreadPool>, k: u64) -> (f64, Option<f64>) {
    let mut prefix = 0u64; // bits above `shift` fixed so far
    let mut k = k;
    let mut shift = 64u32;
    loop {
        let high = shift; // bits at and above `high` must equal `prefix`
        shift -= 16;
        let matches = |b: u64| high == 64 || (b >> high) == (prefix >> high);
        let mut counts = on(pool, || {
            chunks(runs)
                .fold(
                    || vec![0u64; 1 << 16],
                    |mut counts, c| {
                        for &x in c {
                            let b = x.to_bits();
                            if matches(b) {
                                counts[((b >> shift) & 0xFFFF) as usize] += 1;
                            }
                        }
                        counts
                    },
                )
                .reduce(
                    || vec![0u64; 1 << 16],
                    |mut a, b| {
                        a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                        a
                    },
                )
        });
        comm.sum_u64(&mut counts);
        let (mut acc, mut bucket) = (0u64, 0u64);
        for (i, &c) in counts.iter().enumerate() {
            if acc + c > k {
                bucket = i as u64;
                break;
            }
            acc += c;
        }
        prefix |= bucket << shift;
        k -= acc;
        let size = counts[bucket as usize];
        if shift == 0 {
            // the bucket holds `size` copies of one value
            let v = f64::from_bits(prefix);
            return (v, (k + 1 < size).then_some(v));
        }
        // one process may select in a copy of the bucket; several go on with
        // summed counts (the same value either way: the exact k-th)
        if comm.size() == 1 && size as usize <= COPY_LIMIT {
            let mut inside: Vec<f64> = on(pool, || {
                chunks(runs)
                    .flat_map_iter(|c| {
                        c.iter()
                            .copied()
                            .filter(|x| (x.to_bits() >> shift) == (prefix >> shift))
                    })
                    .collect()
            });
            let (_, kth, above) = inside.select_nth_unstable_by(k as usize, |a, b| a.total_cmp(b));
            return (*kth, above.iter().copied().min_by(|a, b| a.total_cmp(b)));
        }
    }
}

/// The k-th smallest (0-based, k >= 1) of the non-negative values of every
/// process, given `below`, the (k-1)-th: `below` itself if more than k
/// values are at most it, else the least value above it. One pass over the
/// values, where [`nth`] takes up to four (at N = 1M a pass reads 6.4 GB).
/// Values are ordered by bit pattern, as [`nth`] orders them.
fn next_rank(comm: &dyn Comm, runs: &[&[f64]], pool: Option<&rayon::ThreadPool>, below: f64, k: u64) -> f64 {
    let b = below.to_bits();
    let (at_most, above) = on(pool, || {
        chunks(runs)
            .map(|c| {
                let (mut n, mut least) = (0u64, u64::MAX);
                // without branches: half the values are on either side
                for &x in c {
                    let v = x.to_bits();
                    n += (v <= b) as u64;
                    least = least.min(if v > b { v } else { u64::MAX });
                }
                (n, least)
            })
            .reduce(|| (0, u64::MAX), |x, y| (x.0 + y.0, x.1.min(y.1)))
    });
    let mut n = [at_most];
    comm.sum_u64(&mut n);
    // every process sees the same sum, so all take the same branch
    if n[0] > k {
        return below;
    }
    let mut least = [if above == u64::MAX {
        f64::INFINITY
    } else {
        f64::from_bits(above)
    }];
    comm.min_f64(&mut least);
    least[0]
}

/// Largest bucket copied for the final selection (8 MB of values).
const COPY_LIMIT: usize = 1 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    fn of(v: &[f64]) -> Summary {
        summarise(&[v])
    }

    #[test]
    fn runs_and_chunks_do_not_change_the_summary() {
        let v: Vec<f64> = (0..300_001).map(|i| ((i as f64) * 0.37).sin().abs() * 50.0).collect();
        let one = of(&v);
        let (a, b) = v.split_at(123_457);
        let (b, c) = b.split_at(70_001);
        assert_eq!(summarise(&[c, a, &[], b]), one);
        let mut sorted = v.clone();
        sorted.sort_by(|a, b| a.total_cmp(b));
        assert_eq!(one.median, sorted[150_000]);
    }

    #[test]
    fn exact_sum_is_correctly_rounded_and_order_free() {
        let v: Vec<f64> = (0..10_000)
            .map(|i| ((i as f64) * 0.731).sin().abs() * 10f64.powi(i % 9 - 4))
            .collect();
        let mut a = ExactSum::default();
        v.iter().for_each(|&x| a.add(x));
        let mut b = ExactSum::default();
        v.iter().rev().for_each(|&x| b.add(x));
        assert_eq!(a, b);
        // against a double-double reference
        let (mut hi, mut lo) = (0.0f64, 0.0f64);
        for &x in &v {
            let s = hi + x;
            let bb = s - hi;
            lo += (hi - (s - bb)) + (x - bb);
            hi = s;
        }
        assert_eq!(a.value(), hi + lo);
        // tiny and huge, subnormals, ties to even
        let mut t = ExactSum::default();
        t.add(1.0);
        t.add(f64::EPSILON / 2.0);
        assert_eq!(t.value(), 1.0);
        t.add(f64::EPSILON / 2.0);
        assert_eq!(t.value(), 1.0 + f64::EPSILON);
        let mut s = ExactSum::default();
        s.add(f64::from_bits(1));
        s.add(f64::from_bits(3));
        assert_eq!(s.value(), f64::from_bits(4));
        let mut h = ExactSum::default();
        h.add(1e300);
        h.add(1e-300);
        assert_eq!(h.value(), 1e300);
        let mut m = a.clone();
        m.merge(&b);
        assert_eq!(m.value(), 2.0 * a.value());
        assert_eq!(ExactSum::default().value(), 0.0);
    }

    #[test]
    fn add_mapped_is_add_of_each() {
        // many blocks and a remainder; zeros, subnormals, wide exponents, and
        // long runs of the largest significand at one exponent (carries)
        let n = 3 * LANES * PER_EXPONENT + 7;
        let v: Vec<f64> = (0..n)
            .map(|i| match i % 7 {
                0 => 0.0,
                1 => f64::from_bits(i as u64 * 7919),
                2 => f64::from_bits(0x3ff0_0000_0000_0000 | ((1 << 52) - 1)),
                3 => ((i as f64) * 0.731).sin().abs() * 10f64.powi((i % 13) as i32 * 20 - 140),
                _ => ((i as f64) * 0.37).cos().abs() * 60.0,
            })
            .collect();
        for len in [0, 1, 5, LANES * PER_EXPONENT, n] {
            let mut one = ExactSum::default();
            v[..len].iter().for_each(|&x| one.add(x * x));
            let mut all = ExactSum::default();
            all.add_mapped(&v[..len], |x| x * x);
            assert_eq!(all, one, "{len}");
        }
        let big = vec![f64::MAX; 2 * LANES * PER_EXPONENT + 3];
        let mut one = ExactSum::default();
        big.iter().for_each(|&x| one.add(x));
        let mut all = ExactSum::default();
        all.add_mapped(&big, |x| x);
        assert_eq!(all, one);
    }

    #[test]
    fn numpy_like() {
        let s = of(&[0.0, 1.0, 2.0, 10.0]);
        assert_eq!(s.median, 1.5);
        assert_eq!(s.mean, 3.25);
        assert!((s.sd - 3.960_744_879_438_715).abs() < 1e-12);
        assert_eq!(s.zero_fraction, 0.25);
        assert_eq!((s.min, s.max), (0.0, 10.0));
        assert_eq!(of(&[5.0, 1.0, 3.0]).median, 3.0);
    }

    #[test]
    fn median_of_mostly_equal_values_needs_no_copy() {
        // 3 million values, most of them equal: the radix passes resolve it
        let v: Vec<f64> = (0..3_000_001)
            .map(|i| if i % 10 == 0 { i as f64 * 1e-3 } else { 31.777 })
            .collect();
        assert_eq!(of(&v).median, 31.777);
        // two ninths equal, too few to be tried as the common value: all
        // four radix passes, each bucket above the copy limit
        let u: Vec<f64> = (0..6_000_001)
            .map(|i| match i % 9 {
                0 | 1 => 31.777,
                2..=4 => i as f64 * 1e-6,
                _ => 40.0 + i as f64 * 1e-6,
            })
            .collect();
        assert_eq!(common_median(&Solo, &[&u], None, u.len() as u64), None);
        assert_eq!(of(&u).median, 31.777);
        // even counts through all four passes: both middle values in the
        // last bucket, and the lower one the last value of that bucket
        assert_eq!(of(&u[1..]).median, 31.777);
        let t: Vec<f64> = (0..6_000_000)
            .map(|i| match i {
                0..1_800_000 => i as f64 * 1e-6,
                1_800_000..3_000_000 => 31.777,
                _ => 40.0 + i as f64 * 1e-6,
            })
            .collect();
        assert_eq!(common_median(&Solo, &[&t], None, t.len() as u64), None);
        assert_eq!(of(&t).median, 0.5 * (31.777 + (40.0 + 3_000_000.0 * 1e-6)));
        let w: Vec<f64> = (0..2_000_001)
            .map(|i| (i % 1000) as f64 + if i % 2 == 0 { 0.0 } else { 1e-9 })
            .collect();
        let mut sorted = w.clone();
        sorted.sort_by(|a, b| a.total_cmp(b));
        assert_eq!(of(&w).median, sorted[1_000_000]);
    }

    #[test]
    fn median_of_an_even_count_matches_sort() {
        // the two middle values: equal, adjacent, far apart (other radix
        // buckets), the lower one the last of a run of equal values
        let cases: Vec<Vec<f64>> = vec![
            vec![3.0, 3.0],
            vec![0.0, 7.5],
            vec![1.0, 2.0, 2.0, 9.0],
            vec![0.0, 0.0, 1e-300, 5e300],
            (0..2_000_000)
                .map(|i| if i < 1_000_000 { 29.0 } else { 31.0 })
                .collect(),
            (0..2_000_000).map(|i| ((i as f64) * 0.61).cos().abs() * 80.0).collect(),
            (0..1_500_000)
                .map(|i| if i % 4 == 0 { 0.0 } else { (i % 977) as f64 * 0.25 })
                .collect(),
        ];
        for v in cases {
            let mut s = v.clone();
            s.sort_by(|a, b| a.total_cmp(b));
            let h = v.len() / 2;
            assert_eq!(
                of(&v).median.to_bits(),
                (0.5 * (s[h - 1] + s[h])).to_bits(),
                "{:?}",
                &s[h - 1..=h]
            );
            // split into runs, as the partitions hold them
            let (a, b) = v.split_at(v.len() / 3);
            assert_eq!(summarise(&[a, b]).median.to_bits(), of(&v).median.to_bits());
        }
    }

    #[test]
    fn a_common_median_is_found_in_one_pass_and_matches_sort() {
        let distinct = |i: usize| 40.0 + i as f64 * 1e-3;
        // (values, whether the common value is the median)
        let cases: Vec<(Vec<f64>, bool)> = vec![
            // most values equal, odd and even counts
            (
                (0..100_001)
                    .map(|i| if i % 10 == 0 { distinct(i) } else { 31.5 })
                    .collect(),
                true,
            ),
            (
                (0..100_000)
                    .map(|i| if i % 10 == 0 { i as f64 * 1e-4 } else { 31.5 })
                    .collect(),
                true,
            ),
            // a common value away from the middle: zeros, then distinct values
            (
                (0..100_000)
                    .map(|i| if i % 3 == 0 { 0.0 } else { distinct(i) })
                    .collect(),
                false,
            ),
            // the common value ends right at the middle of an even count
            (
                (0..100_000)
                    .map(|i| if i < 50_000 { 5.0 } else { distinct(i) })
                    .collect(),
                false,
            ),
            // ... and one past it
            (
                (0..100_000)
                    .map(|i| if i <= 50_000 { 5.0 } else { distinct(i) })
                    .collect(),
                true,
            ),
            // no common value
            ((0..100_000).map(distinct).collect(), false),
        ];
        for (v, common) in cases {
            let mut s = v.clone();
            s.sort_by(|a, b| a.total_cmp(b));
            let h = v.len() / 2;
            let sorted = if v.len() % 2 == 1 {
                s[h]
            } else {
                0.5 * (s[h - 1] + s[h])
            };
            let runs: Vec<&[f64]> = v.chunks(30_000).collect();
            let found = common_median(&Solo, &runs, None, v.len() as u64);
            assert_eq!(found.is_some(), common, "{:?}", &s[h - 1..=h]);
            assert_eq!(summarise(&runs).median.to_bits(), sorted.to_bits());
        }
    }

    #[test]
    fn median_matches_sort_with_many_equal_values() {
        let v: Vec<f64> = (0..1001)
            .map(|i| {
                if i % 3 == 0 {
                    0.0
                } else {
                    (i as f64 * 0.37).sin().abs() * 100.0
                }
            })
            .collect();
        let mut s = v.clone();
        s.sort_by(|a, b| a.total_cmp(b));
        assert_eq!(of(&v).median, s[500]);
    }
}
