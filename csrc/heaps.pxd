# cython: language_level=3
"""Binary heaps of C structs shared by the compiled modules (cimport, all inline, no GIL).

* MinHeap — min-heap of (k1, k2, v) int64 triples ordered by (k1, k2): the event overflow heap and
  the channel request queues of engine_core. Grows from empty (16 items, then doubling).
* MaxHeap — max-heap of (key, v) ordered by the double key: the gain queues of kl_partition.
  Ties are broken by the sift order alone (``>=`` going up, ``>`` going down), so results depend
  on that order: keep it.

A push that cannot grow the array returns -1 and leaves the heap as it was.
"""
from libc.stdlib cimport malloc, realloc
from libc.stdint cimport int32_t, int64_t


# ----------------------------------------------------------------------------- (k1, k2) min-heap
cdef struct MinItem:
    int64_t k1
    int64_t k2
    int64_t v

cdef struct MinHeap:
    MinItem* a
    int64_t n
    int64_t cap


cdef inline bint minitem_lt(MinItem* x, MinItem* y) noexcept nogil:
    if x.k1 != y.k1:
        return x.k1 < y.k1
    return x.k2 < y.k2


cdef inline int minheap_push(MinHeap* h, int64_t k1, int64_t k2, int64_t v) noexcept nogil:
    cdef int64_t i, p
    cdef MinItem it, tmp
    cdef MinItem* na
    cdef int64_t cap
    if h.n == h.cap:
        cap = h.cap * 2 if h.cap > 0 else 16
        na = <MinItem*> realloc(h.a, cap * sizeof(MinItem))
        if na == NULL:
            return -1
        h.a = na
        h.cap = cap
    it.k1 = k1
    it.k2 = k2
    it.v = v
    i = h.n
    h.n += 1
    h.a[i] = it
    while i > 0:
        p = (i - 1) >> 1
        if minitem_lt(&h.a[i], &h.a[p]):
            tmp = h.a[i]
            h.a[i] = h.a[p]
            h.a[p] = tmp
            i = p
        else:
            break
    return 0


cdef inline MinItem minheap_pop(MinHeap* h) noexcept nogil:
    """Remove and return the smallest item (the heap must not be empty)."""
    cdef MinItem top = h.a[0]
    cdef MinItem tmp
    cdef int64_t i = 0, l, r, m
    h.n -= 1
    if h.n > 0:
        h.a[0] = h.a[h.n]
        while True:
            l = 2 * i + 1
            r = l + 1
            m = i
            if l < h.n and minitem_lt(&h.a[l], &h.a[m]):
                m = l
            if r < h.n and minitem_lt(&h.a[r], &h.a[m]):
                m = r
            if m == i:
                break
            tmp = h.a[i]
            h.a[i] = h.a[m]
            h.a[m] = tmp
            i = m
    return top


# ----------------------------------------------------------------------------- key max-heap
cdef struct MaxItem:
    double key
    int32_t v

cdef struct MaxHeap:
    MaxItem* a
    Py_ssize_t n
    Py_ssize_t cap


cdef inline int maxheap_init(MaxHeap* h, Py_ssize_t cap) noexcept nogil:
    h.a = <MaxItem*> malloc(cap * sizeof(MaxItem))
    h.n = 0
    h.cap = cap
    return 0 if h.a != NULL else -1


cdef inline int maxheap_push(MaxHeap* h, double key, int32_t v) noexcept nogil:
    cdef Py_ssize_t i, p
    cdef MaxItem t
    cdef MaxItem* na
    if h.n == h.cap:
        na = <MaxItem*> realloc(h.a, 2 * h.cap * sizeof(MaxItem))
        if na == NULL:
            return -1
        h.a = na
        h.cap = 2 * h.cap
    i = h.n
    h.n += 1
    h.a[i].key = key
    h.a[i].v = v
    while i > 0:
        p = (i - 1) >> 1
        if h.a[p].key >= h.a[i].key:
            break
        t = h.a[p]; h.a[p] = h.a[i]; h.a[i] = t
        i = p
    return 0


cdef inline MaxItem maxheap_pop(MaxHeap* h) noexcept nogil:
    """Remove and return an item of largest key (the heap must not be empty)."""
    cdef MaxItem top = h.a[0]
    cdef Py_ssize_t i = 0, l, r, m
    cdef MaxItem t
    h.n -= 1
    h.a[0] = h.a[h.n]
    while True:
        l = 2 * i + 1
        r = l + 1
        m = i
        if l < h.n and h.a[l].key > h.a[m].key:
            m = l
        if r < h.n and h.a[r].key > h.a[m].key:
            m = r
        if m == i:
            break
        t = h.a[m]; h.a[m] = h.a[i]; h.a[i] = t
        i = m
    return top
