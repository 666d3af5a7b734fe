//! The drive kernel with AVX-512F: eight lanes per instruction.

use super::{scan_rare_lanes, Streams, FAST, LANES};
use crate::engine::drive::CountTable;
use std::arch::x86_64::*;

/// [`super::portable::groups`] with [`group`]: the loop over the groups
/// inside code compiled for the instruction set, its constants set up once.
/// Calling it requires a CPU with AVX-512F.
#[target_feature(enable = "avx512f")]
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

/// [`super::portable::group`] eight lanes per instruction. Calling it
/// (unsafe outside code compiled for AVX-512F) requires a CPU with
/// AVX-512F.
#[target_feature(enable = "avx512f")]
#[inline]
fn group(
    table: &CountTable,
    streams: &mut Streams,
    rows: &mut [f64],
    stride: usize,
    steps: usize,
    w: f64,
) -> [u64; LANES] {
    // SAFETY: a word of the streams holds LANES = 8 u64, one vector
    let load = |word: &[u64; LANES]| unsafe { _mm512_loadu_si512(word.as_ptr().cast()) };
    let (mut s0, mut s1, mut s2, mut s3) = (
        load(&streams[0]),
        load(&streams[1]),
        load(&streams[2]),
        load(&streams[3]),
    );
    let f: [__m512i; FAST] = std::array::from_fn(|j| _mm512_set1_epi64(table.fast()[j] as i64));
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
            c = scan_rare_lanes_512(table, u, c, rare);
        }
        events = _mm512_add_epi64(events, c);
        let cf = _mm512_sub_pd(
            _mm512_castsi512_pd(_mm512_or_si512(c, magic)),
            _mm512_castsi512_pd(magic),
        );
        let row = &mut rows[k * stride..k * stride + LANES];
        // SAFETY: row holds LANES = 8 f64, one vector
        unsafe { _mm512_storeu_pd(row.as_mut_ptr(), _mm512_mul_pd(cf, wv)) };
    }
    let mut out = [0u64; LANES];
    // SAFETY: each destination holds LANES = 8 u64, one vector
    unsafe {
        for (word, x) in streams.iter_mut().zip([s0, s1, s2, s3]) {
            _mm512_storeu_si512(word.as_mut_ptr().cast(), x);
        }
        _mm512_storeu_si512(out.as_mut_ptr().cast(), events);
    }
    out
}

/// The counts `c` of the draws `u` with the lanes in `rare` recounted by
/// [`scan_rare_lanes`].
#[target_feature(enable = "avx512f")]
#[cold]
fn scan_rare_lanes_512(table: &CountTable, u: __m512i, c: __m512i, rare: u8) -> __m512i {
    let (mut us, mut cs) = ([0u64; LANES], [0u64; LANES]);
    // SAFETY: us and cs hold LANES = 8 u64, one vector
    unsafe {
        _mm512_storeu_si512(us.as_mut_ptr().cast(), u);
        _mm512_storeu_si512(cs.as_mut_ptr().cast(), c);
    }
    scan_rare_lanes(table, &us, &mut cs, rare as u32);
    // SAFETY: as above
    unsafe { _mm512_loadu_si512(cs.as_ptr().cast()) }
}
