#!/usr/bin/env python3
"""PyNEST driver for side-by-side benchmarks: builds the same network as
`scaling run` (see the model description) in NEST and prints one JSON object
with build_time, sim_time (s), rate (1/s) and peak_rss_bytes.

    python3 side-by-side/nest_driver.py MODEL N [--T ms] [--threads n] [--seed s]

MODEL is iaf_psc_alpha or ignore_and_fire. Needs `pip install nest-simulator`;
it is never a dependency of `scaling`.
"""
import argparse, json, math, resource, time


def unit_psp(tau_m, tau_s, c_m):
    """Peak of the PSP of a 1 pA alpha PSC (mV), via Lambert W_-1 (Halley iterations)."""
    a = tau_s / tau_m
    b = 1.0 / tau_s - 1.0 / tau_m
    x = -a * math.exp(-a)
    w = -2.0  # W_-1 branch
    for _ in range(100):
        ew = math.exp(w)
        f = w * ew - x
        w_new = w - f / (ew * (w + 1) - (w + 2) * f / (2 * w + 2))
        if abs(w_new - w) < 1e-15 * abs(w):
            w = w_new
            break
        w = w_new
    t_max = (-w - a) / b
    return (math.e / (c_m * (1 - a))
            * ((math.exp(-t_max / tau_m) - math.exp(-t_max / tau_s)) / b - t_max * math.exp(-t_max / tau_s)))


def driver_args():
    """The command line every driver takes (side_by_side.py calls them alike)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["iaf_psc_alpha", "ignore_and_fire"])
    ap.add_argument("N", type=int)
    ap.add_argument("--T", type=float, default=10000.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    return ap


def main():
    a = driver_args().parse_args()
    import nest

    K, beta, theta, tau_m, c_m, tau_s, J_E, g, delay, eta = 1250, 0.8, 20.0, 20.0, 250.0, 2.0, 0.5, 10.0, 1.5, 1.2
    n_e, k_e = int(beta * a.N), int(beta * K)
    i_e = J_E / unit_psp(tau_m, tau_s, c_m)
    nu_x = eta * 1000.0 * theta * c_m / (i_e * math.e * tau_m * tau_s)
    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    nest.SetKernelStatus({"tics_per_ms": 1024, "resolution": 0.125, "local_num_threads": a.threads,
                          "rng_seed": a.seed})
    t0 = time.time()
    if a.model == "iaf_psc_alpha":
        pop = nest.Create("iaf_psc_alpha", a.N, {"V_th": theta, "E_L": 0.0, "V_reset": 0.0, "tau_m": tau_m,
                                                 "t_ref": 2.0, "C_m": c_m, "tau_syn_ex": tau_s,
                                                 "tau_syn_in": tau_s, "I_e": 0.0, "tau_minus": 30.0})
        pop.V_m = nest.random.uniform(0.0, theta)
    else:
        pop = nest.Create("ignore_and_fire", a.N, {"tau_minus": 30.0})
        pop.rate = nest.random.uniform(min=0.5, max=1.5)
        pop.phase = nest.random.uniform(min=0.01, max=1.0)
    E, I = pop[:n_e], pop[n_e:]
    pg = nest.Create("poisson_generator", params={"rate": nu_x})
    sr = nest.Create("spike_recorder")
    nest.CopyModel("stdp_pl_synapse_hom_hpc", "plastic", {"weight": i_e, "delay": delay, "alpha": 0.1,
                                                          "lambda": 20.0, "mu": 0.4, "tau_plus": 15.0})
    rule = lambda k: {"rule": "fixed_indegree", "indegree": k, "allow_autapses": False, "allow_multapses": True}
    nest.Connect(E, E, rule(k_e), "plastic")
    nest.Connect(E, I, rule(k_e), {"synapse_model": "static_synapse_hpc", "weight": i_e, "delay": delay})
    nest.Connect(I, pop, rule(K - k_e), {"synapse_model": "static_synapse_hpc", "weight": -g * i_e, "delay": delay})
    nest.Connect(pg, pop, syn_spec={"weight": i_e, "delay": delay})
    nest.Connect(pop, sr)
    nest.Prepare()
    nest.Cleanup()
    build = time.time() - t0
    t0 = time.time()
    nest.Simulate(a.T)
    sim = time.time() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    n_spikes = sr.get("n_events")
    print(json.dumps({"engine": "nest-" + nest.__version__, "model": a.model, "N": a.N, "T": a.T,
                      "threads": a.threads, "build_time": build, "sim_time": sim,
                      "rate": n_spikes / (a.T / 1000.0) / a.N, "n_spikes": n_spikes, "peak_rss_bytes": peak}))


if __name__ == "__main__":
    main()
