//! Neuron models behind one small trait. A model knows its equations and
//! nothing of threads, slices or storage: the engine hands it, step by step,
//! the summed input that arrives in that step and asks whether it spiked.
//!
//! # The model table
//!
//! Every model is one row of the `models!` table below: its variant of
//! [`ModelKind`], its type, NEST's name (also the name of its results
//! directory), its aliases for `--models`, its colour in the figures and the
//! calibration of the cost model behind `--dry-run`. Everything else (the
//! `--models` parser and its messages, `scaling analyse`, the figures, the
//! cost model, `data.json`) reads that table. Adding a model is one new file
//! implementing [`NeuronModel`] (with an inherent `fn new(p: &Params) -> Self`)
//! and one row of the table.

pub mod iaf_psc_alpha;
pub mod ignore_and_fire;

pub use iaf_psc_alpha::IafPscAlpha;
pub use ignore_and_fire::IgnoreAndFire;

use crate::error::{Error, Result};
use crate::params::Params;
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
    /// Whether the model's dynamics read their input at all. For a model
    /// that ignores it (`ignore_and_fire`), the engine passes zeros and skips
    /// what only feeds the input: drawing the external drive step by step
    /// and adding spikes to input buffers. Synapses still transmit and learn,
    /// and every event is still counted.
    const READS_INPUT: bool = true;
}

/// The single-thread cost of a model, as the cost model behind `--dry-run`
/// uses it (see `crate::cost`, which documents how these were measured).
#[derive(Debug, Clone, Copy)]
pub struct Calibration {
    /// Update time per neuron and simulated second, including the external
    /// Poisson drive, one thread (s).
    pub update_s: f64,
    /// Delivery time per synaptic event, including STDP, one thread (s),
    /// for the parameters (a network whose weights mostly end at zero
    /// skips most STDP arithmetic).
    pub event_s: fn(&Params) -> f64,
    /// The firing rate (spikes/s per neuron) assumed before a point runs.
    pub rate: fn(&Params) -> f64,
    /// Simulation slow-down per doubling of a partition's synapse memory
    /// beyond `cost::calib::CACHE_BYTES` (spike histories and input rows no
    /// longer stay in cache between the spikes that need them).
    pub slowdown_per_doubling: f64,
    /// Share of [`Calibration::event_s`] that the events of a sender's
    /// first spike do not cost: before it, the presynaptic trace is zero
    /// and STDP facilitates nothing (no `pow`); early on, targets have
    /// few spikes to depress with. `event_s` is the cost of a run long
    /// enough for this not to matter; a run of T s with rate r pays
    /// `1 - saving * (1 - exp(-r T)) / (r T)` of it (`crate::cost`).
    pub first_spike_saving: f64,
}

/// One row of the model table.
#[derive(Debug, Clone, Copy)]
pub struct ModelInfo {
    /// NEST's model name, used in directory names and `data.json`.
    pub name: &'static str,
    /// Short names accepted by `--models` besides [`ModelInfo::name`].
    pub aliases: &'static [&'static str],
    /// Colour of the model's series in the figures (RGB).
    pub colour: (u8, u8, u8),
    /// Cost of the model for `--dry-run`.
    pub cost: Calibration,
    /// The model's [`NeuronModel::READS_INPUT`]: whether its neurons have
    /// input buffers and a step-by-step drive (memory in the cost model).
    pub reads_input: bool,
}

/// Something done with a concrete model type, built from a point's
/// parameters: see [`ModelKind::visit`]. (A closure cannot be generic over
/// the model type; a visitor can.)
pub trait ModelVisitor {
    /// What the visit returns.
    type Output;
    /// Do it with `model`.
    fn visit<M: NeuronModel>(self, model: &M) -> Self::Output;
}

/// Declares [`ModelKind`] and its table from one row per model.
macro_rules! models {
    ($( $(#[$doc:meta])* $variant:ident => $ty:ty {
        name: $name:literal,
        aliases: [$($alias:literal),*],
        colour: $colour:expr,
        cost: $cost:expr $(,)?
    } ),+ $(,)?) => {
        /// The models `scaling` knows: one variant per row of the model table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ModelKind {
            $( $(#[$doc])* $variant ),+
        }

        impl ModelKind {
            /// Every model, in the table's order (the original example's).
            pub const ALL: &'static [ModelKind] = &[$(ModelKind::$variant),+];

            /// The model's row of the table.
            pub fn info(self) -> &'static ModelInfo {
                match self {
                    $(ModelKind::$variant => {
                        const INFO: ModelInfo = ModelInfo {
                            name: $name,
                            aliases: &[$($alias),*],
                            colour: $colour,
                            cost: $cost,
                            reads_input: <$ty as NeuronModel>::READS_INPUT,
                        };
                        &INFO
                    }),+
                }
            }

            /// Build the model for parameters `p` and hand it to `v`.
            pub fn visit<V: ModelVisitor>(self, p: &Params, v: V) -> V::Output {
                match self {
                    $(ModelKind::$variant => v.visit(&<$ty>::new(p))),+
                }
            }
        }
    };
}

models! {
    /// Leaky integrate-and-fire with alpha PSCs, exact integration.
    IafPscAlpha => IafPscAlpha {
        name: "iaf_psc_alpha",
        aliases: ["iaf"],
        colour: (0, 0, 0),
        // rate: 4.5 ± 0.6/s at N = 1250 (seeds 1-40), 1.0-1.4/s from N = 2500 on (seed 1,
        // T = 10 s: 1.40 at N = 2500, 1.02-1.12 from N = 3750)
        // event_s: the T = 10 s value over the share of it a 10 s run pays (0.94 from
        // N = 2500 on, 0.99 below). Update and event coefficients 0.71x, slowdown
        // 0.10 -> 0.21 per doubling on 2026-12-04 (third machine), after the kernel
        // and delivery changes of that evening: the default sweep ran in 0.69-0.72x
        // the estimated time, N = 200000 and 1M (T = 1 s) in 0.90-1.01x
        cost: Calibration { update_s: 8.5e-6, event_s: |p| if p.N < 2500 { 3.2e-9 } else { 1.07e-8 }, rate: |p| if p.N < 2500 { 5.0 } else { 1.1 }, slowdown_per_doubling: 0.21, first_spike_saving: 0.7 },
    },
    /// Fires at a fixed rate and phase, ignoring its input.
    IgnoreAndFire => IgnoreAndFire {
        name: "ignore_and_fire",
        aliases: ["ignore"],
        colour: (175, 175, 175),
        // rate: the mean of its rate distribution (no drive is drawn and static
        // synapses carry nothing to it; its update phase is mostly the wait for
        // the other workers' delivery, which the update coefficient carries);
        // event_s: the T = 10 s value over the 0.95 of it a 10 s run pays. Both
        // coefficients 0.83x on 2026-12-04 (third machine), after that evening's
        // delivery change: the default sweep ran in 0.79-0.84x the estimated time
        // from N = 2500 on, N = 200000 and 1M (T = 1 s) in 0.85-0.87x
        cost: Calibration { update_s: 1.33e-6, event_s: |_| 9.6e-9, rate: |p| 0.5 * (p.rate_dist[0] + p.rate_dist[1]), slowdown_per_doubling: 0.12, first_spike_saving: 0.5 },
    },
}

impl ModelKind {
    /// NEST's model name, used in directory names.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Parse a model name or alias (`iaf`, `iaf_psc_alpha`, `ignore`, `ignore_and_fire`).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|m| m.name() == s || m.info().aliases.contains(&s))
    }

    /// The model of NEST name `s` exactly (no alias, no whitespace): how a
    /// model is named in results directories and files.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|m| m.name() == s)
    }

    /// The valid model names for messages: `iaf (iaf_psc_alpha), ignore (ignore_and_fire)`.
    pub fn valid_names() -> String {
        Self::ALL
            .iter()
            .map(|m| match m.info().aliases.first() {
                Some(a) => format!("{a} ({})", m.name()),
                None => m.name().to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Parse a comma-separated model list (`iaf,ignore`); repeated models
    /// count once. Errors name `key` (the flag or config key) and the valid
    /// names.
    pub fn parse_list(s: &str, key: &str) -> Result<Vec<ModelKind>> {
        let mut out = Vec::new();
        for name in s.split(',').map(str::trim).filter(|x| !x.is_empty()) {
            let m = ModelKind::parse(name).ok_or_else(|| {
                Error::config(
                    key,
                    format!("unknown model `{name}`; valid: {}", ModelKind::valid_names()),
                )
            })?;
            if !out.contains(&m) {
                out.push(m);
            }
        }
        if out.is_empty() {
            return Err(Error::config(
                key,
                format!("no model given; valid: {}", ModelKind::valid_names()),
            ));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_aliases_and_lists() {
        for &m in ModelKind::ALL {
            assert_eq!(ModelKind::parse(m.name()), Some(m));
            for a in m.info().aliases {
                assert_eq!(ModelKind::parse(a), Some(m));
            }
        }
        assert_eq!(
            ModelKind::parse_list("iaf, ignore_and_fire,iaf", "--models").unwrap(),
            vec![ModelKind::IafPscAlpha, ModelKind::IgnoreAndFire]
        );
        let e = ModelKind::parse_list("iaf,lif", "--models").unwrap_err().to_string();
        assert!(
            e.contains("--models") && e.contains("lif") && e.contains("ignore (ignore_and_fire)"),
            "{e}"
        );
        assert!(ModelKind::parse_list(" , ", "models").is_err());
    }
}
