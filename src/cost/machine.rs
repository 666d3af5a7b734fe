//! How fast a machine runs `scaling`: factors on the built-in coefficients
//! of the cost model ([`super::calib`], measured on the project's dev
//! machine), fitted from points measured on the machine a user plans for
//! (`scaling calibrate`), saved as JSON and read by `scaling run
//! --calibration FILE`.
//!
//! A point's measured times split the way the cost model adds them up:
//! - update coefficient (s per neuron and simulated second, one thread) =
//!   speed-up * `phases.update` / (N * T) / slowdown;
//! - event coefficient (s per synaptic event, one thread) = speed-up *
//!   (`phases.deliver` + `phases.gather`) / `synaptic_events` / slowdown;
//! - build = speed-up * `build_time` / the built-in build work (per
//!   synapse, plus the faults of 4 KiB pages per byte), from points whose
//!   synapses are at most
//!   [`super::calib::BUILD_FIT_MAX_BYTES`] (larger builds are mostly first
//!   touch).
//!
//! Each factor is the median over the points of the measured coefficient
//! divided by the built-in one, so one disturbed point does not move it
//! (the build factor: over each (model, N)'s fastest build, see
//! `fastest_builds`).
//! The first-touch cost of cold memory is measured directly (the probe of
//! `scaling calibrate`, `host::touch_pieces`), not fitted.

use super::{build_work_s, calib, coefficients, event_share, slowdown, speedup, synapse_bytes};
use crate::error::{Error, Result};
use crate::models::ModelKind;
use crate::params::Params;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Version of the calibration file's layout and of what its factors are
/// relative to. 2: the event factors divide the event cost after the
/// first-spike share (`cost::event_share`); a format 1 file's event factors
/// were fitted without it. 3: the build factor divides the build cost per
/// synapse after the share of directly placed partitions
/// ([`calib::DIRECT_BUILD_SHARE`]); a format 2 file's was fitted without
/// it. 4: `touch_s_per_byte` is one thread's first touch of memory the OS
/// hands out cold, probed on every core at once after the memory was
/// handed back, and the plan divides it by the threads; a format 3 file's
/// was probed on memory of unknown state and counted beyond a fixed warm
/// part on one thread. 5: the build factor divides the build work with
/// the faults of 4 KiB pages (`calib::SMALL_PAGES_S_PER_BYTE`), relative
/// to the third machine's build cost per synapse; a format 4 file's was
/// fitted without them, relative to the first machine's. An older file is
/// refused (rerun `scaling calibrate`).
pub const FORMAT: u32 = 5;

/// A machine's speed relative to the built-in coefficients of the cost
/// model. The default is the dev machine itself (every factor 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// Layout version ([`FORMAT`]).
    pub format: u32,
    /// Where the factors come from (CPU, cores, date), shown with the plan.
    pub origin: String,
    /// Factor on the build time per synapse ([`calib::BUILD_S_PER_SYNAPSE`]).
    pub build: f64,
    /// Time for one thread to touch one byte of cold memory for the first
    /// time (s per byte; page faults and zeroing and, on a VM that hands
    /// free memory back to its host, the host's faults), with every core
    /// touching at once.
    pub touch_s_per_byte: f64,
    /// Factors on each model's simulation coefficients, by NEST model
    /// name; a model not listed keeps the built-in ones.
    pub models: BTreeMap<String, ModelSpeed>,
    /// The points the factors were fitted to: per point, measured and
    /// built-in coefficients (for the record; not read back).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fitted_to: Vec<Fitted>,
}

/// Factors on one model's simulation coefficients.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelSpeed {
    /// On the update coefficient (per neuron and simulated second).
    pub update: f64,
    /// On the event coefficient (per synaptic event).
    pub event: f64,
}

impl Default for ModelSpeed {
    fn default() -> Self {
        ModelSpeed {
            update: 1.0,
            event: 1.0,
        }
    }
}

/// One measured point as the fit saw it: the factors it alone would give.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fitted {
    /// NEST model name.
    pub model: String,
    /// Network size.
    #[serde(rename = "N")]
    pub n: usize,
    /// Worker threads.
    pub threads: usize,
    /// Measured / built-in update coefficient.
    pub update: f64,
    /// Measured / built-in event coefficient.
    pub event: f64,
    /// Measured / built-in build time per synapse (`None`: the point's
    /// synapses exceed [`calib::BUILD_FIT_MAX_BYTES`], so its build is not
    /// used).
    pub build: Option<f64>,
}

impl Default for Machine {
    fn default() -> Self {
        Machine {
            format: FORMAT,
            origin: "built-in (the project's dev machines: builds 2026-12-04, simulation 2026-12-02)".into(),
            build: 1.0,
            touch_s_per_byte: calib::TOUCH_S_PER_BYTE,
            models: BTreeMap::new(),
            fitted_to: Vec::new(),
        }
    }
}

/// What the fit needs of one measured point (from its `data.json`).
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Neuron model.
    pub model: ModelKind,
    /// Network size.
    pub n: usize,
    /// Simulated time (ms).
    pub t_ms: f64,
    /// Worker threads (one process).
    pub threads: usize,
    /// Build time (s).
    pub build_time: f64,
    /// Synapses between network neurons.
    pub synapses: u64,
    /// Update phase (s).
    pub update: f64,
    /// Delivery and gather phases (s).
    pub deliver: f64,
    /// Synaptic events delivered.
    pub events: u64,
}

impl Machine {
    /// The factors of `model` (1 where not calibrated).
    pub fn speed(&self, model: ModelKind) -> ModelSpeed {
        self.models.get(model.name()).copied().unwrap_or_default()
    }

    /// Read a calibration file written by `scaling calibrate`; errors name
    /// the file and what is wrong.
    pub fn load(path: &Path) -> Result<Machine> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("cannot read calibration", path, e))?;
        let m: Machine = serde_json::from_str(&text).map_err(|e| {
            Error::parse(
                path,
                Some(e.line()),
                format!("not a calibration file written by `scaling calibrate`: {e}"),
            )
        })?;
        if m.format != FORMAT {
            return Err(Error::parse(
                path,
                None,
                format!(
                    "calibration format {} (this scaling reads {FORMAT}); rerun `scaling calibrate`",
                    m.format
                ),
            ));
        }
        let mut factors = vec![("build", m.build), ("touch_s_per_byte", m.touch_s_per_byte)];
        for (name, s) in &m.models {
            if ModelKind::from_name(name).is_none() {
                return Err(Error::parse(
                    path,
                    None,
                    format!("unknown model `{name}` (valid: {})", ModelKind::valid_names()),
                ));
            }
            factors.push(("update", s.update));
            factors.push(("event", s.event));
        }
        if let Some((key, v)) = factors.iter().find(|(_, v)| !(v.is_finite() && *v > 0.0)) {
            return Err(Error::parse(
                path,
                None,
                format!("`{key}` must be a positive number, got {v}"),
            ));
        }
        Ok(m)
    }

    /// Fit the factors to `samples` (points measured on this machine, one
    /// process each, on `cores` cores) with the measured first-touch cost
    /// `touch_s_per_byte`; `origin` says where. Errors if no sample can be
    /// used. A model without samples keeps the built-in coefficients.
    pub fn fit(samples: &[Sample], touch_s_per_byte: f64, cores: usize, origin: String) -> Result<Machine> {
        let mut fitted = Vec::new();
        for s in samples.iter().filter(|s| s.events > 0 && s.n > 0 && s.t_ms > 0.0) {
            let p = Params {
                N: s.n,
                T: s.t_ms,
                ..Params::default()
            };
            let Ok(d) = p.derive() else { continue };
            let speedup = speedup(s.threads.min(cores.max(1)));
            let plastic = d.N_E as f64 * d.K_E as f64;
            let syn_bytes = synapse_bytes(plastic, s.synapses as f64 - plastic);
            // one partition per thread, at most one per neuron
            let parts = super::partitions(&p, s.threads);
            let slow = slowdown(s.model, syn_bytes / parts);
            // the built-in coefficients: those of the dev machine
            let (a, b) = coefficients(s.model, &p, &Machine::default());
            let update = speedup * s.update / (s.n as f64 * s.t_ms / 1000.0) / slow / a;
            // the share of b this run paid, at each neuron's mean spike count events / (N K)
            let share = event_share(s.model, s.events as f64 / (s.n as f64 * p.K as f64));
            let event = speedup * s.deliver / s.events as f64 / slow / (b * share);
            let build = (syn_bytes <= calib::BUILD_FIT_MAX_BYTES && s.synapses > 0)
                .then(|| speedup * s.build_time / build_work_s(&p, &d, (s.synapses as f64, parts, syn_bytes)));
            fitted.push(Fitted {
                model: s.model.name().into(),
                n: s.n,
                threads: s.threads,
                update,
                event,
                build,
            });
        }
        let build = median(fastest_builds(&fitted)).ok_or_else(|| {
            Error::NoData("no measured point to calibrate with: it needs data.json files with `phases`, `synaptic_events` and `n_synapses` (written by `scaling run`) of points up to N = 200000".into())
        })?;
        let mut models = BTreeMap::new();
        for &m in ModelKind::ALL {
            let of = |f: fn(&Fitted) -> f64| median(fitted.iter().filter(|x| x.model == m.name()).map(f).collect());
            if let (Some(update), Some(event)) = (of(|f| f.update), of(|f| f.event)) {
                models.insert(m.name().to_string(), ModelSpeed { update, event });
            }
        }
        Ok(Machine {
            format: FORMAT,
            origin,
            build,
            touch_s_per_byte,
            models,
            fitted_to: fitted,
        })
    }
}

/// The build factor of each (model, N) among `fitted`: the smallest of
/// its points' (its seeds'), since what slows a build down is added to its
/// work: the first build of a size in a process takes fresh memory from
/// the OS (on the third dev machine, 2026-12-04, in one calibration sweep
/// of two, the first of two seeds built 1.4-3x as long as the second for
/// iaf_psc_alpha, the first model of each size), and a small one pays
/// the threads' start. The fit takes the median of these.
fn fastest_builds(fitted: &[Fitted]) -> Vec<f64> {
    let mut best = BTreeMap::<(&str, usize), f64>::new();
    for f in fitted {
        if let Some(b) = f.build.filter(|b| b.is_finite() && *b > 0.0) {
            let e = best.entry((f.model.as_str(), f.n)).or_insert(b);
            *e = e.min(b);
        }
    }
    best.into_values().collect()
}

/// The median of `v` (the mean of the middle two for an even count);
/// `None` for no finite value.
fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite() && *x > 0.0);
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let k = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[k]
    } else {
        0.5 * (v[k - 1] + v[k])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::{estimate_after, estimate_on, Cost};

    /// A point measured on a machine exactly `speed` times slower than the
    /// built-in model (with the model's own rate), one thread, its build
    /// on warm memory (as the calibration's fastest builds are).
    fn measured(model: ModelKind, n: usize, speed: f64) -> (Sample, Cost) {
        let p = Params {
            N: n,
            T: 2000.0,
            ..Params::default()
        };
        let c = estimate_after(model, &p, 1, 1, &Machine::default(), f64::INFINITY).unwrap();
        let t_s = p.T / 1000.0;
        let events = (c.spikes * p.K as f64) as u64;
        let info = model.info().cost;
        let s = Sample {
            model,
            n,
            t_ms: p.T,
            threads: 1,
            build_time: speed * c.build_s,
            synapses: c.synapses,
            update: speed * info.update_s * n as f64 * t_s,
            deliver: speed * (info.event_s)(&p) * event_share(model, c.rate * t_s) * events as f64,
            events,
        };
        (s, c)
    }

    #[test]
    fn fit_recovers_a_uniformly_slower_machine() {
        let mut samples = Vec::new();
        for &m in ModelKind::ALL {
            for n in [1250, 5000, 12500] {
                samples.push(measured(m, n, 2.5).0);
            }
        }
        let fit = Machine::fit(&samples, 2e-9, 1, "test".into()).unwrap();
        assert!((fit.build - 2.5).abs() < 1e-9, "{}", fit.build);
        for &m in ModelKind::ALL {
            let s = fit.speed(m);
            assert!(
                (s.update - 2.5).abs() < 1e-9 && (s.event - 2.5).abs() < 1e-9,
                "{m:?} {s:?}"
            );
        }
        // the calibrated estimate is the built-in one, 2.5 times slower
        let p = Params {
            N: 5000,
            ..Params::default()
        };
        let warm = |m: &Machine| estimate_after(ModelKind::IafPscAlpha, &p, 1, 1, m, f64::INFINITY).unwrap();
        let (a, b) = (warm(&Machine::default()), warm(&fit));
        assert!((b.sim_s / a.sim_s - 2.5).abs() < 1e-9 && (b.build_s / a.build_s - 2.5).abs() < 1e-9);
        assert_eq!(a.memory, b.memory);
        // the first touch of cold memory (huge pages: a large network) is
        // the probe's, not scaled by the factors
        let p = Params {
            N: 1_000_000,
            T: 1000.0,
            ..Params::default()
        };
        let (a, b) = (
            estimate_on(ModelKind::IafPscAlpha, &p, 1, 1, &Machine::default()).unwrap(),
            estimate_on(ModelKind::IafPscAlpha, &p, 1, 1, &fit).unwrap(),
        );
        assert!(a.touch_s > 0.0 && b.touch_s == a.touch_s, "{} {}", a.touch_s, b.touch_s);
    }

    #[test]
    fn one_disturbed_point_does_not_move_the_fit() {
        let samples = [
            measured(ModelKind::IafPscAlpha, 1250, 2.0).0,
            measured(ModelKind::IafPscAlpha, 5000, 2.0).0,
            measured(ModelKind::IafPscAlpha, 12500, 9.0).0,
        ];
        let fit = Machine::fit(&samples, 2e-9, 1, "test".into()).unwrap();
        assert!((fit.speed(ModelKind::IafPscAlpha).event - 2.0).abs() < 1e-9);
        // a model without samples keeps the built-in coefficients
        assert_eq!(fit.speed(ModelKind::IgnoreAndFire), ModelSpeed::default());
    }

    #[test]
    fn the_build_factor_takes_each_points_fastest_build() {
        // two seeds per (model, N); the first build of each size slowed by its fresh memory
        let mut samples = Vec::new();
        for &m in ModelKind::ALL {
            for n in [1250, 5000, 12500] {
                let (mut first, _) = measured(m, n, 1.5);
                first.build_time *= 3.0;
                samples.push(first);
                samples.push(measured(m, n, 1.5).0);
            }
        }
        let fit = Machine::fit(&samples, 2e-9, 1, "test".into()).unwrap();
        assert!((fit.build - 1.5).abs() < 1e-9, "{}", fit.build);
        // with every slow build, the plain median of the twelve would have been 3.0
        let every: Vec<f64> = fit.fitted_to.iter().filter_map(|f| f.build).collect();
        assert!((median(every).unwrap() - 3.0).abs() < 1e-9);
    }

    #[test]
    fn no_usable_point_is_an_error() {
        let mut s = measured(ModelKind::IafPscAlpha, 1250, 1.0).0;
        s.events = 0;
        let e = Machine::fit(&[s], 1e-9, 1, "test".into()).unwrap_err().to_string();
        assert!(e.contains("no measured point"), "{e}");
    }

    #[test]
    fn a_saved_calibration_reads_back_and_bad_files_are_named() {
        let dir = std::env::temp_dir().join(format!("scaling-machine-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fit = Machine::fit(
            &[measured(ModelKind::IgnoreAndFire, 2500, 1.5).0],
            1e-9,
            2,
            "here".into(),
        )
        .unwrap();
        let path = dir.join("calibration.json");
        std::fs::write(&path, serde_json::to_string_pretty(&fit).unwrap()).unwrap();
        assert_eq!(Machine::load(&path).unwrap(), fit);
        for (text, says) in [
            ("{", "not a calibration file"),
            (
                r#"{"format": 9, "origin": "", "build": 1, "touch_s_per_byte": 1, "models": {}}"#,
                "format 9",
            ),
            (
                // its build factor was fitted without the faults of 4 KiB pages
                r#"{"format": 4, "origin": "", "build": 1, "touch_s_per_byte": 1, "models": {}}"#,
                "format 4 (this scaling reads 5); rerun `scaling calibrate`",
            ),
            (
                r#"{"format": 5, "origin": "", "build": -1, "touch_s_per_byte": 1, "models": {}}"#,
                "`build` must be a positive",
            ),
            (
                r#"{"format": 5, "origin": "", "build": 1, "touch_s_per_byte": 1, "models": {"lif": {"update": 1, "event": 1}}}"#,
                "unknown model `lif`",
            ),
        ] {
            std::fs::write(&path, text).unwrap();
            let e = Machine::load(&path).unwrap_err().to_string();
            assert!(e.contains(says) && e.contains("calibration.json"), "{e}");
        }
        let e = Machine::load(&dir.join("missing.json")).unwrap_err().to_string();
        assert!(e.contains("missing.json"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
