//! Network construction: fixed in-degree connectivity drawn from one random
//! stream per target neuron, stored per partition of target neurons as
//! compressed rows grouped by source, so that a spike walks one contiguous
//! slice of targets in each partition.

pub mod build;
pub mod storage;

pub use build::{build, build_share, share_synapses, BuildProgress, Layout, WORK_PER_SYNAPSE};
pub use storage::{Network, Partition};
