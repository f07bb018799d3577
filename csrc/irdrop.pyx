# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled IR-drop kernels (neurosim.crossbar.fast): preconditioned conjugate gradients on the
crossbar's nodal system with a symmetric line Gauss–Seidel preconditioner.

Nodal system (docs/design.md#crossbar-electrics; A. Chen, IEEE TED 2013): unknowns are the word-line voltages ``w[i, j]``
and the bit-line voltages ``b[i, j]``; with ``y[i, j]`` the cell branch conductance,

    Aw·w − Y·b = s      (word lines: R independent tridiagonal chains along j, source s at j = 0)
    Ab·b − Y·w = 0      (bit lines:  C independent tridiagonal chains along i)

The matrix [[Aw, −Y], [−Y, Ab]] is symmetric positive definite. Line Gauss–Seidel (docs/references.md#ir-drop)
alternates exact tridiagonal (Thomas) solves of all word lines and all bit lines; its symmetric form

    z_w = Aw⁻¹ r_w;  z_b = Ab⁻¹ (r_b + Y z_w);  z_w = Aw⁻¹ (r_w + Y z_b)

is an SPD preconditioner M⁻¹, and conjugate gradients (Hestenes & Stiefel 1952) on M⁻¹A converge in
far fewer steps than plain alternating sweeps when cells are strongly coupled to the lines. The
Thomas factors of every chain are computed once per conductance state. All vectors are laid out
(R, C, B) with the batch innermost, so batched solves vectorise over the batch.
"""
import numpy as np

from libc.math cimport sqrt


DEF ROW_BLOCK = 8      # word lines advanced together (independent recurrences overlap)
DEF COL_BLOCK = 64     # bit lines per cache block of the bit-line solve


cdef class LineGSPCG:
    """Factorised line Gauss–Seidel preconditioner + PCG for one conductance state.

    ``y`` (R, C): cell branch conductances (S); ``gw``, ``gc``: word-/bit-line segment conductances;
    ``gd``, ``gs``: driver and sense conductances (all > 0, finite).

    Vectors are (R, C, B) C-contiguous arrays, batch innermost. Only the reciprocal pivots of the
    Thomas factorisations are stored (the super-diagonal factor is ``−g·pivot⁻¹``); word-line pivots
    are stored transposed (C, R). Word lines are solved in blocks of 8 rows advancing together along
    j (a single chain is latency-bound); bit lines in blocks of 64 columns so that the forward and
    backward substitutions of a block stay in cache. The coupling ``r + Y z`` of the Gauss–Seidel
    sweep is fused into the forward substitutions, the diagonal of the matrix is rebuilt from ``y`` on
    the fly, and the CG dot products are fused into the passes that produce their operands.
    """

    cdef readonly int R, C
    cdef double gw, gc, gd, gs
    cdef double[:, ::1] y, inv_wT, inv_b, scratch

    def __init__(self, double[:, ::1] y, double gw, double gc, double gd, double gs):
        cdef int R = y.shape[0], C = y.shape[1], i, j
        cdef double m, cprev
        if not (gw > 0 and gc > 0 and gd > 0 and gs > 0):
            raise ValueError("LineGSPCG: all line, driver and sense conductances must be > 0")
        self.R, self.C = R, C
        self.gw, self.gc, self.gd, self.gs = gw, gc, gd, gs
        self.y = y
        self.inv_wT = np.empty((C, R))
        self.inv_b = np.empty((R, C))
        self.scratch = np.empty((C, R + 8))   # padded: no power-of-two stride in the transposes
        with nogil:
            for i in range(R):          # word lines: chain along j, off-diagonal -gw
                cprev = 0.0
                for j in range(C):
                    m = self._dw(i, j) + gw * cprev
                    self.inv_wT[j, i] = 1.0 / m
                    cprev = -gw / m
            for j in range(C):          # bit lines: chain along i, off-diagonal -gc
                m = self._db(0, j)
                self.inv_b[0, j] = 1.0 / m
            for i in range(1, R):
                for j in range(C):
                    m = self._db(i, j) - gc * gc * self.inv_b[i - 1, j]
                    self.inv_b[i, j] = 1.0 / m

    cdef inline double _dw(self, int i, int j) noexcept nogil:
        """Diagonal of word-line node (i, j)."""
        return self.y[i, j] + self.gw * ((j > 0) + (j < self.C - 1)) + (self.gd if j == 0 else 0.0)

    cdef inline double _db(self, int i, int j) noexcept nogil:
        """Diagonal of bit-line node (i, j)."""
        return self.y[i, j] + self.gc * ((i > 0) + (i < self.R - 1)) + (self.gs if i == self.R - 1 else 0.0)

    # ------------------------------------------------------------------ kernels (raw pointers)
    cdef void _solve_w(self, const double* rhs, const double* z, double* out, int B) noexcept nogil:
        """out = Aw⁻¹ (rhs + Y z); ``z`` may be NULL (no coupling term). ``out`` must not alias."""
        cdef int R = self.R, C = self.C, i0, i1, i, j, k
        cdef Py_ssize_t row = <Py_ssize_t>C * B, base
        cdef double gw = self.gw, inv, yy
        cdef const double* invT = &self.inv_wT[0, 0]
        cdef const double* y = &self.y[0, 0]
        for i0 in range(0, R, ROW_BLOCK):
            i1 = i0 + ROW_BLOCK if i0 + ROW_BLOCK < R else R
            for j in range(C):
                for i in range(i0, i1):
                    inv = invT[j * R + i]
                    base = i * row + <Py_ssize_t>j * B
                    if z != NULL:
                        yy = y[<Py_ssize_t>i * C + j]
                        if j == 0:
                            for k in range(B):
                                out[base + k] = (rhs[base + k] + yy * z[base + k]) * inv
                        else:
                            for k in range(B):
                                out[base + k] = (rhs[base + k] + yy * z[base + k] + gw * out[base - B + k]) * inv
                    else:
                        if j == 0:
                            for k in range(B):
                                out[base + k] = rhs[base + k] * inv
                        else:
                            for k in range(B):
                                out[base + k] = (rhs[base + k] + gw * out[base - B + k]) * inv
            for j in range(C - 2, -1, -1):
                for i in range(i0, i1):
                    inv = gw * invT[j * R + i]
                    base = i * row + <Py_ssize_t>j * B
                    for k in range(B):
                        out[base + k] += inv * out[base + B + k]

    cdef void _solve_b(self, const double* rhs, const double* z, double* out, int B) noexcept nogil:
        """out = Ab⁻¹ (rhs + Y z); ``out`` must not alias."""
        cdef int R = self.R, C = self.C, i, j, j0, j1, k
        cdef Py_ssize_t row = <Py_ssize_t>C * B, base, c
        cdef double gc = self.gc, inv, yy
        cdef const double* invb = &self.inv_b[0, 0]
        cdef const double* y = &self.y[0, 0]
        for j0 in range(0, C, COL_BLOCK):
            j1 = j0 + COL_BLOCK if j0 + COL_BLOCK < C else C
            for i in range(R):
                for j in range(j0, j1):
                    c = <Py_ssize_t>i * C + j
                    inv = invb[c]
                    yy = y[c]
                    base = c * B
                    if i == 0:
                        for k in range(B):
                            out[base + k] = (rhs[base + k] + yy * z[base + k]) * inv
                    else:
                        for k in range(B):
                            out[base + k] = (rhs[base + k] + yy * z[base + k] + gc * out[base - row + k]) * inv
            for i in range(R - 2, -1, -1):
                for j in range(j0, j1):
                    c = <Py_ssize_t>i * C + j
                    inv = gc * invb[c]
                    base = c * B
                    for k in range(B):
                        out[base + k] += inv * out[base + row + k]

    # ---- single-vector (B = 1) kernels: contiguous, branch-free inner loops that vectorise
    cdef double _solve_w1(self, const double* rhs, const double* z, double* out) noexcept nogil:
        """out = Aw⁻¹ (rhs + Y z) for one vector: the right-hand side is transposed (tiles of 32) into
        a (C, R + 8) scratch, all R word-line recurrences advance together over contiguous memory, and the
        result is transposed back. Returns <rhs, out> (fused CG dot product)."""
        cdef int R = self.R, C = self.C, i, j, i0, j0, i1, j1
        cdef Py_ssize_t LD = R + 8
        cdef double gw = self.gw, s = 0.0, o
        cdef double* T = &self.scratch[0, 0]
        cdef const double* inv = &self.inv_wT[0, 0]
        cdef const double* y = &self.y[0, 0]
        cdef double* Tj
        cdef const double* Tp
        cdef const double* invj
        for i0 in range(0, R, 16):
            i1 = i0 + 16 if i0 + 16 < R else R
            for j0 in range(0, C, 16):
                j1 = j0 + 16 if j0 + 16 < C else C
                if z != NULL:
                    for i in range(i0, i1):
                        for j in range(j0, j1):
                            T[<Py_ssize_t>j * LD + i] = rhs[<Py_ssize_t>i * C + j] + y[<Py_ssize_t>i * C + j] * z[<Py_ssize_t>i * C + j]
                else:
                    for i in range(i0, i1):
                        for j in range(j0, j1):
                            T[<Py_ssize_t>j * LD + i] = rhs[<Py_ssize_t>i * C + j]
        for i in range(R):
            T[i] = T[i] * inv[i]
        for j in range(1, C):
            Tj = T + <Py_ssize_t>j * LD
            Tp = Tj - LD
            invj = inv + <Py_ssize_t>j * R
            for i in range(R):
                Tj[i] = (Tj[i] + gw * Tp[i]) * invj[i]
        for j in range(C - 2, -1, -1):
            Tj = T + <Py_ssize_t>j * LD
            Tp = Tj + LD
            invj = inv + <Py_ssize_t>j * R
            for i in range(R):
                Tj[i] = Tj[i] + gw * invj[i] * Tp[i]
        for j0 in range(0, C, 16):
            j1 = j0 + 16 if j0 + 16 < C else C
            for i0 in range(0, R, 16):
                i1 = i0 + 16 if i0 + 16 < R else R
                for i in range(i0, i1):
                    for j in range(j0, j1):
                        o = T[<Py_ssize_t>j * LD + i]
                        out[<Py_ssize_t>i * C + j] = o
                        s += rhs[<Py_ssize_t>i * C + j] * o
        return s

    cdef double _solve_b1(self, const double* rhs, const double* z, double* out) noexcept nogil:
        """out = Ab⁻¹ (rhs + Y z) for one vector (bit lines are contiguous along j). Returns
        <rhs, out> (fused CG dot product)."""
        cdef int R = self.R, C = self.C, i, j, j0, j1
        cdef double gc = self.gc, s = 0.0, o
        cdef const double* inv = &self.inv_b[0, 0]
        cdef const double* y = &self.y[0, 0]
        cdef Py_ssize_t c
        for j0 in range(0, C, COL_BLOCK):
            j1 = j0 + COL_BLOCK if j0 + COL_BLOCK < C else C
            for j in range(j0, j1):
                out[j] = (rhs[j] + y[j] * z[j]) * inv[j]
            for i in range(1, R):
                c = <Py_ssize_t>i * C
                for j in range(j0, j1):
                    out[c + j] = (rhs[c + j] + y[c + j] * z[c + j] + gc * out[c - C + j]) * inv[c + j]
            c = <Py_ssize_t>(R - 1) * C
            for j in range(j0, j1):
                s += rhs[c + j] * out[c + j]
            for i in range(R - 2, -1, -1):
                c = <Py_ssize_t>i * C
                for j in range(j0, j1):
                    o = out[c + j] + gc * inv[c + j] * out[c + C + j]
                    out[c + j] = o
                    s += rhs[c + j] * o
        return s

    cdef double _matvec_dot1(self, const double* pw, const double* pb, double* qw, double* qb) noexcept nogil:
        """q = A p for one vector; returns <p, q>."""
        cdef int R = self.R, C = self.C, i, j
        cdef double gw = self.gw, gc = self.gc, s = 0.0, a, b, cu, cd, dbase
        cdef const double* y = &self.y[0, 0]
        cdef const double* yr
        cdef const double* pwr
        cdef const double* pbr
        cdef const double* up
        cdef const double* dn
        cdef double* qwr
        cdef double* qbr
        for i in range(R):
            yr = y + <Py_ssize_t>i * C
            pwr = pw + <Py_ssize_t>i * C
            pbr = pb + <Py_ssize_t>i * C
            qwr = qw + <Py_ssize_t>i * C
            qbr = qb + <Py_ssize_t>i * C
            # word line i
            if C == 1:
                qwr[0] = (yr[0] + self.gd) * pwr[0] - yr[0] * pbr[0]
            else:
                qwr[0] = (yr[0] + gw + self.gd) * pwr[0] - yr[0] * pbr[0] - gw * pwr[1]
                for j in range(1, C - 1):
                    qwr[j] = (yr[j] + 2.0 * gw) * pwr[j] - yr[j] * pbr[j] - gw * (pwr[j - 1] + pwr[j + 1])
                qwr[C - 1] = (yr[C - 1] + gw) * pwr[C - 1] - yr[C - 1] * pbr[C - 1] - gw * pwr[C - 2]
            # bit-line nodes of row i: neighbours above/below (a missing neighbour gets weight 0)
            cu = gc if i > 0 else 0.0
            cd = gc if i < R - 1 else 0.0
            dbase = cu + cd + (self.gs if i == R - 1 else 0.0)
            up = pbr - C if i > 0 else pbr
            dn = pbr + C if i < R - 1 else pbr
            for j in range(C):
                a = qwr[j]
                b = (yr[j] + dbase) * pbr[j] - yr[j] * pwr[j] - cu * up[j] - cd * dn[j]
                qbr[j] = b
                s += pwr[j] * a + pbr[j] * b
        return s

    cdef void _precond(self, const double* rw, const double* rb, double* zw, double* zb, double* tmp,
                       int B, double* rz) noexcept nogil:
        """Symmetric line Gauss–Seidel: zw = Aw⁻¹rw; zb = Ab⁻¹(rb + Y zw); zw = Aw⁻¹(rw + Y zb).
        Also rz[k] = <r_k, z_k>."""
        cdef double s
        if B == 1:
            self._solve_w1(rw, NULL, tmp)
            s = self._solve_b1(rb, tmp, zb)
            rz[0] = s + self._solve_w1(rw, zb, zw)
            return
        self._solve_w(rw, NULL, tmp, B)
        self._solve_b(rb, tmp, zb, B)
        self._solve_w(rw, zb, zw, B)
        self._dot(rw, zw, rb, zb, rz, B)

    cdef void _matvec_dot(self, const double* pw, const double* pb, double* qw, double* qb, double* pq,
                          int B) noexcept nogil:
        """q = A p and pq[k] = <p_k, q_k>."""
        if B == 1:
            pq[0] = self._matvec_dot1(pw, pb, qw, qb)
            return
        cdef int R = self.R, C = self.C, i, j, k
        cdef Py_ssize_t c, e, row = <Py_ssize_t>C * B
        cdef double gw = self.gw, gc = self.gc, yy, dd, ee, a, b, s = 0.0
        cdef const double* y = &self.y[0, 0]
        for k in range(B):
            pq[k] = 0.0
        for i in range(R):
            for j in range(C):
                c = <Py_ssize_t>i * C + j
                yy = y[c]
                dd = yy + gw * ((j > 0) + (j < C - 1)) + (self.gd if j == 0 else 0.0)
                ee = yy + gc * ((i > 0) + (i < R - 1)) + (self.gs if i == R - 1 else 0.0)
                e = c * B
                for k in range(B):
                    a = dd * pw[e + k] - yy * pb[e + k]
                    b = ee * pb[e + k] - yy * pw[e + k]
                    if j > 0:
                        a = a - gw * pw[e - B + k]
                    if j < C - 1:
                        a = a - gw * pw[e + B + k]
                    if i > 0:
                        b = b - gc * pb[e - row + k]
                    if i < R - 1:
                        b = b - gc * pb[e + row + k]
                    qw[e + k] = a
                    qb[e + k] = b
                    if B == 1:
                        s += pw[e] * a + pb[e] * b
                    else:
                        pq[k] += pw[e + k] * a + pb[e + k] * b
        if B == 1:
            pq[0] = s

    cdef void _dot(self, const double* a1, const double* b1, const double* a2, const double* b2,
                   double* out, int B) noexcept nogil:
        cdef Py_ssize_t n = <Py_ssize_t>self.R * self.C, c
        cdef int k
        cdef double s0, s1, s2, s3
        if B == 1:
            s0 = s1 = s2 = s3 = 0.0
            c = 0
            while c + 1 < n:
                s0 += a1[c] * b1[c]
                s1 += a2[c] * b2[c]
                s2 += a1[c + 1] * b1[c + 1]
                s3 += a2[c + 1] * b2[c + 1]
                c += 2
            while c < n:
                s0 += a1[c] * b1[c] + a2[c] * b2[c]
                c += 1
            out[0] = (s0 + s1) + (s2 + s3)
        else:
            for k in range(B):
                out[k] = 0.0
            for c in range(n):
                for k in range(B):
                    out[k] += a1[c * B + k] * b1[c * B + k] + a2[c * B + k] * b2[c * B + k]

    # ------------------------------------------------------------------ driver
    def solve(self, double[:, ::1] v, double tol, int max_iterations, double[:, :, ::1] xw, double[:, :, ::1] xb):
        """Solve for the word-line source voltages ``v`` (B, R); writes node voltages into ``xw``,
        ``xb`` (R, C, B). Returns ``(iterations, residual)``: per-vector iteration counts (int64) and
        final true relative residuals ||b − A x||₂ / ||b||₂ (float64)."""
        cdef int R = self.R, C = self.C, B = v.shape[0], i, k, it
        if v.shape[1] != R or xw.shape[0] != R or xw.shape[1] != C or xw.shape[2] != B \
                or xb.shape[0] != R or xb.shape[1] != C or xb.shape[2] != B:
            raise ValueError("LineGSPCG.solve: array shapes do not match the crossbar")
        cdef Py_ssize_t n = <Py_ssize_t>R * C * B, t, row = <Py_ssize_t>C * B
        work = np.empty((9, n))
        cdef double[:, ::1] wv = work
        cdef double* rw = &wv[0, 0]
        cdef double* rb = &wv[1, 0]
        cdef double* zw = &wv[2, 0]
        cdef double* zb = &wv[3, 0]
        cdef double* pw = &wv[4, 0]
        cdef double* pb = &wv[5, 0]
        cdef double* qw = &wv[6, 0]
        cdef double* qb = &wv[7, 0]
        cdef double* tmp = &wv[8, 0]
        cdef double* x_w = &xw[0, 0, 0]
        cdef double* x_b = &xb[0, 0, 0]
        scal = np.zeros((8, B))
        cdef double[:, ::1] sv = scal
        cdef double* bnorm = &sv[0, 0]
        cdef double* rz = &sv[1, 0]
        cdef double* rz_new = &sv[2, 0]
        cdef double* pq = &sv[3, 0]
        cdef double* rr = &sv[4, 0]
        cdef double* alpha = &sv[5, 0]
        cdef double* beta = &sv[6, 0]
        cdef double* resid = &sv[7, 0]
        iters_np = np.zeros(B, dtype=np.int64)
        cdef long long[::1] iters = iters_np
        active_np = np.ones(B, dtype=np.uint8)
        cdef unsigned char[::1] active = active_np
        cdef int n_active = B
        cdef double gd = self.gd, a, s0, s1

        with nogil:
            for t in range(n):
                x_w[t] = 0.0
                x_b[t] = 0.0
                rw[t] = 0.0
                rb[t] = 0.0
            for i in range(R):
                for k in range(B):
                    rw[i * row + k] = gd * v[k, i]
            for k in range(B):
                a = 0.0
                for i in range(R):
                    a = a + rw[i * row + k] * rw[i * row + k]
                bnorm[k] = sqrt(a)
                if bnorm[k] == 0.0:
                    active[k] = 0
                    n_active -= 1
            self._precond(rw, rb, zw, zb, tmp, B, rz)
            for t in range(n):
                pw[t] = zw[t]
                pb[t] = zb[t]
            it = 0
            while n_active > 0 and it < max_iterations:
                it += 1
                self._matvec_dot(pw, pb, qw, qb, pq, B)
                for k in range(B):
                    alpha[k] = rz[k] / pq[k] if (active[k] and pq[k] > 0.0) else 0.0
                    if active[k]:
                        iters[k] = it
                if B == 1:
                    a = alpha[0]
                    s0 = 0.0
                    s1 = 0.0
                    for t in range(n):
                        x_w[t] += a * pw[t]
                        x_b[t] += a * pb[t]
                        rw[t] -= a * qw[t]
                        rb[t] -= a * qb[t]
                        s0 += rw[t] * rw[t]
                        s1 += rb[t] * rb[t]
                    rr[0] = s0 + s1
                else:
                    for t in range(n):
                        a = alpha[t % B]
                        x_w[t] += a * pw[t]
                        x_b[t] += a * pb[t]
                        rw[t] -= a * qw[t]
                        rb[t] -= a * qb[t]
                    self._dot(rw, rw, rb, rb, rr, B)
                for k in range(B):
                    if active[k] and (sqrt(rr[k]) <= tol * bnorm[k] or pq[k] <= 0.0):
                        active[k] = 0
                        n_active -= 1
                if n_active == 0:
                    break
                self._precond(rw, rb, zw, zb, tmp, B, rz_new)
                for k in range(B):
                    beta[k] = rz_new[k] / rz[k] if (active[k] and rz[k] != 0.0) else 0.0
                    rz[k] = rz_new[k]
                if B == 1:
                    a = beta[0]
                    for t in range(n):
                        pw[t] = zw[t] + a * pw[t]
                        pb[t] = zb[t] + a * pb[t]
                else:
                    for t in range(n):
                        a = beta[t % B]
                        pw[t] = zw[t] + a * pw[t]
                        pb[t] = zb[t] + a * pb[t]
            # true residual ||b - A x|| / ||b||
            self._matvec_dot(x_w, x_b, qw, qb, pq, B)
            for t in range(n):
                qw[t] = -qw[t]
                qb[t] = -qb[t]
            for i in range(R):
                for k in range(B):
                    qw[i * row + k] += gd * v[k, i]
            self._dot(qw, qw, qb, qb, rr, B)
            for k in range(B):
                resid[k] = sqrt(rr[k]) / bnorm[k] if bnorm[k] > 0.0 else 0.0
        return iters_np, scal[7].copy()
