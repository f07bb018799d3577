# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled cost of a cluster → crossbar placement on a 2-D mesh, and pairwise-swap local search.

A placement ``pos[c]`` puts cluster c on crossbar ``pos[c]`` (tile ``pos[c] // cpt``, mesh
position ``(t % W, t // W)``). Traffic is given as cluster-level nets: net n has weight ``w[n]``
(spikes), a root cluster ``src[n]`` (the cluster of the presynaptic neuron; −1 for input neurons,
whose spikes enter at the destination tile with the lowest id) and destination clusters
``cl[ptr[n]:ptr[n+1]]``. Per net, with dimension-ordered XY routing:

* hops of a destination tile = |dx| + |dy| from the root tile;
* energy hops = edges of the XY multicast tree (``multicast = router``: x segment on the root's row
  covering all destination columns, then one y segment per destination column) or the sum of the
  destinations' hops (``replicate``: one unicast packet per destination tile);
* packets = destination tiles other than the root; latency of a packet = hops·(router + link) +
  router cycles.

Objective (minimised): ``a_e·E/E0 + a_m·Lmean/M0 + a_x·Lmax/X0 − a_l·min_c life[c, pos[c]]/L0``
with E = Σ w·energy hops, Lmean = Σ w·latency / Σ w·packets, Lmax = max latency over nets with
traffic, ``life`` an optional (clusters × crossbars) lifetime table (omitted when empty). The
normalisers are set by the caller (usually the values of the initial placement).
"""
import numpy as np
cimport numpy as cnp

ctypedef cnp.int32_t i32
ctypedef cnp.int64_t i64
ctypedef cnp.uint64_t u64


cdef struct Geo:
    int W
    int cpt
    int multicast_router
    double lat_hop
    double lat_router


cdef inline void net_cost(Py_ssize_t n, const i64[::1] ptr, const i32[::1] cl, const i32[::1] src,
                          const i32[::1] pos, Geo* g, i32[::1] colmin, i32[::1] colmax,
                          i32[::1] colmark, i32[::1] tmark, i32 stamp,
                          double* energy, double* packets, double* latsum, double* latmax) noexcept nogil:
    cdef Py_ssize_t j
    cdef int rt, t, x, y, rx, ry, xmin, xmax, hops, maxh = -1, d
    cdef double e = 0.0, np_ = 0.0, ls = 0.0
    # root tile
    if src[n] >= 0:
        rt = pos[src[n]] // g.cpt
    else:
        rt = 1 << 30
        for j in range(ptr[n], ptr[n + 1]):
            t = pos[cl[j]] // g.cpt
            if t < rt:
                rt = t
    rx = rt % g.W
    ry = rt // g.W
    xmin = rx
    xmax = rx
    tmark[rt] = stamp
    for j in range(ptr[n], ptr[n + 1]):
        t = pos[cl[j]] // g.cpt
        if tmark[t] == stamp:
            continue
        tmark[t] = stamp
        x = t % g.W
        y = t // g.W
        hops = (x - rx if x > rx else rx - x) + (y - ry if y > ry else ry - y)
        np_ += 1.0
        ls += hops * g.lat_hop + g.lat_router
        if hops > maxh:
            maxh = hops
        if g.multicast_router:
            if x < xmin:
                xmin = x
            if x > xmax:
                xmax = x
            if colmark[x] != stamp:
                colmark[x] = stamp
                colmin[x] = ry
                colmax[x] = ry
            if y < colmin[x]:
                colmin[x] = y
            if y > colmax[x]:
                colmax[x] = y
        else:
            e += hops
    if g.multicast_router and np_ > 0:
        e = xmax - xmin
        for x in range(xmin, xmax + 1):
            if colmark[x] == stamp:
                e += colmax[x] - colmin[x]
    energy[0] = e
    packets[0] = np_
    latsum[0] = ls
    latmax[0] = (maxh * g.lat_hop + g.lat_router) if maxh >= 0 else 0.0


cdef class PlacementCost:
    """Evaluates placements; holds the cluster-level nets and the mesh geometry."""
    cdef public Py_ssize_t n_nets, n_clusters, n_xbars, n_tiles
    cdef i64[::1] ptr
    cdef i32[::1] cl
    cdef i32[::1] src
    cdef double[::1] w
    cdef i64[::1] inc_ptr
    cdef i32[::1] inc
    cdef double[:, ::1] life
    cdef bint has_life
    cdef Geo g
    cdef i32[::1] colmin, colmax, colmark, tmark, nmark
    cdef i32 stamp
    cdef public double a_e, a_m, a_x, a_l, E0, M0, X0, L0
    cdef double[::1] ne, npk, nls, nlm
    cdef double Etot, PKtot, LStot

    def __init__(self, i64[::1] ptr, i32[::1] cl, i32[::1] src, double[::1] w, Py_ssize_t n_clusters,
                 Py_ssize_t n_xbars, int mesh_w, int mesh_h, int cpt, bint multicast_router,
                 double lat_hop, double lat_router, life=None):
        self.ptr = ptr; self.cl = cl; self.src = src; self.w = w
        self.n_nets = w.shape[0]
        self.n_clusters = n_clusters
        self.n_xbars = n_xbars
        self.n_tiles = mesh_w * mesh_h
        self.g.W = mesh_w; self.g.cpt = cpt; self.g.multicast_router = multicast_router
        self.g.lat_hop = lat_hop; self.g.lat_router = lat_router
        self.colmin = np.zeros(mesh_w, np.int32); self.colmax = np.zeros(mesh_w, np.int32)
        self.colmark = np.zeros(mesh_w, np.int32); self.tmark = np.zeros(self.n_tiles, np.int32)
        self.nmark = np.zeros(max(self.n_nets, 1), np.int32)
        self.stamp = 0
        # incidence cluster -> nets (destinations and roots)
        pins = np.asarray(cl)
        nets_of_pin = np.repeat(np.arange(self.n_nets, dtype=np.int32), np.diff(np.asarray(ptr)))
        s = np.asarray(src)
        has = s >= 0
        allc = np.concatenate([pins, s[has]]).astype(np.int64)
        alln = np.concatenate([nets_of_pin, np.flatnonzero(has).astype(np.int32)])
        order = np.argsort(allc, kind="stable")
        self.inc = np.ascontiguousarray(alln[order], np.int32)
        self.inc_ptr = np.concatenate([[0], np.cumsum(np.bincount(allc, minlength=n_clusters))]).astype(np.int64)
        if life is not None and np.size(life) > 0:
            self.life = np.ascontiguousarray(life, np.float64)
            self.has_life = True
        else:
            self.life = np.zeros((1, 1))
            self.has_life = False
        self.ne = np.zeros(max(self.n_nets, 1)); self.npk = np.zeros(max(self.n_nets, 1))
        self.nls = np.zeros(max(self.n_nets, 1)); self.nlm = np.zeros(max(self.n_nets, 1))
        self.a_e = 1.0; self.a_m = 0.0; self.a_x = 0.0; self.a_l = 0.0
        self.E0 = 1.0; self.M0 = 1.0; self.X0 = 1.0; self.L0 = 1.0

    cdef void _all(self, const i32[::1] pos) noexcept nogil:
        cdef Py_ssize_t n
        cdef double e, p, ls, lm
        for n in range(self.n_nets):
            self.stamp += 1
            net_cost(n, self.ptr, self.cl, self.src, pos, &self.g, self.colmin, self.colmax,
                     self.colmark, self.tmark, self.stamp, &e, &p, &ls, &lm)
            self.ne[n] = e; self.npk[n] = p; self.nls[n] = ls; self.nlm[n] = lm
        self.Etot = 0.0; self.PKtot = 0.0; self.LStot = 0.0
        for n in range(self.n_nets):
            if self.w[n] > 0.0:
                self.Etot += self.w[n] * self.ne[n]
                self.PKtot += self.w[n] * self.npk[n]
                self.LStot += self.w[n] * self.nls[n]

    cdef double _combine(self, const i32[::1] pos, double* E, double* M, double* X, double* L,
                         bint full=False) noexcept nogil:
        cdef Py_ssize_t n, c
        cdef double e = self.Etot, pk = self.PKtot, ls = self.LStot, lm = 0.0, life = 1e308
        if self.a_x != 0.0 or full:
            for n in range(self.n_nets):
                if self.w[n] > 0.0 and self.nlm[n] > lm:
                    lm = self.nlm[n]
        if self.has_life:
            for c in range(self.n_clusters):
                if self.life[c, pos[c]] < life:
                    life = self.life[c, pos[c]]
        else:
            life = 0.0
        E[0] = e
        M[0] = ls / pk if pk > 0 else 0.0
        X[0] = lm
        L[0] = life
        return (self.a_e * e / self.E0 + self.a_m * M[0] / self.M0 + self.a_x * lm / self.X0
                - self.a_l * life / self.L0)

    def evaluate(self, const i32[::1] pos):
        """Return ``(objective, energy_hops, mean_latency, max_latency, min_life)``."""
        cdef double E, M, X, L, f
        with nogil:
            self._all(pos)
            f = self._combine(pos, &E, &M, &X, &L, True)
        return f, E, M, X, L

    def evaluate_many(self, const i32[:, ::1] P):
        """Objective of each row of ``P`` (particles × clusters)."""
        cdef Py_ssize_t i
        cdef double E, M, X, L
        out = np.zeros(P.shape[0])
        cdef double[::1] o = out
        with nogil:
            for i in range(P.shape[0]):
                self._all(P[i])
                o[i] = self._combine(P[i], &E, &M, &X, &L)
        return out

    cdef double _update(self, i32 c, const i32[::1] pos) noexcept nogil:
        """Recompute per-net costs of nets incident to cluster c."""
        cdef Py_ssize_t j, n
        cdef double e, p, ls, lm
        for j in range(self.inc_ptr[c], self.inc_ptr[c + 1]):
            n = self.inc[j]
            self.stamp += 1
            net_cost(n, self.ptr, self.cl, self.src, pos, &self.g, self.colmin, self.colmax,
                     self.colmark, self.tmark, self.stamp, &e, &p, &ls, &lm)
            if self.w[n] > 0.0:
                self.Etot += self.w[n] * (e - self.ne[n])
                self.PKtot += self.w[n] * (p - self.npk[n])
                self.LStot += self.w[n] * (ls - self.nls[n])
            self.ne[n] = e; self.npk[n] = p; self.nls[n] = ls; self.nlm[n] = lm
        return 0.0

    def local_search(self, i32[::1] pos, Py_ssize_t max_sweeps=50, u64 seed=1):
        """Pairwise-swap local search in place: swap two clusters' crossbars, or move a cluster to a
        free crossbar, whenever the objective decreases (first improvement, random order), until a
        sweep finds nothing or ``max_sweeps``. Returns ``(objective, sweeps, accepted)``."""
        cdef Py_ssize_t nc = self.n_clusters, K = self.n_xbars, sweep, a, k, i, accepted = 0
        cdef i32 c2, pa, pb
        cdef double f, f2, E, M, X, L
        cdef u64 rs = seed * 0x9E3779B97F4A7C15ULL + 7
        owner_arr = np.full(K, -1, np.int32)
        cdef i32[::1] owner = owner_arr
        perm_arr = np.arange(nc * K, dtype=np.int64)
        cdef i64[::1] perm = perm_arr
        cdef i64 tmp
        cdef u64 x
        for a in range(nc):
            owner[pos[a]] = <i32>a
        with nogil:
            self._all(pos)
            f = self._combine(pos, &E, &M, &X, &L)
            for sweep in range(max_sweeps):
                # shuffle (cluster, crossbar) pairs
                for i in range(nc * K - 1, 0, -1):
                    x = rs
                    x ^= x << 13; x ^= x >> 7; x ^= x << 17
                    rs = x
                    k = <Py_ssize_t>(x % <u64>(i + 1))
                    tmp = perm[i]; perm[i] = perm[k]; perm[k] = tmp
                i = 0
                for k in range(nc * K):
                    a = perm[k] // K
                    pb = <i32>(perm[k] % K)
                    pa = pos[a]
                    if pa // self.g.cpt == pb // self.g.cpt:
                        continue
                    c2 = owner[pb]
                    pos[a] = pb
                    if c2 >= 0:
                        pos[c2] = pa
                    self._update(<i32>a, pos)
                    if c2 >= 0:
                        self._update(c2, pos)
                    f2 = self._combine(pos, &E, &M, &X, &L)
                    if f2 < f - 1e-12 * (1.0 + (f if f > 0 else -f)):
                        f = f2
                        owner[pb] = <i32>a
                        owner[pa] = c2
                        accepted += 1
                        i += 1
                    else:
                        pos[a] = pa
                        if c2 >= 0:
                            pos[c2] = pb
                        self._update(<i32>a, pos)
                        if c2 >= 0:
                            self._update(c2, pos)
                self._all(pos)
                f = self._combine(pos, &E, &M, &X, &L)
                if i == 0:
                    break
        return f, int(sweep + 1), int(accepted)
