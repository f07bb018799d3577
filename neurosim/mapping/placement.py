"""Placing clusters (crossbar-sized blocks) onto the crossbars of a tiled mesh.

:func:`pso_place` is random-key particle swarm optimisation (Kennedy & Eberhart, ICNN 1995; the
placement step of SpiNeMap, Balaji et al. TVLSI 2020, and eSpine, Titirsha et al. TPDS 2021):
each particle holds one key per crossbar; sorting the keys and giving cluster c the crossbar with
the c-th smallest key decodes a placement (Bean, ORSA J. Comput. 1994). Update per iteration

    v ← w·v + c1·r1·(pbest − x) + c2·r2·(gbest − x),   x ← clip(x + v, 0, 1),

with r1, r2 ~ U(0, 1) per dimension and |v| ≤ v_max. The swarm is seeded (one particle encodes the
in-order placement) and the best placement is polished by the compiled pairwise-swap local search
(``csrc/pso_place.pyx``) — the global best and the ``polish_top − 1`` next personal bests are
polished and the best kept. Swap local search is much stronger than PSO alone on this problem
(docs/references.md#mapping-algorithms), so :func:`place` always also reports a local-search-only
run from a random placement and a random placement, and returns the convergence trace.

Objective (``csrc/pso_place.pyx``): weighted sum of hop-weighted inter-tile spike traffic (energy),
mean and worst packet latency, minus the minimum predicted lifetime (when the chip's crossbars differ),
each normalised by its value for the in-order placement.
"""
from __future__ import annotations

import time

import numpy as np

from .slots import Hypergraph

__all__ = ["cluster_nets", "make_cost", "pso_place", "place", "DEFAULT_PLACEMENT"]

DEFAULT_PLACEMENT = {
    "particles": 32, "iterations": 60, "inertia": 0.72, "c1": 1.49, "c2": 1.49, "v_max": 0.25,
    "w_energy": 1.0, "w_mean_latency": 0.0, "w_max_latency": 0.0, "w_lifetime": 0.0,
    "local_search_sweeps": 30, "ls_every": 10, "ls_sweeps": 3, "seed_inorder": True, "ls_diverse": True, "polish_top": 2,
}


def cluster_nets(hg: Hypergraph, block: np.ndarray):
    """Aggregate the slot hypergraph into cluster-level nets ``(ptr, clusters, src, w)``: one net per
    distinct (root cluster, destination cluster set); nets inside one cluster are dropped."""
    block = np.asarray(block, np.int64)
    nb = int(block.max()) + 1 if block.size else 1
    sizes = np.diff(hg.e_ptr)
    e = np.repeat(np.arange(hg.n_edges, dtype=np.int64), sizes)
    b = block[hg.e_pin]
    # root: the driver pin's cluster (row flag 0 on a neuron net), partial sums: first pin; else -1
    src = np.full(hg.n_edges, -1, np.int64)
    drv = (hg.e_row == 0)
    src[e[drv]] = b[drv]
    ps = np.flatnonzero(hg.e_src < 0)
    src[ps] = block[hg.e_pin[hg.e_ptr[ps]]]
    key = np.unique(e * nb + b)
    ke, kb = key // nb, key % nb
    lam = np.bincount(ke, minlength=hg.n_edges)
    multi = lam >= 2
    sel = multi[ke]
    ke, kb = ke[sel], kb[sel]
    nets = {}
    start = np.searchsorted(ke, np.flatnonzero(multi))
    stop = np.append(start[1:], ke.size)
    for idx, (s0, s1) in zip(np.flatnonzero(multi), zip(start, stop)):
        t = (int(src[idx]),) + tuple(kb[s0:s1].tolist())
        nets[t] = nets.get(t, 0.0) + float(hg.e_w[idx])
    ptr = [0]
    cl, srcs, w = [], [], []
    for t, wt in nets.items():
        srcs.append(t[0])
        cl.extend(t[1:])
        ptr.append(len(cl))
        w.append(wt)
    return (np.asarray(ptr, np.int64), np.asarray(cl, np.int32), np.asarray(srcs, np.int32),
            np.asarray(w, np.float64))


def make_cost(nets, n_clusters: int, hw, life=None, weights: dict | None = None):
    """A compiled :class:`PlacementCost` for ``nets`` on ``hw`` with objective ``weights``."""
    from neurosim._core.pso_place import PlacementCost
    ptr, cl, src, w = nets
    noc = hw.noc
    c = PlacementCost(ptr, cl, src, w, int(n_clusters), hw.n_crossbars, noc.mesh_width, noc.mesh_height,
                      hw.tile.crossbars_per_tile, noc.multicast == "router",
                      float(noc.router_latency_cycles + noc.link_latency_cycles), float(noc.router_latency_cycles),
                      life)
    weights = {**DEFAULT_PLACEMENT, **(weights or {})}
    c.a_e, c.a_m, c.a_x, c.a_l = (weights["w_energy"], weights["w_mean_latency"], weights["w_max_latency"],
                                  weights["w_lifetime"])
    return c


def _normalise(cost, pos):
    _, E, M, X, L = cost.evaluate(np.ascontiguousarray(pos, np.int32))
    cost.E0 = E if E > 0 else 1.0
    cost.M0 = M if M > 0 else 1.0
    cost.X0 = X if X > 0 else 1.0
    cost.L0 = L if L > 0 else 1.0


def pso_place(cost, n_clusters: int, n_xbars: int, rng: np.random.Generator, *, particles=32,
              iterations=100, inertia=0.72, c1=1.49, c2=1.49, v_max=0.25, seeds=(),
              ls_every=0, ls_sweeps=3, seed=0, ls_diverse=False, return_swarm=False):
    """Random-key PSO (module docstring). Returns ``(pos int32[n_clusters], best objective, trace)``
    where ``trace[i]`` is the global best after iteration i (trace[0]: initial swarm).

    ``ls_every > 0`` makes it memetic: every ``ls_every`` iterations the global best is improved by
    ``ls_sweeps`` sweeps of swap local search and written back into the swarm (as the global best
    and as the worst particle), a standard PSO + local search hybrid."""
    P, K = int(particles), int(n_xbars)
    X = rng.random((P, K))
    V = rng.uniform(-v_max, v_max, (P, K))

    def decode(X):
        return np.ascontiguousarray(np.argsort(X, axis=1, kind="stable")[:, :n_clusters], np.int32)

    def encode(pos):
        """Keys that decode to ``pos``: its clusters' crossbars get the smallest keys, in order."""
        x = 0.5 + 0.5 * rng.random(K)
        x[np.asarray(pos)] = np.arange(n_clusters) / (2.0 * max(n_clusters, 1))
        return x

    # seeded swarm: particle i starts at the i-th placement of ``seeds``, so the swarm starts no
    # worse than its best seed
    for i, seed_pos in enumerate(list(seeds)[:P]):
        X[i] = encode(seed_pos)

    f = cost.evaluate_many(decode(X))
    pbest, pbest_f = X.copy(), f.copy()
    g = int(np.argmin(f))
    gbest, gbest_f = X[g].copy(), float(f[g])
    trace = [gbest_f]
    for _ in range(int(iterations)):
        r1 = rng.random((P, K))
        r2 = rng.random((P, K))
        V = inertia * V + c1 * r1 * (pbest - X) + c2 * r2 * (gbest[None, :] - X)
        np.clip(V, -v_max, v_max, out=V)
        X = np.clip(X + V, 0.0, 1.0)
        f = cost.evaluate_many(decode(X))
        better = f < pbest_f
        pbest[better] = X[better]
        pbest_f[better] = f[better]
        g = int(np.argmin(pbest_f))
        if pbest_f[g] < gbest_f:
            gbest, gbest_f = pbest[g].copy(), float(pbest_f[g])
        it = len(trace)
        if ls_every and it % ls_every == 0:
            # polish the global best, and one particle's personal best (diversity)
            q = int(rng.integers(P))
            for who, x_src in ((("g", gbest),) if not ls_diverse else (("g", gbest), ("p", pbest[q]))):
                pos = decode(x_src[None, :])[0].copy()
                f_ls, _, _ = cost.local_search(pos, int(ls_sweeps), int(seed) * 1000 + it)
                x = encode(pos)
                if who == "p":
                    if f_ls < pbest_f[q]:
                        X[q], pbest[q], pbest_f[q] = x, x.copy(), f_ls
                elif f_ls < gbest_f:
                    worst = int(np.argmax(pbest_f))
                    X[worst], pbest[worst], pbest_f[worst] = x, x.copy(), f_ls
                if f_ls < gbest_f:
                    gbest, gbest_f = x.copy(), float(f_ls)
        trace.append(gbest_f)
    if return_swarm:
        order = np.argsort(pbest_f)
        return decode(gbest[None, :])[0], gbest_f, trace, decode(pbest[order])
    return decode(gbest[None, :])[0], gbest_f, trace


def place(hg: Hypergraph, block: np.ndarray, n_clusters: int, hw, *, seed: int = 0, life=None,
          options: dict | None = None, method: str = "pso+ls"):
    """Place clusters on crossbars. ``method``: ``"pso+ls"`` (default), ``"ls"``, ``"random"`` or
    ``"inorder"`` (cluster c on crossbar c). Returns ``(pos int32[n_clusters], stats)``; stats
    hold the objective parts of every baseline, the PSO trace and timings."""
    opt = {**DEFAULT_PLACEMENT, **(options or {})}
    K = hw.n_crossbars
    rng = np.random.default_rng([int(seed), 0x5EED])
    nets = cluster_nets(hg, block)
    cost = make_cost(nets, n_clusters, hw, life, opt)
    inorder = np.arange(n_clusters, dtype=np.int32)
    _normalise(cost, inorder)
    stats = {"n_cluster_nets": int(nets[3].size), "objective_weights": {k: opt[k] for k in (
        "w_energy", "w_mean_latency", "w_max_latency", "w_lifetime")}}

    def record(name, pos, t):
        f, E, M, X, L = cost.evaluate(np.ascontiguousarray(pos, np.int32))
        stats[name] = {"objective": f, "hop_traffic": E, "mean_latency_cycles": M, "max_latency_cycles": X,
                       "min_lifetime": L, "time_s": t}

    record("inorder", inorder, 0.0)
    t0 = time.perf_counter()
    rand = np.ascontiguousarray(rng.permutation(K)[:n_clusters], np.int32)
    record("random", rand, time.perf_counter() - t0)
    if method == "inorder":
        return inorder, stats
    if method == "random":
        return rand, stats
    t0 = time.perf_counter()
    ls_pos = rand.copy()
    _, sweeps, acc = cost.local_search(ls_pos, int(opt["local_search_sweeps"]), int(seed) + 11)
    record("ls_only", ls_pos, time.perf_counter() - t0)
    if method == "ls":
        return ls_pos, stats
    t0 = time.perf_counter()
    pos, fbest, trace, swarm = pso_place(
        cost, n_clusters, K, rng, particles=opt["particles"], iterations=opt["iterations"],
        inertia=opt["inertia"], c1=opt["c1"], c2=opt["c2"], v_max=opt["v_max"],
        # the swarm is seeded with the local-search baseline (and the in-order placement), so the
        # polished result is never worse than local search alone
        seeds=[inorder, ls_pos] if opt["seed_inorder"] else [ls_pos],
        ls_every=opt["ls_every"], ls_sweeps=opt["ls_sweeps"],
        seed=seed, ls_diverse=opt["ls_diverse"], return_swarm=True)
    t_pso = time.perf_counter() - t0
    record("pso", pos, t_pso)
    # polish: local search from the global best and the next-best personal bests
    best_f, best_pos = np.inf, None
    cands = [np.ascontiguousarray(pos, np.int32)] + [np.ascontiguousarray(x, np.int32)
                                                     for x in swarm[:max(0, int(opt["polish_top"]) - 1)]]
    for i, cand in enumerate(cands):
        cand = cand.copy()
        f, _, _ = cost.local_search(cand, int(opt["local_search_sweeps"]), int(seed) + 13 + i)
        if f < best_f:
            best_f, best_pos = f, cand
    pos = best_pos
    record("pso+ls", pos, time.perf_counter() - t0)
    stats["pso_trace"] = [float(x) for x in trace]
    stats["pso_parameters"] = {k: opt[k] for k in ("particles", "iterations", "inertia", "c1", "c2", "v_max",
                                                    "ls_every", "ls_sweeps", "local_search_sweeps", "polish_top")}
    return pos, stats
