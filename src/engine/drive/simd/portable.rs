//! The drive kernel in plain Rust, lane by lane: the reference the vector
//! kernels follow operation for operation.

use super::{Streams, LANES};
use crate::engine::drive::CountTable;

/// Each of `groups` in turn through `steps` steps (see [`super::groups`]).
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

/// One group through `steps` steps.
fn group(
    table: &CountTable,
    streams: &mut Streams,
    rows: &mut [f64],
    stride: usize,
    steps: usize,
    w: f64,
) -> [u64; LANES] {
    let mut events = [0u64; LANES];
    for (i, e) in events.iter_mut().enumerate() {
        let mut s = [streams[0][i], streams[1][i], streams[2][i], streams[3][i]];
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
            rows[k * stride + i] = as_f64(c) * w;
        }
        for (word, x) in streams.iter_mut().zip(s) {
            word[i] = x;
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
