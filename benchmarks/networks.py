"""Networks and chips of the engine benchmarks (benchmarks/bench_engine.py).

* :func:`cuba` — the CUBA-like network of docs/references.md#workloads: 4,000 LIF neurons (80 % excitatory,
  weights +4/64, inhibitory −28/64), 1,000 inputs spiking with p = 0.02 per tick (weight 10/64),
  connection probability 0.02 without autapses, decay 29/32, threshold 1, reset 0, delay 1,
  1,000 ticks. Built by ``neurosim.workload.library.cuba`` (identical to the shipped ``cuba_4000``).
* :func:`espine_wide` — ``espine_pcm`` widened to a 32×32 mesh: the 8×8 chip's 256 crossbars of
  128 rows cannot hold CUBA (sequential packing needs 4,015).
* :func:`brian2_cuba` — the same discrete-time LIF in Brian2 (as tests/test_brian2_equivalence.py).
"""
from __future__ import annotations

import time

import numpy as np


def cuba(ticks=1000):
    from neurosim.workload.library import cuba as gen
    return gen(ticks=ticks)


def espine_wide(mesh=32):
    import neurosim as ns
    from neurosim.config.schema import HardwareConfig
    d = ns.load_hardware("espine_pcm").model_dump()
    d["name"] = f"espine_pcm_{mesh}x{mesh}"
    d["noc"]["mesh_width"] = d["noc"]["mesh_height"] = mesh
    return HardwareConfig.model_validate(d)


def brian2_cuba(wl, ticks, target="cython", directory=None):
    """Run ``wl`` in Brian2 (``target``: numpy, cython or cpp_standalone). Returns
    ``(seconds of simulation, spike ticks, spike neurons)``; set-up and compilation excluded."""
    import brian2 as b2
    net = wl.network
    if target == "cpp_standalone":
        b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    else:
        b2.prefs.codegen.target = target
    b2.defaultclock.dt = 1 * b2.ms
    lif = np.flatnonzero(~net.is_input)
    inp = np.flatnonzero(net.is_input)
    local = np.full(net.n_neurons, -1)
    local[lif] = np.arange(lif.size)
    local[inp] = np.arange(inp.size)
    G = b2.NeuronGroup(lif.size, """v : 1
                                   I : 1
                                   leak : 1 (constant)
                                   thr : 1 (constant)
                                   vres : 1 (constant)
                                   refr : integer (constant)
                                   cnt : integer
                                   act : integer""",
                       threshold="act == 1 and v >= thr", reset="v = vres\ncnt = refr", method="exact")
    G.leak, G.thr, G.vres, G.refr = net.leak[lif], net.threshold[lif], net.v_reset[lif], net.refractory[lif]
    G.run_regularly("act = int(cnt == 0)\nv = act * (leak * v + I) + (1 - act) * v\n"
                    "cnt = cnt - (1 - act)\nI = 0", when="groups")
    sel = wl.input_ticks < ticks
    src = b2.SpikeGeneratorGroup(inp.size, local[wl.input_neurons[sel]], wl.input_ticks[sel] * b2.ms)
    pre, post = net.pre, net.post
    objs = [G, src]
    for group, mask in ((src, net.is_input[pre]), (G, ~net.is_input[pre])):
        S = b2.Synapses(group, G, "w : 1 (constant)", on_pre="I_post += w")
        S.connect(i=local[pre[mask]], j=local[post[mask]])
        S.w = net.weight[mask]
        S.delay = (net.delay[mask] - 1) * b2.ms     # pushed one step late: synapses run before thresholds
        objs.append(S)
    mon = b2.SpikeMonitor(G)
    objs.append(mon)
    bn = b2.Network(*objs)
    bn.schedule = ["start", "synapses", "groups", "thresholds", "resets", "end"]
    if target == "cpp_standalone":
        bn.run(ticks * b2.ms)
        b2.device.build(directory=directory, compile=True, run=True, debug=False)
        elapsed = float(b2.device._last_run_time)
    else:
        bn.run(1 * b2.ms)        # compile and warm up
        t0 = time.perf_counter()
        bn.run((ticks - 1) * b2.ms)
        elapsed = (time.perf_counter() - t0) * ticks / (ticks - 1)
    t = np.round(np.asarray(mon.t / b2.ms)).astype(np.int64)
    n = lif[np.asarray(mon.i)]
    order = np.lexsort((n, t))
    return elapsed, t[order], n[order]
