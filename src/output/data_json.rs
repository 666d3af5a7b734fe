//! `data.json`: the statistics of one sweep point. The first eight keys are
//! those NEST's original example writes (and the only ones its trees hold);
//! everything else is optional so NEST's own trees load too.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

pub use crate::engine::Phases;
use std::path::Path;

/// The content of `data.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RunRecord {
    /// Wall-clock time to create and connect the network (s).
    pub build_time: f64,
    /// Wall-clock time to simulate T (s).
    pub sim_time: f64,
    /// Time- and population-averaged firing rate of all N neurons (spikes/s).
    pub rate: f64,
    /// Mean of the E->E weights among the first 200 E neurons (pA).
    pub weight_mean: f64,
    /// Standard deviation (population) of those weights (pA).
    pub weight_sd: f64,
    /// Minimum of those weights (pA).
    pub weight_min: f64,
    /// Maximum of those weights (pA).
    pub weight_max: f64,
    /// Median of those weights (pA).
    pub weight_median: f64,
    /// Mean of all E->E weights (pA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_all_mean: Option<f64>,
    /// Standard deviation (population) of all E->E weights (pA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_all_sd: Option<f64>,
    /// Minimum of all E->E weights (pA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_all_min: Option<f64>,
    /// Maximum of all E->E weights (pA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_all_max: Option<f64>,
    /// Median of all E->E weights (pA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_all_median: Option<f64>,
    /// Fraction of E->E weights exactly 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_all_zero_fraction: Option<f64>,
    /// Rate of the excitatory population (spikes/s).
    #[serde(default, rename = "rate_E", skip_serializing_if = "Option::is_none")]
    pub rate_e: Option<f64>,
    /// Rate of the inhibitory population (spikes/s).
    #[serde(default, rename = "rate_I", skip_serializing_if = "Option::is_none")]
    pub rate_i: Option<f64>,
    /// Number of spikes emitted by the network in [0, T].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_spikes: Option<u64>,
    /// Number of synapses between network neurons (excluding Poisson drive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_synapses: Option<u64>,
    /// Spike deliveries to recurrent synapses during the simulation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synaptic_events: Option<u64>,
    /// External Poisson events generated and delivered. For a model that
    /// ignores its input (ignore_and_fire) the events are not drawn step by
    /// step: each neuron's total is one Poisson draw with the same mean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_events: Option<u64>,
    /// Wall-clock time to compute the weight statistics after the
    /// simulation (s): the exact mean, SD, median, minimum and maximum of
    /// every E->E weight and of the subset's (the slowest process's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats_time: Option<f64>,
    /// Peak resident set size up to the end of the simulation (bytes): of
    /// the process, or the largest of the processes of a distributed run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<u64>,
    /// Peak resident set size summed over the processes (bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes_sum: Option<u64>,
    /// Worker threads used (per process).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// Processes the network was distributed over (MPI ranks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processes: Option<usize>,
    /// Weak scaling: neurons per process (`--N-per-process`); N = this x processes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_per_process: Option<usize>,
    /// Bytes each process received in the spike exchange.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_exchanged: Option<u64>,
    /// Random seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// `scaling` version that wrote the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Neuron model (`iaf_psc_alpha` or `ignore_and_fire`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Network size.
    #[serde(default, rename = "N", skip_serializing_if = "Option::is_none")]
    pub n: Option<usize>,
    /// Simulated time (ms).
    #[serde(default, rename = "T", skip_serializing_if = "Option::is_none")]
    pub t: Option<f64>,
    /// Split of `sim_time` into phases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phases: Option<Phases>,
    /// Digest of every parameter that determines the result (hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param_digest: Option<String>,
}

impl RunRecord {
    /// Parse `data.json` text; `path` names the file in errors.
    pub fn from_json(text: &str, path: &Path) -> Result<Self> {
        let v: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| Error::parse(path, Some(e.line()), format!("not valid JSON: {e}")))?;
        if !v.is_object() {
            return Err(Error::parse(path, Some(1), "expected a JSON object"));
        }
        serde_json::from_value(v).map_err(|e| Error::parse(path, None, format!("unexpected content: {e}")))
    }

    /// Read and parse a `data.json` file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("cannot read", path, e))?;
        Self::from_json(&text, path)
    }

    /// Write atomically to `path` as pretty JSON with the spec's key names,
    /// in declaration order.
    pub fn save(&self, path: &Path) -> Result<()> {
        super::write_json(path, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nest_example_keys_load() {
        let t = r#"{"build_time": 0.23, "sim_time": 4.4, "rate": 4.6, "weight_mean": 42.1,
            "weight_sd": 304.7, "weight_min": 0.0, "weight_max": 11325.7, "weight_median": 0.0}"#;
        let r = RunRecord::from_json(t, Path::new("x.json")).unwrap();
        assert_eq!(r.rate, 4.6);
        assert!(r.rate_e.is_none());
    }

    #[test]
    fn roundtrip_with_population_rates() {
        let r = RunRecord {
            rate: 1.0,
            rate_e: Some(0.9),
            rate_i: Some(1.4),
            ..Default::default()
        };
        let s = super::super::json_text(&r, Path::new("data.json")).unwrap();
        assert!(s.contains("\"rate_E\"") && s.contains("\"rate_I\""));
        assert_eq!(RunRecord::from_json(&s, Path::new("x")).unwrap(), r);
    }

    #[test]
    fn truncated_names_the_file() {
        let e = RunRecord::from_json("{\"build_time\": 1.0,", Path::new("a/data.json")).unwrap_err();
        assert!(e.to_string().contains("a/data.json"), "{e}");
    }
}
