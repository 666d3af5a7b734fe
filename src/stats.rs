//! Summary statistics of weight populations, exact and memory-light: the
//! values are visited twice through a callback in a fixed order (so sums do
//! not depend on how synapses are partitioned), and the median is found by
//! a bucket pass over the bit patterns instead of sorting a copy.

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

/// Summarise non-negative finite values produced by `visit(f)` (which calls
/// `f` once per value, in the same order every time it is called).
pub fn summarise(visit: impl Fn(&mut dyn FnMut(f64))) -> Summary {
    let (mut n, mut sum, mut zeros) = (0u64, 0.0f64, 0u64);
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    visit(&mut |x| {
        n += 1;
        sum += x;
        zeros += (x == 0.0) as u64;
        min = min.min(x);
        max = max.max(x);
    });
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
    let mean = sum / n as f64;
    let mut ss = 0.0;
    visit(&mut |x| ss += (x - mean) * (x - mean));
    let median = if n % 2 == 1 {
        nth(&visit, n / 2)
    } else {
        0.5 * (nth(&visit, n / 2 - 1) + nth(&visit, n / 2))
    };
    Summary {
        n,
        mean,
        sd: (ss / n as f64).sqrt(),
        min,
        max,
        median,
        zero_fraction: zeros as f64 / n as f64,
    }
}

/// The k-th smallest (0-based) of the non-negative values: a radix select
/// on the IEEE bit pattern (monotone for x >= 0), 16 bits per pass, until the
/// bucket holding rank k is small enough to copy and select in. Memory stays
/// bounded (at most [`COPY_LIMIT`] values) even when most values are equal.
fn nth(visit: &impl Fn(&mut dyn FnMut(f64)), k: u64) -> f64 {
    let mut prefix = 0u64; // bits above `shift` fixed so far
    let mut k = k;
    let mut shift = 64u32;
    loop {
        let high = shift; // bits at and above `high` must equal `prefix`
        shift -= 16;
        let matches = |b: u64| high == 64 || (b >> high) == (prefix >> high);
        let mut counts = vec![0u64; 1 << 16];
        visit(&mut |x| {
            let b = x.to_bits();
            if matches(b) {
                counts[((b >> shift) & 0xFFFF) as usize] += 1;
            }
        });
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
            return f64::from_bits(prefix);
        }
        if size as usize <= COPY_LIMIT {
            let mut inside = Vec::with_capacity(size as usize);
            visit(&mut |x| {
                if (x.to_bits() >> shift) == (prefix >> shift) {
                    inside.push(x);
                }
            });
            return *inside.select_nth_unstable_by(k as usize, |a, b| a.total_cmp(b)).1;
        }
    }
}

/// Largest bucket copied for the final selection (8 MB of values).
const COPY_LIMIT: usize = 1 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    fn of(v: &[f64]) -> Summary {
        summarise(|f| v.iter().for_each(|&x| f(x)))
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
        let w: Vec<f64> = (0..2_000_001)
            .map(|i| (i % 1000) as f64 + if i % 2 == 0 { 0.0 } else { 1e-9 })
            .collect();
        let mut sorted = w.clone();
        sorted.sort_by(|a, b| a.total_cmp(b));
        assert_eq!(of(&w).median, sorted[1_000_000]);
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
