//! The iaf_psc_alpha kernel with AVX-512F: eight neurons per instruction
//! (one vector per field of a group), the scalar step's operations in the
//! scalar step's order (no fused multiply-add).

use super::{Group, LANES};
use crate::models::iaf_psc_alpha::IafPscAlpha;
use std::arch::x86_64::*;

/// [`super::portable::step_groups`] eight neurons per instruction. Calling
/// it (unsafe outside code compiled for AVX-512F) requires a CPU with
/// AVX-512F.
#[target_feature(enable = "avx512f")]
pub(super) fn step_groups(
    m: &IafPscAlpha,
    groups: &mut [Group],
    ex: &[[f64; LANES]],
    inh: &[[f64; LANES]],
    fired: &mut [u8],
) {
    // SAFETY (both): the array holds eight f64, one vector
    let load = |x: &[f64; LANES]| unsafe { _mm512_loadu_pd(x.as_ptr()) };
    let store = |x: &mut [f64; LANES], v: __m512d| unsafe { _mm512_storeu_pd(x.as_mut_ptr(), v) };
    let c0 = _mm512_set1_pd(m.dc_term());
    let (p11, p21) = (_mm512_set1_pd(m.p11), _mm512_set1_pd(m.p21));
    let (p31, p32) = (_mm512_set1_pd(m.p31), _mm512_set1_pd(m.p32));
    let expm1 = _mm512_set1_pd(m.expm1_tm);
    let psc = _mm512_set1_pd(m.psc_init);
    let theta = _mm512_set1_pd(m.theta);
    let v_reset = _mm512_set1_pd(m.v_reset);
    let ref_steps = _mm512_set1_epi64(m.ref_steps as i64);
    let (zero, one) = (_mm512_setzero_si512(), _mm512_set1_epi64(1));
    for ((q, f), (x, y)) in groups.iter_mut().zip(fired).zip(ex.iter().zip(inh)) {
        let (v, di_ex, i_ex, di_in, i_in) = (load(&q.v), load(&q.di_ex), load(&q.i_ex), load(&q.di_in), load(&q.i_in));
        // SAFETY: q.r holds eight i64, one vector
        let r = unsafe { _mm512_loadu_si512(q.r.as_ptr().cast()) };
        // 1. membrane where not refractory: the scalar expression's left-to-right sum
        let mut vn = _mm512_add_pd(c0, _mm512_mul_pd(p31, di_ex));
        vn = _mm512_add_pd(vn, _mm512_mul_pd(p32, i_ex));
        vn = _mm512_add_pd(vn, _mm512_mul_pd(p31, di_in));
        vn = _mm512_add_pd(vn, _mm512_mul_pd(p32, i_in));
        vn = _mm512_add_pd(vn, _mm512_mul_pd(expm1, v));
        vn = _mm512_add_pd(vn, v);
        let free = _mm512_cmpeq_epi64_mask(r, zero);
        let mut v = _mm512_mask_blend_pd(free, v, vn);
        // r -= 1 where r > 0 (r != 0)
        let mut r = _mm512_mask_sub_epi64(r, !free, r, one);
        // 2. currents, then this step's input
        let i_ex = _mm512_add_pd(_mm512_mul_pd(p21, di_ex), _mm512_mul_pd(p11, i_ex));
        let di_ex = _mm512_add_pd(_mm512_mul_pd(di_ex, p11), _mm512_mul_pd(psc, load(x)));
        let i_in = _mm512_add_pd(_mm512_mul_pd(p21, di_in), _mm512_mul_pd(p11, i_in));
        let di_in = _mm512_add_pd(_mm512_mul_pd(di_in, p11), _mm512_mul_pd(psc, load(y)));
        // 3. threshold
        let bits = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(v, theta);
        if bits != 0 {
            v = _mm512_mask_blend_pd(bits, v, v_reset);
            r = _mm512_mask_blend_epi64(bits, r, ref_steps);
        }
        store(&mut q.v, v);
        store(&mut q.di_ex, di_ex);
        store(&mut q.i_ex, i_ex);
        store(&mut q.di_in, di_in);
        store(&mut q.i_in, i_in);
        // SAFETY: q.r holds eight i64, one vector
        unsafe { _mm512_storeu_si512(q.r.as_mut_ptr().cast(), r) };
        *f = bits;
    }
}
