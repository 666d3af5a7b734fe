//! The drive kernel with AVX2: four lanes per instruction, two vectors per
//! group.

use super::{scan_rare_lanes, Streams, FAST, LANES};
use crate::engine::drive::CountTable;
use std::arch::x86_64::*;

/// [`super::portable::groups`] with [`group`]: the loop over the groups
/// inside code compiled for the instruction set, its constants set up once.
/// Calling it requires a CPU with AVX2.
#[target_feature(enable = "avx2")]
pub(super) fn groups(
    table: &CountTable,
    groups: &mut [Streams],
    rows: &mut [f64],
    stride: usize,
    steps: usize,
    w: f64,
) -> [u64; LANES] {
    super::each_group(groups, rows, |streams, rows| {
        group(table, streams, rows, stride, steps, w)
    })
}

/// [`super::portable::group`] four lanes per instruction, one half of the
/// group after the other. Calling it (unsafe outside code compiled for
/// AVX2) requires a CPU with AVX2.
#[target_feature(enable = "avx2")]
#[inline]
fn group(
    table: &CountTable,
    streams: &mut Streams,
    rows: &mut [f64],
    stride: usize,
    steps: usize,
    w: f64,
) -> [u64; LANES] {
    let mut out = [0u64; LANES];
    // unsigned order as signed order with the sign bits flipped
    let sign = _mm256_set1_epi64x(i64::MIN);
    let f: [__m256i; FAST] = std::array::from_fn(|j| _mm256_set1_epi64x((table.fast()[j] ^ (1 << 63)) as i64));
    let (magic, wv) = (_mm256_set1_epi64x(0x4330_0000_0000_0000), _mm256_set1_pd(w));
    let rol = |x: __m256i, r: i32| -> __m256i {
        // (the shift counts as vectors: rotation by a runtime amount)
        _mm256_or_si256(
            _mm256_sll_epi64(x, _mm_set_epi64x(0, r as i64)),
            _mm256_srl_epi64(x, _mm_set_epi64x(0, 64 - r as i64)),
        )
    };
    for half in 0..2 {
        let b = 4 * half;
        // SAFETY: the slice holds four u64, one vector
        let load = |word: &[u64; LANES]| unsafe { _mm256_loadu_si256(word[b..b + 4].as_ptr().cast()) };
        let (mut s0, mut s1, mut s2, mut s3) = (
            load(&streams[0]),
            load(&streams[1]),
            load(&streams[2]),
            load(&streams[3]),
        );
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
                c = scan_rare_lanes_256(table, u, c, rare as u32);
            }
            events = _mm256_add_epi64(events, c);
            let cf = _mm256_sub_pd(
                _mm256_castsi256_pd(_mm256_or_si256(c, magic)),
                _mm256_castsi256_pd(magic),
            );
            let row = &mut rows[k * stride + b..k * stride + b + 4];
            // SAFETY: row holds four f64, one vector
            unsafe { _mm256_storeu_pd(row.as_mut_ptr(), _mm256_mul_pd(cf, wv)) };
        }
        // SAFETY: each destination slice holds four u64, one vector
        unsafe {
            for (word, x) in streams.iter_mut().zip([s0, s1, s2, s3]) {
                _mm256_storeu_si256(word[b..b + 4].as_mut_ptr().cast(), x);
            }
            _mm256_storeu_si256(out[b..b + 4].as_mut_ptr().cast(), events);
        }
    }
    out
}

/// The counts `c` of the draws `u` with the lanes in `rare` recounted by
/// [`scan_rare_lanes`].
#[target_feature(enable = "avx2")]
#[cold]
fn scan_rare_lanes_256(table: &CountTable, u: __m256i, c: __m256i, rare: u32) -> __m256i {
    let (mut us, mut cs) = ([0u64; 4], [0u64; 4]);
    // SAFETY: us and cs hold four u64, one vector
    unsafe {
        _mm256_storeu_si256(us.as_mut_ptr().cast(), u);
        _mm256_storeu_si256(cs.as_mut_ptr().cast(), c);
    }
    scan_rare_lanes(table, &us, &mut cs, rare);
    // SAFETY: as above
    unsafe { _mm256_loadu_si256(cs.as_ptr().cast()) }
}
