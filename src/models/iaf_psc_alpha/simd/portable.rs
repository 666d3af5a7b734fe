//! The iaf_psc_alpha kernel in plain Rust: the model's scalar step, lane by
//! lane (the reference of the vector kernel).

use super::Quad;
use crate::models::iaf_psc_alpha::IafPscAlpha;
use crate::models::NeuronModel;

/// One step of every neuron of `quads` (see [`super::step_quads`]).
pub(super) fn step_quads(
    m: &IafPscAlpha,
    quads: &mut [Quad],
    ex: &[[f64; 4]],
    inh: &[[f64; 4]],
    fired: &mut impl FnMut(usize),
) {
    for (g, (q, (x, y))) in quads.iter_mut().zip(ex.iter().zip(inh)).enumerate() {
        for j in 0..4 {
            let mut s = q.lane(j);
            let spiked = m.step(&mut s, x[j], y[j]);
            q.set_lane(j, s);
            if spiked {
                fired(4 * g + j);
            }
        }
    }
}
