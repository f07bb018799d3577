"""Mapping data contract, sequential strategy, save/load, errors (neurosim.mapping)."""
import numpy as np
import pytest
import scipy.sparse as sp

import neurosim as ns
from neurosim.mapping import Mapping, MappingError, from_sparse, load_mapping, map_workload


def random_net(n=600, n_in=100, density=0.02, seed=0, plastic=False):
    rng = np.random.default_rng(seed)
    A = sp.random(n, n, density=density, random_state=rng, format="lil")
    A[:, :n_in] = 0
    A = A.tocsr()
    A.data[:] = rng.uniform(0.1, 1.0, A.nnz)
    inp = np.zeros(n, bool)
    inp[:n_in] = True
    return from_sparse(A, is_input=inp, plastic=plastic)


@pytest.fixture(scope="module")
def pcm():
    return ns.load_hardware("espine_pcm")


def test_sequential_is_valid_and_ordered(pcm):
    net = random_net()
    m = map_workload(net, pcm, "sequential")
    assert isinstance(m, Mapping) and m.strategy == "sequential"
    m.validate(net, pcm)
    lif = np.flatnonzero(~net.is_input)
    # neuron order is kept: home crossbars are non-decreasing in neuron id
    assert np.all(np.diff(m.neuron_crossbar[lif]) >= 0)
    assert np.all(m.neuron_crossbar[net.is_input] == -1)
    assert m.crossbar_rows.shape == (pcm.n_crossbars, pcm.tile.crossbar_rows)
    assert m.crossbar_columns.shape == (pcm.n_crossbars, pcm.neurons_per_crossbar)


def test_save_load_roundtrip_and_refuse_overwrite(tmp_path, pcm):
    net = random_net(seed=1)
    m = map_workload(net, pcm, "sequential", seed=3)
    p = tmp_path / "m.npz"
    m.save(p)
    with pytest.raises(MappingError, match="refusing to overwrite"):
        m.save(p)
    m2 = load_mapping(p)
    for k, v in m.arrays().items():
        assert np.array_equal(v, getattr(m2, k)), k
    assert m2.strategy == "sequential" and m2.seed == 3
    m2.validate(net, pcm)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(MappingError, match="not a neurosim mapping"):
        load_mapping(tmp_path / "bad.npz")


def test_unknown_strategy_lists_names(pcm):
    with pytest.raises(MappingError, match="sequential"):
        map_workload(random_net(), pcm, "nope")


def test_too_large_says_by_how_much(pcm):
    net = random_net(n=20000, n_in=100, density=0.0002)
    with pytest.raises(MappingError, match=r"too large.*short"):
        map_workload(net, pcm, "sequential")


def test_fanin_split_or_refuse(pcm):
    n_in = 300
    A = sp.lil_matrix((n_in + 4, n_in + 4))
    A[:n_in, n_in:] = 1.0                                  # every output has fan-in 300 > 128 rows
    inp = np.zeros(n_in + 4, bool)
    inp[:n_in] = True
    net = from_sparse(A.tocsr(), is_input=inp)
    m = map_workload(net, pcm, "sequential")
    # 300 inputs -> 3 slots per neuron, each in a different crossbar
    cols = m.crossbar_columns
    for j in range(n_in, n_in + 4):
        ks = np.nonzero(cols == j)[0]
        assert len(ks) == 3 and len(set(ks)) == 3
    with pytest.raises(MappingError, match="fan-in"):
        map_workload(net, pcm, "sequential", split_fanin=False)


def test_validate_catches_corruption(pcm):
    net = random_net(seed=2)
    m = map_workload(net, pcm, "sequential")
    bad = Mapping(**{k: v.copy() for k, v in m.arrays().items()})
    bad.synapse_row[0] = (bad.synapse_row[0] + 1) % pcm.tile.crossbar_rows
    with pytest.raises(MappingError):
        bad.validate(net, pcm)
    bad = Mapping(**{k: v.copy() for k, v in m.arrays().items()})
    bad.crossbar_tile[:] = 0
    with pytest.raises(MappingError, match="tile by tile"):
        bad.validate(net, pcm)


def test_verify_gain_map_only_on_write_verify_chips():
    """The write-verify gain the espine cell placement judges cells by: the array's apparent /
    programmed conductance, below 1 and lowest far from the driver and sense amplifiers."""
    from neurosim.mapping.endurance import verify_gain_logical
    hw = ns.load_hardware("espine_pcm")
    assert hw.crossbar.ir_drop_compensation == "write_verify"
    g = verify_gain_logical(hw, np.array([0.2, -0.5, 0.9]))
    assert g.shape == (hw.tile.crossbar_rows, hw.neurons_per_crossbar)
    assert np.all((g > 0) & (g < 1))
    # the word line is driven at column 0 and the bit lines sensed below the last row
    assert g[-1, 0] == g.max() and g[0, -1] == g.min()
    off = ns.load_hardware("espine_pcm", overrides={"crossbar.ir_drop_compensation": "none"})
    assert verify_gain_logical(off, np.ones(3)) is None
    assert verify_gain_logical(ns.load_hardware("ideal"), np.ones(3)) is None


def test_a_registered_strategy_runs_through_the_run_layer(traces_dir):
    """The recipe of docs/architecture.md ("Add a mapping strategy"): register, then use by name."""
    import numpy as np
    from neurosim.experiment import run_experiment
    from neurosim.mapping import STRATEGIES, register_strategy
    from neurosim.mapping.strategies import _pack

    @register_strategy("test-reversed")
    def _reversed(ctx):
        hg, hw = ctx["hg"], ctx["hw"]
        block, nb = _pack(np.arange(hg.n_vertices), hg, ctx["net"].n_neurons, hw)
        return {"slot_xbar": hw.n_crossbars - 1 - block, "metadata": {"n_clusters": int(nb)}}

    try:
        with pytest.raises(ValueError, match="already registered"):
            register_strategy("test-reversed")(lambda ctx: None)
        run = run_experiment("loihi_like", str(traces_dir / "smoothing"), "test-reversed", ticks=20,
                             baseline="sequential")
        hw = run.hw
        assert run.mapping.strategy == "test-reversed"
        assert set(run.mapping.used_crossbars()) == {hw.n_crossbars - 1 - k for k in run.baseline_mapping.used_crossbars()}
        assert np.array_equal(run.result.spikes, run.baseline_result.spikes)   # same network, other crossbars
    finally:
        STRATEGIES.pop("test-reversed", None)
