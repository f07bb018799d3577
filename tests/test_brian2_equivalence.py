"""The engine on the ``ideal`` chip against Brian2 running the same discrete-time LIF (docs/design.md#neuron-model)
on the shipped ``cuba_4000`` and ``digits`` workloads: identical spike trains.

Brian2 model: one step per tick (dt = 1 ms, unitless variables). Schedule
``synapses → groups → thresholds → resets``: spikes arriving in a tick are summed into ``I`` by the
synapses (on_pre ``I += w``), then the group update does ``v = leak·v + I`` for neurons that are not
refractory (the decay, then the arrivals, exactly the engine's float operations), then the threshold
test and the reset. Refractory neurons count down and ignore their input, as in the engine. Because
the synapses slot runs before the thresholds, a spike of step s reaches the synaptic queue in step
s + 1; a delay of d ticks is therefore a queue delay of d - 1 steps.
"""
import numpy as np
import pytest

import neurosim as ns

b2 = pytest.importorskip("brian2", reason="brian2 is not importable here (Brian2 2.9 needs numpy < 2.4); "
                                          "CI installs it in the test venv")


def brian2_spikes(wl, ticks):
    net = wl.network
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
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
    G.run_regularly("act = int(cnt == 0)\n"
                    "v = act * (leak * v + I) + (1 - act) * v\n"
                    "cnt = cnt - (1 - act)\n"
                    "I = 0", when="groups")
    sel = wl.input_ticks < ticks
    src = b2.SpikeGeneratorGroup(max(inp.size, 1), local[wl.input_neurons[sel]], wl.input_ticks[sel] * b2.ms)
    pre, post = net.pre, net.post
    objs = [G, src]
    for group, mask in ((src, net.is_input[pre]), (G, ~net.is_input[pre])):
        if not mask.any():
            continue
        S = b2.Synapses(group, G, "w : 1 (constant)", on_pre="I_post += w")
        S.connect(i=local[pre[mask]], j=local[post[mask]])
        S.w = net.weight[mask]
        # the pathway pushes a spike of step s in the synapses slot of step s + 1 (the slot runs
        # before the thresholds here), so a delay of d ticks is d - 1 steps in the queue
        S.delay = (net.delay[mask] - 1) * b2.ms
        objs.append(S)
    mon = b2.SpikeMonitor(G)
    objs.append(mon)
    b2net = b2.Network(*objs)
    b2net.schedule = ["start", "synapses", "groups", "thresholds", "resets", "end"]
    b2net.run(ticks * b2.ms)
    t = np.round(np.asarray(mon.t / b2.ms)).astype(np.int64)
    n = lif[np.asarray(mon.i)]
    order = np.lexsort((n, t))
    return t[order], n[order]


@pytest.mark.parametrize("name,ticks", [("cuba_4000", 1000), ("digits", 14400)])
def test_ideal_chip_matches_brian2(name, ticks, traces_dir):
    wl = ns.load_workload(traces_dir / name)
    hw = ns.load_hardware("ideal")
    res = ns.simulate(wl, hw, ns.map_workload(wl, hw, "sequential"), ticks=ticks)
    bt, bn = brian2_spikes(wl, ticks)
    assert res.spikes.size > 0
    assert np.array_equal(res.spikes["tick"], bt)
    assert np.array_equal(res.spikes["neuron"], bn)
