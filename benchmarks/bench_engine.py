"""Engine speed on the CUBA-like network (benchmarks/networks.py), side by side with the SimPy
reference, a bare compiled CSR loop, a NumPy CSR loop, Brian2 (Cython runtime, cpp_standalone) and,
if installed, SANA-FE. Ratios are measured in one run on one machine; best of --repeats.

    python3 benchmarks/bench_engine.py --brian2-python /tmp/b2env/bin/python \
        --sanafe-python /tmp/sfenv/bin/python

Brian2 2.9 does not import with NumPy >= 2.4: give --brian2-python a venv that has brian2 (it runs
``bench_engine.py --brian2-worker TARGET`` there and reads its JSON). Synaptic events = synapses
reached by a spike (the engine counts one per synapse of every row read).
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # idle BLAS threads would steal the second core

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import networks  # noqa: E402


def best(fn, repeats):
    out, ts = None, []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return min(ts), out


def engine_runs(wl, hw, repeats, ticks, strategy="sequential", timing="cycle", m=None):
    import neurosim as ns
    from neurosim.engine.core import pack
    from neurosim._core import engine_core
    t0 = time.perf_counter()
    m = ns.map_workload(wl, hw, strategy) if m is None else m
    t_map = time.perf_counter() - t0
    t_sim, res = best(lambda: ns.simulate(wl, hw, m, ticks=ticks, timing=timing), repeats)

    def loop_only():
        cfg, a, s, info = pack(wl, hw, m, ticks, np.random.default_rng(0))
        cfg["functional"] = timing == "functional"
        core = engine_core.Core(cfg, a, s)
        ids = np.arange(wl.network.n_synapses, dtype=np.int64)
        if all(st.phys is None for st in info["states"]):
            core.refresh_weff(ids)
        t0 = time.perf_counter()
        core.run(ticks)
        return time.perf_counter() - t0
    t_loop = min(loop_only() for _ in range(repeats))
    return dict(map_s=t_map, simulate_s=t_sim, loop_s=t_loop, events=res.counts["synaptic_events"],
                spikes=res.spikes, res=res, mapping=m)


def granularity(res, hw):
    """Hardware the mapping uses and the work it creates: crossbars, tiles, flit hops, row reads."""
    tiles = {c.tile for c in res.crossbars}
    return (f"{len(res.crossbars)} crossbars of {hw.tile.crossbar_rows}x{hw.tile.crossbar_columns} in "
            f"{len(tiles)} tiles; {res.counts['flit_hops']:,} flit hops, {res.counts['row_reads']:,} row reads, "
            f"{res.counts['packets']:,} packets, {res.counts['partial_sum_packets']:,} partial sums")


def big_crossbar_ideal(wl):
    """The `ideal` chip with crossbars that hold CUBA's whole fan-in (5,000 presynaptic rows) and
    512 neurons each: the sequential mapping needs 8 crossbars in 2 tiles instead of 370 in 93."""
    import neurosim as ns
    return ns.load_hardware("ideal", overrides={"tile.crossbar_rows": 8192, "tile.crossbar_columns": 512})


def bare_loop(wl, ticks, repeats):
    from neurosim._core import engine_scatter
    net = wl.network
    ip = np.searchsorted(wl.input_ticks, np.arange(ticks + 1)).astype(np.int64)
    args = (net.indptr, net.post, net.weight, net.leak, net.threshold, net.v_reset,
            net.is_input.astype(np.uint8), ip, np.ascontiguousarray(wl.input_neurons, np.int32), ticks)
    t, (st, sn, ev) = best(lambda: engine_scatter.lif_csr_delay1(*args), repeats)
    return dict(s=t, events=int(ev), t=st, n=sn)


def simpy_run(wl, hw, m, ticks):
    """SimPy reference on the first ticks: set-up (programming the crossbars) and run timed apart."""
    from neurosim.reference import ReferenceModel
    t0 = time.perf_counter()
    model = ReferenceModel(wl, hw, m, ticks=ticks)
    t1 = time.perf_counter()
    ref = model.run()
    t2 = time.perf_counter()
    return dict(setup_s=t1 - t0, s=t2 - t1, events=ref["counts"]["synaptic_events"])


def engine_loop(wl, hw, m, ticks, repeats, timing="cycle"):
    from neurosim.engine.core import pack
    from neurosim._core import engine_core
    best_t = None
    for _ in range(repeats):
        cfg, a, s, info = pack(wl, hw, m, ticks, np.random.default_rng(0))
        cfg["functional"] = timing == "functional"
        core = engine_core.Core(cfg, a, s)
        core.refresh_weff(np.arange(wl.network.n_synapses, dtype=np.int64))
        t0 = time.perf_counter()
        core.run(ticks)
        t = time.perf_counter() - t0
        best_t = t if best_t is None else min(best_t, t)
    return best_t, core.n_syn_events


def brian2_worker(target, ticks):
    wl = networks.cuba(ticks)
    with tempfile.TemporaryDirectory() as d:
        el, t, n = networks.brian2_cuba(wl, ticks, target, directory=d)
    print(json.dumps({"s": el, "t": t.tolist(), "n": n.tolist()}))


def sanafe_run(python, ticks, timing):
    out = subprocess.run([python, str(HERE / "bench_sanafe.py"), "--ticks", str(ticks), "--timing", timing],
                         capture_output=True, text=True)
    if out.returncode != 0:
        print(f"SANA-FE failed:\n{out.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ticks", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--simpy-ticks", type=int, default=20, help="ticks of the (slow) SimPy reference run")
    ap.add_argument("--sanafe-python", default=None, help="a python with `sanafe` installed")
    ap.add_argument("--sanafe-cycle-ticks", type=int, default=0,
                    help="also run SANA-FE's `cycle` timing (BookSim NoC) on this many first ticks, against "
                         "the espine_pcm 32x32 event loop on the same ticks")
    ap.add_argument("--simpy-espine-ticks", type=int, default=0,
                    help="also time the SimPy reference against the engine on the shipped espine_pcm chip "
                         "(diehl_cook, sequential, on-chip STDP, IR drop, write-verify) for this many ticks")
    ap.add_argument("--brian2-python", default=None)
    ap.add_argument("--brian2-worker", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--json", default=None, help="write the numbers here")
    ap.add_argument("--no-variants", action="store_true",
                    help="skip the granularity variant (ideal chip with 8192x512 crossbars)")
    args = ap.parse_args()
    if args.brian2_worker:
        brian2_worker(args.brian2_worker, args.ticks)
        return
    import neurosim as ns
    from neurosim.workload.reference_lif import simulate_lif
    T = args.ticks
    wl = networks.cuba(T)
    rows = []
    ideal = ns.load_hardware("ideal")
    eng = engine_runs(wl, ideal, args.repeats, T)
    ev = eng["events"]
    rows.append(("neurosim engine, ideal chip: simulate()", eng["simulate_s"], ev))
    rows.append(("neurosim engine, ideal chip: event loop only", eng["loop_s"], ev))
    fun = engine_runs(wl, ideal, args.repeats, T, timing="functional", m=eng["mapping"])
    rows.append(("neurosim engine, ideal chip, timing=functional: simulate()", fun["simulate_s"], ev))
    rows.append(("neurosim engine, ideal chip, timing=functional: loop only", fun["loop_s"], ev))
    esp = engine_runs(wl, networks.espine_wide(), max(1, args.repeats - 1), T)
    rows.append(("neurosim engine, espine_pcm 32x32: simulate()", esp["simulate_s"], esp["events"]))
    rows.append(("neurosim engine, espine_pcm 32x32: event loop only", esp["loop_s"], esp["events"]))
    esf = engine_runs(wl, networks.espine_wide(), max(1, args.repeats - 1), T, timing="functional", m=esp["mapping"])
    rows.append(("neurosim engine, espine_pcm 32x32, timing=functional: simulate()", esf["simulate_s"], esf["events"]))
    rows.append(("neurosim engine, espine_pcm 32x32, timing=functional: loop only", esf["loop_s"], esf["events"]))
    same_fun = (np.array_equal(fun["spikes"][["tick", "neuron"]], eng["spikes"][["tick", "neuron"]])
                and np.array_equal(esf["spikes"][["tick", "neuron"]], esp["spikes"][["tick", "neuron"]])
                and fun["res"].counts == eng["res"].counts and esf["res"].counts == esp["res"].counts)
    # how the cost depends on the granularity the mapping creates (not the shipped configuration)
    variants = {}
    if not args.no_variants:
        big_hw = big_crossbar_ideal(wl)
        big = engine_runs(wl, big_hw, args.repeats, T)
        variants["ideal chip with 8192x512 crossbars (variant), sequential"] = (big, big_hw)
        for name, (r, _) in variants.items():
            rows.append((f"VARIANT neurosim engine, {name}: simulate()", r["simulate_s"], r["events"]))
            rows.append((f"VARIANT neurosim engine, {name}: event loop only", r["loop_s"], r["events"]))
    bare = bare_loop(wl, T, args.repeats)
    same_bare = np.array_equal(bare["t"], eng["spikes"]["tick"]) and np.array_equal(bare["n"], eng["spikes"]["neuron"])
    rows.append(("bare compiled CSR scatter loop (csrc/engine_scatter.pyx)", bare["s"], bare["events"]))
    t_np, _ = best(lambda: simulate_lif(wl), 1)
    rows.append(("NumPy CSR loop (neurosim.workload.reference_lif)", t_np, bare["events"]))
    # SimPy reference on the first ticks, engine on the same ticks (both without set-up)
    k = args.simpy_ticks
    sp = simpy_run(wl, ideal, eng["mapping"], k)
    t_eng_k, ev_k = engine_loop(wl, ideal, eng["mapping"], k, args.repeats)
    t_eng_kf, _ = engine_loop(wl, ideal, eng["mapping"], k, args.repeats, timing="functional")
    rows.append((f"SimPy reference, ideal chip, first {k} ticks (run; set-up {sp['setup_s']:.1f} s apart)", sp["s"], sp["events"]))
    rows.append((f"neurosim engine, ideal chip, first {k} ticks (event loop)", t_eng_k, ev_k))
    rows.append((f"neurosim engine, ideal chip, first {k} ticks, timing=functional (loop)", t_eng_kf, ev_k))
    sp_esp = None
    if args.simpy_espine_ticks > 0:
        ke = args.simpy_espine_ticks
        wl_dc = ns.load_workload(HERE.parent / "traces" / "diehl_cook")
        hw_e = ns.load_hardware("espine_pcm")
        m_dc = ns.map_workload(wl_dc, hw_e, "sequential")
        spe = simpy_run(wl_dc, hw_e, m_dc, ke)
        t_e, ev_e = engine_loop(wl_dc, hw_e, m_dc, ke, args.repeats)
        t_ef, _ = engine_loop(wl_dc, hw_e, m_dc, ke, args.repeats, timing="functional")
        t_es, _ = best(lambda: ns.simulate(wl_dc, hw_e, m_dc, ticks=ke), args.repeats)
        t_esf, _ = best(lambda: ns.simulate(wl_dc, hw_e, m_dc, ticks=ke, timing="functional"), args.repeats)
        sp_esp = (ke, spe, t_e, ev_e, t_ef, t_es, t_esf)
        rows.append((f"SimPy reference, espine_pcm, diehl_cook, first {ke} ticks (run; set-up {spe['setup_s']:.1f} s apart)",
                     spe["s"], spe["events"]))
        rows.append((f"neurosim engine, espine_pcm, diehl_cook, first {ke} ticks (event loop)", t_e, ev_e))
        rows.append((f"neurosim engine, espine_pcm, diehl_cook, first {ke} ticks, timing=functional (loop)", t_ef, ev_e))
        rows.append((f"neurosim engine, espine_pcm, diehl_cook, first {ke} ticks: simulate()", t_es, ev_e))
        rows.append((f"neurosim engine, espine_pcm, diehl_cook, first {ke} ticks, timing=functional: simulate()", t_esf, ev_e))
    sf = {}
    if args.sanafe_python:
        for timing in ("simple", "detailed"):
            r = sanafe_run(args.sanafe_python, T, timing)
            if r:
                sf[timing] = r
                rows.append((f"SANA-FE {r['timing']} timing, loihi.yaml ({r['lif_spikes'] or 'n/a'} spikes; "
                             f"build {r['build_s']:.1f} s apart)", r["sim_s"], r["spikes"]))
    cyc = None
    if args.sanafe_python and args.sanafe_cycle_ticks > 0:
        kc = args.sanafe_cycle_ticks
        r = sanafe_run(args.sanafe_python, kc, "cycle")
        if r:
            t_esp_k, ev_esp_k = engine_loop(wl, networks.espine_wide(), esp["mapping"], kc, 1)
            t_esp_kf, _ = engine_loop(wl, networks.espine_wide(), esp["mapping"], kc, 1, timing="functional")
            cyc = (kc, r, t_esp_k, ev_esp_k, t_esp_kf)
            rows.append((f"SANA-FE cycle timing (BookSim), loihi.yaml, first {kc} ticks "
                         f"(build {r['build_s']:.1f} s apart)", r["sim_s"], r["spikes"]))
            rows.append((f"neurosim engine, espine_pcm 32x32, first {kc} ticks (event loop)", t_esp_k, ev_esp_k))
    b2 = {}
    if args.brian2_python:
        for target in ("cython", "cpp_standalone"):
            out = subprocess.run([args.brian2_python, __file__, "--brian2-worker", target, "--ticks", str(T)],
                                 capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(HERE.parent)})
            if out.returncode != 0:
                print(f"brian2 {target} failed:\n{out.stderr[-2000:]}", file=sys.stderr)
                continue
            d = json.loads(out.stdout.strip().splitlines()[-1])
            same = np.array_equal(d["t"], eng["spikes"]["tick"]) and np.array_equal(d["n"], eng["spikes"]["neuron"])
            b2[target] = (d["s"], same)
            rows.append((f"Brian2 {target} (identical raster: {same})", d["s"], ev))
    print(f"\nCUBA-like network, {T} ticks, {ev:,} synaptic events, {eng['spikes'].size:,} spikes; "
          f"identical rasters engine/bare loop: {same_bare}; timing=functional identical spikes and counts "
          f"to timing=cycle (ideal, espine_pcm): {same_fun}\n")
    print("| simulator | time (s) | synaptic events/s |")
    print("|---|---:|---:|")
    for name, t, e in rows:
        print(f"| {name} | {t:.4g} | {e / t / 1e6:.1f} M |")
    rate = lambda t, e: e / t
    r_eng = rate(eng["simulate_s"], ev)
    print("\nRatios (engine simulate() on the ideal chip, events/s):")
    print(f"* vs SimPy reference (same {k} ticks, event loop vs SimPy run): {rate(t_eng_k, ev_k) / rate(sp['s'], sp['events']):.0f}x "
          f"(timing=functional loop: {rate(t_eng_kf, ev_k) / rate(sp['s'], sp['events']):.0f}x)")
    if sp_esp:
        ke, spe, t_e, ev_e, t_ef, t_es, t_esf = sp_esp
        r_sp = rate(spe["s"], spe["events"])
        r_spall = rate(spe["s"] + spe["setup_s"], spe["events"])
        print(f"* espine_pcm (diehl_cook, {ke} ticks) vs SimPy reference: event loop {rate(t_e, ev_e) / r_sp:.0f}x, "
              f"functional loop {rate(t_ef, ev_e) / r_sp:.0f}x; simulate() vs SimPy set-up + run "
              f"{rate(t_es, ev_e) / r_spall:.1f}x (functional {rate(t_esf, ev_e) / r_spall:.1f}x)")
    for timing, r in sf.items():
        print(f"* vs SANA-FE {timing}: {r_eng / rate(r['sim_s'], r['spikes']):.2f}x")
    print(f"* vs bare compiled CSR loop: {r_eng / rate(bare['s'], bare['events']):.3f}x "
          f"(event loop only: {rate(eng['loop_s'], ev) / rate(bare['s'], bare['events']):.3f}x)")
    for target, (t, same) in b2.items():
        print(f"* vs Brian2 {target}: {r_eng / rate(t, ev):.3f}x")
    r_fun, r_fun_loop = rate(fun["simulate_s"], ev), rate(fun["loop_s"], ev)
    print(f"* timing=functional, ideal: loop vs bare compiled CSR loop {r_fun_loop / rate(bare['s'], bare['events']):.3f}x, "
          f"simulate() {r_fun / rate(bare['s'], bare['events']):.3f}x"
          + "".join(f"; vs Brian2 {tg}: loop {r_fun_loop / rate(t, ev):.3f}x, simulate() {r_fun / rate(t, ev):.3f}x"
                    for tg, (t, _) in b2.items())
          + "".join(f"; vs SANA-FE {tm}: loop {r_fun_loop / rate(r['sim_s'], r['spikes']):.2f}x, "
                    f"simulate() {r_fun / rate(r['sim_s'], r['spikes']):.2f}x" for tm, r in sf.items()))
    r_esf, r_esf_loop = rate(esf["simulate_s"], esf["events"]), rate(esf["loop_s"], esf["events"])
    print(f"* timing=functional, espine_pcm 32x32: loop vs bare loop {r_esf_loop / rate(bare['s'], bare['events']):.3f}x"
          + "".join(f"; vs Brian2 {tg}: loop {r_esf_loop / rate(t, ev):.3f}x, simulate() {r_esf / rate(t, ev):.3f}x"
                    for tg, (t, _) in b2.items())
          + "".join(f"; vs SANA-FE {tm}: loop {r_esf_loop / rate(r['sim_s'], r['spikes']):.2f}x, "
                    f"simulate() {r_esf / rate(r['sim_s'], r['spikes']):.2f}x" for tm, r in sf.items()))
    print(f"* espine_pcm 32x32 vs ideal (simulate): {rate(esp['simulate_s'], esp['events']) / r_eng:.3f}x")
    r_esp = rate(esp["simulate_s"], esp["events"])
    print(f"* espine_pcm 32x32 simulate() vs bare compiled CSR loop: {r_esp / rate(bare['s'], bare['events']):.4f}x "
          f"(event loop only: {rate(esp['loop_s'], esp['events']) / rate(bare['s'], bare['events']):.4f}x)")
    for target, (t, same) in b2.items():
        print(f"* espine_pcm 32x32 simulate() vs Brian2 {target}: {r_esp / rate(t, ev):.4f}x")
    r_esp_loop = rate(esp["loop_s"], esp["events"])
    for timing, r in sf.items():
        print(f"* espine_pcm 32x32 vs SANA-FE {timing}: simulate() {r_esp / rate(r['sim_s'], r['spikes']):.3f}x, "
              f"event loop {r_esp_loop / rate(r['sim_s'], r['spikes']):.3f}x")
    if cyc:
        kc, r, t_k, ev_k, t_kf = cyc
        print(f"* espine_pcm 32x32 event loop vs SANA-FE cycle timing (first {kc} ticks each): "
              f"{rate(t_k, ev_k) / rate(r['sim_s'], r['spikes']):.1f}x (timing=functional loop: "
              f"{rate(t_kf, ev_k) / rate(r['sim_s'], r['spikes']):.0f}x)")
    for name, (r, _) in variants.items():
        rv = rate(r["simulate_s"], r["events"])
        print(f"* VARIANT {name}: simulate() vs bare loop {rv / rate(bare['s'], bare['events']):.3f}x "
              f"(event loop {rate(r['loop_s'], r['events']) / rate(bare['s'], bare['events']):.3f}x)"
              + "".join(f", vs Brian2 {tg} {rv / rate(t, ev):.3f}x" for tg, (t, _) in b2.items())
              + f"; vs shipped ideal/sequential simulate() {rv / r_eng:.2f}x")
    res = eng["res"]
    print(f"\nideal chip, sequential: {granularity(res, ideal)}; mapping {eng['map_s']:.2f} s")
    e2 = esp["res"]
    print(f"espine_pcm 32x32, sequential: {granularity(e2, networks.espine_wide())}; mapping {esp['map_s']:.2f} s")
    for name, (r, hw) in variants.items():
        same = (np.array_equal(r["spikes"]["tick"], eng["spikes"]["tick"])
                and np.array_equal(r["spikes"]["neuron"], eng["spikes"]["neuron"]))
        print(f"VARIANT {name}: {granularity(r['res'], hw)}; mapping {r['map_s']:.2f} s; "
              f"raster identical to the shipped ideal chip's: {same}")
    if args.json:
        Path(args.json).write_text(json.dumps({n: {"s": t, "events": e} for n, t, e in rows}, indent=1))


if __name__ == "__main__":
    main()
