//! `scaling`: exact, fast and reproducible scaling experiments with the
//! plastic two-population network of NEST's "ignore_and_fire scaling
//! experiment".
//!
//! Data flows one way: [`cli`] -> [`config`] -> [`sweep`] -> ([`network`],
//! [`engine`]) -> [`output`]; [`analysis`] reads only files.

#![deny(unsafe_op_in_unsafe_fn)]

pub mod analysis;
pub mod cli;
pub mod config;
pub mod engine;
pub mod error;
pub mod models;
pub mod network;
pub mod output;
pub mod params;
pub mod plan;
pub mod plasticity;
pub mod point;
pub mod progress;
pub mod rng;
pub mod simd;
pub mod stats;
pub mod sweep;

pub use error::{Error, Result};

/// The crate version written into every output file.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
