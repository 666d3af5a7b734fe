//! Model parameters: the base parameters under the spec's names and the
//! derived ones (J_unit via Lambert W_{-1}, I_E, I_I, I_X, nu_theta, nu_X,
//! N_E, N_I, K_E, K_I), which are always computed, never typed in.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Declares [`Params`], its defaults and [`KEYS`] from one line per
/// parameter: doc, name, type and default value.
macro_rules! params {
    ($( $(#[$doc:meta])* $name:ident : $ty:ty = $default:expr ),+ $(,)?) => {
        /// Base parameters of one simulation, named as in the model description.
        /// Units: mV, ms, pF, pA, 1/s.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(non_snake_case)]
        pub struct Params {
            $( $(#[$doc])* pub $name: $ty ),+
        }

        impl Default for Params {
            fn default() -> Self {
                Params { $( $name: $default ),+ }
            }
        }

        /// The names a user may set (`--set KEY=VALUE`, config keys), in declaration order.
        pub const KEYS: &[&str] = &[$( stringify!($name) ),+];

        impl Params {
            /// Set one parameter from text (`--set KEY=VALUE` or a config value);
            /// errors name the key and list the valid keys.
            pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
                match key {
                    $( stringify!($name) => self.$name = FromText::from_text(value).map_err(|m| Error::config(key, m))?, )+
                    _ => {
                        return Err(Error::config(
                            key,
                            format!("unknown parameter; valid names: {}", KEYS.join(", ")),
                        ))
                    }
                }
                Ok(())
            }
        }
    };
}

params! {
    /// Neurons in total.
    N: usize = 12500,
    /// In-degree from the local network.
    K: usize = 1250,
    /// Fraction of excitatory neurons and inputs.
    beta: f64 = 0.8,
    /// Resting potential (mV).
    E_L: f64 = 0.0,
    /// Reset potential (mV).
    V_reset: f64 = 0.0,
    /// Firing threshold (mV).
    theta: f64 = 20.0,
    /// Membrane time constant (ms).
    tau_m: f64 = 20.0,
    /// Membrane capacitance (pF).
    C_m: f64 = 250.0,
    /// Absolute refractory period (ms).
    t_ref: f64 = 2.0,
    /// Synaptic (alpha PSC) time constant (ms).
    tau_s: f64 = 2.0,
    /// PSP amplitude of excitatory synapses (mV).
    J_E: f64 = 0.5,
    /// Relative inhibitory strength.
    g: f64 = 10.0,
    /// Delay of every connection (ms); a multiple of `dt`.
    delay: f64 = 1.5,
    /// External rate relative to the rheobase rate.
    eta: f64 = 1.2,
    /// Constant input current (pA).
    I_DC: f64 = 0.0,
    /// STDP potentiation step (lambda).
    stdp_lambda: f64 = 20.0,
    /// STDP depression relative to potentiation (alpha).
    stdp_alpha: f64 = 0.1,
    /// STDP weight-dependence exponent of potentiation (mu).
    stdp_mu_plus: f64 = 0.4,
    /// Presynaptic trace time constant (ms).
    stdp_tau_plus: f64 = 15.0,
    /// Postsynaptic trace time constant (ms).
    stdp_tau_minus: f64 = 30.0,
    /// ignore_and_fire rates are drawn from U(`rate_dist[0]`, `rate_dist[1]`) (1/s).
    rate_dist: [f64; 2] = [0.5, 1.5],
    /// ignore_and_fire phases are drawn from U(`phase_dist[0]`, `phase_dist[1]`).
    phase_dist: [f64; 2] = [0.01, 1.0],
    /// iaf_psc_alpha initial membrane potentials are drawn from U(V_init_min, V_init_max) (mV).
    V_init_min: f64 = 0.0,
    /// Upper end of the initial membrane potential distribution (mV).
    V_init_max: f64 = 20.0,
    /// Simulated time (ms).
    T: f64 = 10000.0,
    /// Time step h (ms).
    dt: f64 = 0.125,
    /// Random seed.
    seed: u64 = 1,
}

/// A parameter's value parsed from text; the error is a bare message.
trait FromText: Sized {
    fn from_text(value: &str) -> Result<Self, String>;
}

impl FromText for f64 {
    fn from_text(value: &str) -> Result<Self, String> {
        value
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("expected a number, got `{value}`"))
    }
}

impl FromText for u64 {
    fn from_text(value: &str) -> Result<Self, String> {
        let v = value.trim();
        v.parse::<u64>()
            .or_else(|_| {
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.fract() == 0.0 && *x >= 0.0 && *x < 1.8e19)
                    .map(|x| x as u64)
                    .ok_or(())
            })
            .map_err(|_| format!("expected a whole number >= 0, got `{value}`"))
    }
}

impl FromText for usize {
    fn from_text(value: &str) -> Result<Self, String> {
        u64::from_text(value).map(|v| v as usize)
    }
}

impl FromText for [f64; 2] {
    fn from_text(value: &str) -> Result<Self, String> {
        let v = value.trim().trim_start_matches('[').trim_end_matches(']');
        let parts: Vec<&str> = v.split(',').map(str::trim).collect();
        match parts.as_slice() {
            [a, b] => match (a.parse::<f64>(), b.parse::<f64>()) {
                (Ok(a), Ok(b)) => Ok([a, b]),
                _ => Err(format!("expected two numbers `low,high`, got `{value}`")),
            },
            _ => Err(format!("expected two numbers `low,high`, got `{value}`")),
        }
    }
}

/// Parameters computed from the base ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[allow(non_snake_case)]
pub struct Derived {
    /// Number of excitatory neurons, int(beta*N).
    pub N_E: usize,
    /// Number of inhibitory neurons, N - N_E.
    pub N_I: usize,
    /// Excitatory in-degree, int(beta*K).
    pub K_E: usize,
    /// Inhibitory in-degree, K - K_E.
    pub K_I: usize,
    /// Time of the PSP peak for a unit alpha PSC (ms).
    pub t_max: f64,
    /// PSP peak caused by an alpha PSC of amplitude 1 pA (mV/pA).
    pub J_unit: f64,
    /// Initial excitatory weight, J_E / J_unit (pA).
    pub I_E: f64,
    /// Inhibitory weight, -g * I_E (pA).
    pub I_I: f64,
    /// External weight, = I_E (pA).
    pub I_X: f64,
    /// Rheobase rate (1/s).
    pub nu_theta: f64,
    /// External Poisson rate per neuron, eta * nu_theta (1/s).
    pub nu_X: f64,
    /// Delay in steps.
    pub delay_steps: usize,
    /// Simulated steps, round(T / dt).
    pub steps: usize,
}

/// Lower branch W_{-1}(x) of the Lambert W function for x in [-1/e, 0);
/// None outside that domain.
pub fn lambert_w_m1(x: f64) -> Option<f64> {
    if !(-1.0 / std::f64::consts::E..0.0).contains(&x) {
        return None;
    }
    // initial guess (series near the branch point, log form far from it), then Halley iterations
    let p = -(2.0 * (1.0 + std::f64::consts::E * x)).sqrt();
    let mut w = if x < -0.25 {
        -1.0 + p - p * p / 3.0
    } else {
        (-x).ln() - (-(-x).ln()).ln()
    };
    for _ in 0..100 {
        let ew = w.exp();
        let f = w * ew - x;
        let wp1 = w + 1.0;
        if wp1 == 0.0 {
            break;
        }
        let dw = f / (ew * wp1 - (w + 2.0) * f / (2.0 * wp1));
        w -= dw;
        if dw.abs() <= 1e-15 * w.abs() {
            break;
        }
    }
    Some(w)
}

/// Peak time (ms) and amplitude (mV/pA) of the PSP caused by a 1 pA alpha
/// PSC; None where the formula has no solution (tau_s/tau_m so large that
/// `a*exp(-a)` underflows).
pub fn unit_psp(tau_m: f64, tau_s: f64, c_m: f64) -> Option<(f64, f64)> {
    let a = tau_s / tau_m;
    let b = 1.0 / tau_s - 1.0 / tau_m;
    let t_max = (-lambert_w_m1(-a * (-a).exp())? - a) / b;
    let j = std::f64::consts::E / (c_m * (1.0 - a))
        * (((-t_max / tau_m).exp() - (-t_max / tau_s).exp()) / b - t_max * (-t_max / tau_s).exp());
    Some((t_max, j))
}

/// Number of whole steps of `dt` in `x`, or None if `x` is not on the grid.
pub fn on_grid(x: f64, dt: f64) -> Option<usize> {
    let n = (x / dt).round();
    (n >= 0.0 && ((n * dt) - x).abs() <= 1e-9 * dt.max(x.abs())).then_some(n as usize)
}

impl Params {
    /// Check every parameter and compute the derived ones; errors name the key.
    pub fn derive(&self) -> Result<Derived> {
        self.check_ranges()?;
        let (delay_steps, steps) = self.grid()?;
        let (n_e, n_i, k_e, k_i) = self.populations()?;
        let (t_max, j_unit) = unit_psp(self.tau_m, self.tau_s, self.C_m)
            .filter(|&(_, j)| j.is_finite() && j > 0.0)
            .ok_or_else(|| {
                let msg = format!(
                    "tau_m = {} ms, tau_s = {} ms and C_m = {} pF give no finite unit PSP (tau_s must be below tau_m)",
                    self.tau_m, self.tau_s, self.C_m
                );
                Error::config("tau_s", msg)
            })?;
        let i_e = self.J_E / j_unit;
        let nu_theta = 1000.0 * self.theta * self.C_m / (i_e * std::f64::consts::E * self.tau_m * self.tau_s);
        Ok(Derived {
            N_E: n_e,
            N_I: n_i,
            K_E: k_e,
            K_I: k_i,
            t_max,
            J_unit: j_unit,
            I_E: i_e,
            I_I: -self.g * i_e,
            I_X: i_e,
            nu_theta,
            nu_X: self.eta * nu_theta,
            delay_steps,
            steps,
        })
    }

    /// Check that every value lies in its valid range (positive, >= 0 or
    /// finite, then [`Params::check_relations`]); errors name the key.
    fn check_ranges(&self) -> Result<()> {
        let pos = |k: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(Error::config(k, format!("must be a positive number, got {v}")))
            }
        };
        let fin = |k: &str, v: f64| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(Error::config(k, format!("must be a finite number, got {v}")))
            }
        };
        let nonneg = |k: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(Error::config(k, format!("must be a number >= 0, got {v}")))
            }
        };
        for (k, v) in [
            ("tau_m", self.tau_m),
            ("C_m", self.C_m),
            ("tau_s", self.tau_s),
            ("dt", self.dt),
            ("delay", self.delay),
            ("stdp_tau_plus", self.stdp_tau_plus),
            ("stdp_tau_minus", self.stdp_tau_minus),
            ("J_E", self.J_E),
        ] {
            pos(k, v)?;
        }
        for (k, v) in [
            ("t_ref", self.t_ref),
            ("g", self.g),
            ("eta", self.eta),
            ("stdp_lambda", self.stdp_lambda),
            ("stdp_alpha", self.stdp_alpha),
            ("stdp_mu_plus", self.stdp_mu_plus),
            ("T", self.T),
        ] {
            nonneg(k, v)?;
        }
        for (k, v) in [
            ("E_L", self.E_L),
            ("V_reset", self.V_reset),
            ("theta", self.theta),
            ("I_DC", self.I_DC),
            ("V_init_min", self.V_init_min),
            ("V_init_max", self.V_init_max),
        ] {
            fin(k, v)?;
        }
        self.check_relations()
    }

    /// Check the parameters that are bounded by others or come in pairs;
    /// errors name the key.
    fn check_relations(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.beta) {
            return Err(Error::config("beta", format!("must lie in [0, 1], got {}", self.beta)));
        }
        if self.V_reset >= self.theta {
            return Err(Error::config(
                "V_reset",
                format!("must be below theta ({} mV), got {}", self.theta, self.V_reset),
            ));
        }
        if self.V_init_min > self.V_init_max {
            return Err(Error::config("V_init_min", "must not exceed V_init_max"));
        }
        if !(self.rate_dist[0] > 0.0 && self.rate_dist[0] <= self.rate_dist[1] && self.rate_dist[1].is_finite()) {
            return Err(Error::config(
                "rate_dist",
                format!("must be [low, high] with 0 < low <= high, got {:?}", self.rate_dist),
            ));
        }
        if !(self.phase_dist[0] > 0.0 && self.phase_dist[0] <= self.phase_dist[1] && self.phase_dist[1] <= 1.0) {
            return Err(Error::config(
                "phase_dist",
                format!(
                    "must be [low, high] with 0 < low <= high <= 1, got {:?}",
                    self.phase_dist
                ),
            ));
        }
        if self.tau_m == self.tau_s {
            return Err(Error::config(
                "tau_s",
                "must differ from tau_m (the unit PSP formula is singular there)",
            ));
        }
        if self.N == 0 || self.N > u32::MAX as usize / 2 {
            return Err(Error::config(
                "N",
                format!("must lie in 1..={}, got {}", u32::MAX / 2, self.N),
            ));
        }
        Ok(())
    }

    /// The delay and the simulated time in steps of dt; errors if a time
    /// is off the grid or T is beyond the 32-bit step counts of spike times.
    fn grid(&self) -> Result<(usize, usize)> {
        let delay_steps = on_grid(self.delay, self.dt).filter(|&d| d >= 1).ok_or_else(|| {
            Error::config(
                "delay",
                format!(
                    "must be a positive multiple of dt = {} ms, got {} ms",
                    self.dt, self.delay
                ),
            )
        })?;
        let steps = on_grid(self.T, self.dt).ok_or_else(|| {
            Error::config(
                "T",
                format!("must be a multiple of dt = {} ms, got {} ms", self.dt, self.T),
            )
        })?;
        on_grid(self.t_ref, self.dt).ok_or_else(|| {
            Error::config(
                "t_ref",
                format!("must be a multiple of dt = {} ms, got {} ms", self.dt, self.t_ref),
            )
        })?;
        // spike times are stored as step counts in 32 bits, and STDP tables reach 2 D + 1 steps beyond T
        let max_steps = u32::MAX as usize - 2 * delay_steps - 1;
        if steps > max_steps {
            return Err(Error::config(
                "T",
                format!(
                    "must be at most {} ms ({}; {max_steps} steps of dt = {} ms: spike times are 32-bit step counts), got {:?} ms",
                    max_steps as f64 * self.dt,
                    crate::units::sim_time(max_steps as f64 * self.dt),
                    self.dt,
                    self.T
                ),
            ));
        }
        Ok((delay_steps, steps))
    }

    /// (N_E, N_I, K_E, K_I); errors if a population is too small for its
    /// in-degree without autapses.
    fn populations(&self) -> Result<(usize, usize, usize, usize)> {
        let n_e = (self.beta * self.N as f64) as usize;
        let n_i = self.N - n_e;
        let k_e = (self.beta * self.K as f64) as usize;
        let k_i = self.K - k_e;
        // fixed in-degree without autapses needs a valid source in every population that feeds a target
        if k_e > 0 && n_e < 2 {
            return Err(Error::config("N", format!(
                "K_E = {k_e} excitatory inputs need at least 2 excitatory neurons (autapses are excluded), but N_E = int(beta*N) = {n_e}")));
        }
        if k_i > 0 && (n_i == 0 || n_i == 1) {
            return Err(Error::config("N", format!(
                "K_I = {k_i} inhibitory inputs need at least 2 inhibitory neurons (autapses are excluded), but N_I = {n_i}")));
        }
        Ok((n_e, n_i, k_e, k_i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_defaults_match_spec() {
        let d = Params::default().derive().unwrap();
        assert!((d.t_max - 8.0332).abs() < 1e-4, "{}", d.t_max);
        assert!((d.J_unit - 0.0157344678).abs() < 1e-10, "{}", d.J_unit);
        assert!((d.I_E - 31.7773697).abs() < 1e-6, "{}", d.I_E);
        assert!((d.nu_theta - 1447.0968).abs() < 1e-4, "{}", d.nu_theta);
        assert!((d.nu_X - 1736.5162).abs() < 1e-4, "{}", d.nu_X);
        assert_eq!(
            (d.N_E, d.N_I, d.K_E, d.K_I, d.delay_steps, d.steps),
            (10000, 2500, 1000, 250, 12, 80000)
        );
    }

    #[test]
    fn lambert_w_inverts() {
        for x in [-0.3678, -0.3, -0.1, -1e-3, -1e-10] {
            let w = lambert_w_m1(x).unwrap();
            assert!(w <= -1.0);
            assert!((w * w.exp() - x).abs() < 1e-14 * x.abs().max(1e-3), "{x} {w}");
        }
    }

    #[test]
    fn set_errors_name_key() {
        let mut p = Params::default();
        assert!(p.set("bogus", "1").unwrap_err().to_string().contains("`bogus`"));
        assert!(p.set("eta", "x").unwrap_err().to_string().contains("`eta`"));
        p.set("eta", "1.5").unwrap();
        assert_eq!(p.eta, 1.5);
        p.set("rate_dist", "0.2,0.4").unwrap();
        assert_eq!(p.rate_dist, [0.2, 0.4]);
    }

    #[test]
    fn bad_delay_and_tiny_populations() {
        let mut p = Params {
            delay: 1.3,
            ..Default::default()
        };
        assert!(p.derive().unwrap_err().to_string().contains("`delay`"));
        p.delay = 1.5;
        p.N = 4; // N_E = 3, N_I = 1
        assert!(p.derive().unwrap_err().to_string().contains("`N`"));
        p.T = -1.0;
        p.N = 100;
        assert!(p.derive().unwrap_err().to_string().contains("`T`"));
    }
}
