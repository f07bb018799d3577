"""Build a small STDP network in Python, map it two ways onto the PCM chip, and compare lifetimes.

On-chip learning writes the plastic synapses' cells; cells on short current paths (near the drivers
and the sense amplifiers) get the most programming current and have the least write endurance. The
endurance-aware mapping (eSpine) places the synapses by their predicted activity; how much it gains
over a plain sequential placement depends on the network (see docs/mapping.md).

    python examples/compare_mappings.py
"""
import numpy as np

import neurosim as ns

rng = np.random.default_rng(1)
n_in, n_exc, ticks = 100, 150, 400

net = ns.Network("stdp_example")
inp = net.add_input("in", n_in)
exc = net.add_population("exc", n_exc, threshold=3.0, leak=0.9, refractory=2)
W = rng.uniform(0.0, 0.3, (n_in, n_exc)) * (rng.random((n_in, n_exc)) < 0.5)
net.connect(inp, exc, weights=W, delay=1, plastic=True, stdp=ns.STDPRule(a_plus=0.02, a_minus=0.022, w_max=0.5))
rates = np.where(np.arange(n_in) < n_in // 4, 0.25, 0.03)          # a quarter of the inputs are busy
raster = rng.random((ticks, n_in)) < rates
wl = ns.Workload(net, inputs={"in": raster})

hw = ns.load_hardware("espine_pcm")
results = {}
for strategy in ("sequential", "espine"):
    m = ns.map_workload(wl, hw, strategy=strategy, seed=0)
    res = ns.simulate(wl, hw, m, seed=0)
    results[strategy] = ns.evaluate(res, hw, m, workload=wl)

base = results["sequential"]
for strategy, ev in results.items():
    life = ev.lifetime["write"]["chip"]
    print(f"{strategy:>10}: write lifetime {life['inferences']:.3g} runs of {ticks} ticks "
          f"= {life['seconds'] / 3600:.3g} hours, {life['inferences'] / base.write_lifetime_inferences:.2f}x sequential; "
          f"energy {ev.energy['per_inference_pj']['total'] / 1e6:.3g} uJ per run")
