"""KL partitioning: cut quality against networkx, km1 against pymetis / Mt-KaHyPar (reported)."""
import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

import neurosim as ns
from neurosim.mapping import from_sparse
from neurosim.mapping.partition import block_loads, external_partition, kl_bisection, kl_partition, km1
from neurosim.mapping.slots import build_hypergraph, build_slots


def nx_cut(G, parts):
    a, _ = parts
    return sum(d.get("weight", 1) for u, v, d in G.edges(data=True) if (u in a) != (v in a))


@pytest.mark.parametrize("kind,seed", [("gnp", 0), ("gnp", 1), ("geometric", 2), ("ws", 3), ("sbm", 4)])
def test_kl_bisection_no_worse_than_networkx(kind, seed):
    rng = np.random.default_rng(seed)
    if kind == "gnp":
        G = nx.gnp_random_graph(300, 0.03, seed=seed)
    elif kind == "geometric":
        G = nx.random_geometric_graph(300, 0.1, seed=seed)
    elif kind == "ws":
        G = nx.watts_strogatz_graph(300, 6, 0.1, seed=seed)
    else:
        G = nx.stochastic_block_model([75] * 4, [[0.15 if i == j else 0.01 for j in range(4)] for i in range(4)], seed=seed)
    for u, v in G.edges:
        G[u][v]["weight"] = float(rng.integers(1, 10))
    A = nx.to_scipy_sparse_array(G, nodelist=range(G.number_of_nodes()), weight="weight", format="csr")
    side, cut = kl_bisection(A, seed=seed)
    assert abs(int(side.sum()) - G.number_of_nodes() // 2) <= 1            # balanced like networkx
    ours = nx_cut(G, (set(np.flatnonzero(side == 0).tolist()), None))
    assert ours == pytest.approx(cut)
    theirs = nx_cut(G, nx.algorithms.community.kernighan_lin_bisection(G, weight="weight", seed=seed))
    assert ours <= theirs + 1e-9, (ours, theirs)


def layered_net(seed=0, n_in=200, layers=(400, 300), fan=20):
    rng = np.random.default_rng(seed)
    sizes = (n_in,) + tuple(layers)
    n = sum(sizes)
    starts = np.cumsum((0,) + sizes)
    rows, cols = [], []
    for l in range(len(sizes) - 1):
        pre0, pre1, post0, post1 = starts[l], starts[l + 1], starts[l + 1], starts[l + 2]
        for j in range(post0, post1):
            # local receptive fields: structure a partitioner can find
            centre = pre0 + (j - post0) * (pre1 - pre0) // (post1 - post0)
            src = np.clip(centre + rng.integers(-30, 30, fan), pre0, pre1 - 1)
            rows.extend(np.unique(src).tolist())
            cols.extend([j] * np.unique(src).size)
    A = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    inp = np.zeros(n, bool)
    inp[:n_in] = True
    return from_sparse(A, is_input=inp), rng.poisson(10, n).astype(float)


def _hg(hw, seed=0):
    net, act = layered_net(seed)
    slots = build_slots(net, hw.tile.crossbar_rows)
    return build_hypergraph(net, slots, act), slots


def test_kway_respects_limits_and_improves_on_packing():
    hw = ns.load_hardware("espine_pcm")
    hg, slots = _hg(hw)
    block, nb, st = kl_partition(hg, slots, hw)
    cols, rows = block_loads(hg, block)
    assert cols.max() <= hw.neurons_per_crossbar and rows.max() <= hw.tile.crossbar_rows
    assert st["km1"] == pytest.approx(km1(hg, block))
    from neurosim.mapping.partition import pack
    seq, _ = pack(hg, slots, np.arange(hg.n_vertices), hw)
    assert km1(hg, block) < km1(hg, seq)


@pytest.mark.parametrize("tool", ["metis", "mtkahypar"])
def test_external_partitioners_reported_beside_kl(tool, record_property):
    pytest.importorskip("pymetis" if tool == "metis" else "mtkahypar",
                        reason=f"{tool} not installed (optional comparison)")
    hw = ns.load_hardware("espine_pcm")
    hg, slots = _hg(hw, seed=1)
    _, nb, st = kl_partition(hg, slots, hw)
    block, nb2, ext = external_partition(hg, slots, hw, nb, tool)
    cols, rows = block_loads(hg, block)
    assert cols.max() <= hw.neurons_per_crossbar and rows.max() <= hw.tile.crossbar_rows
    record_property(f"km1_kl", st["km1"])
    record_property(f"km1_{tool}_raw", ext["km1_raw"])
    record_property(f"km1_{tool}_repaired_refined", ext["km1"])
    print(f"\nkm1: KL {st['km1']:.0f} ({nb} blocks) | {tool}: raw {ext['km1_raw']:.0f} "
          f"(row limit {'met' if ext['raw_feasible'] else 'violated'}), repaired+refined {ext['km1']:.0f} ({nb2} blocks)")
    # the goal: within 5 % of the external partitioner's own (row-limit-ignoring) result, and no worse
    # than its result once repaired to honour both crossbar limits
    assert st["km1"] <= 1.05 * ext["km1_raw"]
    assert st["km1"] <= ext["km1"]
