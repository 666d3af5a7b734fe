//! The iaf_psc_alpha kernel with AVX2: four neurons per instruction (each
//! group in two halves), the scalar step's operations in the scalar step's
//! order (no fused multiply-add).

use super::{Group, LANES};
use crate::models::iaf_psc_alpha::IafPscAlpha;
use std::arch::x86_64::*;

/// [`super::portable::step_groups`] four neurons per instruction. Calling
/// it (unsafe outside code compiled for AVX2) requires a CPU with AVX2.
#[target_feature(enable = "avx2")]
pub(super) fn step_groups(
    m: &IafPscAlpha,
    groups: &mut [Group],
    ex: &[[f64; LANES]],
    inh: &[[f64; LANES]],
    fired: &mut [u8],
) {
    // SAFETY (both): the four f64 from `x[at]` lie inside the array (at is 0 or 4)
    let load = |x: &[f64; LANES], at: usize| unsafe { _mm256_loadu_pd(x[at..at + 4].as_ptr()) };
    let store =
        |x: &mut [f64; LANES], at: usize, v: __m256d| unsafe { _mm256_storeu_pd(x[at..at + 4].as_mut_ptr(), v) };
    let c0 = _mm256_set1_pd(m.dc_term());
    let (p11, p21) = (_mm256_set1_pd(m.p11), _mm256_set1_pd(m.p21));
    let (p31, p32) = (_mm256_set1_pd(m.p31), _mm256_set1_pd(m.p32));
    let expm1 = _mm256_set1_pd(m.expm1_tm);
    let psc = _mm256_set1_pd(m.psc_init);
    let theta = _mm256_set1_pd(m.theta);
    let v_reset = _mm256_set1_pd(m.v_reset);
    let ref_steps = _mm256_castsi256_pd(_mm256_set1_epi64x(m.ref_steps as i64));
    let (zero, minus_one) = (_mm256_setzero_si256(), _mm256_set1_epi64x(-1));
    for ((q, f), (x, y)) in groups.iter_mut().zip(fired).zip(ex.iter().zip(inh)) {
        *f = 0;
        for at in [0, 4] {
            let (v, di_ex, i_ex) = (load(&q.v, at), load(&q.di_ex, at), load(&q.i_ex, at));
            let (di_in, i_in) = (load(&q.di_in, at), load(&q.i_in, at));
            // SAFETY: q.r[at..at + 4] holds four i64, one vector
            let r = unsafe { _mm256_loadu_si256(q.r[at..at + 4].as_ptr().cast()) };
            // 1. membrane where not refractory: the scalar expression's left-to-right sum
            let mut vn = _mm256_add_pd(c0, _mm256_mul_pd(p31, di_ex));
            vn = _mm256_add_pd(vn, _mm256_mul_pd(p32, i_ex));
            vn = _mm256_add_pd(vn, _mm256_mul_pd(p31, di_in));
            vn = _mm256_add_pd(vn, _mm256_mul_pd(p32, i_in));
            vn = _mm256_add_pd(vn, _mm256_mul_pd(expm1, v));
            vn = _mm256_add_pd(vn, v);
            let free = _mm256_cmpeq_epi64(r, zero);
            let mut v = _mm256_blendv_pd(v, vn, _mm256_castsi256_pd(free));
            // r -= 1 where r > 0: r - 1 - (-1 where r == 0)
            let mut r = _mm256_castsi256_pd(_mm256_sub_epi64(_mm256_add_epi64(r, minus_one), free));
            // 2. currents, then this step's input
            let i_ex = _mm256_add_pd(_mm256_mul_pd(p21, di_ex), _mm256_mul_pd(p11, i_ex));
            let di_ex = _mm256_add_pd(_mm256_mul_pd(di_ex, p11), _mm256_mul_pd(psc, load(x, at)));
            let i_in = _mm256_add_pd(_mm256_mul_pd(p21, di_in), _mm256_mul_pd(p11, i_in));
            let di_in = _mm256_add_pd(_mm256_mul_pd(di_in, p11), _mm256_mul_pd(psc, load(y, at)));
            // 3. threshold
            let spike = _mm256_cmp_pd::<_CMP_GE_OQ>(v, theta);
            let bits = _mm256_movemask_pd(spike);
            if bits != 0 {
                v = _mm256_blendv_pd(v, v_reset, spike);
                r = _mm256_blendv_pd(r, ref_steps, spike);
            }
            store(&mut q.v, at, v);
            store(&mut q.di_ex, at, di_ex);
            store(&mut q.i_ex, at, i_ex);
            store(&mut q.di_in, at, di_in);
            store(&mut q.i_in, at, i_in);
            // SAFETY: q.r[at..at + 4] holds four i64, one vector
            unsafe { _mm256_storeu_si256(q.r[at..at + 4].as_mut_ptr().cast(), _mm256_castpd_si256(r)) };
            *f |= (bits as u8) << at;
        }
    }
}
