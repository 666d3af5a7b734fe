//! External Poisson drive: every neuron receives an independent Poisson
//! process of rate nu_X. As NEST's `poisson_generator` does, each step draws
//! the neuron's number of events c ~ Poisson(nu_X h / 1000) and delivers
//! them as one input of weight `c * w_ext` (NEST's weight times
//! multiplicity).
//!
//! The count is the inverse of the Poisson CDF at one uniform 64-bit draw
//! from the neuron's own xoshiro256++ stream. The streams of a block of
//! neurons are kept side by side (structure of arrays), so that eight
//! neurons draw, count and write a step at once (vectorised). The input of
//! a whole slice is written into the excitatory rows of the input ring
//! before any recurrent spike is added to them, so those rows need no
//! clearing.

use crate::rng::{splitmix64, stream_seed, Purpose};

/// Neurons drawn together.
pub const LANES: usize = 8;

/// Thresholds of the Poisson CDF checked for every draw; a draw at or above
/// the last of them (count >= FAST, probability 8e-5 at the experiment's
/// rate) scans the full table.
const FAST: usize = 4;

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

    /// The count for the uniform draw `u`, by scanning the thresholds.
    fn scan(&self, u: u64) -> u64 {
        self.thresholds.iter().take_while(|&&t| t <= u).count() as u64
    }

    /// The count for `u` as every kernel takes it: the number of the first
    /// three thresholds at or below `u`, or by scanning if `u` reaches the
    /// [`FAST`]-th (rare).
    #[inline(always)]
    fn count(&self, u: u64) -> u64 {
        let f = &self.fast;
        if u >= f[FAST - 1] {
            self.scan(u)
        } else {
            (u >= f[0]) as u64 + (u >= f[1]) as u64 + (u >= f[2]) as u64
        }
    }

    /// Recount by scanning the lanes `i` of `c` with bit i set in `rare`
    /// (those whose draw `u[i]` reached the [`FAST`]-th threshold).
    #[cold]
    fn rescan(&self, u: &[u64], c: &mut [u64], rare: u32) {
        for (i, (&u, c)) in u.iter().zip(c.iter_mut()).enumerate() {
            if rare & (1 << i) != 0 {
                *c = self.scan(u);
            }
        }
    }
}

/// The Poisson drive of a block of neurons: one xoshiro256++ stream per
/// neuron, seeded from (seed, Poisson, global index).
#[derive(Debug, Clone)]
pub struct DriveBlock {
    /// The four state words of every stream, neuron l at index l (padded to
    /// whole groups of [`LANES`]).
    state: [Vec<u64>; 4],
    n: usize,
    kernel: Kernel,
}

/// The instruction set the drive kernel is compiled for (detected at run
/// time; every variant gives the same numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kernel {
    Baseline,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Kernel {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx512f") {
                return Kernel::Avx512;
            }
            if std::is_x86_feature_detected!("avx2") {
                return Kernel::Avx2;
            }
        }
        Kernel::Baseline
    }
}

impl DriveBlock {
    /// The drive of the neurons with global indices `neurons` (local index
    /// l for the l-th of them).
    pub fn new(seed: u64, neurons: impl Iterator<Item = u32>) -> Self {
        let mut state: [Vec<u64>; 4] = Default::default();
        let mut n = 0usize;
        for i in neurons {
            let words = seed_words(stream_seed(seed, Purpose::Poisson, i as u64));
            for (s, w) in state.iter_mut().zip(words) {
                s.push(w);
            }
            n += 1;
        }
        // padding lanes draw too, but are never written where a neuron reads
        let padded = n.next_multiple_of(LANES);
        for (w, s) in state.iter_mut().enumerate() {
            s.resize(padded, splitmix64(w as u64 + 1));
        }
        DriveBlock {
            state,
            n,
            kernel: Kernel::detect(),
        }
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
        let groups = self.n.div_ceil(LANES);
        assert!(stride >= groups * LANES, "a row holds every lane");
        assert!(
            steps == 0 || rows.len() >= (steps - 1) * stride + groups * LANES,
            "rows for every step"
        );
        let mut events = 0;
        for g in 0..groups {
            let base = g * LANES;
            // SAFETY: the kernels run only where detect() found their instruction set
            let per_lane = unsafe {
                match self.kernel {
                    Kernel::Baseline => group_baseline(&mut self.state, base, table, rows, stride, steps, w),
                    #[cfg(target_arch = "x86_64")]
                    Kernel::Avx2 => group_avx2(&mut self.state, base, table, rows, stride, steps, w),
                    #[cfg(target_arch = "x86_64")]
                    Kernel::Avx512 => group_avx512(&mut self.state, base, table, rows, stride, steps, w),
                }
            };
            // padding lanes are not counted
            events += per_lane[..(self.n - base).min(LANES)].iter().sum::<u64>();
        }
        events
    }
}

/// The four state words of a xoshiro256++ stream seeded with `seed`, as
/// `rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64` fills them (SplitMix64).
fn seed_words(seed: u64) -> [u64; 4] {
    std::array::from_fn(|i| splitmix64(seed.wrapping_add(i as u64 * 0x9E37_79B9_7F4A_7C15)))
}

/// One group of [`LANES`] neurons from index `base` through `steps` steps,
/// lane by lane; returns the events per lane. The reference the vector
/// kernels follow operation for operation.
///
/// # Safety
/// None (unsafe only to share the signature of the vector kernels).
unsafe fn group_baseline(
    state: &mut [Vec<u64>; 4],
    base: usize,
    table: &CountTable,
    rows: &mut [f64],
    stride: usize,
    steps: usize,
    w: f64,
) -> [u64; LANES] {
    let mut events = [0u64; LANES];
    for (i, e) in events.iter_mut().enumerate() {
        let l = base + i;
        let mut s = [state[0][l], state[1][l], state[2][l], state[3][l]];
        for k in 0..steps {
            // xoshiro256++
            let u = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
            let t = s[1] << 17;
            s[2] ^= s[0];
            s[3] ^= s[1];
            s[1] ^= s[2];
            s[0] ^= s[3];
            s[2] ^= t;
            s[3] = s[3].rotate_left(45);
            let c = table.count(u);
            *e += c;
            rows[k * stride + l] = as_f64(c) * w;
        }
        for (j, &x) in s.iter().enumerate() {
            state[j][l] = x;
        }
    }
    events
}

/// `c` as f64, exactly for c < 2^52 (its bits as the mantissa of 2^52), as
/// the vector kernels convert it.
#[inline(always)]
fn as_f64(c: u64) -> f64 {
    f64::from_bits(c | 0x4330_0000_0000_0000) - 4503599627370496.0
}

/// [`group_baseline`] eight lanes per instruction.
///
/// # Safety
/// The CPU must have AVX-512F; `base + LANES` lanes of state and the rows
/// must exist (checked by [`DriveBlock::fill`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn group_avx512(
    state: &mut [Vec<u64>; 4],
    base: usize,
    table: &CountTable,
    rows: &mut [f64],
    stride: usize,
    steps: usize,
    w: f64,
) -> [u64; LANES] {
    use std::arch::x86_64::*;
    let load = |v: &Vec<u64>| _mm512_loadu_si512(v[base..base + LANES].as_ptr().cast());
    let (mut s0, mut s1, mut s2, mut s3) = (load(&state[0]), load(&state[1]), load(&state[2]), load(&state[3]));
    let f: [__m512i; FAST] = std::array::from_fn(|j| _mm512_set1_epi64(table.fast[j] as i64));
    let (one, magic, wv) = (
        _mm512_set1_epi64(1),
        _mm512_set1_epi64(0x4330_0000_0000_0000),
        _mm512_set1_pd(w),
    );
    let mut events = _mm512_setzero_si512();
    for k in 0..steps {
        let u = _mm512_add_epi64(_mm512_rol_epi64::<23>(_mm512_add_epi64(s0, s3)), s0);
        let t = _mm512_slli_epi64::<17>(s1);
        s2 = _mm512_xor_si512(s2, s0);
        s3 = _mm512_xor_si512(s3, s1);
        s1 = _mm512_xor_si512(s1, s2);
        s0 = _mm512_xor_si512(s0, s3);
        s2 = _mm512_xor_si512(s2, t);
        s3 = _mm512_rol_epi64::<45>(s3);
        let mut c = _mm512_maskz_mov_epi64(_mm512_cmpge_epu64_mask(u, f[0]), one);
        c = _mm512_mask_add_epi64(c, _mm512_cmpge_epu64_mask(u, f[1]), c, one);
        c = _mm512_mask_add_epi64(c, _mm512_cmpge_epu64_mask(u, f[2]), c, one);
        let rare = _mm512_cmpge_epu64_mask(u, f[FAST - 1]);
        if rare != 0 {
            c = rescan(table, u, c, rare);
        }
        events = _mm512_add_epi64(events, c);
        let cf = _mm512_sub_pd(
            _mm512_castsi512_pd(_mm512_or_si512(c, magic)),
            _mm512_castsi512_pd(magic),
        );
        _mm512_storeu_pd(
            rows[k * stride + base..k * stride + base + LANES].as_mut_ptr(),
            _mm512_mul_pd(cf, wv),
        );
    }
    for (v, x) in state.iter_mut().zip([s0, s1, s2, s3]) {
        _mm512_storeu_si512(v[base..base + LANES].as_mut_ptr().cast(), x);
    }
    let mut out = [0u64; LANES];
    _mm512_storeu_si512(out.as_mut_ptr().cast(), events);
    out
}

/// The counts `c` with the lanes in `rare` recounted by scanning.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[cold]
unsafe fn rescan(
    table: &CountTable,
    u: std::arch::x86_64::__m512i,
    c: std::arch::x86_64::__m512i,
    rare: u8,
) -> std::arch::x86_64::__m512i {
    use std::arch::x86_64::*;
    let (mut us, mut cs) = ([0u64; LANES], [0u64; LANES]);
    _mm512_storeu_si512(us.as_mut_ptr().cast(), u);
    _mm512_storeu_si512(cs.as_mut_ptr().cast(), c);
    table.rescan(&us, &mut cs, rare as u32);
    _mm512_loadu_si512(cs.as_ptr().cast())
}

/// [`group_baseline`] four lanes per instruction, two vectors per group.
///
/// # Safety
/// The CPU must have AVX2; `base + LANES` lanes of state and the rows must
/// exist (checked by [`DriveBlock::fill`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn group_avx2(
    state: &mut [Vec<u64>; 4],
    base: usize,
    table: &CountTable,
    rows: &mut [f64],
    stride: usize,
    steps: usize,
    w: f64,
) -> [u64; LANES] {
    use std::arch::x86_64::*;
    let mut out = [0u64; LANES];
    // unsigned order as signed order with the sign bits flipped
    let sign = _mm256_set1_epi64x(i64::MIN);
    let f: [__m256i; FAST] = std::array::from_fn(|j| _mm256_set1_epi64x((table.fast[j] ^ (1 << 63)) as i64));
    let (magic, wv) = (_mm256_set1_epi64x(0x4330_0000_0000_0000), _mm256_set1_pd(w));
    let rol = |x: __m256i, r: i32| -> __m256i {
        // (the shift counts as vectors: rotation by a runtime amount)
        _mm256_or_si256(
            _mm256_sll_epi64(x, _mm_set_epi64x(0, r as i64)),
            _mm256_srl_epi64(x, _mm_set_epi64x(0, 64 - r as i64)),
        )
    };
    for half in 0..2 {
        let b = base + 4 * half;
        let load = |v: &Vec<u64>| _mm256_loadu_si256(v[b..b + 4].as_ptr().cast());
        let (mut s0, mut s1, mut s2, mut s3) = (load(&state[0]), load(&state[1]), load(&state[2]), load(&state[3]));
        let mut events = _mm256_setzero_si256();
        for k in 0..steps {
            let u = _mm256_add_epi64(rol(_mm256_add_epi64(s0, s3), 23), s0);
            let t = _mm256_slli_epi64::<17>(s1);
            s2 = _mm256_xor_si256(s2, s0);
            s3 = _mm256_xor_si256(s3, s1);
            s1 = _mm256_xor_si256(s1, s2);
            s0 = _mm256_xor_si256(s0, s3);
            s2 = _mm256_xor_si256(s2, t);
            s3 = rol(s3, 45);
            // c = 3 - #{j < 3: f_j > u}, rare where not f_3 > u
            let us = _mm256_xor_si256(u, sign);
            let mut c = _mm256_set1_epi64x(3);
            for fj in &f[..3] {
                c = _mm256_add_epi64(c, _mm256_cmpgt_epi64(*fj, us));
            }
            let rare = !_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(f[FAST - 1], us))) & 0xf;
            if rare != 0 {
                let (mut ua, mut ca) = ([0u64; 4], [0u64; 4]);
                _mm256_storeu_si256(ua.as_mut_ptr().cast(), u);
                _mm256_storeu_si256(ca.as_mut_ptr().cast(), c);
                table.rescan(&ua, &mut ca, rare as u32);
                c = _mm256_loadu_si256(ca.as_ptr().cast());
            }
            events = _mm256_add_epi64(events, c);
            let cf = _mm256_sub_pd(
                _mm256_castsi256_pd(_mm256_or_si256(c, magic)),
                _mm256_castsi256_pd(magic),
            );
            _mm256_storeu_pd(
                rows[k * stride + b..k * stride + b + 4].as_mut_ptr(),
                _mm256_mul_pd(cf, wv),
            );
        }
        for (v, x) in state.iter_mut().zip([s0, s1, s2, s3]) {
            _mm256_storeu_si256(v[b..b + 4].as_mut_ptr().cast(), x);
        }
        _mm256_storeu_si256(out[4 * half..].as_mut_ptr().cast(), events);
    }
    out
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
        for mean in [0.0, 0.217, 3.0, 40.0] {
            let table = CountTable::new(mean);
            let mut block = DriveBlock::new(9, neurons.into_iter());
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
                        "mean {mean} neuron {l} step {k}"
                    );
                }
            }
            assert_eq!(events, want_events, "mean {mean}");
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

    /// The kernels this CPU can run.
    fn kernels() -> Vec<Kernel> {
        let mut k = vec![Kernel::Baseline];
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") {
                k.push(Kernel::Avx2);
            }
            if std::is_x86_feature_detected!("avx512f") {
                k.push(Kernel::Avx512);
            }
        }
        k
    }

    #[test]
    fn every_kernel_gives_the_same_numbers() {
        // a high rate too, so that the rare path (count >= 4) runs often
        for mean in [0.217, 3.0] {
            let table = CountTable::new(mean);
            let mut blocks: Vec<DriveBlock> = kernels()
                .into_iter()
                .map(|kernel| DriveBlock {
                    kernel,
                    ..DriveBlock::new(5, 0..21u32)
                })
                .collect();
            for _ in 0..20 {
                let runs: Vec<_> = blocks.iter_mut().map(|b| counts(b, &table, 12)).collect();
                for (run, kernel) in runs.iter().zip(kernels()) {
                    let bits = |r: &(Vec<f64>, usize, u64)| r.0.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(run), bits(&runs[0]), "{kernel:?}");
                    assert_eq!(run.2, runs[0].2, "{kernel:?}");
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
}
