# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Row/column permutation inside one crossbar maximising the minimum cell lifetime.

Only whole rows (presynaptic neurons) and columns (postsynaptic slots) can be permuted
(docs/references.md#mapping-algorithms). Lifetime of the synapse of row r and column c placed at (i, j) is
``E[i, j] / I[r, c]`` (I = writes or weighted reads per unit of work; I = 0: no synapse or no wear).
Starting from a greedy assignment, :func:`improve_cells` repeatedly takes the bottleneck synapse and
moves its row (or, failing that, its column) to the position — free or occupied, occupant swapped
back — that lifts both affected lines above the current minimum, choosing the best such move.
"""
import numpy as np
cimport numpy as cnp

ctypedef cnp.int32_t i32


cdef inline double line_min_row(const double[:, ::1] I, const double[:, ::1] E, Py_ssize_t r, Py_ssize_t p,
                                const i32[::1] cpos, Py_ssize_t nc) noexcept nogil:
    cdef Py_ssize_t c
    cdef double m = 1e308, v
    for c in range(nc):
        if I[r, c] > 0.0:
            v = E[p, cpos[c]] / I[r, c]
            if v < m:
                m = v
    return m


cdef inline double line_min_col(const double[:, ::1] I, const double[:, ::1] E, Py_ssize_t c, Py_ssize_t q,
                                const i32[::1] rpos, Py_ssize_t nr) noexcept nogil:
    cdef Py_ssize_t r
    cdef double m = 1e308, v
    for r in range(nr):
        if I[r, c] > 0.0:
            v = E[rpos[r], q] / I[r, c]
            if v < m:
                m = v
    return m


def improve_cells(const double[:, ::1] I, const double[:, ::1] E, i32[::1] rpos, i32[::1] cpos,
                  Py_ssize_t max_iter=10000):
    """Improve ``rpos`` (physical row of each logical row) and ``cpos`` (physical column of each
    column) in place. Returns ``(min_lifetime_before, min_lifetime_after, moves)``."""
    cdef Py_ssize_t nr = I.shape[0], nc = I.shape[1], R = E.shape[0], C = E.shape[1]
    cdef Py_ssize_t it, r, c, p, q, rs = -1, cs = -1, best_p, other, moves = 0
    cdef double g, v, m1, m2, best, g0 = 0.0
    rocc_arr = np.full(R, -1, np.int32)
    cocc_arr = np.full(C, -1, np.int32)
    cdef i32[::1] rocc = rocc_arr
    cdef i32[::1] cocc = cocc_arr
    for r in range(nr):
        rocc[rpos[r]] = <i32>r
    for c in range(nc):
        cocc[cpos[c]] = <i32>c
    with nogil:
        for it in range(max_iter + 1):
            g = 1e308
            for r in range(nr):
                for c in range(nc):
                    if I[r, c] > 0.0:
                        v = E[rpos[r], cpos[c]] / I[r, c]
                        if v < g:
                            g = v
                            rs = r
                            cs = c
            if it == 0:
                g0 = g
            if g >= 1e308 or it == max_iter:
                break
            # ---- move the bottleneck row
            best = g
            best_p = -1
            for p in range(R):
                if p == rpos[rs]:
                    continue
                m1 = line_min_row(I, E, rs, p, cpos, nc)
                if m1 <= best:
                    continue
                other = rocc[p]
                if other >= 0:
                    m2 = line_min_row(I, E, other, rpos[rs], cpos, nc)
                    if m2 < m1:
                        m1 = m2
                if m1 > best:
                    best = m1
                    best_p = p
            if best_p >= 0:
                other = rocc[best_p]
                p = rpos[rs]
                rpos[rs] = <i32>best_p
                rocc[best_p] = <i32>rs
                rocc[p] = <i32>other
                if other >= 0:
                    rpos[other] = <i32>p
                moves += 1
                continue
            # ---- move the bottleneck column
            best = g
            best_p = -1
            for q in range(C):
                if q == cpos[cs]:
                    continue
                m1 = line_min_col(I, E, cs, q, rpos, nr)
                if m1 <= best:
                    continue
                other = cocc[q]
                if other >= 0:
                    m2 = line_min_col(I, E, other, cpos[cs], rpos, nr)
                    if m2 < m1:
                        m1 = m2
                if m1 > best:
                    best = m1
                    best_p = q
            if best_p >= 0:
                other = cocc[best_p]
                q = cpos[cs]
                cpos[cs] = <i32>best_p
                cocc[best_p] = <i32>cs
                cocc[q] = <i32>other
                if other >= 0:
                    cpos[other] = <i32>q
                moves += 1
                continue
            break
    return g0, g, int(moves)
