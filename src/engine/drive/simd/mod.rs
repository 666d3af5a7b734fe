//! The kernel of the external Poisson drive ([`crate::engine::drive`]):
//! groups of [`LANES`] neurons, one after the other, through a run of steps. Each lane
//! advances its own xoshiro256++ stream one draw per step, turns the draw
//! into an event count through the inverse Poisson CDF of a
//! [`CountTable`], and writes `count * w` into the step's row.
//!
//! `portable` is the reference, lane by lane; `avx2` (four lanes per
//! instruction, two vectors per group) and `avx512` (eight lanes per
//! instruction) follow it operation for operation, so that every kernel
//! gives the same bits.

use super::Isa;
use crate::engine::drive::CountTable;

mod portable;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;

/// Neurons drawn together (one group).
pub const LANES: usize = 8;

/// Thresholds of the Poisson CDF every kernel compares each draw with; a
/// draw at or above the last of them (count >= FAST, probability 8e-5 at
/// the experiment's rate) is counted by scanning the whole table.
pub const FAST: usize = 4;

/// The xoshiro256++ states of one group: word `j` of lane `i` at `[j][i]`
/// (structure of arrays, so that a vector holds one word of every lane).
pub type Streams = [[u64; LANES]; 4];

/// Advance the [`LANES`] streams of each of `groups` through `steps` steps
/// with the kernel of `isa`: `rows[k * stride + LANES * g + i] = c * w` for
/// the count c of lane i of group g in step k. Returns the events (the sum
/// of the counts) per lane, summed over the groups. Every `isa` gives the
/// same bits.
///
/// Panics if this CPU lacks `isa`, or if `rows` is too short
/// (`(steps - 1) * stride + LANES * groups.len()` values are written).
pub fn groups(
    isa: Isa,
    table: &CountTable,
    groups: &mut [Streams],
    rows: &mut [f64],
    stride: usize,
    steps: usize,
    w: f64,
) -> [u64; LANES] {
    assert!(isa.is_available(), "this CPU lacks {}", isa.name());
    assert!(
        steps == 0 || rows.len() >= (steps - 1) * stride + LANES * groups.len(),
        "rows for every step of every group"
    );
    match isa {
        Isa::Portable => portable::groups(table, groups, rows, stride, steps, w),
        // SAFETY: the CPU has AVX2 (asserted above)
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { avx2::groups(table, groups, rows, stride, steps, w) },
        // SAFETY: the CPU has AVX-512F (asserted above)
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe { avx512::groups(table, groups, rows, stride, steps, w) },
        #[cfg(not(target_arch = "x86_64"))]
        Isa::Avx2 | Isa::Avx512 => unreachable!("x86-64 instruction sets are never available elsewhere"),
    }
}

/// How many groups ahead [`each_group`] asks for the streams (8 was no
/// faster than 4).
const STREAMS_AHEAD: usize = 4;

/// `group(streams, rows)` for each of `groups`, group g with the rows from
/// column g * LANES; the events per lane, summed. Inlined into each
/// kernel's loop over the groups (one call per block, not per group).
#[inline(always)]
fn each_group(
    groups: &mut [Streams],
    rows: &mut [f64],
    mut group: impl FnMut(&mut Streams, &mut [f64]) -> [u64; LANES],
) -> [u64; LANES] {
    let mut events = [0u64; LANES];
    for g in 0..groups.len() {
        // at large N a block's streams come from memory every slice: ask for
        // them a few groups ahead (the update phase at N = 200000 took 0.9x
        // the time; a group of the drive is too long a loop for the
        // hardware's prefetcher to run ahead of it)
        if let Some(ahead) = groups.get(g + STREAMS_AHEAD) {
            for word in ahead {
                crate::simd::prefetch(Some(word));
            }
        }
        let streams = &mut groups[g];
        let e = group(streams, &mut rows[g * LANES..]);
        events.iter_mut().zip(e).for_each(|(a, b)| *a += b);
    }
    events
}

/// Replace the counts `c[i]` of the lanes `i` with bit i set in `rare`
/// (those whose draw `u[i]` reached the [`FAST`]-th threshold) by the count
/// a full scan of the table gives. The vector kernels' rare path.
#[cold]
fn scan_rare_lanes(table: &CountTable, u: &[u64], c: &mut [u64], rare: u32) {
    for (i, (&u, c)) in u.iter().zip(c.iter_mut()).enumerate() {
        if rare & (1 << i) != 0 {
            *c = table.scan(u);
        }
    }
}
