"""SANA-FE (pip ``sanafe``) on the CUBA-like network with its shipped Loihi architecture (loihi.yaml),
for the speed comparison of docs/performance_engine.md. Runs in any environment with ``sanafe`` and
numpy (neurosim itself is not imported: the shipped trace's arrays are read directly).

    python benchmarks/bench_sanafe.py [--timing detailed|simple] [--ticks 1000]

Prints JSON: build and simulation seconds, synaptic events, spikes. SANA-FE's LIF fires on
``v > threshold`` (ours on ``v >= threshold``); the threshold is lowered by 1e-12 to match, and the
spike counts are reported for comparison. Every soma updates every step (``force_update``), as in
the discrete-time LIF (docs/design.md#neuron-model).
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def main():
    import sanafe
    ap = argparse.ArgumentParser()
    ap.add_argument("--ticks", type=int, default=1000)
    ap.add_argument("--timing", default="detailed")
    ap.add_argument("--raster", default=None, help="also write the LIF raster (tick, index) here (second run)")
    args = ap.parse_args()
    d = np.load(HERE.parent / "traces" / "cuba_4000" / "arrays.npz")
    indptr, post, weight = d["indptr"], d["post"], d["weight"]
    n_in, n = 1000, 5000
    T = args.ticks
    t0 = time.perf_counter()
    arch = sanafe.load_arch(str(Path(sanafe.__file__).parent / "examples" / "loihi.yaml"))
    net = sanafe.Network()
    raster = np.zeros((n_in, T), bool)
    sel = d["input_ticks"] < T
    raster[d["input_neurons"][sel], d["input_ticks"][sel]] = True
    inp = net.create_neuron_group("in", n_in, model_attributes={})
    lif = net.create_neuron_group("lif", n - n_in, model_attributes={
        "threshold": 1.0 - 1e-12, "leak_decay": 29 / 32, "reset": 0.0, "reset_mode": "hard",
        "force_update": True}, log_spikes=bool(args.raster))
    cores = [c for t in arch.tiles for c in t.cores] if hasattr(arch, "tiles") else None
    for i, nrn in enumerate(inp.neurons):
        nrn.set_attributes(soma_hw_name=f"loihi_inputs[{i % 1024}]", model_attributes={"spikes": raster[i].tolist()})
        nrn.map_to_core(cores[i // 1024])
    for i, nrn in enumerate(lif.neurons):
        nrn.map_to_core(cores[8 + i // 1024])
    pre = np.repeat(np.arange(n), np.diff(indptr))
    for src, mask in ((inp, pre < n_in), (lif, pre >= n_in)):
        off = 0 if src is inp else n_in
        pairs = list(zip((pre[mask] - off).tolist(), (post[mask] - n_in).tolist()))
        src.connect_neurons_sparse(lif, {"weight": weight[mask].tolist()}, pairs)
    chip = sanafe.SpikingChip(arch)
    chip.load(net)
    t1 = time.perf_counter()
    res = chip.sim(T, timing_model=args.timing)
    t2 = time.perf_counter()
    lif_spikes = None
    if args.raster:
        chip.reset()
        chip.load(net)
        tr = chip.sim(T, timing_model=args.timing, spike_trace=True)["spike_trace"]
        rows = [(t, a.neuron_offset) for t, step in enumerate(tr) for a in step if a.group_name == "lif"]
        lif_spikes = len(rows)
        Path(args.raster).write_text(json.dumps(rows))
    print(json.dumps({"build_s": t1 - t0, "sim_s": t2 - t1, "spikes": int(res["spikes"]), "lif_spikes": lif_spikes,
                      "energy_j": res["energy"]["total"] if isinstance(res["energy"], dict) else res["energy"],
                      "sim_time_s": res.get("sim_time"), "timing": args.timing}))


if __name__ == "__main__":
    main()
