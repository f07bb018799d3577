"""The engine's two stores of XY multicast trees — one node per router (any mesh) and per-column
destination masks (meshes up to 64 rows; chosen by "auto" when the nodes would exceed a cache-sized
budget) — give identical results on meshes larger than the SimPy equivalence test reaches (it checks
both against the reference on meshes up to 3 x 3)."""
import numpy as np
import pytest

import neurosim as ns
from neurosim._core import engine_core
from neurosim.engine.core import pack
from neurosim.reference import random_mapping

from test_reference_equivalence import make_chip, make_workload


def run(wl, hw, m, trees):
    return ns.simulate(wl, hw, m, seed=3, options=ns.EngineOptions(xy_trees=trees))


def same(a, b):
    for k in ("spikes", "tick_start_cycle", "traffic_end_cycle", "packet_latency_hist", "link_flits",
              "ejection_flits", "injection_flits"):
        assert np.array_equal(getattr(a, k), getattr(b, k)), k
    assert a.counts == b.counts and a.packet_latency == b.packet_latency and a.overruns == b.overruns
    assert a.energy_pj == b.energy_pj
    for x, y in zip(a.crossbars, b.crossbars):
        assert np.array_equal(x.row_reads, y.row_reads)


@pytest.mark.parametrize("w,h,buf", [(6, 5, 2), (1, 7, 4), (8, 1, 1), (4, 4, 1)])
def test_column_masks_route_like_tree_nodes(w, h, buf):
    rng = np.random.default_rng(w * 100 + h)
    hw = make_chip("ideal", {"noc__mesh_width": w, "noc__mesh_height": h, "tile__crossbars_per_tile": 1,
                             "tile__crossbar_rows": 48, "tile__crossbar_columns": 4, "noc__multicast": "router",
                             "noc__buffer_depth_flits": buf, "tick_period_s": 40e-9})
    wl = make_workload(rng, 12, min(30, w * h * 2), 30, False, 2)
    m = random_mapping(wl, hw, rng, split=0.3)
    cols = run(wl, hw, m, "columns")
    nodes = run(wl, hw, m, "nodes")
    # the case exercises multicast over several tiles and rows, with back-pressure
    assert cols.extra["xy_trees"] == "columns" and nodes.extra["xy_trees"] == "nodes"
    assert cols.counts["flit_hops"] > 3 * cols.counts["packets"] > 0
    assert cols.link_flits[:, 2:].sum() > 0 and cols.link_flits[:, :2].sum() > 0 or min(w, h) == 1
    same(cols, nodes)


def test_meshes_taller_than_64_rows_use_tree_nodes():
    rng = np.random.default_rng(5)
    hw = make_chip("ideal", {"noc__mesh_width": 1, "noc__mesh_height": 66, "tile__crossbars_per_tile": 1,
                             "tile__crossbar_rows": 48, "tile__crossbar_columns": 1, "noc__multicast": "router"})
    wl = make_workload(rng, 6, 60, 10, False, 1)
    m = random_mapping(wl, hw, rng)
    res = run(wl, hw, m, "columns")
    assert res.extra["xy_trees"] == "nodes"
    assert res.link_flits[:, 2:].sum() > 0 and res.spikes.size > 0


def test_auto_keeps_nodes_within_the_budget_and_counts_them_from_the_masks():
    """The masks count the routers of every tree exactly as build_trees stores them, and "auto"
    switches to masks once the nodes would exceed the budget."""
    rng = np.random.default_rng(11)
    hw = make_chip("ideal", {"noc__mesh_width": 7, "noc__mesh_height": 6, "tile__crossbars_per_tile": 1,
                             "tile__crossbar_rows": 48, "tile__crossbar_columns": 4, "noc__multicast": "router"})
    wl = make_workload(rng, 12, 40, 5, False, 1)
    m = random_mapping(wl, hw, rng, split=0.3)
    cfg, a, s, _ = pack(wl, hw, m, 5, np.random.default_rng(0))
    cfg["xy_trees"] = "auto"
    cores = {}
    for budget in (1 << 40, 32):
        cfg["xy_tree_node_budget"] = budget
        cores[budget] = engine_core.Core(cfg, a, {k: (v.copy() if hasattr(v, "copy") else v) for k, v in s.items()})
    counted, stored = cores[1 << 40].xy_tree_routers()
    assert not cores[1 << 40].colmask and counted == stored > 40
    assert cores[32].colmask and cores[32].xy_tree_routers() == (counted, -1)
