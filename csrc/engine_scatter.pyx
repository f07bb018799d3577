# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""A bare compiled CSR scatter loop of the discrete-time LIF (delay 1, no refractoriness, no
hardware): the speed-of-light baseline of benchmarks/bench_engine.py. Not used by the simulator."""
from libc.stdint cimport int64_t, int32_t, uint8_t
import numpy as np
cimport numpy as cnp

cnp.import_array()


def lif_csr_delay1(const int64_t[:] indptr, const int32_t[:] post, const double[:] weight,
                   const double[:] leak, const double[:] thr, const double[:] vres,
                   const uint8_t[:] is_input, const int64_t[:] in_ptr, const int32_t[:] in_neurons,
                   long long ticks):
    """Returns (spike ticks, spike neurons) of the non-input neurons and the synaptic events."""
    cdef int64_t n = leak.shape[0], t, i, j, k, nsp, events = 0, out_n = 0
    cdef cnp.ndarray v_a = np.zeros(n), cur_a = np.zeros(n), nxt_a = np.zeros(n)
    cdef double[:] v = v_a
    cdef double[:] cur = cur_a
    cdef double[:] nxt = nxt_a
    cdef double[:] tmp
    cdef cnp.ndarray spk_a = np.empty(n, np.int32)
    cdef int32_t[:] spk = spk_a
    cdef cnp.ndarray ot_a = np.empty(1 << 16, np.int32), on_a = np.empty(1 << 16, np.int32)
    cdef int32_t[:] ot = ot_a
    cdef int32_t[:] on = on_a
    cdef double vv
    outs_t, outs_n = [], []
    for t in range(ticks):
        with nogil:
            nsp = 0
            for j in range(in_ptr[t], in_ptr[t + 1]):
                spk[nsp] = in_neurons[j]
                nsp += 1
            for i in range(n):
                if is_input[i]:
                    continue
                vv = leak[i] * v[i] + cur[i]
                cur[i] = 0.0
                if vv >= thr[i]:
                    v[i] = vres[i]
                    spk[nsp] = <int32_t> i
                    nsp += 1
                else:
                    v[i] = vv
            for k in range(nsp):
                i = spk[k]
                for j in range(indptr[i], indptr[i + 1]):
                    nxt[post[j]] += weight[j]
                events += indptr[i + 1] - indptr[i]
            tmp = cur
            cur = nxt
            nxt = tmp
        for k in range(nsp):
            i = spk[k]
            if not is_input[i]:
                if out_n == ot.shape[0]:
                    outs_t.append(ot_a[:out_n].copy()); outs_n.append(on_a[:out_n].copy()); out_n = 0
                ot[out_n] = <int32_t> t
                on[out_n] = <int32_t> i
                out_n += 1
    outs_t.append(ot_a[:out_n].copy()); outs_n.append(on_a[:out_n].copy())
    return np.concatenate(outs_t), np.concatenate(outs_n), events
