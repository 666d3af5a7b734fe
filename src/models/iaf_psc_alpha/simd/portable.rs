//! The iaf_psc_alpha kernel in plain Rust: the model's scalar step, lane by
//! lane (the reference of the vector kernels).

use super::{Group, LANES};
use crate::models::iaf_psc_alpha::IafPscAlpha;
use crate::models::NeuronModel;

/// One step of every neuron of `groups` (see [`super::step_groups`]);
/// `fired[g]` gets bit j set if lane j of group g fired, every kernel alike.
pub(super) fn step_groups(
    m: &IafPscAlpha,
    groups: &mut [Group],
    ex: &[[f64; LANES]],
    inh: &[[f64; LANES]],
    fired: &mut [u8],
) {
    for ((q, f), (x, y)) in groups.iter_mut().zip(fired).zip(ex.iter().zip(inh)) {
        *f = 0;
        for j in 0..LANES {
            let mut s = q.lane(j);
            let spiked = m.step(&mut s, x[j], y[j]);
            q.set_lane(j, s);
            *f |= (spiked as u8) << j;
        }
    }
}
