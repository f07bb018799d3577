"""NIR import: node mapping, discretisation, refusals, file round trip."""
import math
import sys

import numpy as np
import pytest

from neurosim.workload import Workload, WorkloadError
from neurosim.workload.reference_lif import simulate_lif

nir = pytest.importorskip("nir", reason="optional dependency 'nir' not installed (pip install nir)")
from neurosim.workload.nir_import import from_nir  # noqa: E402


def graph(extra_nodes=None, extra_edges=None, bias=0.0):
    w1 = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    nodes = {
        "in": nir.Input({"input": np.array([2])}),
        "fc": nir.Linear(w1),
        "lif": nir.LIF(tau=np.full(3, 10.0), r=np.full(3, 2.0), v_leak=np.full(3, 0.5),
                       v_threshold=np.full(3, 1.5), v_reset=np.full(3, 0.25)),
        "fc2": nir.Affine(np.ones((2, 3)), np.full(2, bias)),
        "if": nir.IF(r=np.full(2, 0.5), v_threshold=np.ones(2)),
        "out": nir.Output({"output": np.array([2])}),
    }
    edges = [("in", "fc"), ("fc", "lif"), ("lif", "fc2"), ("fc2", "if"), ("if", "out")]
    nodes.update(extra_nodes or {})
    edges += extra_edges or []
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def test_lif_and_if_mapping_exact_discretisation():
    net = from_nir(graph(), dt=1.0)
    c = net.compile()
    assert [(p.name, p.size, p.is_input) for p in c.populations] == [
        ("in", 2, True), ("lif", 3, False), ("if", 2, False)]
    leak = math.exp(-0.1)
    np.testing.assert_allclose(c.leak[2:5], leak)
    np.testing.assert_allclose(c.threshold[2:5], 1.0)    # 1.5 - v_leak
    np.testing.assert_allclose(c.v_reset[2:5], -0.25)    # 0.25 - v_leak
    np.testing.assert_array_equal(c.leak[5:], 1.0)
    W = c.to_scipy().toarray()
    np.testing.assert_allclose(W[0:2, 2:5], np.array([[1, 3, 5], [2, 4, 6]]) * 2.0 * (1 - leak))
    np.testing.assert_allclose(W[2:5, 5:7], 0.5)          # IF: r * dt
    assert np.all(c.delay == 1)
    assert net.metadata["readout"]["population"] == "if"
    assert net.metadata["nir"]["discretisation"] == "exact"


def test_euler_discretisation_and_dt():
    c = from_nir(graph(), dt=0.5, discretisation="euler").compile()
    np.testing.assert_allclose(c.leak[2:5], 1 - 0.05)
    W = c.to_scipy().toarray()
    np.testing.assert_allclose(W[0, 2], 1.0 * 2.0 * 0.05)
    np.testing.assert_allclose(W[2, 5], 0.5 * 0.5)


def test_lif_discretisation_converges_to_continuous_solution():
    """Constant drive: the discrete exact-ZOH LIF reaches r*I*(1-exp(-t/tau)) exactly."""
    g = nir.NIRGraph(nodes={
        "in": nir.Input({"input": np.array([1])}),
        "fc": nir.Linear(np.array([[0.3]])),
        "lif": nir.LIF(tau=np.array([5.0]), r=np.array([2.0]), v_leak=np.array([0.0]),
                       v_threshold=np.array([100.0])),
    }, edges=[("in", "fc"), ("fc", "lif")])
    wl = Workload(from_nir(g, dt=0.5), inputs={"in": np.ones((41, 1), bool)})
    _, _, v = simulate_lif(wl, record_potential=True)
    t = 40 * 0.5  # the last tick's input has not arrived yet (delay 1)
    assert v[1] == pytest.approx(2.0 * 0.3 * (1 - math.exp(-t / 5.0)), rel=1e-12)


def test_cubalif_collapses_with_warning():
    cuba = nir.CubaLIF(tau_syn=np.full(2, 5.0), tau_mem=np.full(2, 20.0), r=np.full(2, 2.0),
                       v_leak=np.zeros(2), v_threshold=np.ones(2), w_in=np.full(2, 0.5))
    g = graph(extra_nodes={"fc3": nir.Linear(np.eye(2)), "cuba": cuba},
              extra_edges=[("if", "fc3"), ("fc3", "cuba")])
    with pytest.warns(UserWarning, match="'cuba'.*collapsed"):
        c = from_nir(g).compile()
    cub = c.population("cuba")
    np.testing.assert_allclose(c.leak[cub.start:cub.stop], math.exp(-1 / 20))
    W = c.to_scipy().toarray()
    np.testing.assert_allclose(W[5, cub.start], 2.0 * (1 - math.exp(-1 / 20)) * 0.5)
    with pytest.raises(WorkloadError, match="'cuba'.*synaptic current filter"):
        from_nir(g, cuba_synapse="error")


def test_recurrent_and_flatten():
    g = graph(extra_nodes={"rec": nir.Linear(-np.eye(3))}, extra_edges=[("lif", "rec"), ("rec", "lif")])
    c = from_nir(g).compile()
    W = c.to_scipy().toarray()
    assert W[2, 2] < 0 and W[3, 3] < 0
    g2 = nir.NIRGraph(nodes={
        "in": nir.Input({"input": np.array([2, 2])}),
        "flat": nir.Flatten({"input": np.array([2, 2])}, start_dim=0),
        "fc": nir.Linear(np.ones((3, 4))),
        "lif": nir.IF(r=np.ones(3), v_threshold=np.ones(3)),
    }, edges=[("in", "flat"), ("flat", "fc"), ("fc", "lif")])
    c2 = from_nir(g2).compile()
    assert c2.population("in").size == 4 and c2.n_synapses == 12


@pytest.mark.parametrize("node, match", [
    (lambda: nir.Conv2d(input_shape=(4, 4), weight=np.ones((1, 1, 3, 3)), stride=1, padding=0,
                        dilation=1, groups=1, bias=np.zeros(1)), r"'bad' \(Conv2d\).*flatten"),
    (lambda: nir.LI(tau=np.ones(2), r=np.ones(2), v_leak=np.zeros(2)), r"'bad' \(LI\)"),
    (lambda: nir.Delay(delay=np.ones(2)), r"'bad' \(Delay\)"),
])
def test_unmappable_nodes_are_named(node, match):
    g = graph(extra_nodes={"bad": node()}, extra_edges=[("if", "bad")])
    with pytest.raises(WorkloadError, match=match):
        from_nir(g)


def test_nonzero_affine_bias_refused():
    with pytest.raises(WorkloadError, match="'fc2' \\(Affine\\) has a nonzero bias"):
        from_nir(graph(bias=0.1))


def test_weight_shape_mismatch_named():
    g = graph()
    g.nodes["fc"] = nir.Linear(np.ones((3, 5)))
    with pytest.raises(WorkloadError, match="'fc' \\(Linear\\): weight shape \\(3, 5\\)"):
        from_nir(g)


def test_file_round_trip(tmp_path):
    path = tmp_path / "g.nir"
    nir.write(path, graph())
    assert from_nir(path).compile().content_hash() == from_nir(graph()).compile().content_hash()
    (tmp_path / "bad.nir").write_bytes(b"not hdf5")
    with pytest.raises(WorkloadError, match="bad.nir: cannot read NIR file"):
        from_nir(tmp_path / "bad.nir")


def test_missing_nir_package_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "nir", None)
    with pytest.raises(WorkloadError, match="pip install nir"):
        from_nir(None)
