//! Unit traces against NEST 3.10 (tests/data/nest-3.10/unit/): one
//! iaf_psc_alpha neuron, ignore_and_fire spike times, one STDP synapse.

mod common;

use common::{nest_data, read_json};
use scaling::models::{IafPscAlpha, IgnoreAndFire, NeuronModel};
use scaling::params::Params;
use scaling::plasticity::{PostHistory, PreTrace, StdpPl};
use serde_json::Value;

fn load(name: &str) -> Value {
    read_json(&nest_data().join("unit").join(name))
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn steps_of(t_ms: f64, h: f64) -> usize {
    let s = (t_ms / h).round();
    assert!((s * h - t_ms).abs() < 1e-12, "{t_ms} is not on the grid");
    s as usize
}

#[test]
fn iaf_psc_alpha_trace_matches_nest() {
    let r = load("iaf_psc_alpha.json");
    let p = Params::default();
    let h = p.dt;
    let model = IafPscAlpha::new(&p);
    let times = floats(&r["input_spike_times_ms"]);
    let weights = floats(&r["input_weights_pA"]);
    let v_ref = floats(&r["V_m"]);
    let iex_ref = floats(&r["I_syn_ex"]);
    let iin_ref = floats(&r["I_syn_in"]);
    let out_ref = floats(&r["output_spike_times_ms"]);
    let delay = steps_of(r["delay_ms"].as_f64().unwrap(), h);
    let n = v_ref.len();
    let (mut ex, mut inh) = (vec![0.0; n + 64], vec![0.0; n + 64]);
    for (&t, &w) in times.iter().zip(&weights) {
        // emitted with stamp t, felt in the step that ends at t + d
        let step = steps_of(t, h) + delay - 1;
        if w >= 0.0 {
            ex[step] += w;
        } else {
            inh[step] += w;
        }
    }
    let mut s = IafPscAlpha::state_with_v(5.0);
    let mut out = Vec::new();
    let mut worst: f64 = 0.0;
    for i in 0..n {
        if model.step(&mut s, ex[i], inh[i]) {
            out.push((i + 1) as f64 * h);
        }
        worst = worst.max((s.v - v_ref[i]).abs());
        assert!(
            (s.v - v_ref[i]).abs() < 1e-9,
            "V_m at step {i}: {} vs NEST {}",
            s.v,
            v_ref[i]
        );
        assert!(
            (s.i_ex - iex_ref[i]).abs() < 1e-9 * iex_ref[i].abs().max(1.0),
            "I_syn_ex at step {i}"
        );
        assert!(
            (s.i_in - iin_ref[i]).abs() < 1e-9 * iin_ref[i].abs().max(1.0),
            "I_syn_in at step {i}"
        );
    }
    assert_eq!(out, out_ref, "output spikes");
    assert!(out.len() == 32);
    eprintln!("iaf_psc_alpha: worst |V - V_NEST| = {worst:e} mV over {n} steps");
}

#[test]
fn ignore_and_fire_spike_times_match_nest() {
    let r = load("ignore_and_fire.json");
    let p = Params::default();
    let m = IgnoreAndFire::new(&p);
    let steps = steps_of(10000.0, p.dt);
    for case in r["cases"].as_array().unwrap() {
        let (rate, phase) = (case["rate"].as_f64().unwrap(), case["phase"].as_f64().unwrap());
        let want = floats(&case["spike_times_ms"]);
        let mut s = m.state(rate, phase);
        let mut times = Vec::new();
        for i in 0..steps {
            if m.step(&mut s, 123.0, -45.0) {
                times.push((i + 1) as f64 * p.dt);
            }
        }
        assert_eq!(times, want, "rate {rate} phase {phase}");
    }
}

#[test]
fn stdp_pl_weight_trajectory_matches_nest() {
    let r = load("stdp_pl_synapse_hom.json");
    let p = Params::default();
    let h = p.dt;
    let d = steps_of(r["delay_ms"].as_f64().unwrap(), h);
    assert_eq!(r["tau_minus_ms"].as_f64().unwrap(), p.stdp_tau_minus);
    assert_eq!(r["tau_plus_ms"].as_f64().unwrap(), p.stdp_tau_plus);
    let stdp = StdpPl::new(&p, d, 80000);
    let pre = floats(&r["pre_spike_times_ms"]);
    let post = floats(&r["post_spike_times_ms"]);
    let want = floats(&r["weight_after_each_pre_spike"]);
    let mut w = r["w0"].as_f64().unwrap();
    let mut trace = PreTrace::default();
    let mut hist = PostHistory::default();
    let mut next_post = 0;
    let mut worst: f64 = 0.0;
    for (i, &t) in pre.iter().enumerate() {
        let stamp = steps_of(t, h) as u32;
        // the history holds every post spike up to the end of the delivering slice
        while next_post < post.len() && steps_of(post[next_post], h) as u32 <= stamp + d as u32 {
            stdp.record_post(&mut hist, steps_of(post[next_post], h) as u32);
            next_post += 1;
        }
        w = stdp.transmit(w, trace, stamp, &hist);
        stdp.update_pre(&mut trace, stamp);
        let rel = (w - want[i]).abs() / want[i].abs();
        worst = worst.max(rel);
        assert!(rel < 1e-9, "pre spike {i} at {t} ms: w = {w}, NEST {}", want[i]);
    }
    assert!((w - r["final_weight"].as_f64().unwrap()).abs() < 1e-9 * w);
    eprintln!("stdp_pl_synapse_hom: worst relative weight error {worst:e}");
}

#[test]
fn stdp_zero_weight_shortcut_is_exact() {
    // the shortcut for w == 0 must give what the full rule gives
    let p = Params::default();
    let stdp = StdpPl::new(&p, 12, 80000);
    let mut hist = PostHistory::default();
    for t in [100u32, 180, 400, 401, 900] {
        stdp.record_post(&mut hist, t);
    }
    let pre = PreTrace {
        kplus: 2.5,
        t_last: 150,
    };
    for t in [300u32, 420, 913, 1000] {
        let w = stdp.transmit(0.0, pre, t, &hist);
        assert_eq!(w.to_bits(), 0.0f64.to_bits());
        // and a tiny positive weight stays finite and non-negative
        assert!(stdp.transmit(1e-300, pre, t, &hist) >= 0.0);
    }
}
