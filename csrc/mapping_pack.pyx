# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Sequential packing of column slots into crossbars (neurosim.mapping, strategy ``sequential``).

Slots are taken in the given order and appended to the current crossbar while it has a free
logical column, enough free rows for the slot's new presynaptic inputs, and no other slot of the
same neuron; otherwise the next crossbar is opened. This is the first-fit-in-order scheme of
PACMAN (SpiNNaker) and PyCARL-style mappers, extended with the row limit of a crossbar
(docs/references.md#mapping-algorithms: a cluster fits a crossbar only if its distinct inputs ≤ rows and its neurons ≤
columns).
"""
import numpy as np
cimport numpy as cnp

ctypedef cnp.int32_t i32
ctypedef cnp.int64_t i64
ctypedef cnp.uint8_t u8


def pack_in_order(const i32[::1] order, const i64[::1] v_ptr, const i32[::1] v_edge,
                  const u8[::1] v_row, const i32[::1] v_neuron, Py_ssize_t n_edges,
                  Py_ssize_t n_neurons, Py_ssize_t rows, Py_ssize_t cols):
    """Return ``(block int32[S], n_blocks)``: first-fit packing of slots in ``order``.

    Capacities: ``cols`` slots and ``rows`` distinct row-needing nets per block. Assumes every
    slot alone fits (``build_slots`` guarantees it)."""
    cdef Py_ssize_t S = order.shape[0]
    block_arr = np.full(v_ptr.shape[0] - 1, -1, dtype=np.int32)
    cdef i32[::1] block = block_arr
    cdef i32[::1] edge_mark = np.full(n_edges, -1, dtype=np.int32)
    cdef i32[::1] neuron_mark = np.full(n_neurons, -1, dtype=np.int32)
    cdef Py_ssize_t i, j, v, e, cur = 0, used_cols = 0, used_rows = 0, new_rows
    with nogil:
        for i in range(S):
            v = order[i]
            new_rows = 0
            for j in range(v_ptr[v], v_ptr[v + 1]):
                if v_row[j] and edge_mark[v_edge[j]] != cur:
                    new_rows += 1
            if used_cols + 1 > cols or used_rows + new_rows > rows or neuron_mark[v_neuron[v]] == cur:
                cur += 1
                used_cols = 0
                used_rows = 0
                new_rows = 0
                for j in range(v_ptr[v], v_ptr[v + 1]):
                    if v_row[j]:
                        new_rows += 1
            for j in range(v_ptr[v], v_ptr[v + 1]):
                if v_row[j]:
                    edge_mark[v_edge[j]] = <i32>cur
            neuron_mark[v_neuron[v]] = <i32>cur
            block[v] = <i32>cur
            used_cols += 1
            used_rows += new_rows
    return block_arr, (cur + 1 if S > 0 else 0)
