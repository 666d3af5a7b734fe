//! Synaptic plasticity. `stdp_pl_synapse_hom` (power-law STDP with
//! homogeneous parameters, Morrison et al. 2007) acts on E->E synapses.

pub mod stdp_pl;

pub use stdp_pl::{PostHistory, PreTrace, StdpPl, HISTORY_ROOM};
