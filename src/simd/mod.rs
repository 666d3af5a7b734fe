//! The instruction set, detected once, and the platform-specific helpers
//! outside a kernel family (prefetch, streaming stores). A leaf: it knows
//! no domain.
//!
//! Each kernel family lives in a `simd/` folder beside the domain code it
//! serves, one file per instruction set beside the portable one, and is
//! called through one dispatch on an [`Isa`] chosen once:
//!
//! - `crate::engine::drive::simd`: the external Poisson drive (xoshiro256++
//!   draws counted through the inverse Poisson CDF), eight neurons at a time;
//! - `crate::models::iaf_psc_alpha::simd`: the step of `iaf_psc_alpha`,
//!   groups of eight neurons (AVX2 four, AVX-512 eight per instruction).
//!
//! `#[cfg(target_arch)]` and `#[target_feature]` appear only here and in
//! those folders. Every kernel of a family gives bit for bit the numbers of
//! its portable reference (the same operations in the same order, no fused
//! multiply-add); the tests of each family run every [`Isa::available`].

use std::sync::OnceLock;

/// An instruction set the kernels are compiled for, from the most portable
/// to the widest. Each includes the ones before it: a CPU that runs
/// [`Isa::Avx512`] runs [`Isa::Avx2`] and [`Isa::Portable`] too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Isa {
    /// Plain Rust, for any CPU (the reference of every family).
    Portable,
    /// x86-64 with AVX2 (four 64-bit lanes per instruction).
    Avx2,
    /// x86-64 with AVX-512F and AVX2 (eight 64-bit lanes per instruction).
    Avx512,
}

impl Isa {
    /// Every instruction set, narrowest first.
    pub const ALL: [Isa; 3] = [Isa::Portable, Isa::Avx2, Isa::Avx512];

    /// The widest instruction set this CPU has, detected on the first call
    /// and remembered.
    pub fn detected() -> Isa {
        static DETECTED: OnceLock<Isa> = OnceLock::new();
        *DETECTED.get_or_init(detect)
    }

    /// Every instruction set this CPU has, narrowest first (for tests and
    /// benchmarks that compare the kernels).
    pub fn available() -> Vec<Isa> {
        Isa::ALL.into_iter().filter(|isa| isa.is_available()).collect()
    }

    /// Whether this CPU has this instruction set.
    pub fn is_available(self) -> bool {
        self <= Isa::detected()
    }

    /// A short lower-case name (`portable`, `avx2`, `avx512`).
    pub fn name(self) -> &'static str {
        match self {
            Isa::Portable => "portable",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
        }
    }
}

/// Ask the CPU which instruction sets it has (see [`Isa::detected`]).
fn detect() -> Isa {
    #[cfg(target_arch = "x86_64")]
    {
        let avx2 = std::is_x86_feature_detected!("avx2");
        if avx2 && std::is_x86_feature_detected!("avx512f") {
            return Isa::Avx512;
        }
        if avx2 {
            return Isa::Avx2;
        }
    }
    Isa::Portable
}

/// Hint the CPU to fetch the cache line of `x` into L1 (no effect on
/// results; nothing where the platform has no prefetch instruction).
#[inline(always)]
pub fn prefetch<T>(x: Option<&T>) {
    #[cfg(target_arch = "x86_64")]
    if let Some(x) = x {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: SSE is part of x86-64; a prefetch is a hint that never
        // faults and never changes memory, whatever the address
        unsafe { _mm_prefetch::<{ _MM_HINT_T0 }>((x as *const T).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// Entries of one 64-byte cache line of 32-bit values.
pub const LINE_U32: usize = 16;

/// Write one cache line of 32-bit values to `dst`, around the caches
/// where the platform can (x86-64 non-temporal stores, when `dst` is
/// 16-byte aligned; a plain copy otherwise). The write becomes visible to
/// other threads, and ordered with the plain stores around it, only after
/// [`stream_fence`].
#[inline(always)]
pub fn stream_line(dst: &mut [u32; LINE_U32], src: &[u32; LINE_U32]) {
    #[cfg(target_arch = "x86_64")]
    if (dst.as_ptr() as usize).is_multiple_of(16) {
        use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_stream_si128};
        let (d, s) = (dst.as_mut_ptr().cast::<__m128i>(), src.as_ptr().cast::<__m128i>());
        // SAFETY: SSE2 is part of x86-64; both arrays hold 64 bytes, four
        // 16-byte pieces, and `d` is 16-byte aligned (checked above)
        unsafe {
            for k in 0..4 {
                _mm_stream_si128(d.add(k), _mm_loadu_si128(s.add(k)));
            }
        }
        return;
    }
    *dst = *src;
}

/// Order every [`stream_line`] before it with the stores after it (and
/// make them visible to the thread that joins this one).
#[inline]
pub fn stream_fence() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE is part of x86-64; a fence has no operands
    unsafe {
        std::arch::x86_64::_mm_sfence()
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streamed_line_is_written_aligned_or_not() {
        let src: [u32; LINE_U32] = std::array::from_fn(|i| i as u32 * 7 + 1);
        let mut buf = [0u32; 3 * LINE_U32];
        for start in 0..4 {
            buf.fill(0);
            let dst: &mut [u32; LINE_U32] = (&mut buf[start..start + LINE_U32]).try_into().unwrap();
            stream_line(dst, &src);
            stream_fence();
            assert_eq!(&buf[start..start + LINE_U32], &src);
            assert!(buf[..start].iter().chain(&buf[start + LINE_U32..]).all(|&x| x == 0));
        }
    }

    #[test]
    fn detection_is_consistent() {
        let available = Isa::available();
        assert_eq!(available[0], Isa::Portable, "every CPU runs the portable kernels");
        assert_eq!(*available.last().unwrap(), Isa::detected());
        assert!(available.windows(2).all(|w| w[0] < w[1]));
        #[cfg(target_arch = "x86_64")]
        {
            assert_eq!(available.contains(&Isa::Avx2), std::is_x86_feature_detected!("avx2"));
            assert_eq!(
                available.contains(&Isa::Avx512),
                std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("avx512f")
            );
        }
    }
}
