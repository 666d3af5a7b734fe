//! `scaling`: exact, fast and reproducible scaling experiments with the
//! plastic two-population network of NEST's "ignore_and_fire scaling
//! experiment".
//!
//! Data flows one way: [`cli`] -> [`config`] -> [`sweep`] -> [`simulate`]
//! -> ([`network`], [`engine`]) -> [`output`]; [`analysis`] reads only
//! files; [`calibrate`] runs a sweep and reads it back to fit [`cost`] to
//! this machine. Beside the flow: [`point`] (one point of a sweep), [`cost`] (what
//! a point will cost), [`progress`], [`comm`] (the processes of a
//! distributed run), and the leaves [`host`] (what the machine says) and
//! [`units`] (human-readable sizes and times). Only
//! [`cli`] knows clap; the engine knows neither models' equations nor
//! anything above it.

#![deny(unsafe_op_in_unsafe_fn)]

pub mod analysis;
pub mod calibrate;
pub mod cli;
pub mod comm;
pub mod config;
pub mod cost;
pub mod engine;
pub mod error;
pub mod host;
pub mod models;
pub mod network;
pub mod output;
pub mod params;
pub mod plasticity;
pub mod point;
pub mod progress;
pub mod rng;
pub mod simd;
pub mod simulate;
pub mod stats;
pub mod sweep;
pub mod units;

pub use error::{Error, Result};

/// The crate version written into every output file.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
