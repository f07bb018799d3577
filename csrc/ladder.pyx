# cython: language_level=3
"""Thomas algorithm for the word-line ladders of 1T1R single-row reads (neurosim.crossbar.ladder).

One independent tridiagonal system per row: diagonal ``d``, off-diagonals ``-gw`` except the first
row's upper entry ``upper0``, right-hand side ``b``. The arithmetic is that of the vectorised NumPy
loop it replaces, operation for operation, so results are bit-identical."""
from libc.stdint cimport int64_t


def thomas_rows(const double[:, ::1] d, const double[:, ::1] b, double gw, double upper0, double[:, ::1] u):
    """Solve every row's system into ``u`` (n, C); ``d``, ``b`` (n, C); C >= 2."""
    cdef int64_t n = d.shape[0], C = d.shape[1], i, j
    cdef double m
    cdef double[::1] cp
    cdef double[::1] bp
    if C < 2:
        raise ValueError("thomas_rows needs at least two columns")
    import numpy as np
    cp = np.empty(C)
    bp = np.empty(C)
    with nogil:
        for i in range(n):
            cp[0] = upper0 / d[i, 0]
            bp[0] = b[i, 0] / d[i, 0]
            for j in range(1, C):
                m = d[i, j] + gw * cp[j - 1]
                cp[j] = -gw / m
                bp[j] = (b[i, j] + gw * bp[j - 1]) / m
            u[i, C - 1] = bp[C - 1]
            for j in range(C - 2, -1, -1):
                u[i, j] = bp[j] - cp[j] * u[i, j + 1]
