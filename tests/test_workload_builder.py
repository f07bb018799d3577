"""Network builder, compiled CSR form, Workload container, content hash, reference LIF."""
import numpy as np
import pytest
import scipy.sparse as sp

import neurosim as ns
from neurosim.workload import CompiledNetwork, Network, STDPRule, Workload, WorkloadError, summary
from neurosim.workload.reference_lif import accuracy, classify, simulate_lif


def small_net(seed=0):
    rng = np.random.default_rng(seed)
    net = Network(name="t")
    inp = net.add_input("in", 6)
    a = net.add_population("a", 5, threshold=np.linspace(1, 2, 5), leak=0.9, refractory=1)
    b = net.add_population("b", 4, threshold=1.0, leak=1.0, v_reset=-0.5)
    w1 = rng.normal(size=(6, 5)) * (rng.random((6, 5)) < 0.6)
    d1 = rng.integers(1, 4, size=(6, 5))
    w2 = rng.normal(size=(5, 4)) * (rng.random((5, 4)) < 0.6)
    w3 = rng.normal(size=(4, 4)) * (rng.random((4, 4)) < 0.5)
    net.connect(inp, a, weights=w1, delay=d1)
    net.connect(a, b, weights=sp.csr_matrix(w2), delay=2, plastic=True)
    net.connect(b, b, weights=w3, delay=1, stdp=STDPRule(a_plus=0.05, w_max=2.0))
    return net, (inp, a, b), (w1, d1, w2, w3)


def test_lazy_reexport():
    assert ns.Network is Network and ns.Workload is Workload and ns.WorkloadError is WorkloadError
    assert ns.STDPRule is STDPRule and ns.Population is not None
    assert callable(ns.load_workload) and callable(ns.save_workload)


def test_ids_follow_creation_order():
    net, (inp, a, b), _ = small_net()
    assert (inp.start, inp.size, a.start, a.size, b.start, b.size) == (0, 6, 6, 5, 11, 4)
    assert inp.is_input and not a.is_input
    c = net.compile()
    assert c.n_neurons == 15 and c.n_inputs == 6
    assert c.population_names == ("in", "a", "b")
    np.testing.assert_array_equal(c.population_of, [0] * 6 + [1] * 5 + [2] * 4)
    np.testing.assert_array_equal(c.is_input, [True] * 6 + [False] * 9)
    np.testing.assert_array_equal(c.threshold[6:11], np.linspace(1, 2, 5))
    assert np.all(c.leak[11:] == 1.0) and np.all(c.v_reset[11:] == -0.5)
    np.testing.assert_array_equal(c.refractory, [0] * 6 + [1] * 5 + [0] * 4)
    assert c.population("b") == b


def test_csr_matches_dense_weights_and_delays():
    net, (inp, a, b), (w1, d1, w2, w3) = small_net()
    c = net.compile().validate()
    dense = np.zeros((15, 15))
    dense[0:6, 6:11] = w1
    dense[6:11, 11:15] = w2
    dense[11:15, 11:15] = w3
    np.testing.assert_array_equal(c.to_scipy().toarray(), dense)
    assert c.n_synapses == np.count_nonzero(dense)
    delays = np.zeros((15, 15), dtype=np.int64)
    delays[0:6, 6:11] = np.where(w1 != 0, d1, 0)
    delays[6:11, 11:15] = np.where(w2 != 0, 2, 0)
    delays[11:15, 11:15] = np.where(w3 != 0, 1, 0)
    np.testing.assert_array_equal(c.to_scipy("delay").toarray(), delays)
    # rows sorted, dtypes as documented
    for i in range(15):
        row = c.post[c.indptr[i]:c.indptr[i + 1]]
        assert np.all(np.diff(row) > 0)
    assert c.indptr.dtype == np.int64 and c.post.dtype == np.int32 and c.delay.dtype == np.int32
    assert c.stdp_rule.dtype == np.int16 and c.weight.dtype == np.float64
    np.testing.assert_array_equal(c.fan_in(), (dense != 0).sum(axis=0))
    np.testing.assert_array_equal(c.fan_out(), (dense != 0).sum(axis=1))
    np.testing.assert_array_equal(c.pre, np.repeat(np.arange(15), c.fan_out()))


def test_plastic_flags_and_rule_table():
    net, _, _ = small_net()
    c = net.compile()
    pre = c.pre
    from_a = (pre >= 6) & (pre < 11)
    from_b = pre >= 11
    assert np.all(c.plastic == (from_a | from_b))
    assert np.all(c.stdp_rule[~c.plastic] == -1)
    rules = c.stdp_rule_objects()
    assert len(rules) == 2
    assert rules[c.stdp_rule[from_a][0]] == STDPRule()
    assert rules[c.stdp_rule[from_b][0]] == STDPRule(a_plus=0.05, w_max=2.0)
    assert c.n_plastic == int(from_a.sum() + from_b.sum())


def test_sparse_input_equals_dense_and_drops_explicit_zeros():
    w = np.array([[0.0, 1.5], [2.0, 0.0], [0.0, 0.0]])
    s = sp.coo_matrix(([1.5, 2.0, 0.0], ([0, 1, 2], [1, 0, 1])), shape=(3, 2))
    out = []
    for weights in (w, s, sp.csr_matrix(w)):
        net = Network()
        i = net.add_input("i", 3)
        o = net.add_population("o", 2)
        assert net.connect(i, o, weights=weights) == 2
        out.append(net.compile().content_hash())
    assert len(set(out)) == 1


def test_sparse_delay_matrix():
    w = sp.csr_matrix(np.array([[1.0, 0.0], [0.5, 0.25]]))
    d = sp.csr_matrix(np.array([[3, 0], [1, 7]]))
    net = Network()
    i = net.add_input("i", 2)
    o = net.add_population("o", 2)
    net.connect(i, o, weights=w, delay=d)
    np.testing.assert_array_equal(net.compile().delay, [3, 1, 7])
    net2 = Network()
    i = net2.add_input("i", 2)
    o = net2.add_population("o", 2)
    with pytest.raises(WorkloadError, match="delay >= 1"):
        net2.connect(i, o, weights=w, delay=sp.csr_matrix(np.array([[3, 0], [0, 7]])))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda n, i, o: n.connect(i, o, weights=np.ones((3, 3))), r"shape \(3, 3\), expected \(2, 3\)"),
        (lambda n, i, o: n.connect(i, o, weights=np.ones((2, 3)), delay=0), "delay >= 1"),
        (lambda n, i, o: n.connect(i, o, weights=np.ones((2, 3)), delay=1.5), "whole numbers"),
        (lambda n, i, o: n.connect(i, o, weights=np.full((2, 3), np.nan)), "finite"),
        (lambda n, i, o: n.connect(o, i, weights=np.ones((3, 2))), "cannot be postsynaptic"),
        (lambda n, i, o: n.connect(i, o, weights=np.ones((2, 3)), delay=np.ones((3, 2))), "delay must be"),
        (lambda n, i, o: n.connect(i, o, weights=np.ones((2, 3)), plastic=False, stdp=STDPRule()), "plastic=False"),
        (lambda n, i, o: n.connect(i, "nope", weights=np.ones((2, 3))), "no population 'nope'"),
        (lambda n, i, o: n.add_population("o", 2), "already exists"),
        (lambda n, i, o: n.add_population("x", 0), "size must be"),
        (lambda n, i, o: n.add_population("x", 2, leak=1.5), r"leak.*\[0, 1\]"),
        (lambda n, i, o: n.add_population("x", 2, threshold=[1, 2, 3]), "shape"),
        (lambda n, i, o: n.add_population("x", 2, refractory=-1), "integers >= 0"),
        (lambda n, i, o: STDPRule(tau_plus=0), "tau_plus"),
        (lambda n, i, o: STDPRule(w_min=2, w_max=1), "w_min"),
    ],
)
def test_builder_errors(call, match):
    net = Network(name="err")
    i = net.add_input("i", 2)
    o = net.add_population("o", 3)
    with pytest.raises(WorkloadError, match=match):
        call(net, i, o)


def test_connecting_same_pair_twice_is_an_error():
    net = Network()
    i = net.add_input("i", 2)
    o = net.add_population("o", 2)
    net.connect(i, o, weights=np.eye(2))
    with pytest.raises(WorkloadError, match="already connected"):
        net.connect(i, o, weights=np.eye(2))


def test_compiled_arrays_are_read_only():
    c = small_net()[0].compile()
    with pytest.raises(ValueError):
        c.weight[0] = 5.0


def test_workload_inputs_sorted_and_raster_roundtrip():
    net, (inp, a, b), _ = small_net()
    rng = np.random.default_rng(3)
    raster = rng.random((50, 6)) < 0.3
    wl = Workload(net, inputs={"in": raster}, name="w")
    assert wl.n_ticks == 50 and wl.n_input_spikes == raster.sum()
    order = np.lexsort((wl.input_neurons, wl.input_ticks))
    np.testing.assert_array_equal(order, np.arange(order.size))
    np.testing.assert_array_equal(wl.raster(), raster)
    np.testing.assert_array_equal(wl.raster(10, 20, population="in"), raster[10:20])
    ip = wl.tick_indptr()
    for t in (0, 7, 49):
        np.testing.assert_array_equal(wl.input_neurons[ip[t]:ip[t + 1]], np.flatnonzero(raster[t]))


def test_workload_samples_and_labels():
    net, _, _ = small_net()
    wl = Workload(net, inputs={"in": np.zeros((30, 6), bool)}, labels=[1, 0, 2], sample_ticks=10)
    np.testing.assert_array_equal(wl.sample_starts, [0, 10, 20])
    np.testing.assert_array_equal(wl.sample_ticks, [10, 10, 10])
    assert wl.labels.dtype == np.int32 and wl.n_samples == 3


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(inputs={"a": np.zeros((5, 5), bool)}), "not an input population"),
        (dict(inputs={"in": np.zeros((5, 4), bool)}), r"shape \(ticks, 6\)"),
        (dict(inputs={"in": np.full((5, 6), 2)}), "boolean"),
        (dict(inputs={}), "give n_ticks"),
        (dict(inputs={"in": np.zeros((5, 6), bool)}, labels=[0, 1]), "sample_ticks"),
        (dict(inputs={"in": np.zeros((5, 6), bool)}, labels=[0, 1], sample_ticks=3), "outside"),
        (dict(inputs={"in": np.zeros((9, 6), bool)}, labels=[0, 1], sample_ticks=[3, 3],
              sample_starts=[0, 2]), "overlap"),
        (dict(inputs={"in": np.zeros((9, 6), bool)}, metadata={"x": object()}), "serialisable"),
    ],
)
def test_workload_errors(kwargs, match):
    net, _, _ = small_net()
    with pytest.raises(WorkloadError, match=match):
        Workload(net, **kwargs)


def test_from_arrays_rejects_bad_spikes():
    c = small_net()[0].compile()
    with pytest.raises(WorkloadError, match="non-input neuron 7"):
        Workload.from_arrays(c, [0, 1], [0, 7], 5)
    with pytest.raises(WorkloadError, match="tick 5 out of range"):
        Workload.from_arrays(c, [0, 5], [0, 1], 5)
    with pytest.raises(WorkloadError, match="duplicate input spike"):
        Workload.from_arrays(c, [1, 1], [2, 2], 5)


def test_content_hash_is_golden_and_ignores_name_and_metadata():
    """A fixed tiny workload must hash to this exact value on every machine and numpy version.
    If this fails, the hash definition changed: caches keyed on it become stale."""
    net = Network(name="golden")
    i = net.add_input("in", 2)
    o = net.add_population("out", 2, threshold=1.0, leak=0.5)
    net.connect(i, o, weights=np.array([[0.5, 0.0], [0.25, 1.0]]), delay=np.array([[1, 1], [2, 1]]))
    wl = Workload(net, inputs={"in": np.array([[1, 0], [1, 1], [0, 0]], bool)})
    h = wl.content_hash()
    assert h == GOLDEN_HASH
    wl2 = Workload(net, inputs={"in": np.array([[1, 0], [1, 1], [0, 0]], bool)}, name="other",
                   metadata={"description": "changed"})
    assert wl2.content_hash() == h
    wl3 = Workload(net, inputs={"in": np.array([[1, 0], [1, 1], [0, 1]], bool)})
    assert wl3.content_hash() != h


GOLDEN_HASH = "f6dfe2d9e4a6b42931160145d4053d571fcaa619e01d3b8a37c8549d866f77e1"


def test_summary_fields():
    net, _, _ = small_net()
    wl = Workload(net, inputs={"in": np.ones((4, 6), bool)}, labels=[0, 1], sample_ticks=2)
    s = summary(wl)
    assert s["neurons"] == 15 and s["inputs"] == 6 and len(s["populations"]) == 3
    assert s["synapses"] == wl.network.n_synapses and s["plastic_synapses"] == wl.network.n_plastic
    assert s["ticks"] == 4 and s["input_spikes"] == 24 and s["mean_input_rate"] == 1.0
    assert s["max_fan_in"] == wl.network.fan_in().max() and s["labels"] == 2 and s["samples"] == 2


# ------------------------------------------------------------------ reference LIF semantics
def _chain(leak=1.0, refractory=0, delay=1, threshold=1.0, w=0.6):
    net = Network()
    i = net.add_input("i", 1)
    o = net.add_population("o", 1, threshold=threshold, leak=leak, refractory=refractory)
    net.connect(i, o, weights=np.array([[w]]), delay=delay)
    return net


def test_reference_lif_hand_computed():
    # input spikes every tick; w = 0.6, leak 1: v = 0.6 (t1), 1.2 -> spike at t2, then 0.6, spike t4 ...
    wl = Workload(_chain(), inputs={"i": np.ones((6, 1), bool)})
    t, n = simulate_lif(wl)
    assert t[n == 1].tolist() == [2, 4]
    # delay 3 shifts by two ticks
    wl = Workload(_chain(delay=3), inputs={"i": np.ones((8, 1), bool)})
    t, n = simulate_lif(wl)
    assert t[n == 1].tolist() == [4, 6]
    # leak 0.5: v = 0.6, 0.9, 1.05 -> spike at t3
    wl = Workload(_chain(leak=0.5), inputs={"i": np.ones((5, 1), bool)})
    t, n = simulate_lif(wl)
    assert t[n == 1].tolist() == [3]
    # refractory 2 with w = 1.0 (spike on every integrating tick): spikes t1, t4, t7
    wl = Workload(_chain(refractory=2, w=1.0), inputs={"i": np.ones((9, 1), bool)})
    t, n = simulate_lif(wl)
    assert t[n == 1].tolist() == [1, 4, 7]


def test_reference_lif_matches_dense_loop():
    """Vectorised reference vs a direct per-tick dense loop on a random recurrent net."""
    net, _, _ = small_net(seed=5)
    rng = np.random.default_rng(9)
    wl = Workload(net, inputs={"in": rng.random((60, 6)) < 0.4})
    t, n = simulate_lif(wl)
    c = wl.network
    W = c.to_scipy().toarray()
    Dl = c.to_scipy("delay").toarray()
    N, T = c.n_neurons, wl.n_ticks
    spikes = np.zeros((T, N), bool)
    raster = wl.raster()
    v = np.zeros(N)
    cnt = np.zeros(N, int)
    for tt in range(T):
        I = np.zeros(N)
        for d in range(1, int(Dl.max()) + 1):
            if tt - d >= 0:
                I += spikes[tt - d] @ np.where(Dl == d, W, 0.0)
        for j in range(N):
            if c.is_input[j]:
                continue
            if cnt[j] > 0:
                cnt[j] -= 1
                continue
            v[j] = c.leak[j] * v[j] + I[j]
            if v[j] >= c.threshold[j]:
                spikes[tt, j] = True
                v[j] = c.v_reset[j]
                cnt[j] = c.refractory[j]
        spikes[tt, c.input_ids] = raster[tt]
    tt, nn = np.nonzero(spikes)
    assert n.size > 10
    np.testing.assert_array_equal(t, tt)
    np.testing.assert_array_equal(n, nn)


def test_classify_and_accuracy():
    net = Network()
    i = net.add_input("i", 2)
    o = net.add_population("o", 2, threshold=0.5, leak=0.0)
    net.connect(i, o, weights=np.eye(2))
    raster = np.zeros((8, 2), bool)
    raster[0:3, 0] = True   # sample 0 -> class 0
    raster[4:7, 1] = True   # sample 1 -> class 1
    wl = Workload(net, inputs={"i": raster}, labels=[0, 0], sample_ticks=4,
                  metadata={"readout": {"population": "o"}})
    t, n = simulate_lif(wl)
    np.testing.assert_array_equal(classify(wl, t, n), [0, 1])
    assert accuracy(wl) == 0.5
