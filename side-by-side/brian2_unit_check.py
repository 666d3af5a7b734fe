#!/usr/bin/env python3
"""Checks the Brian2 model definitions of brian2_driver.py against NEST 3.10's
unit reference traces (the spec's reference/nest-3.10/unit/*.json), in Brian2's
runtime mode with the numpy target (no C++ compilation; one core, a few
seconds per check).

    python3 side-by-side/brian2_unit_check.py [--reference DIR] [--T-ignore ms]

DIR defaults to /work/shared/reference/nest-3.10/unit or $SCALING_REFERENCE/unit.
Prints, per check, the largest deviation from NEST.

Time convention: NEST stamps a spike emitted during step s with (s+1)*h; Brian2
with s*h. So a NEST input stamp t becomes a Brian2 emission time t - h, and
Brian2's state after step i (StateMonitor, when='end') is NEST's sample at
(i+1)*h.
"""
import argparse, json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import brian2_driver as bd  # noqa: E402


def check_iaf(ref, b2):
    from brian2 import ms, mV, pA
    import numpy as np
    b2.start_scope()
    h = 0.125
    b2.defaultclock.dt = h * ms
    ns = bd.namespace(bd.PARAMS)
    n = b2.NeuronGroup(1, bd.IAF_EQS, threshold=bd.IAF_THRESHOLD, reset=bd.IAF_RESET,
                       refractory=bd.iaf_refractory_ms(bd.PARAMS, h) * ms, method="exact", namespace=ns)
    n.v = ref["params"]["V_m"] * mV
    times = np.array(ref["input_spike_times_ms"]) - h
    src = b2.SpikeGeneratorGroup(len(times), np.arange(len(times)), times * ms)
    s = b2.Synapses(src, n, "w : 1", on_pre="y_ex_post += int(w > 0)*w*wscale\ny_in_post += int(w < 0)*w*wscale",
                    delay=ref["delay_ms"] * ms, namespace=ns)
    s.connect(i=np.arange(len(times)), j=0)
    s.w = np.array(ref["input_weights_pA"])
    mon = b2.StateMonitor(n, ["v", "I_ex", "I_in"], record=0, when="end")
    spk = b2.SpikeMonitor(n)
    b2.run(len(ref["t_ms"]) * h * ms, namespace={})
    dv = np.max(np.abs(mon.v[0] / mV - np.array(ref["V_m"])))
    di = np.max(np.abs(mon.I_ex[0] / pA - np.array(ref["I_syn_ex"])))
    out = np.array(spk.t / ms) + h
    ref_out = np.array(ref["output_spike_times_ms"])
    same = len(out) == len(ref_out) and np.allclose(out, ref_out)
    print(f"iaf_psc_alpha: max |dV| = {dv:.3g} mV, max |dI_ex| = {di:.3g} pA over {len(ref['t_ms'])} steps; "
          f"output spikes {len(out)} vs NEST {len(ref_out)}, {'identical' if same else 'DIFFERENT'}")
    return same and dv < 1e-6


def check_ignore(ref, b2, T):
    from brian2 import ms
    import numpy as np
    b2.start_scope()
    h = 0.125
    b2.defaultclock.dt = h * ms
    cases = ref["cases"]
    rate = np.array([c["rate"] for c in cases])
    phase = np.array([c["phase"] for c in cases])
    n = b2.NeuronGroup(len(cases), bd.IGNORE_EQS, threshold=bd.IGNORE_THRESHOLD, reset=bd.IGNORE_RESET)
    n.period = bd.nest_steps(1000.0 / rate, h)
    n.c = bd.nest_steps(1000.0 * phase / rate, h)
    n.run_regularly(bd.IGNORE_STEP, when="before_thresholds")
    spk = b2.SpikeMonitor(n)
    b2.run(T * ms, namespace={})
    trains = spk.spike_trains()
    ok = True
    for k, c in enumerate(cases):
        got = np.array(trains[k] / ms) + h
        want = np.array([t for t in c["spike_times_ms"] if t <= T])
        same = len(got) == len(want) and np.allclose(got, want)
        ok &= same
        print(f"ignore_and_fire rate {c['rate']}, phase {c['phase']}: {len(got)} spikes in {T} ms, "
              f"{'identical' if same else 'DIFFERENT'} to NEST")
    return ok


def check_stdp(ref, b2):
    from brian2 import ms
    import numpy as np
    b2.start_scope()
    h = 0.125
    b2.defaultclock.dt = h * ms
    p = dict(bd.PARAMS, tau_plus=ref["tau_plus_ms"], tau_minus=ref["tau_minus_ms"], alpha=ref["alpha"],
             mu=ref["mu"])
    p["lambda"] = ref["lambda_"]
    ns = bd.namespace(p)
    d = ref["delay_ms"]
    pre_t = np.array(ref["pre_spike_times_ms"]) - h
    post_t = np.array(ref["post_spike_times_ms"]) - h
    pre = b2.SpikeGeneratorGroup(1, np.zeros(len(pre_t), int), pre_t * ms)
    post = b2.SpikeGeneratorGroup(1, np.zeros(len(post_t), int), post_t * ms)
    on_pre = bd.STDP_ON_PRE.replace("y_ex_post += w*wscale", "w_sent = w")
    assert on_pre != bd.STDP_ON_PRE
    s = b2.Synapses(pre, post, bd.STDP_MODEL + "w_sent : 1\n", on_pre=on_pre, on_post=bd.STDP_ON_POST,
                    delay={"pre": d * ms, "post": 2 * d * ms}, namespace=ns)
    s.connect(i=0, j=0)
    s.w = ref["w0"]
    mon = b2.StateMonitor(s, ["w_sent"], record=0, when="end")
    b2.run(ref["T_ms"] * ms, namespace={})
    # the pre spike with NEST stamp t is transmitted in Brian2 step (t - h + d)/h
    steps = np.round((np.array(ref["pre_spike_times_ms"]) - h + d) / h).astype(int)
    sent = mon.w_sent[0][steps]
    want = np.array(ref["weight_after_each_pre_spike"])
    rel = np.abs(sent - want) / np.maximum(1e-300, np.abs(want))
    final = float(s.w[0])
    print(f"stdp_pl_synapse_hom: {len(want)} transmitted weights, max relative deviation {rel.max():.3g}; "
          f"final weight {final:.10g} vs NEST {ref['final_weight']:.10g}")
    return rel.max() < 1e-9


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = os.path.join(os.environ["SCALING_REFERENCE"], "unit") if "SCALING_REFERENCE" in os.environ \
        else "/work/shared/reference/nest-3.10/unit"
    ap.add_argument("--reference", default=default)
    ap.add_argument("--T-ignore", type=float, default=3000.0, help="ms of ignore_and_fire to compare (NEST's: 10000)")
    a = ap.parse_args()
    import brian2 as b2
    b2.prefs.codegen.target = "numpy"
    load = lambda name: json.load(open(os.path.join(a.reference, name)))
    ok = check_iaf(load("iaf_psc_alpha.json"), b2)
    ok &= check_ignore(load("ignore_and_fire.json"), b2, a.T_ignore)
    ok &= check_stdp(load("stdp_pl_synapse_hom.json"), b2)
    print("all checks passed" if ok else "some checks differ from NEST (see above)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
