#!/usr/bin/env python3
"""Brian2 driver for side-by-side benchmarks: builds the network of `scaling run`
(the model spec: NEST's ignore_and_fire scaling experiment, TwoPopulationNetworkPlastic)
in Brian2's C++ standalone mode and prints one JSON object on the last line of
stdout, with the keys of nest_driver.py (engine, model, N, T, threads,
build_time, sim_time, rate, n_spikes, peak_rss_bytes) and more.

    python3 side-by-side/brian2_driver.py MODEL N [--T ms] [--threads n] [--seed s]
                                          [--make-jobs j] [--keep DIR]

MODEL is iaf_psc_alpha or ignore_and_fire. Needs `pip install brian2 numpy`
(Brian2 2.9 needs numpy < 2.4) and a C++ compiler; it is never a dependency of
`scaling`.

Times (seconds, wall clock)
---------------------------
Brian2's standalone mode generates C++ code from the Python description,
compiles it and runs a binary that creates the synapses and simulates, so the
construction of the network is split between Python and the binary:

- build_python: Python side: the connectivity arrays (numpy), Brian2 objects,
  code generation and writing the project (no C++ compilation);
- compile_time: `make` of the generated project (see --make-jobs);
- build_binary: the binary's run outside the simulation loop: loading the
  connectivity arrays, creating the synapses and spike queues, writing the
  results back (process start and end included);
- build_time = build_python + build_binary (everything but the compilation
  and the simulation loop; compare with NEST's Create + Connect + Prepare);
- sim_time: Brian2's own timing of the simulation loop inside the binary
  (Network::run, omp_get_wtime; `device._last_run_time`).

Memory: peak_rss_bytes = peak RSS of this Python process + peak RSS of the
standalone binary (measured with wait4 by a tiny wrapper that runs it; the
compiler's memory is not counted). Both processes exist while the binary runs,
so the sum is the peak of the process tree; the two parts are reported too.

The model and its approximations
--------------------------------
Equal to the spec (and nest_driver.py) in parameters, connectivity rule and
plasticity rule; different in random numbers (numpy and Brian2 generators, not
NEST's), so spike trains and rates agree only statistically. In detail:

- time step h = 0.125 ms, delay d = 1.5 ms on every connection (homogeneous
  per pathway, so Brian2 uses its scalar-delay spike queue).
- iaf_psc_alpha: V (relative to E_L = 0), alpha currents with two variables
  per channel as in NEST (y = NEST's dI, I): dy/dt = -y/tau_s,
  dI/dt = -I/tau_s + y, dV/dt = -V/tau_m + (I_ex + I_in)/C_m, integrated with
  method='exact' (the same linear propagators as NEST, computed by Brian2 from
  the equations; round-off differs). An arriving weight w (pA) adds
  e/tau_s * w to y, as NEST does. Brian2's schedule (state update, threshold,
  synapses, reset) gives NEST's order: update V with the old currents, add the
  arriving input, test V >= theta, reset to 0 and clamp V for the 16 steps
  (t_ref = 2 ms) after the spike step while the currents keep evolving, as in
  NEST (Brian2's `refractory` is t_ref + h for that, see iaf_refractory_ms).
  V(0) ~ U(0, theta).
- ignore_and_fire: an integer countdown per neuron; period and initial count
  from rate ~ U(0.5, 1.5)/s and phase ~ U(0.01, 1) with NEST's conversion of
  times to steps (ceil(round(x * 1024) / 128) at h = 0.125 ms). The neurons
  have the same input variables as iaf_psc_alpha, so every synaptic and
  external event is delivered exactly as there (and ignored).
- external drive: a PoissonInput per group, i.e. one Binomial(n, nu_X*h/n)
  count per neuron and step with n = 1000 (Poisson(nu_X*h) to within 0.02 %
  in variance; NEST draws a Poisson count per neuron and step), weight I_X.
- connectivity: fixed in-degree (K_E = 1000 from E, K_I = 250 from I per
  target), sources uniform with replacement (multapses), no autapses
  (drawn from the others directly, which is the same distribution as
  redrawing), generated with numpy and passed to connect(i=..., j=...).
  Static synapses carry no per-synapse weight (the weight is a constant of
  the pathway's code; NEST's static_synapse_hpc stores one).
- stdp_pl_synapse_hom on E->E, written in Brian2's event-driven style: per
  synapse w (pA), Kplus (tau_plus = 15 ms) and Kminus (tau_minus = 30 ms)
  traces.
  * pre pathway (delay d): depression w = max(0, w - alpha*lambda*w*Kminus),
    delivery of the new w, then Kplus += 1;
  * post pathway (delay 2d): facilitation w += lambda * w^mu * Kplus, then
    Kminus += 1.
  NEST counts the whole delay as dendritic: a pre spike at t meets the
  post spikes as they were at t - d, and a post spike at t_k is seen by the
  synapse at t_k + d. Shifting everything by d (pre processed at t + d, post at
  t_k + 2d) gives the same pairings and the same trace values as the spec,
  except for the order of a pre and a post event that fall on the same step
  (Brian2 runs the pre pathway first; NEST facilitates first). Brian2 keeps
  Kplus and Kminus per synapse (NEST keeps Kminus per neuron and Kplus per
  synapse), and it facilitates every incoming synapse of a neuron eagerly at
  its (delayed) spike where NEST does it lazily at the next pre spike: the
  same arithmetic, a different memory-access pattern.
- spikes are counted with a SpikeMonitor that records no times (count only).

side-by-side/brian2_unit_check.py runs these definitions (IAF_*, IGNORE_*,
STDP_*) against NEST 3.10's unit references: the iaf_psc_alpha membrane trace
to 1e-13 mV with identical output spikes, ignore_and_fire spike times
identical, the stdp_pl_synapse_hom weight trajectory to 3e-14 (relative).
The network itself differs from NEST's and scaling's only in its random
numbers (connectivity, V(0), rates and phases, the external drive).
"""
import atexit, json, math, os, resource, shutil, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from nest_driver import driver_args, unit_psp  # noqa: E402  (nest_driver imports nest only in its main)

# Runs the standalone binary (argv[2:]) and writes its own peak RSS (bytes) to argv[1].
RSS_WRAPPER = (
    "import os, sys, subprocess\n"
    "p = subprocess.Popen(sys.argv[2:])\n"
    "_, status, ru = os.wait4(p.pid, 0)\n"
    "open(sys.argv[1], 'w').write(str(ru.ru_maxrss * 1024))\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


# ---- model definitions (shared with brian2_unit_check.py) -------------------------------------
# iaf_psc_alpha: y = NEST's dI (pA/ms), I = the alpha current (pA), v relative to E_L.
IAF_EQS = """
dv/dt = -v/tau_m + (I_ex + I_in)/C_m : volt (unless refractory)
dI_ex/dt = -I_ex/tau_s + y_ex : amp
dy_ex/dt = -y_ex/tau_s : amp/second
dI_in/dt = -I_in/tau_s + y_in : amp
dy_in/dt = -y_in/tau_s : amp/second
"""
IAF_THRESHOLD, IAF_RESET = "v >= theta", "v = 0*mV"


def iaf_refractory_ms(p, h):
    """Brian2's refractory time that clamps V for NEST's t_ref/h steps. NEST clamps the
    t_ref/h steps after the spike step and integrates again in the next one; Brian2
    integrates again in the step that starts refractory after the spike step, so it needs
    one step more."""
    return p["t_ref"] + h


# ignore_and_fire: NEST's "if c == 0: spike, c = period - 1 else c -= 1" as
# "c -= 1 (before the threshold); spike if c < 0; reset c = period - 1".
IGNORE_EQS = """
c : integer                     # steps until the next spike
period : integer (constant)     # steps between spikes
y_ex : amp/second               # input, received and ignored
y_in : amp/second
"""
IGNORE_THRESHOLD, IGNORE_RESET, IGNORE_STEP = "c < 0", "c = period - 1", "c -= 1"

# stdp_pl_synapse_hom, weight w in pA; pre pathway delay d, post pathway delay 2d (see above).
STDP_MODEL = """
w : 1                                               # weight in pA
dKplus/dt = -Kplus/tau_plus : 1 (event-driven)
dKminus/dt = -Kminus/tau_minus : 1 (event-driven)
"""
STDP_ON_PRE = """
w = clip(w - alpha*lam*w*Kminus, 0, inf)
y_ex_post += w*wscale
Kplus += 1
"""
STDP_ON_POST = """
w += lam * w**mu * Kplus
Kminus += 1
"""


def namespace(p):
    """Brian2 namespace of the model's constants from a parameter dict (ms, pF, mV, pA)."""
    from brian2 import ms, mV, pA, pF
    return {"tau_m": p["tau_m"] * ms, "C_m": p["C_m"] * pF, "tau_s": p["tau_s"] * ms, "theta": p["theta"] * mV,
            "tau_plus": p["tau_plus"] * ms, "tau_minus": p["tau_minus"] * ms, "lam": p["lambda"],
            "alpha": p["alpha"], "mu": p["mu"],
            "wscale": math.e / p["tau_s"] * pA / ms}  # w (pA) -> jump of y (NEST: dI += e/tau_s * w)


PARAMS = {"tau_m": 20.0, "C_m": 250.0, "tau_s": 2.0, "theta": 20.0, "t_ref": 2.0, "tau_plus": 15.0,
          "tau_minus": 30.0, "lambda": 20.0, "alpha": 0.1, "mu": 0.4}


def fixed_indegree(rng, n_src, n_tgt, k, tgt_offset_in_src=None):
    """Sources (0..n_src) and targets (0..n_tgt), k sources per target drawn
    uniformly with replacement. If tgt_offset_in_src is given, target j is
    source j + offset of the same population and is never its own source."""
    import numpy as np
    j = np.repeat(np.arange(n_tgt, dtype=np.int32), k)
    if tgt_offset_in_src is None:
        i = rng.integers(0, n_src, size=n_tgt * k, dtype=np.int32)
    else:
        # uniform over the n_src - 1 others: draw from 0..n_src-1 and skip self
        i = rng.integers(0, n_src - 1, size=n_tgt * k, dtype=np.int32)
        self_idx = j + tgt_offset_in_src
        i += (i >= self_idx)
    return i, j


def nest_steps(x_ms, h):
    """NEST's conversion of a time (ms) to whole steps (rounded to tics, then up)."""
    import numpy as np
    tics_per_step = 128
    tics_per_ms = tics_per_step / h
    return np.ceil(np.round(x_ms * tics_per_ms) / tics_per_step).astype(np.int64)


def main():
    ap = driver_args()
    ap.add_argument("--make-jobs", type=int, default=1,
                    help="parallel jobs for compiling the generated C++ (Brian2's default is unlimited -j)")
    ap.add_argument("--keep", metavar="DIR", help="write the project to DIR and keep it (default: a temp dir, removed)")
    a = ap.parse_args()

    t_start = time.time()
    import numpy as np
    import brian2 as b2
    from brian2 import ms, mV, Hz

    workdir = os.path.abspath(a.keep) if a.keep else tempfile.mkdtemp(prefix="brian2-bench-")
    if not a.keep:
        atexit.register(shutil.rmtree, workdir, True)
    rss_file = os.path.join(workdir, "binary_peak_rss")
    b2.set_device("cpp_standalone", directory=workdir, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = a.threads
    b2.prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{a.make_jobs}"]
    b2.prefs.devices.cpp_standalone.run_cmd_unix = [sys.executable, "-c", RSS_WRAPPER, rss_file, "./main"]
    b2.seed(a.seed)
    rng = np.random.default_rng(a.seed)
    t_import = time.time() - t_start

    # parameters (spec defaults)
    h, K, beta, J_E, g, d, eta = 0.125, 1250, 0.8, 0.5, 10.0, 1.5, 1.2
    p = PARAMS
    theta, tau_m, c_m, tau_s = p["theta"], p["tau_m"], p["C_m"], p["tau_s"]
    N = a.N
    n_e, k_e = int(beta * N), int(beta * K)
    n_i, k_i = N - n_e, K - k_e
    i_e = J_E / unit_psp(tau_m, tau_s, c_m)  # pA
    i_i = -g * i_e
    nu_x = eta * 1000.0 * theta * c_m / (i_e * math.e * tau_m * tau_s)  # 1/s

    t0 = time.time()
    b2.defaultclock.dt = h * ms
    ns = namespace(p)
    if a.model == "iaf_psc_alpha":
        P = b2.NeuronGroup(N, IAF_EQS, threshold=IAF_THRESHOLD, reset=IAF_RESET,
                           refractory=iaf_refractory_ms(p, h) * ms, method="exact", namespace=ns, name="neurons")
        P.v = rng.uniform(0.0, theta, size=N) * mV
    else:
        P = b2.NeuronGroup(N, IGNORE_EQS, threshold=IGNORE_THRESHOLD, reset=IGNORE_RESET, namespace=ns,
                           name="neurons")
        rate = rng.uniform(0.5, 1.5, size=N)
        phase = rng.uniform(0.01, 1.0, size=N)
        P.period = nest_steps(1000.0 / rate, h)
        P.c = nest_steps(1000.0 * phase / rate, h)
        P.run_regularly(IGNORE_STEP, when="before_thresholds", name="countdown")
    E, I = P[:n_e], P[n_e:]

    # external drive: one Binomial(n, p) ~ Poisson(nu_x*h) count per neuron and step
    n_ext = 1000
    ext = b2.PoissonInput(P, "y_ex", N=n_ext, rate=nu_x / n_ext * Hz, weight=i_e * ns["wscale"])

    # fixed in-degree connectivity, numpy index arrays
    i_ee, j_ee = fixed_indegree(rng, n_e, n_e, k_e, tgt_offset_in_src=0)
    i_ei, j_ei = fixed_indegree(rng, n_e, n_i, k_e)
    i_ie, j_ie = fixed_indegree(rng, n_i, n_e, k_i)
    i_ii, j_ii = fixed_indegree(rng, n_i, n_i, k_i, tgt_offset_in_src=0)

    S_ee = b2.Synapses(E, E, STDP_MODEL, on_pre=STDP_ON_PRE, on_post=STDP_ON_POST,
                       delay={"pre": d * ms, "post": 2 * d * ms}, namespace=ns, name="ee_stdp")
    S_ee.connect(i=i_ee, j=j_ee)
    S_ee.w = i_e
    # static synapses: the weight is a constant of the generated code
    S_ei = b2.Synapses(E, I, on_pre=f"y_ex_post += {i_e!r}*wscale", delay=d * ms, namespace=ns, name="ei")
    S_ei.connect(i=i_ei, j=j_ei)
    S_ie = b2.Synapses(I, E, on_pre=f"y_in_post += {i_i!r}*wscale", delay=d * ms, namespace=ns, name="ie")
    S_ie.connect(i=i_ie, j=j_ie)
    S_ii = b2.Synapses(I, I, on_pre=f"y_in_post += {i_i!r}*wscale", delay=d * ms, namespace=ns, name="ii")
    S_ii.connect(i=i_ii, j=j_ii)
    del i_ee, j_ee, i_ei, j_ei, i_ie, j_ie, i_ii, j_ii
    mon = b2.SpikeMonitor(P, variables=[], record=False, name="spikes")

    net = b2.Network(P, ext, S_ee, S_ei, S_ie, S_ii, mon)
    net.run(a.T * ms, namespace={})  # standalone: generates code, runs nothing yet
    b2.device.build(directory=workdir, compile=False, run=False)  # write the project
    build_python = time.time() - t0

    from brian2.codegen.cpp_prefs import get_compiler_and_args
    t0 = time.time()
    b2.device.compile_source(workdir, get_compiler_and_args()[0], debug=False, clean=False)
    compile_time = time.time() - t0

    b2.device.run(directory=workdir, with_output=False)
    run_binary = b2.device.timers["run_binary"]
    sim_time = b2.device._last_run_time
    build_binary = run_binary - sim_time

    n_spikes = int(mon.num_spikes)
    counts = np.asarray(mon.count[:])
    w = np.asarray(S_ee.w[:])
    with open(rss_file) as f:
        rss_binary = int(f.read())
    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tsec = a.T / 1000.0
    out = {"engine": "brian2-" + b2.__version__, "model": a.model, "N": N, "T": a.T, "threads": a.threads,
           "build_time": build_python + build_binary, "sim_time": sim_time, "compile_time": compile_time,
           "build_python": build_python, "build_binary": build_binary, "import_time": t_import,
           "run_binary_time": run_binary,
           "rate": n_spikes / tsec / N, "rate_E": float(counts[:n_e].sum()) / tsec / n_e,
           "rate_I": float(counts[n_e:].sum()) / tsec / max(1, n_i), "n_spikes": n_spikes,
           "n_synapses": int(len(w)) + (n_i * k_e) + N * k_i,
           "weight_all_mean": float(w.mean()), "weight_all_sd": float(w.std()),
           "weight_all_zero_fraction": float((w == 0).mean()),
           "peak_rss_bytes": rss_self + rss_binary, "rss_python_bytes": rss_self, "rss_binary_bytes": rss_binary}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
