//! The instruction set, detected once, and the one platform-specific
//! helper outside a kernel family (prefetch). A leaf: it knows no domain.
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

#[cfg(test)]
mod tests {
    use super::*;

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
