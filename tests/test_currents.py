"""Fixed-point currents (neurosim.crossbar.currents, docs/engine.md §2): the scale follows the
network, so tiny and huge weights are summed as exactly as unit ones, and every engine (compiled,
SimPy reference, reference_lif) gets the same sums bit for bit."""
import numpy as np
import pytest

import neurosim as ns
from neurosim.crossbar.currents import HEADROOM_BITS, exact_bincount, fixed_point_bits
from neurosim.reference import simulate_reference
from neurosim.workload.reference_lif import simulate_lif


def one_neuron(w, threshold, n_in=3, ticks=4):
    net = ns.Network(name="scale")
    inp = net.add_input("in", n_in)
    a = net.add_population("a", 1, threshold=threshold, leak=0.0, v_reset=0.0)
    net.connect(inp, a, weights=np.full((n_in, 1), w), delay=1)
    return ns.Workload(net, inputs={"in": np.ones((ticks, n_in), bool)})


@pytest.mark.parametrize("w", [4e-13, 1e-30, 0.3, 7e8])
def test_any_weight_unit_is_summed_to_full_precision(w):
    """Three inputs of weight w against a threshold of 2.9 w: the neuron fires every tick after
    the first (leak 0), in whatever units the network is written."""
    wl = one_neuron(w, 2.9 * w)
    hw = ns.load_hardware("ideal")
    res = ns.simulate(wl, hw, ns.map_workload(wl, hw, "sequential"), record=("voltages",))
    assert res.spikes["tick"].tolist() == [1, 2, 3]
    bits = fixed_point_bits(wl.network)
    assert 2.0 ** (HEADROOM_BITS - 1) <= 3 * w * 2.0 ** bits < 2.0 ** HEADROOM_BITS


def test_large_sums_identical_in_every_engine():
    """Sums far beyond 2**53 ulps of the weights: the compiled engine, the SimPy reference and
    reference_lif agree bit for bit (they all add integers)."""
    rng = np.random.default_rng(3)
    net = ns.Network(name="big")
    inp = net.add_input("in", 40)
    a = net.add_population("a", 4, threshold=1e12, leak=0.5, v_reset=0.0)
    net.connect(inp, a, weights=rng.uniform(-3000, 3000, (40, 4)) + rng.uniform(0, 1, (40, 4)), delay=1)
    wl = ns.Workload(net, inputs={"in": rng.random((6, 40)) < 0.8})
    hw = ns.load_hardware("ideal")
    m = ns.map_workload(wl, hw, "sequential")
    res = ns.simulate(wl, hw, m, record=("voltages",))
    _, _, v = simulate_lif(wl, record_potential=True)
    lif = ~wl.network.is_input
    assert np.array_equal(res.voltages[-1][lif], v[lif])
    assert np.any(np.abs(v[lif]) > 1e4)
    ref = simulate_reference(wl, hw, m)
    assert np.array_equal(res.spikes["tick"], ref["spikes"].reshape(-1, 3)[:, 0])


def test_exact_bincount_and_scale_rules():
    rng = np.random.default_rng(0)
    q = rng.integers(-(2 ** 48), 2 ** 48, 5000)          # bin totals stay in int64, as the scale ensures
    t = rng.integers(0, 7, 5000)
    want = np.zeros(7, dtype=object)
    for ti, qi in zip(t.tolist(), q.tolist()):
        want[ti] += qi
    assert exact_bincount(t, q, 7).tolist() == want.tolist()
    wl = one_neuron(0.25, 1.0)
    assert fixed_point_bits(wl.network) == HEADROOM_BITS - 0      # 3 x 0.25 -> ceil(log2 0.75) = 0
    pcm = ns.load_hardware("espine_pcm")
    assert fixed_point_bits(wl.network, pcm) < fixed_point_bits(wl.network)   # the device's decoded range
