#!/usr/bin/env python3
"""End-to-end benchmark: `scaling` and (when installed) NEST and Brian2 on the
same sweep points, alternating, on the same machine.

    cargo build --release
    python3 side-by-side/side_by_side.py --N 1250,12500 --models iaf,ignore [--T 10000] [--threads 2]
                                         [--repeats 1] [--nest auto|off|/path/to/python]
                                         [--brian2 auto|off|/path/to/python] [--json out.json]

For every (N, model) and repeat it runs `scaling run` in a fresh process
(so peak memory is that point's), then NEST through side-by-side/nest_driver.py,
and prints build and sim time, events per second, real-time factor, peak
memory and the NEST/scaling ratios; with --repeats R > 1 it ends with the
best of the R runs of each simulator (minimum times) and their ratios. Only the Python standard library is
needed; NEST is used only if `--nest` names a Python that can import it
(`auto` tries python3 and the interpreter of $NEST_PYTHON).

Brian2 (C++ standalone, through side-by-side/brian2_driver.py) is used the same
way if `--brian2` names a Python that can import brian2 (`auto` tries
$BRIAN2_PYTHON, this interpreter and python3). Its columns: build (network
construction in Python and in the binary, without the C++ compilation), sim
(the binary's own timing of the simulation loop), peak memory (Python process
plus binary), and the Brian2/scaling sim ratio; the compile time of each point
is in the JSON (`brian2.compile_time`, tens of seconds: every point is a new
project).
"""
import argparse, json, os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODELS = {"iaf": "iaf_psc_alpha", "iaf_psc_alpha": "iaf_psc_alpha",
          "ignore": "ignore_and_fire", "ignore_and_fire": "ignore_and_fire"}


def find_python(choice, module, env):
    """A Python that can import `module`: `choice`, or for "auto" $env, this interpreter, python3."""
    if choice == "off":
        return None
    cands = [choice] if choice != "auto" else [os.environ.get(env), sys.executable, "python3"]
    for py in filter(None, cands):
        try:
            subprocess.run([py, "-c", f"import {module}"], check=True, capture_output=True, timeout=120)
            return py
        except Exception:
            continue
    return None


def find_nest(choice):
    return find_python(choice, "nest", "NEST_PYTHON")


def find_brian2(choice):
    return find_python(choice, "brian2", "BRIAN2_PYTHON")


def run_scaling(exe, model, n, T, threads):
    out = tempfile.mkdtemp(prefix="scaling-bench-")
    try:
        subprocess.run([exe, "run", "--models", model, "--N", str(n), "--T", str(T), "--threads", str(threads),
                        "--out", out, "--no-analyse", "--no-spikes", "--quiet", "--force"], check=True)
        with open(os.path.join(out, f"N{n}", model, "data.json")) as f:
            return json.load(f)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def run_nest(py, model, n, T, threads):
    r = subprocess.run([py, os.path.join(HERE, "nest_driver.py"), model, str(n), "--T", str(T),
                        "--threads", str(threads)], check=True, capture_output=True, text=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def run_brian2(py, model, n, T, threads):
    r = subprocess.run([py, os.path.join(HERE, "brian2_driver.py"), model, str(n), "--T", str(T),
                        "--threads", str(threads)], check=True, capture_output=True, text=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def mb(x):
    return f"{x / 1e6:.0f}" if x else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--N", default="1250,12500")
    ap.add_argument("--models", default="iaf,ignore")
    ap.add_argument("--T", type=float, default=10000.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--nest", default="auto")
    ap.add_argument("--brian2", default="auto")
    ap.add_argument("--scaling", default=os.path.join(ROOT, "target", "release", "scaling"))
    ap.add_argument("--json", help="write all measurements to this file")
    a = ap.parse_args()
    if not os.path.exists(a.scaling):
        sys.exit(f"error: {a.scaling} not found; run `cargo build --release` first or pass --scaling")
    try:
        sizes = [int(x) for x in a.N.split(",")]
        models = [MODELS[m.strip()] for m in a.models.split(",")]
    except (ValueError, KeyError) as e:
        sys.exit(f"error: bad --N or --models ({e}); e.g. --N 1250,12500 --models iaf,ignore")
    nest_py = find_nest(a.nest)
    brian2_py = find_brian2(a.brian2)
    print(f"# NEST: {'python ' + nest_py if nest_py else 'not found, scaling only'}; T = {a.T} ms, "
          f"{a.threads} threads", flush=True)
    if a.brian2 != "off":
        print(f"# Brian2: {'python ' + brian2_py if brian2_py else 'not found'}", flush=True)
    rows = []
    b2_hdr = f" | {'B2 bld':>8} {'B2 sim':>8} {'B2 MB':>7} {'B2 x':>6}" if brian2_py else ""
    hdr = (f"{'N':>6} {'model':16} {'build s':>8} {'sim s':>8} {'RTF':>6} {'Mev/s':>7} {'RSS MB':>7}"
           + (f" | {'NEST bld':>8} {'NEST sim':>8} {'NEST MB':>7} | {'sim x':>6} {'build x':>7} {'mem x':>6}"
              if nest_py else "") + b2_hdr)
    print(hdr)
    for n in sizes:
        for model in models:
            for rep in range(a.repeats):
                s = run_scaling(a.scaling, model, n, a.T, a.threads)
                ev = (s.get("synaptic_events") or 0) + (s.get("external_events") or 0)
                row = {"N": n, "model": model, "repeat": rep, "scaling": s}
                line = (f"{n:6} {model:16} {s['build_time']:8.3f} {s['sim_time']:8.3f} "
                        f"{s['sim_time'] / (a.T / 1000):6.3f} {ev / s['sim_time'] / 1e6:7.1f} "
                        f"{mb(s.get('peak_rss_bytes')):>7}")
                if nest_py:
                    nst = run_nest(nest_py, model, n, a.T, a.threads)
                    row["nest"] = nst
                    line += (f" | {nst['build_time']:8.3f} {nst['sim_time']:8.3f} {mb(nst['peak_rss_bytes']):>7} | "
                             f"{nst['sim_time'] / s['sim_time']:6.1f} {nst['build_time'] / s['build_time']:7.1f} "
                             f"{nst['peak_rss_bytes'] / max(1, s.get('peak_rss_bytes') or 1):6.1f}")
                if brian2_py:
                    b2r = run_brian2(brian2_py, model, n, a.T, a.threads)
                    row["brian2"] = b2r
                    line += (f" | {b2r['build_time']:8.3f} {b2r['sim_time']:8.3f} {mb(b2r['peak_rss_bytes']):>7} "
                             f"{b2r['sim_time'] / s['sim_time']:6.1f}")
                print(line, flush=True)
                rows.append(row)
    if a.repeats > 1:
        # best of the repeats on each side: the least disturbed run of each simulator
        print(f"\n# best of {a.repeats} (minimum time of each simulator)")
        print(f"{'N':>6} {'model':16} {'build s':>8} {'sim s':>8} {'RSS MB':>7}"
              + (f" | {'NEST bld':>8} {'NEST sim':>8} {'NEST MB':>7} | {'sim x':>6} {'build x':>7} {'mem x':>6}"
                 if nest_py else "") + b2_hdr)
        for n in sizes:
            for model in models:
                rs = [r for r in rows if r["N"] == n and r["model"] == model]
                best = lambda side, key: min(r[side][key] for r in rs)
                rss = max(r["scaling"].get("peak_rss_bytes") or 0 for r in rs)
                line = (f"{n:6} {model:16} {best('scaling', 'build_time'):8.3f} "
                        f"{best('scaling', 'sim_time'):8.3f} {mb(rss):>7}")
                if nest_py:
                    nrss = max(r["nest"]["peak_rss_bytes"] for r in rs)
                    line += (f" | {best('nest', 'build_time'):8.3f} {best('nest', 'sim_time'):8.3f} {mb(nrss):>7} | "
                             f"{best('nest', 'sim_time') / best('scaling', 'sim_time'):6.1f} "
                             f"{best('nest', 'build_time') / best('scaling', 'build_time'):7.1f} "
                             f"{nrss / max(1, rss):6.1f}")
                if brian2_py:
                    brss = max(r["brian2"]["peak_rss_bytes"] for r in rs)
                    line += (f" | {best('brian2', 'build_time'):8.3f} {best('brian2', 'sim_time'):8.3f} "
                             f"{mb(brss):>7} {best('brian2', 'sim_time') / best('scaling', 'sim_time'):6.1f}")
                print(line, flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"T": a.T, "threads": a.threads, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
