# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled partitioning kernels of neurosim.mapping.

* :func:`grow_partition` — greedy growing of crossbar-sized blocks on the synapse hypergraph:
  a block is seeded with the next unassigned slot (in a given order) and grown by the slot with
  the largest total weight of nets already present in the block, while it fits the crossbar
  (logical columns, distinct presynaptic rows, one slot per neuron). Greedy graph growing in the
  sense of Karypis & Kumar (METIS, SIAM J. Sci. Comput. 20(1), 1998), adapted to nets.
* :func:`refine_kway` — direct k-way Kernighan–Lin / Fiduccia–Mattheyses refinement with the
  *connectivity (km1)* objective Σ_e w_e·(λ_e − 1) (Kernighan & Lin, Bell Syst. Tech. J. 49, 1970;
  Fiduccia & Mattheyses, DAC 1982; the hypergraph gain of Sanchis, IEEE TC 38(1) 1989 and of
  KaHyPar's km1 refiners). Gain of moving v from a to b:
  Σ_{e∋v} w_e·([Φ(e,a) = 1] − [Φ(e,b) = 0]), Φ(e,x) = pins of e in block x. A move that is
  blocked by a full block is tried as a KL pair swap with the best partner of the target block.
  Every move honours both crossbar limits. Pin counts per net are stored sparsely (one
  (block, pins, row-pins) entry per block the net touches), so memory is O(pins), not O(nets·k).
* :func:`kl_bisect_graph` — classic Kernighan–Lin bisection of a weighted graph with exact pair
  gains D(a) + D(b) − 2c(a,b), best-prefix rollback and repeated passes, for comparison with
  networkx's ``kernighan_lin_bisection`` on the same problems.

All loops run without the GIL on typed memoryviews.
"""
import numpy as np
cimport numpy as cnp
from libc.stdlib cimport free
from heaps cimport MaxItem, MaxHeap, maxheap_init, maxheap_push, maxheap_pop

ctypedef cnp.int32_t i32
ctypedef cnp.int64_t i64
ctypedef cnp.uint8_t u8
ctypedef cnp.uint64_t u64


# ----------------------------------------------------------------------------- helpers
cdef inline u64 xorshift(u64* s) nogil:
    cdef u64 x = s[0]
    x ^= x << 13
    x ^= x >> 7
    x ^= x << 17
    s[0] = x
    return x


# ----------------------------------------------------------------------------- greedy growing
def grow_partition(const i32[::1] order, const i64[::1] v_ptr, const i32[::1] v_edge,
                   const u8[::1] v_row, const i64[::1] e_ptr, const i32[::1] e_pin,
                   const double[::1] e_w, const i32[::1] v_neuron, Py_ssize_t n_neurons,
                   Py_ssize_t rows, Py_ssize_t cols, Py_ssize_t pin_cap=4096,
                   Py_ssize_t max_rejects=-1):
    """Greedy growing of blocks (see module docstring). Returns ``(block int32[S], n_blocks)``.

    Nets with more than ``pin_cap`` pins still count for rows but do not attract candidates
    (they are cut anyway and would cost O(pins) per block). A block is closed when full or after
    ``max_rejects`` consecutive candidates that do not fit (default 2·cols)."""
    cdef Py_ssize_t S = v_ptr.shape[0] - 1, E = e_ptr.shape[0] - 1
    if max_rejects < 0:
        max_rejects = 2 * cols
    block_arr = np.full(S, -1, dtype=np.int32)
    cdef i32[::1] block = block_arr
    cdef i32[::1] erow_mark = np.full(E, -1, dtype=np.int32)
    cdef i32[::1] etouch = np.full(E, -1, dtype=np.int32)
    cdef i32[::1] nmark = np.full(n_neurons, -1, dtype=np.int32)
    cdef i32[::1] rej = np.full(S, -1, dtype=np.int32)
    cdef i32[::1] smark = np.full(S, -1, dtype=np.int32)
    cdef double[::1] score = np.zeros(S, dtype=np.float64)
    cdef Py_ssize_t seed_pos = 0, scan, nb = 0, ncols, nrows, nrej, j, jj, e, x, u, need
    cdef i32 b
    cdef MaxItem it
    cdef MaxHeap h
    cdef bint found
    if maxheap_init(&h, 1024) != 0:
        raise MemoryError()
    with nogil:
        while True:
            while seed_pos < S and block[order[seed_pos]] >= 0:
                seed_pos += 1
            if seed_pos >= S:
                break
            b = <i32>nb
            nb += 1
            ncols = 0
            nrows = 0
            nrej = 0
            h.n = 0
            scan = seed_pos
            u = order[seed_pos]
            while True:
                # ---- fit test
                need = 0
                for j in range(v_ptr[u], v_ptr[u + 1]):
                    if v_row[j] and erow_mark[v_edge[j]] != b:
                        need += 1
                if ncols + 1 <= cols and nrows + need <= rows and nmark[v_neuron[u]] != b:
                    # ---- add u
                    block[u] = b
                    nmark[v_neuron[u]] = b
                    ncols += 1
                    nrows += need
                    nrej = 0
                    for j in range(v_ptr[u], v_ptr[u + 1]):
                        e = v_edge[j]
                        if v_row[j]:
                            erow_mark[e] = b
                        if etouch[e] != b:
                            etouch[e] = b
                            if e_ptr[e + 1] - e_ptr[e] <= pin_cap:
                                for jj in range(e_ptr[e], e_ptr[e + 1]):
                                    x = e_pin[jj]
                                    if block[x] < 0 and rej[x] != b:
                                        if smark[x] != b:
                                            smark[x] = b
                                            score[x] = 0.0
                                        score[x] += e_w[e]
                                        if maxheap_push(&h, score[x], <i32>x) != 0:
                                            with gil:
                                                raise MemoryError()
                else:
                    rej[u] = b
                    nrej += 1
                    if nrej > max_rejects:
                        break
                if ncols >= cols:
                    break
                # ---- next candidate: best-connected, else continue in order
                found = False
                while h.n > 0:
                    it = maxheap_pop(&h)
                    x = it.v
                    if block[x] >= 0 or rej[x] == b or smark[x] != b or it.key != score[x]:
                        continue
                    u = x
                    found = True
                    break
                if not found:
                    j = 0
                    while scan < S and j < 4 * cols:
                        x = order[scan]
                        if block[x] < 0 and rej[x] != b:
                            found = True
                            u = x
                            break
                        scan += 1
                        j += 1
                    if not found:
                        break
    free(h.a)
    return block_arr, nb


# ----------------------------------------------------------------------------- k-way refinement
cdef class _KWay:
    """State of the k-way refinement (sparse per-net block lists, block loads, members)."""
    cdef Py_ssize_t S, E, k, rows, cols
    cdef const i64[::1] v_ptr
    cdef const i32[::1] v_edge
    cdef const u8[::1] v_row
    cdef const i64[::1] e_ptr
    cdef const double[::1] e_w
    cdef const i32[::1] v_neuron
    cdef const i32[::1] home_slot
    cdef const i32[::1] n_slots_of
    cdef i32[::1] block
    cdef i64[::1] e_off
    cdef i32[::1] e_lam
    cdef i32[::1] eb_block
    cdef i32[::1] eb_cnt
    cdef i32[::1] eb_rcnt
    cdef i32[::1] bcols
    cdef i32[::1] brows
    cdef i32[::1] mem
    cdef i32[::1] mpos
    cdef double[::1] conn
    cdef i32[::1] rhave
    cdef i32[::1] cmark
    cdef i32[::1] cand
    cdef i32 stamp

    cdef inline Py_ssize_t find(self, Py_ssize_t e, i32 b) noexcept nogil:
        cdef Py_ssize_t o = self.e_off[e], i
        for i in range(self.e_lam[e]):
            if self.eb_block[o + i] == b:
                return o + i
        return -1

    cdef void move(self, Py_ssize_t v, i32 a, i32 b) noexcept nogil:
        cdef Py_ssize_t j, e, ia, ib, o, last, p
        cdef i32 rf
        for j in range(self.v_ptr[v], self.v_ptr[v + 1]):
            e = self.v_edge[j]
            rf = self.v_row[j]
            ia = self.find(e, a)
            self.eb_cnt[ia] -= 1
            if rf:
                self.eb_rcnt[ia] -= 1
                if self.eb_rcnt[ia] == 0:
                    self.brows[a] -= 1
            if self.eb_cnt[ia] == 0:
                o = self.e_off[e]
                last = o + self.e_lam[e] - 1
                self.eb_block[ia] = self.eb_block[last]
                self.eb_cnt[ia] = self.eb_cnt[last]
                self.eb_rcnt[ia] = self.eb_rcnt[last]
                self.e_lam[e] -= 1
            ib = self.find(e, b)
            if ib < 0:
                ib = self.e_off[e] + self.e_lam[e]
                self.e_lam[e] += 1
                self.eb_block[ib] = b
                self.eb_cnt[ib] = 0
                self.eb_rcnt[ib] = 0
            self.eb_cnt[ib] += 1
            if rf:
                if self.eb_rcnt[ib] == 0:
                    self.brows[b] += 1
                self.eb_rcnt[ib] += 1
        # members
        p = self.mpos[v]
        last = self.bcols[a] - 1
        self.mem[a * (self.cols + 1) + p] = self.mem[a * (self.cols + 1) + last]
        self.mpos[self.mem[a * (self.cols + 1) + p]] = <i32>p
        self.bcols[a] -= 1
        self.mem[b * (self.cols + 1) + self.bcols[b]] = <i32>v
        self.mpos[v] = self.bcols[b]
        self.bcols[b] += 1
        self.block[v] = b

    cdef inline bint conflict(self, Py_ssize_t v, i32 b) noexcept nogil:
        cdef Py_ssize_t nrn = self.v_neuron[v], f, s
        if self.n_slots_of[nrn] <= 1:
            return False
        f = self.home_slot[nrn]
        for s in range(f, f + self.n_slots_of[nrn]):
            if s != v and self.block[s] == b:
                return True
        return False

    cdef double gain_to(self, Py_ssize_t v, i32 b, Py_ssize_t* need) noexcept nogil:
        """Gain and new rows of moving v from its block to b."""
        cdef i32 a = self.block[v]
        cdef Py_ssize_t j, e, i
        cdef double g = 0.0
        need[0] = 0
        for j in range(self.v_ptr[v], self.v_ptr[v + 1]):
            e = self.v_edge[j]
            i = self.find(e, a)
            if self.eb_cnt[i] == 1:
                g += self.e_w[e]
            i = self.find(e, b)
            if i < 0:
                g -= self.e_w[e]
                if self.v_row[j]:
                    need[0] += 1
            elif self.v_row[j] and self.eb_rcnt[i] == 0:
                need[0] += 1
        return g

    cdef Py_ssize_t gains_all(self, Py_ssize_t v, double* leave_minus_w) noexcept nogil:
        """Fill conn/rhave for every block adjacent to v's nets; return the number of candidates
        (listed in cand). Gain to b = leave − W + conn[b]."""
        cdef i32 a = self.block[v], bb
        cdef Py_ssize_t j, e, o, i, nc = 0
        cdef double W = 0.0, leave = 0.0, w
        self.stamp += 1
        for j in range(self.v_ptr[v], self.v_ptr[v + 1]):
            e = self.v_edge[j]
            w = self.e_w[e]
            W += w
            o = self.e_off[e]
            for i in range(o, o + self.e_lam[e]):
                bb = self.eb_block[i]
                if bb == a:
                    if self.eb_cnt[i] == 1:
                        leave += w
                    continue
                if self.cmark[bb] != self.stamp:
                    self.cmark[bb] = self.stamp
                    self.conn[bb] = 0.0
                    self.rhave[bb] = 0
                    self.cand[nc] = bb
                    nc += 1
                self.conn[bb] += w
                if self.v_row[j] and self.eb_rcnt[i] > 0:
                    self.rhave[bb] += 1
        leave_minus_w[0] = leave - W
        return nc


def refine_kway(i32[::1] block, Py_ssize_t k, const i64[::1] v_ptr, const i32[::1] v_edge,
                const u8[::1] v_row, const i64[::1] e_ptr, const i32[::1] e_pin,
                const u8[::1] e_row, const double[::1] e_w, const i32[::1] v_neuron,
                const i32[::1] home_slot, const i32[::1] n_slots_of, Py_ssize_t rows,
                Py_ssize_t cols, Py_ssize_t max_passes=10, u64 seed=1, bint swaps=True):
    """k-way KL/FM refinement of ``block`` (modified in place) with the km1 objective under the
    crossbar limits. Returns a dict: ``passes``, ``moves``, ``swaps``, ``gain`` (total km1
    decrease). The input partition must be feasible."""
    cdef Py_ssize_t S = v_ptr.shape[0] - 1, E = e_ptr.shape[0] - 1
    cdef _KWay st = _KWay()
    cdef Py_ssize_t e, j, i, o, v, p, nc, q, u, need, rowdeg, best_u, need_u, need_b
    cdef i32 a, b, bb, best_b, best_full_b
    cdef double lmw, g, best_g, best_full_g, gu, best_gu, pass_gain, total = 0.0
    cdef Py_ssize_t n_moves = 0, n_swaps = 0, npass = 0
    cdef u64 rs = seed * 0x9E3779B97F4A7C15ULL + 12345
    st.S = S; st.E = E; st.k = k; st.rows = rows; st.cols = cols
    st.v_ptr = v_ptr; st.v_edge = v_edge; st.v_row = v_row; st.e_ptr = e_ptr; st.e_w = e_w
    st.v_neuron = v_neuron; st.home_slot = home_slot; st.n_slots_of = n_slots_of
    st.block = block
    sizes = np.diff(np.asarray(e_ptr))
    caps = np.minimum(sizes, k)
    off = np.zeros(E + 1, dtype=np.int64)
    np.cumsum(caps, out=off[1:])
    st.e_off = off
    st.e_lam = np.zeros(E, dtype=np.int32)
    st.eb_block = np.zeros(max(int(off[E]), 1), dtype=np.int32)
    st.eb_cnt = np.zeros(max(int(off[E]), 1), dtype=np.int32)
    st.eb_rcnt = np.zeros(max(int(off[E]), 1), dtype=np.int32)
    st.bcols = np.zeros(k, dtype=np.int32)
    st.brows = np.zeros(k, dtype=np.int32)
    st.mem = np.zeros(k * (cols + 1), dtype=np.int32)
    st.mpos = np.zeros(S, dtype=np.int32)
    st.conn = np.zeros(k, dtype=np.float64)
    st.rhave = np.zeros(k, dtype=np.int32)
    st.cmark = np.zeros(k, dtype=np.int32)
    st.cand = np.zeros(k, dtype=np.int32)
    st.stamp = 0
    perm_arr = np.arange(S, dtype=np.int32)
    cdef i32[::1] perm = perm_arr
    with nogil:
        # build pin counts
        for e in range(E):
            o = st.e_off[e]
            for j in range(e_ptr[e], e_ptr[e + 1]):
                b = block[e_pin[j]]
                i = st.find(e, b)
                if i < 0:
                    i = o + st.e_lam[e]
                    st.e_lam[e] += 1
                    st.eb_block[i] = b
                    st.eb_cnt[i] = 0
                    st.eb_rcnt[i] = 0
                st.eb_cnt[i] += 1
                if e_row[j]:
                    if st.eb_rcnt[i] == 0:
                        st.brows[b] += 1
                    st.eb_rcnt[i] += 1
        for v in range(S):
            b = block[v]
            st.mem[b * (cols + 1) + st.bcols[b]] = <i32>v
            st.mpos[v] = st.bcols[b]
            st.bcols[b] += 1
        for npass in range(1, max_passes + 1):
            pass_gain = 0.0
            # shuffle visiting order
            for i in range(S - 1, 0, -1):
                j = <Py_ssize_t>(xorshift(&rs) % <u64>(i + 1))
                q = perm[i]; perm[i] = perm[j]; perm[j] = <i32>q
            for p in range(S):
                v = perm[p]
                a = block[v]
                nc = st.gains_all(v, &lmw)
                if nc == 0:
                    continue
                rowdeg = 0
                for j in range(v_ptr[v], v_ptr[v + 1]):
                    rowdeg += v_row[j]
                best_b = -1
                best_g = 1e-12
                best_full_b = -1
                best_full_g = 1e-12
                for i in range(nc):
                    bb = st.cand[i]
                    g = lmw + st.conn[bb]
                    if g <= 1e-12:
                        continue
                    need = rowdeg - st.rhave[bb]
                    if st.conflict(v, bb):
                        continue
                    if st.bcols[bb] < cols and st.brows[bb] + need <= rows:
                        if g > best_g:
                            best_g = g
                            best_b = bb
                    elif g > best_full_g:
                        best_full_g = g
                        best_full_b = bb
                if best_b >= 0:
                    st.move(v, a, best_b)
                    pass_gain += best_g
                    n_moves += 1
                    continue
                if not swaps or best_full_b < 0:
                    continue
                # ---- KL pair swap: v -> b, best partner u in b -> a
                b = best_full_b
                g = best_full_g
                st.move(v, a, b)
                best_u = -1
                best_gu = -g + 1e-12
                for i in range(st.bcols[b]):
                    u = st.mem[b * (cols + 1) + i]
                    if u == v or st.conflict(u, a):
                        continue
                    gu = st.gain_to(u, a, &need_u)
                    if gu > best_gu and st.brows[a] + need_u <= rows:
                        best_gu = gu
                        best_u = u
                if best_u >= 0:
                    st.move(best_u, b, a)
                    if st.brows[b] <= rows and st.bcols[b] <= cols:
                        pass_gain += g + best_gu
                        n_swaps += 1
                        continue
                    st.move(best_u, a, b)
                st.move(v, b, a)
            total += pass_gain
            if pass_gain <= 1e-9 * (total + 1.0):
                break
    return {"passes": int(npass), "moves": int(n_moves), "swaps": int(n_swaps), "gain": float(total)}


# ----------------------------------------------------------------------------- graph KL bisection
def kl_bisect_graph(const i64[::1] indptr, const i32[::1] indices, const double[::1] weights,
                    u8[::1] side, Py_ssize_t max_passes=20):
    """Kernighan–Lin bisection of an undirected weighted graph (symmetric CSR, no self loops),
    refining ``side`` (0/1 per node, modified in place; the part sizes are kept). Each pass
    repeatedly takes the unlocked node of side 0 with the largest D = external − internal cost,
    updates its neighbours' D as if it had moved, takes the best node of side 1 (so the pair gain
    is exactly D(a) + D(b) − 2c(a,b)), locks both, and finally applies the best prefix of swaps.
    Passes repeat while they gain. Returns the final cut weight."""
    cdef Py_ssize_t n = indptr.shape[0] - 1, i, j, u, x, npairs, best_t, t, pas
    cdef double[::1] D = np.zeros(n, dtype=np.float64)
    cdef u8[::1] locked = np.zeros(n, dtype=np.uint8)
    cdef i32[::1] seq = np.zeros(n, dtype=np.int32)
    cdef double cum, best_cum, w, cut
    cdef MaxHeap h0, h1
    cdef MaxHeap* hp
    cdef MaxItem it
    cdef Py_ssize_t s, nseq
    cdef bint oom = False
    if maxheap_init(&h0, n + 16) != 0 or maxheap_init(&h1, n + 16) != 0:
        raise MemoryError()
    with nogil:
        for pas in range(max_passes):
            for i in range(n):
                D[i] = 0.0
                locked[i] = 0
                for j in range(indptr[i], indptr[i + 1]):
                    if side[indices[j]] != side[i]:
                        D[i] += weights[j]
                    else:
                        D[i] -= weights[j]
            h0.n = 0
            h1.n = 0
            for i in range(n):
                if side[i] == 0:
                    maxheap_push(&h0, D[i], <i32>i)
                else:
                    maxheap_push(&h1, D[i], <i32>i)
            cum = 0.0
            best_cum = 0.0
            best_t = 0
            nseq = 0
            t = 0
            while True:
                for s in range(2):
                    hp = &h0 if s == 0 else &h1
                    u = -1
                    while hp.n > 0:
                        it = maxheap_pop(hp)
                        if locked[it.v] or it.key != D[it.v]:
                            continue
                        u = it.v
                        break
                    if u < 0:
                        break
                    locked[u] = 1
                    cum += D[u]
                    seq[nseq] = <i32>u
                    nseq += 1
                    # neighbours' D as if u had changed side
                    for j in range(indptr[u], indptr[u + 1]):
                        x = indices[j]
                        if locked[x]:
                            continue
                        w = weights[j]
                        if side[x] == side[u]:
                            D[x] += 2.0 * w
                        else:
                            D[x] -= 2.0 * w
                        if maxheap_push(&h0 if side[x] == 0 else &h1, D[x], <i32>x) != 0:
                            oom = True
                if u < 0 or nseq % 2 == 1:
                    break
                t += 1
                if cum > best_cum + 1e-12:
                    best_cum = cum
                    best_t = t
            if best_t == 0:
                break
            for i in range(2 * best_t):
                side[seq[i]] = 1 - side[seq[i]]
        cut = 0.0
        for i in range(n):
            for j in range(indptr[i], indptr[i + 1]):
                if side[indices[j]] != side[i]:
                    cut += weights[j]
    free(h0.a)
    free(h1.a)
    if oom:
        raise MemoryError()
    return cut / 2.0
