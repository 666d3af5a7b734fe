//! Neuron models behind one small trait. A model knows its equations and
//! nothing of threads, slices or storage: the engine hands it, step by step,
//! the summed input that arrives in that step and asks whether it spiked.
//!
//! Adding a model: one new file implementing [`NeuronModel`], one variant in
//! [`ModelKind`] (name, aliases).

pub mod iaf_psc_alpha;
pub mod ignore_and_fire;

pub use iaf_psc_alpha::IafPscAlpha;
pub use ignore_and_fire::IgnoreAndFire;

use crate::rng::Stream;

/// A point-neuron model advanced on a fixed time grid.
pub trait NeuronModel: Sync {
    /// The state of one neuron.
    type State: Send + Sync + Clone;

    /// The initial state of one neuron; `rng` is the neuron's own stream for
    /// randomised initial conditions.
    fn init(&self, rng: &mut Stream) -> Self::State;

    /// Advance one step of h. `ex` (>= 0) and `inh` (<= 0) are the summed
    /// weights (pA) of the excitatory and inhibitory spikes arriving in this
    /// step. Returns true if the neuron spikes at the end of the step.
    fn step(&self, s: &mut Self::State, ex: f64, inh: f64) -> bool;

    /// The states of a block of neurons in the model's own layout (for
    /// example a structure of arrays, so that a step vectorises).
    type Block: Send + Sync;

    /// Pack the states of a block of neurons, neuron l at index l.
    fn block(&self, states: Vec<Self::State>) -> Self::Block;

    /// Advance neurons `from .. from + ex.len()` of `block` one step, neuron
    /// `from + j` with inputs `ex[j]`, `inh[j]` (pA, as in
    /// [`NeuronModel::step`]); `fired(l)` is called in increasing l for each
    /// neuron l that spikes. Gives bit for bit what `step` gives neuron by
    /// neuron.
    fn step_block(&self, block: &mut Self::Block, from: usize, ex: &[f64], inh: &[f64], fired: impl FnMut(usize));
}

/// The models `scaling` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ModelKind {
    /// Leaky integrate-and-fire with alpha PSCs, exact integration.
    IafPscAlpha,
    /// Fires at a fixed rate and phase, ignoring its input.
    IgnoreAndFire,
}

impl ModelKind {
    /// Every model, in the order of the original example.
    pub const ALL: [ModelKind; 2] = [ModelKind::IafPscAlpha, ModelKind::IgnoreAndFire];

    /// NEST's model name, used in directory names.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::IafPscAlpha => "iaf_psc_alpha",
            ModelKind::IgnoreAndFire => "ignore_and_fire",
        }
    }

    /// Parse a model name or alias (`iaf`, `iaf_psc_alpha`, `ignore`, `ignore_and_fire`).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "iaf" | "iaf_psc_alpha" => Some(ModelKind::IafPscAlpha),
            "ignore" | "ignore_and_fire" => Some(ModelKind::IgnoreAndFire),
            _ => None,
        }
    }
}
