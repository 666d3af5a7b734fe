//! Random streams named by (seed, purpose, index): every random number is
//! drawn from the stream of the neuron or purpose it belongs to, never from
//! a thread's stream, so results do not depend on the number of threads.

use rand::SeedableRng;

/// The generator of one stream (xoshiro256++, seeded through SplitMix64).
pub type Stream = rand_xoshiro::Xoshiro256PlusPlus;

/// What a stream is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Drawing the sources of one target neuron.
    Connect = 1,
    /// Initial state of one neuron (V_m, or rate and phase).
    Init = 2,
    /// External Poisson drive of one neuron.
    Poisson = 3,
}

/// The SplitMix64 output for state `z` (its state advanced by the golden gamma, then mixed).
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The 64-bit seed of the stream for (`seed`, `purpose`, `index`).
pub fn stream_seed(seed: u64, purpose: Purpose, index: u64) -> u64 {
    splitmix64(splitmix64(splitmix64(seed) ^ purpose as u64) ^ index)
}

/// The stream for (`seed`, `purpose`, `index`).
pub fn stream(seed: u64, purpose: Purpose, index: u64) -> Stream {
    Stream::seed_from_u64(stream_seed(seed, purpose, index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: u64 = stream(1, Purpose::Connect, 5).random();
        let b: u64 = stream(1, Purpose::Connect, 5).random();
        let c: u64 = stream(1, Purpose::Connect, 6).random();
        let d: u64 = stream(1, Purpose::Init, 5).random();
        let e: u64 = stream(2, Purpose::Connect, 5).random();
        assert_eq!(a, b);
        assert!(a != c && a != d && a != e);
    }
}
