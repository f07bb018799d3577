"""Energy and time of neurosim's ``loihi_like`` chip beside SANA-FE's Loihi model (issue 15, item 9).

Each workload runs with the same input raster through neurosim (``loihi_like``, ``sequential``
mapping, per-event energies set to SANA-FE's ``examples/loihi.yaml``) and through SANA-FE 2.x
(``sanafe`` in another venv, run as a subprocess of this file with ``--sanafe-worker``; that mode
imports only numpy and sanafe). Prints, per workload: events by class, energy by class (pJ per
inference), their ratio, time per tick; writes a JSON. Method and results: docs/validation_energy.md.

    python3 -m venv /work/sanafe-venv && /work/sanafe-venv/bin/pip install sanafe numpy
    OPENBLAS_NUM_THREADS=1 PYTHONPATH=. .venv/bin/python benchmarks/compare_sanafe_energy.py \
        --sanafe-python /work/sanafe-venv/bin/python --json /tmp/sanafe_energy.json

Placement (``placement``): when every used neurosim tile fits SANA-FE's 8 x 4 mesh, crossbar k is a
core of the SANA-FE tile at the same (x, y); else crossbar k is SANA-FE core k. Input neurons sit
on a core of their neurosim entry crossbar's tile. ``--topology-variant`` also runs loihi_like
rearranged as 8 x 4 tiles of 4 cores (SANA-FE's layout). SANA-FE's LIF fires on ``v > threshold``
and truncates ``v`` to 1/64 each step: weights, thresholds and resets are scaled by a power of two
``K`` (exact in binary floating point; ``scale_for``) and the threshold is lowered by 1.5x the
largest truncation error, so both rasters can be compared spike by spike.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: SANA-FE loihi.yaml per-event energies (J), checked against the file by the worker.
SF_ENERGY_J = {
    "energy_access_neuron": 51.2e-12, "energy_update_neuron": 21.6e-12, "energy_spike_out": 69.3e-12,
    "energy_message_out": 111.0e-12, "energy_message_in": 0.0, "energy_process_spike": 35.5e-12,
    "energy_east_hop": 3.0e-12, "energy_west_hop": 3.0e-12, "energy_north_hop": 4.2e-12,
    "energy_south_hop": 4.2e-12,
}
#: neurosim hwconfig overrides that give loihi_like SANA-FE's per-event energies (pJ).
OVERRIDES = {
    "neuron.update_energy_pj": 72.8,                 # soma access 51.2 + update 21.6 (every neuron, every tick)
    "neuron.spike_out_energy_pj": 69.3,              # soma spike out
    "noc.energy_local_delivery_pj": 111.0,           # axon_out message (one per spike and destination core) + axon_in 0
    "noc.energy_hop_per_flit_pj": 3.0,               # east/west hop (SANA-FE: north/south 4.2)
    "peripherals.energy_per_synapse_read_pj": 35.5,  # dense synapse, per synaptic event
    "peripherals.row_driver_energy_pj": 0.0,
    "peripherals.sense_energy_per_column_pj": 0.0,
    "peripherals.write_driver_energy_pj": 0.0,
    "leakage.power_per_tile_w": 0.0,                 # static power compared apart (docs/validation_energy.md)
}
DYNAMIC = ("neuron_update", "spike_out", "noc_hop", "noc_local_delivery", "row_read", "row_peripherals", "write")
DEFAULT_WORKLOADS = ("synth_layered", "digits", "smoothing", "synth_1000", "cuba_4000", "edge_detection", "diehl_cook")
SF_CORES_PER_TILE, SF_TILES, SF_HEIGHT, SF_NEURONS_PER_CORE = 4, 32, 4, 1024


# ----------------------------------------------------------------------------- SANA-FE side
def _version(dist):
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def sanafe_worker(in_path: str, out_path: str) -> None:
    """Build and run the exported network in SANA-FE's loihi.yaml; write results (JSON) and raster."""
    import sanafe
    d = np.load(in_path)
    T = int(d["ticks"])
    yaml_path = Path(sanafe.__file__).parent / "examples" / "loihi.yaml"
    text = yaml_path.read_text()
    found = {k: [float(v) for v in re.findall(rf"\b{k}:\s*([0-9.eE+-]+)", text)] for k in SF_ENERGY_J}
    arch = sanafe.load_arch(str(yaml_path))
    cores = [c for t in arch.tiles for c in t.cores]
    net = sanafe.Network()
    starts, sizes, is_in = d["pop_start"], d["pop_size"], d["pop_is_input"]
    K = float(d["scale"])
    core_of, in_slot = d["core_of"], d["input_slot"]
    raster = np.zeros((int(d["n"]), T), bool)
    raster[d["input_neurons"], d["input_ticks"]] = True
    groups = []
    for p in range(starts.size):
        s, n = int(starts[p]), int(sizes[p])
        if is_in[p]:
            g = net.create_neuron_group(f"p{p}", n, model_attributes={})
            for i, nrn in enumerate(g.neurons):
                nrn.set_attributes(soma_hw_name=f"loihi_inputs[{int(in_slot[s + i])}]",
                                   model_attributes={"spikes": raster[s + i].tolist()})
                nrn.map_to_core(cores[int(core_of[s + i])])
        else:
            r = int(d["pop_refractory"][p])
            g = net.create_neuron_group(f"p{p}", n, model_attributes={
                "threshold": float(d["pop_threshold"][p]) * K - float(d["margin"][p]),
                "leak_decay": float(d["pop_leak"][p]), "reset": float(d["pop_reset"][p]) * K,
                "reset_mode": "hard", "refractory_delay": r + 1 if r > 0 else 0, "force_update": True},
                log_spikes=True)
            for i, nrn in enumerate(g.neurons):
                nrn.map_to_core(cores[int(core_of[s + i])])
        groups.append(g)
    pre, post, w = d["pre"], d["post"], d["weight"] * K
    pop_of = lambda ids: np.searchsorted(starts, ids, side="right") - 1
    pp, qp = pop_of(pre), pop_of(post)
    for a in range(starts.size):
        for b in range(starts.size):
            sel = (pp == a) & (qp == b)
            if sel.any():
                pairs = list(zip((pre[sel] - starts[a]).tolist(), (post[sel] - starts[b]).tolist()))
                groups[a].connect_neurons_sparse(groups[b], {"weight": w[sel].tolist()}, pairs)
    chip = sanafe.SpikingChip(arch)
    t0 = time.perf_counter()
    chip.load(net)
    t1 = time.perf_counter()
    res = chip.sim(T, timing_model=str(d["timing"]), spike_trace=True, perf_trace=True)
    t2 = time.perf_counter()
    rows = [(t, int(starts[int(a.group_name[1:])]) + int(a.neuron_offset))
            for t, step in enumerate(res["spike_trace"]) for a in step if not is_in[int(a.group_name[1:])]]
    perf = res["perf_trace"]
    hops = (sum(int(h) for h in perf["hops"]) if isinstance(perf, dict)
            else sum(int(r["hops"]) for r in perf))
    sp = np.array(rows, np.int64).reshape(-1, 2)
    np.save(out_path + ".spikes.npy", sp)
    out = {"energy_j": dict(res["energy"]), "sim_time_s": float(res["sim_time"]),
           "timesteps": int(res["timesteps_executed"]), "synaptic_events": int(res["spikes"]),
           "packets_sent": int(res["packets_sent"]), "neurons_updated": int(res["neurons_updated"]),
           "neurons_fired": int(res["neurons_fired"]), "hops": hops, "lif_spikes": int(sp.shape[0]),
           "load_s": t1 - t0, "sim_s": t2 - t1, "yaml": str(yaml_path), "yaml_energies_j": found,
           "sanafe_version": _version("sanafe")}
    Path(out_path).write_text(json.dumps(out))


def run_sanafe(python: str, spec: dict, timing: str = "detailed") -> tuple[dict, np.ndarray]:
    """Run the worker in ``python`` (a venv with sanafe) on ``spec``; return (results, raster)."""
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = str(Path(tmp) / "net.npz"), str(Path(tmp) / "out.json")
        np.savez(inp, timing=timing, **spec)
        p = subprocess.run([python, str(Path(__file__).resolve()), "--sanafe-worker", inp, out],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"SANA-FE worker failed:\n{p.stderr[-3000:]}")
        return json.loads(Path(out).read_text()), np.load(out + ".spikes.npy")


def sanafe_available(python: str | None) -> str | None:
    """None if ``python`` can import sanafe, else the reason."""
    if not python:
        return "no SANA-FE interpreter given (NEUROSIM_SANAFE_PYTHON / --sanafe-python unset)"
    try:
        p = subprocess.run([python, "-c", "import sanafe, numpy"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{python}: {e}"
    return None if p.returncode == 0 else f"{python} cannot import sanafe: {p.stderr.strip()[-300:]}"


# ----------------------------------------------------------------------------- neurosim side
def placement(wl, m, hw):
    """SANA-FE core (global index, tile-major) and input-soma slot of every neuron, and the mode.

    ``same mesh coordinates`` when every used neurosim tile (x = tile % mesh_width, y = tile //
    mesh_width) lies inside SANA-FE's 8 x 4 mesh and has at most 4 crossbars: crossbar k is core
    k % crossbars_per_tile of the SANA-FE tile at the same (x, y) (SANA-FE tile id = 4x + y).
    Otherwise ``same core order``: crossbar k is SANA-FE core k. An input neuron goes to a core of
    the tile of its entry crossbar (cores without neurons first), else to any core with room."""
    net = wl.network
    n = net.n_neurons
    lif = ~net.is_input
    xb = np.asarray(m.neuron_crossbar, np.int64)
    pre = np.repeat(np.arange(n), np.diff(net.indptr))
    big = np.iinfo(np.int64).max
    entry = np.full(n, big)
    np.minimum.at(entry, pre, np.asarray(m.synapse_crossbar, np.int64))
    used = np.unique(np.concatenate([xb[lif], np.asarray(m.synapse_crossbar, np.int64)]))
    tiles = np.asarray(m.crossbar_tile, np.int64)[used]
    W, cpt = hw.noc.mesh_width, hw.tile.crossbars_per_tile
    coords = cpt <= SF_CORES_PER_TILE and (tiles % W).max() < SF_TILES // SF_HEIGHT and (tiles // W).max() < SF_HEIGHT
    if coords:
        tile_of = np.asarray(m.crossbar_tile, np.int64)
        core_xb = lambda k: ((tile_of[k] % W) * SF_HEIGHT + tile_of[k] // W) * SF_CORES_PER_TILE + k % cpt
    else:
        core_xb = lambda k: k
    core_of = np.full(n, -1, np.int64)
    core_of[lif] = [core_xb(int(k)) for k in xb[lif]]
    load = {int(c): int(v) for c, v in zip(*np.unique(core_of[lif], return_counts=True))}
    homes = set(load)
    all_cores = range(SF_TILES * SF_CORES_PER_TILE)
    slot = np.zeros(n, np.int64)
    cand_cache = {}
    for i in np.flatnonzero(~lif):
        k = int(entry[i]) if entry[i] < big else int(used.min())
        if k not in cand_cache:
            t = core_xb(k) // SF_CORES_PER_TILE
            same = [c for c in all_cores if c // SF_CORES_PER_TILE == t]
            cand_cache[k] = ([c for c in same if c not in homes] + [c for c in same if c in homes]
                             + [c for c in all_cores if c // SF_CORES_PER_TILE != t and c not in homes])
        for c in cand_cache[k]:
            if load.get(c, 0) < SF_NEURONS_PER_CORE:
                core_of[i], slot[i] = c, load.get(c, 0)
                load[c] = load.get(c, 0) + 1
                break
        else:
            raise RuntimeError(f"no free SANA-FE core for input neuron {i}")
    return core_of, slot, ("same mesh coordinates" if coords else "same core order")


def geometric_hops(pre, dest, src, spikes, xy):
    """Hops that unicast messages would make: one message per spike of ``pre`` and distinct
    destination node ``dest`` (SANA-FE: core; neurosim ``replicate``: tile), from node ``src[pre]``,
    Manhattan distance on ``xy(node) -> (x, y)``. Returns (messages, east-west hops, north-south hops)."""
    key = np.unique(pre.astype(np.int64) * (1 << 20) + dest)
    p, d = key >> 20, key & ((1 << 20) - 1)
    (xs, ys), (xd, yd) = xy(src[p]), xy(d)
    n = spikes[p]
    return int(n.sum()), int((n * np.abs(xs - xd)).sum()), int((n * np.abs(ys - yd)).sum())


def scale_for(net, v_max):
    """Largest power of two ``K`` with ``64·K·|v|`` inside SANA-FE's int32 truncation for every
    potential this run can reach: ``|v| <= v_max`` (neurosim's recorded potentials, after reset)
    ``+`` the largest one-tick input ``sum |w|`` of a neuron, with a factor 2 to spare."""
    fan = np.zeros(net.n_neurons)
    np.add.at(fan, net.post, np.abs(net.weight))
    bound = max(float(v_max) + float(fan.max()), float(np.abs(net.threshold).max()), 1e-300)
    return float(2.0 ** np.floor(np.log2((2 ** 31 - 1) / 64 / 2 / bound)))


def export(wl, m, hw, T, v_max):
    """The arrays the SANA-FE worker builds its network from (inputs of ticks < T)."""
    net = wl.network
    K = scale_for(net, v_max)
    starts = np.asarray(net.population_starts, np.int64)
    sizes = np.asarray(net.population_sizes, np.int64)
    is_in = net.is_input[starts]
    lp = np.minimum(net.leak[starts], 0.999)
    margin = np.where(is_in, 0.0, 1.5 / 64 / (1.0 - lp))   # > the truncation error (1/64)/(1-leak)
    core_of, slot, mode = placement(wl, m, hw)
    sel = wl.input_ticks < T
    spec = dict(n=net.n_neurons, ticks=T, scale=K, pop_start=starts, pop_size=sizes, pop_is_input=is_in,
                pop_threshold=net.threshold[starts], pop_leak=net.leak[starts], pop_reset=net.v_reset[starts],
                pop_refractory=net.refractory[starts], margin=margin, core_of=core_of, input_slot=slot,
                pre=np.repeat(np.arange(net.n_neurons), np.diff(net.indptr)), post=np.asarray(net.post, np.int64),
                weight=np.asarray(net.weight, np.float64), input_ticks=wl.input_ticks[sel],
                input_neurons=wl.input_neurons[sel])
    return spec, mode


def check_network(wl):
    """Why SANA-FE cannot run this workload as neurosim does (None if it can)."""
    net = wl.network
    if net.n_synapses and int(net.delay.max()) != 1:
        return "synaptic delays other than 1 tick"
    if net.n_plastic:
        return "plastic synapses (SANA-FE has no STDP)"
    for p, s in enumerate(np.asarray(net.population_starts)):
        e = s + int(net.population_sizes[p])
        for a in (net.threshold, net.leak, net.v_reset, net.refractory):
            if not net.is_input[s] and np.unique(a[s:e]).size > 1:
                return "neuron parameters vary inside a population"
    return None


#: loihi_like rearranged as SANA-FE's loihi.yaml: 8 x 4 routers with 4 cores each (a variant).
TOPOLOGY_8x4 = {"noc.mesh_width": 8, "noc.mesh_height": 4, "tile.crossbars_per_tile": 4}


def neurosim_run(name, ticks, variant=None):
    """``name`` on loihi_like with OVERRIDES (+ ``variant``), ``sequential``, cycle timing, potentials recorded."""
    import neurosim as ns
    hw = ns.load_hardware("loihi_like", overrides={**OVERRIDES, **(variant or {})})
    wl = ns.load_workload(ROOT / "traces" / name)
    T = wl.n_ticks if ticks is None else min(int(ticks), wl.n_ticks)
    m = ns.map_workload(wl, hw, "sequential")
    t0 = time.perf_counter()
    res = ns.simulate(wl, hw, m, ticks=T, timing="cycle", record=("spikes", "voltages"))
    wall = time.perf_counter() - t0
    return hw, wl, m, res, T, wall


# ----------------------------------------------------------------------------- comparison
def compare(name, sanafe_python, ticks=None, timing="detailed", variant=None):
    """One workload on both simulators: a dict of counts, energies (pJ per inference), times.
    ``variant``: extra hwconfig overrides of the neurosim chip (e.g. ``TOPOLOGY_8x4``)."""
    hw, wl, m, res, T, wall = neurosim_run(name, ticks, variant)
    why = check_network(wl)
    if why:
        return {"workload": name, "skipped": why}
    spec, mode = export(wl, m, hw, T, np.abs(res.voltages).max() if res.voltages.size else 0.0)
    sf, sf_sp = run_sanafe(sanafe_python, spec, timing)
    E = SF_ENERGY_J
    for k, v in E.items():   # the values this comparison assumes are those of the shipped loihi.yaml
        if not any(abs(x - v) <= 1e-18 for x in sf["yaml_energies_j"].get(k, [])):
            raise RuntimeError(f"SANA-FE loihi.yaml {k} = {sf['yaml_energies_j'].get(k)}, expected {v}")
    net = wl.network
    n_lif = int((~net.is_input).sum())
    n_in_spk = int(np.count_nonzero(wl.input_ticks < T))
    # --- spikes: neurosim (tick, neuron) vs SANA-FE (timestep-1, neuron)
    a = {(int(t), int(i)) for t, i in zip(res.spikes["tick"], res.spikes["neuron"])}
    b = {(int(t), int(i)) for t, i in sf_sp}
    # mismatched spikes, earliest first, with neurosim's potential there (after reset when it fired)
    mism = sorted([(t, i, "neurosim") for t, i in a - b] + [(t, i, "sanafe") for t, i in b - a])
    detail = [{"tick": t, "neuron": i, "only": side, "neurosim_v": float(res.voltages[t, i]),
               "threshold": float(net.threshold[i])} for t, i, side in mism[:8]]
    # --- hops predicted from the placement alone (checks both simulators' NoC counters)
    pre_all = np.repeat(np.arange(net.n_neurons), np.diff(net.indptr))
    spk = np.bincount(res.spikes["neuron"], minlength=net.n_neurons) \
        + np.bincount(wl.input_neurons[wl.input_ticks < T], minlength=net.n_neurons)
    xtile = np.asarray(m.crossbar_tile, np.int64)
    lifm = ~net.is_input
    ns_src = np.full(net.n_neurons, 0, np.int64)
    ns_src[lifm] = xtile[np.asarray(m.neuron_crossbar, np.int64)[lifm]]
    first = np.full(net.n_neurons, np.iinfo(np.int64).max)
    np.minimum.at(first, pre_all, np.asarray(m.synapse_crossbar, np.int64))
    ns_src[~lifm] = xtile[np.minimum(first[~lifm], xtile.size - 1)]
    W = hw.noc.mesh_width
    ns_geo = geometric_hops(pre_all, xtile[np.asarray(m.synapse_crossbar, np.int64)], ns_src, spk,
                            lambda t: (t % W, t // W))
    sft = lambda c: ((c // SF_CORES_PER_TILE) // SF_HEIGHT, (c // SF_CORES_PER_TILE) % SF_HEIGHT)
    sf_geo = geometric_hops(pre_all, spec["core_of"][net.post], spec["core_of"], spk, sft)
    # --- events
    lf = res.link_flits
    ns_ev = {"neuron_updates": res.counts["neuron_updates"], "spikes_out": res.counts["spikes_out"],
             "input_spikes": n_in_spk, "deliveries (messages)": res.counts["deliveries"],
             "partial_sum_packets": res.counts["partial_sum_packets"],
             "synaptic_events": res.counts["synaptic_events"],
             "link_hops_EW": int(lf[:, :2].sum()), "link_hops_NS": int(lf[:, 2:4].sum()),
             "ejection_hops": int(res.ejection_flits.sum()),
             "geometry: messages": ns_geo[0], "geometry: hops_EW": ns_geo[1], "geometry: hops_NS": ns_geo[2]}
    sf_in_fired = sf["neurons_fired"] - sf["lif_spikes"]
    sf_hop_j = sf["energy_j"]["network"] - E["energy_message_out"] * sf["packets_sent"] \
        - E["energy_message_in"] * sf["packets_sent"]
    sf_ns_hops = int(round((sf_hop_j - E["energy_east_hop"] * sf["hops"]) / (E["energy_north_hop"] - E["energy_east_hop"])))
    sf_ev = {"neuron_updates": sf["neurons_updated"] - sf_in_fired, "spikes_out": sf["lif_spikes"],
             "input_spikes": sf_in_fired, "deliveries (messages)": sf["packets_sent"], "partial_sum_packets": 0,
             "synaptic_events": sf["synaptic_events"], "link_hops_EW": sf["hops"] - sf_ns_hops,
             "link_hops_NS": sf_ns_hops, "ejection_hops": 0,
             "geometry: messages": sf_geo[0], "geometry: hops_EW": sf_geo[1], "geometry: hops_NS": sf_geo[2]}
    # --- energy by class (pJ, whole run)
    soma_spk = E["energy_spike_out"] * sf["lif_spikes"]
    sf_cls = {"neuron_update": (sf["energy_j"]["soma"] - soma_spk) * 1e12, "spike_out": soma_spk * 1e12,
              "noc_hop": sf_hop_j * 1e12,
              "noc_local_delivery": (E["energy_message_out"] + E["energy_message_in"]) * sf["packets_sent"] * 1e12,
              "row_read": 0.0, "row_peripherals": (sf["energy_j"]["synapse"] + sf["energy_j"]["dendrite"]) * 1e12,
              "write": 0.0}
    ns_cls = {k: float(res.energy_pj[k]) for k in DYNAMIC}
    inf = max(wl.n_samples, 1) if T == wl.n_ticks else 1
    per = lambda dct: {k: v / inf for k, v in dct.items()}
    ns_dyn, sf_dyn = sum(ns_cls.values()), sum(sf_cls.values())
    sf_total = sf["energy_j"]["total"] * 1e12
    busy = (res.traffic_end_cycle - res.tick_start_cycle[:-1] + 1) / hw.clock_hz
    return {
        "workload": name, "variant": dict(variant or {}), "ticks": T, "inferences": inf, "placement": mode, "scale_K": float(spec["scale"]),
        "crossbars_used": int(len(m.used_crossbars())),
        "spikes": {"neurosim": len(a), "sanafe": len(b), "only_neurosim": len(a - b), "only_sanafe": len(b - a),
                   "first_mismatches": detail},
        "events": {"neurosim": ns_ev, "sanafe": sf_ev},
        "energy_pj_per_inference": {"neurosim": per(ns_cls), "sanafe": per(sf_cls)},
        "dynamic_pj_per_inference": {"neurosim": ns_dyn / inf, "sanafe": sf_dyn / inf,
                                     "ratio": ns_dyn / sf_dyn if sf_dyn else float("nan")},
        "sanafe_total_reported_pj_per_inference": sf_total / inf,
        "sanafe_soma_check_pj": (sf["energy_j"]["soma"] * 1e12
                                 - 1e12 * (E["energy_access_neuron"] + E["energy_update_neuron"]) * n_lif * T
                                 - 1e12 * soma_spk),
        "static": {"neurosim_leakage_pj_per_inference": float(res.energy_pj["leakage"]) / inf,
                   "sanafe_pj_per_inference": 0.0},
        "time_per_tick_s": {"neurosim_busy_mean": float(busy.mean()), "neurosim_busy_max": float(busy.max()),
                            "neurosim_period": float(np.mean(res.cycles_per_tick)) / hw.clock_hz,
                            "sanafe_" + timing: sf["sim_time_s"] / max(sf["timesteps"], 1)},
        "wall_s": {"neurosim_simulate": wall, "sanafe_sim": sf["sim_s"], "sanafe_load": sf["load_s"]},
        "sanafe_version": sf["sanafe_version"],
    }


def print_table(r):
    if "skipped" in r:
        print(f"\n## {r['workload']}: skipped ({r['skipped']})")
        return
    v = f" [neurosim variant {r['variant']}]" if r.get("variant") else ""
    print(f"\n## {r['workload']}{v}: {r['ticks']} ticks, {r['inferences']} inference(s), {r['crossbars_used']} "
          f"crossbar(s), placement {r['placement']}, K = 2^{int(np.log2(r['scale_K']))}")
    s = r["spikes"]
    print(f"spikes: neurosim {s['neurosim']}, SANA-FE {s['sanafe']}, only neurosim {s['only_neurosim']}, "
          f"only SANA-FE {s['only_sanafe']}")
    print("| events (whole run) | neurosim | SANA-FE |\n|---|---:|---:|")
    for k, v in r["events"]["neurosim"].items():
        print(f"| {k} | {v:,} | {r['events']['sanafe'][k]:,} |")
    print("| energy class (pJ/inference) | neurosim | SANA-FE | ratio |\n|---|---:|---:|---:|")
    en, es = r["energy_pj_per_inference"]["neurosim"], r["energy_pj_per_inference"]["sanafe"]
    for k in DYNAMIC:
        ratio = f"{en[k] / es[k]:.4f}" if abs(es[k]) > 1e-9 else ("1" if abs(en[k]) <= 1e-9 else "SANA-FE 0")
        print(f"| {k} | {en[k] + 0.0:,.1f} | {abs(es[k]) if abs(es[k]) <= 1e-9 else es[k]:,.1f} | {ratio} |")
    d = r["dynamic_pj_per_inference"]
    print(f"| **dynamic total** | {d['neurosim']:,.1f} | {d['sanafe']:,.1f} | {d['ratio']:.4f} |")
    t = r["time_per_tick_s"]
    sk = [k for k in t if k.startswith("sanafe_")][0]
    print(f"time per tick: neurosim busy {t['neurosim_busy_mean'] * 1e6:.3f} us (max "
          f"{t['neurosim_busy_max'] * 1e6:.3f}; real-time period {t['neurosim_period'] * 1e3:.3f} ms), "
          f"SANA-FE {sk[7:]} {t[sk] * 1e6:.3f} us")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sanafe-python", default=os.environ.get("NEUROSIM_SANAFE_PYTHON"),
                    help="a python with `sanafe` installed (default: $NEUROSIM_SANAFE_PYTHON)")
    ap.add_argument("--workloads", nargs="*", default=list(DEFAULT_WORKLOADS))
    ap.add_argument("--ticks", type=int, default=None, help="first ticks only (default: the whole workload)")
    ap.add_argument("--timing", default="detailed", help="SANA-FE timing model")
    ap.add_argument("--topology-variant", nargs="*", default=["cuba_4000"], metavar="WORKLOAD",
                    help="also run these workloads on loihi_like rearranged as SANA-FE's 8x4 mesh of 4-core tiles")
    ap.add_argument("--json", default=None)
    ap.add_argument("--sanafe-worker", nargs=2, metavar=("IN", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.sanafe_worker:
        sanafe_worker(*args.sanafe_worker)
        return
    why = sanafe_available(args.sanafe_python)
    if why:
        sys.exit(why)
    sys.path.insert(0, str(ROOT))
    out = []
    for w in args.workloads:
        r = compare(w, args.sanafe_python, args.ticks, args.timing)
        print_table(r)
        out.append(r)
    for w in args.topology_variant or []:
        r = compare(w, args.sanafe_python, args.ticks, args.timing, variant=TOPOLOGY_8x4)
        print_table(r)
        out.append(r)
    if args.json:
        import platform
        machine = {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                   "numpy": np.__version__, "command": " ".join(sys.argv)}
        Path(args.json).write_text(json.dumps({"machine": machine, "results": out}, indent=1))


if __name__ == "__main__":
    main()
