# cython: language_level=3
# distutils: extra_compile_args = -ffp-contract=off
"""Row-restricted rebuilds of a crossbar's physics (neurosim.crossbar.physics.CrossbarPhysics,
neurosim.crossbar.state.CrossbarState): after writes to a few cells of a 1T1R crossbar only the rows
holding cells that moved need a new word-line solve, and only their cells new gains and voltages.

Every floating-point expression here is the NumPy expression it replaces, element for element and in
the same order (``neurosim.crossbar.ladder``, ``CrossbarPhysics.update``, ``devices.decode_conductances``,
``CrossbarState._from_phys``), so results are bit-identical; row sums are left to NumPy (its pairwise
summation order). Compiled with ``-ffp-contract=off`` so that no ``a + b·c`` becomes a fused
multiply-add on targets that have one (NumPy rounds the product first). The callers own the arrays
and their shapes; indices are checked here.
"""
from libc.math cimport fabs, isfinite
from libc.stdint cimport int64_t, uint8_t, uint64_t
from libc.string cimport memcpy

import numpy as np


cdef inline uint64_t _bits(double x) noexcept nogil:
    cdef uint64_t b
    memcpy(&b, &x, 8)
    return b


def sync_cells(const double[::1] g, double[::1] g_last, const double[::1] g_built, const int64_t[::1] cr,
               const int64_t[::1] pc, double[:, ::1] G):
    """Adopt the conductances ``g`` of the cells ``(cr[k], pc[k])`` of ``G``: write into ``G`` (and
    ``g_last``, the cells' values in ``G``) every cell whose bits differ from ``g_last``. Returns the
    positions ``(rows, columns)`` (int64, in cell order) of the cells whose value differs from
    ``g_built`` (the cells' conductances at the last build): where ``G`` can differ from it."""
    cdef int64_t n = g.shape[0], R = G.shape[0], C = G.shape[1], k, m = 0
    if g_last.shape[0] != n or g_built.shape[0] != n or cr.shape[0] != n or pc.shape[0] != n:
        raise ValueError("sync_cells: cell arrays differ in length")
    for k in range(n):
        if cr[k] < 0 or cr[k] >= R or pc[k] < 0 or pc[k] >= C:
            raise IndexError("sync_cells: cell outside the crossbar")
    with nogil:
        for k in range(n):
            if _bits(g[k]) != _bits(g_last[k]):
                G[cr[k], pc[k]] = g[k]
                g_last[k] = g[k]
            if g[k] != g_built[k]:
                m += 1
    r_out = np.empty(m, np.int64)
    c_out = np.empty(m, np.int64)
    cdef int64_t[::1] ro = r_out
    cdef int64_t[::1] co = c_out
    m = 0
    with nogil:
        for k in range(n):
            if g[k] != g_built[k]:
                ro[m] = cr[k]
                co[m] = pc[k]
                m += 1
    return r_out, c_out


def changed_rows(const double[:, ::1] G, const double[:, ::1] G_built, const int64_t[::1] r,
                 const int64_t[::1] c, const double[::1] absmax, double rel, double delta_g,
                 bint allow_negative, bint exact, uint8_t[::1] mark):
    """Sorted rows (int64) holding a cell ``(r[k], c[k])`` whose conductance in ``G`` moved from
    ``G_built``: any change (``exact``) or ``|G - G_built| > rel·max(|G_built|, floor)`` with
    ``floor = 1e-12·max(delta_g, max(absmax), 1e-300)`` (``CrossbarPhysics.update``). None if one of
    the cells of ``G`` is not finite (or negative, unless ``allow_negative``). ``mark`` (R,) is zero
    work space, left zero."""
    cdef int64_t n = r.shape[0], R = G.shape[0], C = G.shape[1], k, i, m = 0
    cdef double x, old, a, mx, floor = 0.0
    if c.shape[0] != n or G_built.shape[0] != R or G_built.shape[1] != C or absmax.shape[0] != R \
            or mark.shape[0] != R:
        raise ValueError("changed_rows: shapes do not match")
    for k in range(n):
        if r[k] < 0 or r[k] >= R or c[k] < 0 or c[k] >= C:
            raise IndexError("changed_rows: cell outside the crossbar")
    for k in range(n):
        x = G[r[k], c[k]]
        if not isfinite(x) or (not allow_negative and x < 0):
            return None
    with nogil:
        if not exact:
            mx = 0.0
            for i in range(R):
                if absmax[i] > mx:
                    mx = absmax[i]
            a = delta_g
            if mx > a:
                a = mx
            if 1e-300 > a:
                a = 1e-300
            floor = 1e-12 * a
        for k in range(n):
            x = G[r[k], c[k]]
            old = G_built[r[k], c[k]]
            if exact:
                if x != old:
                    mark[r[k]] = 1
            else:
                a = fabs(old)
                if not (a >= floor):
                    a = floor
                if fabs(x - old) > rel * a:
                    mark[r[k]] = 1
        for i in range(R):
            m += mark[i]
    out = np.empty(m, np.int64)
    cdef int64_t[::1] o = out
    m = 0
    with nogil:
        for i in range(R):
            if mark[i]:
                o[m] = i
                m += 1
                mark[i] = 0
    return out


cdef enum:
    LANES = 8       # rows solved together: their Thomas recurrences are independent chains


def solve_rows(double[:, ::1] G, const int64_t[::1] rows, src, double[::1] absmax, double v_read,
               double r_row, double r_col, double r_drv, double r_sns, double r_acc,
               double[:, ::1] v_cell, double[:, ::1] g_app, double[:, ::1] W, int enc, double s, double dg):
    """Rebuild ``rows`` of a 1T1R crossbar with conductances ``G`` (R, C), C >= 2, ``r_row > 0``.

    For each row i: copy ``src[i]`` into ``G[i]`` (``src``: an (R, C) array or None); ``absmax[i] =
    max |G[i]|``; the single-row read (``neurosim.crossbar.ladder``: branch conductances, word-line
    ladder by Thomas, cell voltages into ``v_cell[i]``, apparent conductances ``i_col / v_read``
    into ``g_app[i]``); the effective weights of the row into ``W[i]`` (``decode_conductances``;
    ``enc`` 0 signed, 1 differential, 2 reference_column, -1: left to the caller). Returns the
    column currents, (len(rows), C), whose row sums are the driver currents. Rows are solved
    ``LANES`` at a time, interleaved (each row's arithmetic is unchanged)."""
    cdef int64_t R = G.shape[0], C = G.shape[1], n = rows.shape[0], k, k0, i, j, l, nl, nw
    cdef double gw, gd = 0.0, upper0, b0, m, bj, ui, s2
    cdef int64_t ii[LANES]
    cdef double rt[LANES]
    cdef const double[:, ::1] S
    cdef bint copy = src is not None
    if C < 2 or not (r_row > 0.0):
        raise ValueError("solve_rows needs at least two columns and r_wire_row > 0")
    if v_cell.shape[0] != R or v_cell.shape[1] != C or g_app.shape[0] != R or g_app.shape[1] != C \
            or absmax.shape[0] != R or W.shape[0] != R:
        raise ValueError("solve_rows: shapes do not match")
    nw = W.shape[1]
    if enc == 0 and nw != C or enc == 1 and (C % 2 != 0 or nw != C // 2) or enc == 2 and nw != C - 1:
        raise ValueError("solve_rows: effective-weight shape does not match the encoding")
    if copy:
        S = src
        if S.shape[0] != R or S.shape[1] != C:
            raise ValueError("solve_rows: src shape does not match")
    for k in range(n):
        if rows[k] < 0 or rows[k] >= R:
            raise IndexError(f"solve_rows: row {rows[k]} out of range for {R} rows")
    i_col_arr = np.empty((n, C))
    cdef double[:, ::1] i_col = i_col_arr
    cdef double[:, ::1] dn = np.empty((C, LANES))
    cdef double[:, ::1] y = np.empty((C, LANES))
    cdef double[:, ::1] cp = np.empty((C, LANES))
    cdef double[:, ::1] bp = np.empty((C, LANES))
    cdef double[:, ::1] u = np.empty((C, LANES))
    gw = 1.0 / r_row
    if r_drv == 0.0:
        upper0 = 0.0
        b0 = v_read
    else:
        gd = 1.0 / r_drv
        upper0 = -gw
        b0 = gd * v_read
    s2 = 2.0 * s
    with nogil:
        k0 = 0
        while k0 < n:
            nl = n - k0
            if nl > LANES:
                nl = LANES
            for l in range(nl):
                i = rows[k0 + l]
                ii[l] = i
                if copy:
                    for j in range(C):
                        G[i, j] = S[i, j]
                m = fabs(G[i, 0])
                for j in range(1, C):
                    if fabs(G[i, j]) > m:
                        m = fabs(G[i, j])
                absmax[i] = m
                # r_tail = r_acc + (R-1-i)·r_col + r_sns
                rt[l] = (r_acc + <double>(R - 1 - i) * r_col) + r_sns
            # denom = 1 + G·r_tail; y = G/denom
            for j in range(C):
                for l in range(nl):
                    dn[j, l] = 1.0 + G[ii[l], j] * rt[l]
                    y[j, l] = G[ii[l], j] / dn[j, l]
            # diagonal y + 2·gw, open far end, driver at column 0; Thomas elimination on the fly
            # (right-hand side b0 at column 0, zero elsewhere)
            for l in range(nl):
                m = y[0, l] + 2.0 * gw          # C >= 2: column 0 is not the far end
                if r_drv == 0.0:
                    m = 1.0
                else:
                    m = m + (gd - gw)
                cp[0, l] = upper0 / m
                bp[0, l] = b0 / m
            for j in range(1, C):
                for l in range(nl):
                    m = y[j, l] + 2.0 * gw
                    if j == C - 1:
                        m = m - gw
                    m = m + gw * cp[j - 1, l]
                    cp[j, l] = -gw / m
                    bj = 0.0
                    bp[j, l] = (bj + gw * bp[j - 1, l]) / m
            for l in range(nl):
                u[C - 1, l] = bp[C - 1, l]
            for j in range(C - 2, -1, -1):
                for l in range(nl):
                    u[j, l] = bp[j, l] - cp[j, l] * u[j + 1, l]
            for l in range(nl):
                i = ii[l]
                k = k0 + l
                for j in range(C):
                    ui = y[j, l] * u[j, l]
                    i_col[k, j] = ui
                    v_cell[i, j] = u[j, l] / dn[j, l]
                    g_app[i, j] = ui / v_read
                # effective weights: (G+ - G-)·s/Δg, (G - G_ref)·(2s)/Δg, G·s/Δg
                if enc == 1:
                    for j in range(nw):
                        W[i, j] = (g_app[i, 2 * j] - g_app[i, 2 * j + 1]) * s / dg
                elif enc == 2:
                    for j in range(nw):
                        W[i, j] = (g_app[i, j] - g_app[i, C - 1]) * s2 / dg
                elif enc == 0:
                    for j in range(nw):
                        W[i, j] = g_app[i, j] * s / dg
            k0 += nl
    return i_col_arr


def refresh_cells(const int64_t[::1] rows, const int64_t[::1] cr, const int64_t[::1] pc,
                  const double[:, ::1] G, const double[:, ::1] g_app, const double[:, ::1] v_cell,
                  double[::1] alpha, double[::1] vc, double[::1] g_built, uint8_t[::1] mark):
    """For the cells ``(cr[k], pc[k])`` in ``rows``: gain ``alpha = g_app / G`` (1 where G = 0),
    read voltage ``vc = v_cell`` and ``g_built = G`` (``CrossbarState._from_phys`` on those cells).
    ``mark`` (R,) is zero work space, left zero."""
    cdef int64_t n = cr.shape[0], R = G.shape[0], C = G.shape[1], k, i, j
    cdef double x
    if pc.shape[0] != n or alpha.shape[0] != n or vc.shape[0] != n or g_built.shape[0] != n \
            or mark.shape[0] != R or g_app.shape[0] != R or g_app.shape[1] != C \
            or v_cell.shape[0] != R or v_cell.shape[1] != C:
        raise ValueError("refresh_cells: shapes do not match")
    for k in range(rows.shape[0]):
        if rows[k] < 0 or rows[k] >= R:
            raise IndexError("refresh_cells: row out of range")
    for k in range(n):
        if cr[k] < 0 or cr[k] >= R or pc[k] < 0 or pc[k] >= C:
            raise IndexError("refresh_cells: cell outside the crossbar")
    with nogil:
        for k in range(rows.shape[0]):
            mark[rows[k]] = 1
        for k in range(n):
            i = cr[k]
            if mark[i]:
                j = pc[k]
                x = G[i, j]
                alpha[k] = g_app[i, j] / x if x != 0 else 1.0
                vc[k] = v_cell[i, j]
                g_built[k] = x
        for k in range(rows.shape[0]):
            mark[rows[k]] = 0
