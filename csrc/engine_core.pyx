# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled event loop of neurosim's cycle-accurate engine (semantics: docs/engine.md).

Events are C structs in binary heaps keyed by (cycle, phase, sequence). Per-channel request
queues and per-crossbar read queues are heaps keyed by (cycle, packet key) (MinHeap of
csrc/heaps.pxd). No Python object is created per spike, packet, flit or read: the whole tick runs
under ``nogil``. The scalars of ``cfg`` are read once into a typed EngineConfig.

The Python side (neurosim.engine) packs every array, calls :meth:`Core.run` (all ticks in C) or
:meth:`Core.step` tick by tick when it must act between ticks (read disturb, refresh, effective
weight rebuilds), and turns the counters into a SimResult.
"""
from libc.stdlib cimport malloc, calloc, realloc, free
from libc.string cimport memset
from libc.math cimport exp, rint, floor, log
from libc.stdint cimport int64_t, int32_t, int16_t, uint8_t, uint32_t, uint64_t
cimport cython
import numpy as np
cimport numpy as cnp
from heaps cimport MinItem, MinHeap, minitem_lt, minheap_push, minheap_pop

cnp.import_array()

cdef extern from *:
    """
    #define NS_PREFETCH(p) __builtin_prefetch((const void*)(p))
    #define NS_CTZ64(x) __builtin_ctzll(x)
    #define NS_CLZ64(x) __builtin_clzll(x)
    #if defined(__POPCNT__)
    #define NS_POPCOUNT64(x) __builtin_popcountll(x)
    #else
    static inline int NS_POPCOUNT64(unsigned long long x) {      /* SWAR: no libgcc call */
        x = x - ((x >> 1) & 0x5555555555555555ULL);
        x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
        x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
        return (int) ((x * 0x0101010101010101ULL) >> 56);
    }
    #endif
    """
    void NS_PREFETCH(const void* p) noexcept nogil
    int NS_POPCOUNT64(uint64_t x) noexcept nogil
    int NS_CTZ64(uint64_t x) noexcept nogil
    int NS_CLZ64(uint64_t x) noexcept nogil

# ----------------------------------------------------------------------------- phases / types
# Phases order the work done inside one clock cycle (docs/engine.md, "Order inside a cycle").
DEF PH_REL = 0      # buffer credits come back
DEF PH_ARR = 1      # packets arrive in router buffers / are delivered to a tile
DEF PH_UPD = 2      # a crossbar's neuron circuits update their neurons
DEF PH_SRV = 4      # channels (injection, links, ejection) move packets
# phase 5 (crossbars finish / start row reads) has no events: see Core.process_crossbars

DEF EV_UPD = 2
DEF EV_SRV = 3

DEF KIND_PS = 0
DEF KIND_SPIKE = 1

DEF HIST_LEN = 4096

# Currents are accumulated in fixed point, cfg["fx_bits"] fractional bits (neurosim.crossbar.currents,
# docs/engine.md §2): integer sums do not depend on the order of the reads, so every timing model
# gives the same sums.

cdef struct Bucket:
    int64_t* a
    int64_t n
    int64_t cap

DEF WHEEL = 1024          # cycles covered by the time wheel (power of two)
DEF NPH = 6               # phases per cycle
DEF PF_ROW = 16           # process_crossbars: prefetch distance of row records (reads)
DEF PF_SYN = 8            # ... and of their synapse records


cdef int bucket_push(Bucket* b, int64_t v) noexcept nogil:
    cdef int64_t* na
    if b.n == b.cap:
        b.cap = b.cap * 2 if b.cap > 0 else 8
        na = <int64_t*> realloc(b.a, b.cap * sizeof(int64_t))
        if na == NULL:
            return -1
        b.a = na
    b.a[b.n] = v
    b.n += 1
    return 0


cdef struct RowRec:       # one crossbar row (block row), read by one cache line
    int64_t start         # first synapse (row order)
    int64_t end
    int64_t reads

cdef struct SynRec:       # one synapse in row order: what a row read needs
    int64_t w             # effective weight, fixed point
    int32_t slot          # logical column slot
    int32_t delay


cdef struct TNode:        # one router of a neuron's XY multicast tree (32 bytes)
    int32_t child[4]      # node reached through E, W, N, S (-1 none)
    int32_t mask          # output ports (1 E, 2 W, 4 N, 8 S, 16 local)
    int32_t rstart        # local delivery: the neuron's rows in this tile, nrowx[rstart:rend]
    int32_t rend
    int32_t router

cdef struct Dlv:          # one delivery (a row read to queue), logged in event order
    int64_t a             # arrival cycle
    int64_t key           # packet key
    int32_t row
    int32_t xbar


cdef struct RowDst:       # one (row, crossbar) a delivery queues a read on
    int32_t row
    int32_t xbar


cdef struct RowRange:     # rows of a neuron at one destination tile: nrow[start:end]
    int32_t start
    int32_t end

cdef struct Pkt:
    int64_t key
    int64_t t_gen
    int32_t neuron
    int32_t kind
    int32_t dst          # destination tile (unicast / replicate / partial sum); -1 multicast
    int32_t slot         # partial sum: source slot
    int32_t dj           # replicate: index of the destination in the neuron's ndst list
    int64_t value        # partial sum: current, fixed point

cdef struct Flit:
    int32_t pkt
    int32_t router
    int32_t in_port      # 0..3 link input, 4 local (injection) input, 5 injection queue, -1 delivered
    int32_t move         # direction of the last link (0 E, 1 W, 2 N, 3 S) or -1
    int32_t pending      # outputs still to serve
    int32_t tnode        # multicast: node of the neuron's XY tree at this router (-1 unicast)


cdef inline int64_t fx(double w, double one) noexcept nogil:
    """Weight -> fixed point (``one`` = 2**bits), rounded to nearest, ties to even."""
    return <int64_t> rint(w * one)


cdef inline void prefetch_span(const char* p0, const char* p1) noexcept nogil:
    """Bring the cache lines of [p0, p1) in."""
    while p0 < p1:
        NS_PREFETCH(p0)
        p0 += 64


cdef inline void add_running(const int64_t* d, int64_t n, int64_t* out, int64_t step) noexcept nogil:
    """out[i * step] += d[0] + ... + d[i] for i < n: a difference array summed into its line."""
    cdef int64_t i, run = 0
    for i in range(n):
        run += d[i]
        out[i * step] += run


cdef inline int64_t imax(int64_t a, int64_t b) noexcept nogil:
    return a if a > b else b


DEF XY_AUTO = 0           # EngineConfig.xy_trees: cfg["xy_trees"] == "auto"
DEF XY_NODES = 1          # "nodes"
DEF XY_COLUMNS = 2        # anything else ("columns")

cdef struct EngineConfig:  # the scalars of cfg (neurosim.engine.core.pack), typed once by read_config
    int64_t n, n_slots, K, n_rows, n_tiles, mesh_w, mesh_h, D, P
    int64_t F, B, router_lat, link_lat, upd_lat, so_lat, par, read_lat, write_lat
    bint multicast, learning, clip
    bint functional               # timing == "functional": no NoC, no read queues (docs/engine.md §8)
    int encoding                  # 0 signed, 1 differential, 2 reference_column
    double g_min, g_max, wscale, min_change
    double dg                     # g_max - g_min
    int64_t levels
    bint accumulate               # learning.level_update == accumulate
    bint compensate               # crossbar.ir_drop_compensation == write_verify (on a physical IR-drop chip)
    double stuck_g
    int64_t n_ticks, n_syn, fx_bits
    double fx_one, fx_inv         # 2**fx_bits, 2**-fx_bits
    int64_t stdp_lut_ticks        # optional keys: STDP table length, XY tree store and its budget
    int xy_trees                  # XY_AUTO, XY_NODES or XY_COLUMNS
    int64_t xy_tree_node_budget
    int64_t adc_qmax              # ADC: largest code magnitude 2**(bits-1) - 1; 0 = ideal sensing
    bint verify                   # learning.write_scheme == program_verify
    double verify_log1mp          # log(1 - p): p = a pulse lands within the verify tolerance (0: p = 1)
    int64_t verify_max            # iterations before the controller gives up on a write
    uint64_t verify_seed          # the run's key of the per-write iteration draws


cdef object cfg_need(dict cfg, str key):
    try:
        return cfg[key]
    except KeyError:
        raise KeyError(f"engine_core.Core: cfg has no {key!r} (see neurosim.engine.core.pack)") from None


cdef int read_config(EngineConfig* c, dict cfg) except -1:
    """Fill ``c`` from ``cfg``: the only place the scalars are looked up by name."""
    c.n = cfg_need(cfg, "n"); c.n_slots = cfg_need(cfg, "n_slots"); c.K = cfg_need(cfg, "K")
    c.n_rows = cfg_need(cfg, "n_rows"); c.n_tiles = cfg_need(cfg, "n_tiles")
    c.mesh_w = cfg_need(cfg, "mesh_w"); c.mesh_h = cfg_need(cfg, "mesh_h")
    c.D = cfg_need(cfg, "D"); c.P = cfg_need(cfg, "P"); c.F = cfg_need(cfg, "F"); c.B = cfg_need(cfg, "B")
    c.router_lat = cfg_need(cfg, "router_lat"); c.link_lat = cfg_need(cfg, "link_lat")
    c.upd_lat = cfg_need(cfg, "upd_lat"); c.so_lat = cfg_need(cfg, "so_lat"); c.par = cfg_need(cfg, "par")
    c.read_lat = cfg_need(cfg, "read_lat"); c.write_lat = cfg_need(cfg, "write_lat")
    c.multicast = cfg_need(cfg, "multicast"); c.learning = cfg_need(cfg, "learning")
    c.encoding = cfg_need(cfg, "encoding"); c.g_min = cfg_need(cfg, "g_min"); c.g_max = cfg_need(cfg, "g_max")
    c.dg = c.g_max - c.g_min; c.wscale = cfg_need(cfg, "wscale"); c.min_change = cfg_need(cfg, "min_change")
    c.levels = cfg_need(cfg, "levels"); c.stuck_g = cfg_need(cfg, "stuck_g"); c.clip = cfg_need(cfg, "clip")
    c.accumulate = cfg_need(cfg, "accumulate"); c.compensate = cfg_need(cfg, "compensate")
    c.n_ticks = cfg_need(cfg, "n_ticks"); c.n_syn = cfg_need(cfg, "n_syn"); c.fx_bits = cfg_need(cfg, "fx_bits")
    c.fx_one = 2.0 ** c.fx_bits
    c.fx_inv = 2.0 ** (-c.fx_bits)
    c.functional = cfg.get("functional", False)
    c.stdp_lut_ticks = cfg.get("stdp_lut_ticks", 4096)
    mode = cfg.get("xy_trees", "auto")
    c.xy_trees = XY_AUTO if mode == "auto" else XY_NODES if mode == "nodes" else XY_COLUMNS
    c.xy_tree_node_budget = cfg.get("xy_tree_node_budget", 24 << 20)
    c.adc_qmax = cfg.get("adc_qmax", 0)
    c.verify = cfg.get("verify", False)
    c.verify_log1mp = cfg.get("verify_log1mp", 0.0)
    c.verify_max = cfg.get("verify_max", 1)
    c.verify_seed = cfg.get("verify_seed", 0)
    return 0


cdef inline uint64_t splitmix64(uint64_t x) noexcept nogil:
    """SplitMix64 (Steele, Lea and Flood, OOPSLA 2014): a 64-bit mixing step used as a counter-based hash."""
    x = x + <uint64_t> 0x9E3779B97F4A7C15
    x = (x ^ (x >> 30)) * <uint64_t> 0xBF58476D1CE4E5B9
    x = (x ^ (x >> 27)) * <uint64_t> 0x94D049BB133111EB
    return x ^ (x >> 31)


@cython.final
cdef class Core:
    """State and event loop of one simulation. Built by neurosim.engine.simulate."""

    # ---- configuration
    cdef EngineConfig cfg
    # ---- neurons
    cdef const uint8_t[::1] is_input
    cdef const double[::1] thr, leak, vres
    cdef const int32_t[::1] refr
    cdef const int32_t[::1] home_slot
    cdef const int64_t[::1] ps_ptr
    cdef const int32_t[::1] ps_slot
    cdef const int32_t[::1] slot_xbar, slot_neuron
    cdef const int32_t[::1] nonhome_slots
    cdef const int32_t[::1] xbar_tile
    cdef const int64_t[::1] upd_ptr
    cdef const int32_t[::1] upd_neuron
    cdef const int32_t[::1] entry_tile
    cdef const int64_t[::1] ndst_ptr
    cdef const int32_t[::1] ndst_tile
    cdef const int64_t[::1] ndst_rptr       # per (neuron, dest) entry: rows in nrow
    cdef const int32_t[::1] nrow
    cdef const int32_t[::1] nrow_xbar        # crossbar of each nrow entry (sequential access)
    cdef const int32_t[::1] row_xbar
    cdef const int64_t[::1] row_ptr
    cdef const int32_t[::1] row_syn_slot, row_syn_delay
    cdef const int64_t[::1] row_syn_id
    cdef const int64_t[::1] syn_pos          # synapse -> position in row order (index of w_eff)
    cdef const int32_t[::1] tile_x, tile_y
    cdef const int32_t[::1] in_ticks, in_neurons
    cdef const int64_t[::1] in_ptr
    # ---- plasticity
    cdef const int64_t[::1] csr_ptr
    cdef const int32_t[::1] csr_post
    cdef const int64_t[::1] pin_ptr          # plastic synapses by post neuron
    cdef const int64_t[::1] pin_syn
    cdef const int64_t[::1] pout_ptr         # plastic synapses by pre neuron
    cdef const int64_t[::1] pout_syn
    cdef const int32_t[::1] syn_pre
    cdef const int32_t[::1] syn_post
    cdef const int16_t[::1] syn_rule
    cdef const double[:, ::1] rules          # a_plus, a_minus, tau_plus, tau_minus, w_min, w_max
    cdef double* stdp_lut                    # per rule: exp(-k / tau_plus), then exp(-k / tau_minus), k < lut_len
    cdef int64_t lut_len
    cdef const int32_t[::1] syn_xbar, syn_row, syn_col
    cdef const int64_t[::1] syn_cellA        # cell of synapse s (G+ of a differential pair)
    cdef const int64_t[::1] syn_cellB        # G- cell of a differential pair (-1 otherwise)
    cdef const int64_t[::1] row_refcell      # reference_column: the reference cell of each row
    cdef const int64_t[::1] xb_row_off       # first global (block) row of crossbar k
    cdef int64_t now
    cdef int64_t* tree_ptr                # per neuron: XY multicast tree (router -> output mask)
    cdef int32_t* tree_router
    cdef uint8_t* tree_mask
    cdef TNode* tnodes                     # per tree node: links, mask and local rows
    cdef RowDst* nrowx                     # (row, crossbar) of every entry of nrow
    cdef int32_t* tree_root                # per neuron: node of its entry tile
    # XY multicast trees as column masks (meshes up to 64 rows; docs/engine.md §1): per neuron and
    # mesh column x, bit y set if tile (x, y) holds one of its rows; and the extreme columns. A
    # flit's outputs follow from its router, the direction it travels and these few words, which
    # stay in cache while the packet spreads, instead of one tree node per router.
    cdef public bint colmask
    cdef uint64_t* cm                      # per neuron a block of cm_s words (one stream to fetch):
    cdef int64_t routers_counted           # routers in all trees, counted from the masks (-1: not built)
    cdef int64_t cm_s                      # [0] its first ndst index, [1] min | max column << 32,
                                           # [2 + x] mask of column x, then int32 counts of its
                                           # destinations in columns < x
    cdef RowRange* jrr                     # per (neuron, destination) in column-major order: its rows
    # ---- mutable state (numpy arrays owned by Python, viewed here)
    cdef double[::1] v
    cdef int32_t[::1] rcount
    cdef int64_t[::1] acc                    # D x n_slots, fixed point
    cdef uint8_t[::1] accf
    cdef int64_t[::1] ps_val
    cdef uint8_t[::1] ps_got
    cdef double[::1] w_eff                   # per synapse, in row order (position syn_pos[s])
    cdef const double[::1] adc_lsb           # per position: the ADC step of the synapse's crossbar (adc_qmax > 0)
    cdef const uint64_t[::1] cell_key        # per cell: (crossbar, row, physical column) key of verify draws
    cdef public int64_t n_adc_saturated      # effective-weight settings beyond the ADC full scale
    cdef public int64_t n_verify_reads, n_verify_gave_up   # program-and-verify: read-backs, writes not verified
    cdef double[::1] alpha                   # per cell: apparent / stored conductance (IR drop)
    cdef double[::1] w_log                   # per synapse: learning circuit's weight
    cdef double[::1] G                       # all cell blocks, flattened
    cdef double[::1] G0                      # conductance at last programming
    cdef double[::1] endurance
    cdef int64_t[::1] writes, writes_set, writes_reset
    cdef int64_t[::1] reads_at_prog
    cdef uint8_t[::1] failed
    cdef int64_t[::1] row_reads
    cdef int64_t[::1] link_flits             # n_tiles*6 channels
    cdef int64_t[::1] lat_hist
    cdef int64_t[::1] tick_start             # ticks+1
    cdef int64_t[::1] tick_traffic_end       # end of traffic (before writes)
    cdef int64_t[::1] xb_writes_tick         # per crossbar: pulses of the current tick
    cdef int32_t[::1] last_pre, last_post
    # spikes output (grown)
    cdef int32_t* sp_tick
    cdef int32_t* sp_neuron
    cdef int64_t* sp_cycle
    cdef int64_t sp_n, sp_cap
    # ---- counters
    cdef public int64_t n_updates, n_spikes_out, n_packets, n_deliveries, n_ps_packets
    cdef public int64_t n_syn_events, n_row_reads, n_write_pulses, n_ignored_writes
    cdef public int64_t lat_count, lat_sum, lat_max, lat_min, overruns, n_failed
    cdef public int64_t tick, n_ticks_total
    # ---- per-tick scratch
    cdef MinHeap ev                        # overflow: events beyond the wheel's window
    cdef Bucket* wheel
    cdef int64_t wheel_base, wheel_count
    cdef MinHeap* chq                      # per channel request queues
    cdef Dlv* dlog                         # the tick's deliveries, in event order
    cdef int64_t dl_n, dl_cap
    cdef MinItem* dsort                    # ... grouped by crossbar, each group by (arrival, key)
    cdef int64_t ds_cap
    cdef int64_t* xoff                     # per crossbar: end of its group in dsort
    cdef int64_t* ch_busy
    cdef int64_t* ch_next
    cdef int64_t* credits
    cdef int64_t* ps_pending
    cdef Pkt* pk
    cdef int64_t pk_n, pk_cap
    cdef Flit* fl
    cdef int64_t fl_n, fl_cap
    cdef int64_t seq, T0, E
    cdef int64_t ring_t                    # tick % D, once per tick
    cdef RowRec* rows
    cdef SynRec* syns
    cdef int64_t* ret_ring                 # per buffer: FIFO of credit-return cycles (B entries)
    cdef int64_t* ret_head
    cdef int64_t* ret_cnt
    cdef uint8_t* blocked                  # per channel: waiting for a packet to leave its downstream buffer
    cdef uint8_t* spiked
    cdef int32_t* tick_spk
    cdef int64_t tick_spk_n
    cdef int64_t* syn_mark
    cdef int64_t n_syn
    cdef const int32_t[::1] row_pre         # presynaptic neuron of each row (-1: none)
    # functional timing: each presynaptic neuron's synapses in one run, those into home slots
    # first (fptr[nid] .. fmid[nid]), then those into partial-sum slots (.. fptr[nid + 1]), as two
    # streams: weight (fixed point) and ring offset q = delay * n_slots + slot (acc index = q + ring
    # * n_slots, modulo D * n_slots)
    cdef int64_t* fw
    cdef int32_t* fq
    cdef int64_t* fptr
    cdef int64_t* fmid
    cdef int64_t f_delay                     # the one delay of every synapse (fq = slot), or -1
    cdef bint f_refr                         # some neuron has a refractory period
    cdef int64_t* fpos                       # row-order position -> run entry
    cdef int64_t* nspk                       # functional: spikes sent per neuron (row reads = these)
    cdef int64_t* nspk_acc                   # ... of which the NoC counters already account for
    cdef int32_t* fu_slot                    # home slot of each upd_neuron entry
    cdef double* fu_v                        # functional: neuron state and parameters in update
    cdef double* fu_lk                       # order (upd_neuron), so that the update pass reads
    cdef double* fu_th                       # them sequentially; v is written back to the v
    cdef double* fu_vr                       # array Python sees by sync_v()
    cdef int32_t* fu_rc
    cdef int32_t* fu_rf
    cdef uint8_t* fu_ps                      # 1 if the neuron of this update entry has partial-sum slots

    def __cinit__(self):
        self.ev.a = NULL
        self.wheel = NULL
        self.chq = NULL
        self.dlog = NULL
        self.dsort = NULL
        self.xoff = NULL
        self.ch_busy = NULL
        self.ch_next = NULL
        self.credits = NULL
        self.ps_pending = NULL
        self.pk = NULL
        self.fl = NULL
        self.spiked = NULL
        self.tick_spk = NULL
        self.syn_mark = NULL
        self.sp_tick = NULL
        self.sp_neuron = NULL
        self.sp_cycle = NULL
        self.tree_ptr = NULL
        self.tree_router = NULL
        self.tree_mask = NULL
        self.tnodes = NULL
        self.nrowx = NULL
        self.tree_root = NULL
        self.cm = NULL
        self.stdp_lut = NULL
        self.jrr = NULL
        self.ret_ring = NULL
        self.rows = NULL
        self.syns = NULL
        self.ret_head = NULL
        self.ret_cnt = NULL
        self.blocked = NULL
        self.fw = NULL
        self.fq = NULL
        self.fptr = NULL
        self.fmid = NULL
        self.fpos = NULL
        self.nspk = NULL
        self.nspk_acc = NULL
        self.fu_slot = NULL
        self.fu_v = NULL
        self.fu_lk = NULL
        self.fu_th = NULL
        self.fu_vr = NULL
        self.fu_rc = NULL
        self.fu_rf = NULL
        self.fu_ps = NULL

    def __dealloc__(self):
        cdef int64_t i
        free(self.ev.a)
        if self.wheel != NULL:
            for i in range(WHEEL * NPH):
                free(self.wheel[i].a)
            free(self.wheel)
        if self.chq != NULL:
            for i in range(self.cfg.n_tiles * 6):
                free(self.chq[i].a)
            free(self.chq)
        free(self.dlog); free(self.dsort); free(self.xoff)
        free(self.ch_busy); free(self.ch_next); free(self.credits)
        free(self.ps_pending)
        free(self.pk); free(self.fl); free(self.spiked); free(self.tick_spk); free(self.syn_mark)
        free(self.sp_tick); free(self.sp_neuron); free(self.sp_cycle)
        free(self.tree_ptr); free(self.tree_router); free(self.tree_mask)
        free(self.tnodes); free(self.nrowx); free(self.tree_root)
        free(self.stdp_lut); free(self.cm); free(self.jrr)
        free(self.rows); free(self.syns)
        free(self.ret_ring); free(self.ret_head); free(self.ret_cnt); free(self.blocked)
        free(self.fw); free(self.fq); free(self.fptr); free(self.fmid); free(self.fpos); free(self.nspk); free(self.nspk_acc)
        free(self.fu_slot); free(self.fu_v); free(self.fu_lk); free(self.fu_th); free(self.fu_vr)
        free(self.fu_rc); free(self.fu_rf); free(self.fu_ps)

    def __init__(self, dict cfg, dict a, dict s):
        """cfg: scalars; a: read-only packed arrays; s: mutable state arrays (see engine/core.py)."""
        cdef int64_t i, k
        read_config(&self.cfg, cfg)
        self.n_ticks_total = self.cfg.n_ticks
        self.row_pre = a["row_pre"]
        self.is_input = a["is_input"]; self.thr = a["threshold"]; self.leak = a["leak"]
        self.vres = a["v_reset"]; self.refr = a["refractory"]; self.home_slot = a["home_slot"]
        self.ps_ptr = a["ps_ptr"]; self.ps_slot = a["ps_slot"]; self.slot_xbar = a["slot_xbar"]
        self.slot_neuron = a["slot_neuron"]; self.nonhome_slots = a["nonhome_slots"]
        self.xbar_tile = a["xbar_tile"]; self.upd_ptr = a["upd_ptr"]; self.upd_neuron = a["upd_neuron"]
        self.entry_tile = a["entry_tile"]; self.ndst_ptr = a["ndst_ptr"]; self.ndst_tile = a["ndst_tile"]
        self.ndst_rptr = a["ndst_rptr"]; self.nrow = a["nrow"]; self.nrow_xbar = a["nrow_xbar"]; self.row_xbar = a["row_xbar"]
        self.row_ptr = a["row_ptr"]; self.row_syn_slot = a["row_syn_slot"]
        self.row_syn_delay = a["row_syn_delay"]; self.row_syn_id = a["row_syn_id"]; self.syn_pos = a["syn_pos"]
        self.tile_x = a["tile_x"]; self.tile_y = a["tile_y"]
        self.in_ticks = a["in_ticks"]; self.in_neurons = a["in_neurons"]; self.in_ptr = a["in_ptr"]
        self.csr_ptr = a["csr_ptr"]; self.csr_post = a["csr_post"]
        self.pin_ptr = a["pin_ptr"]; self.pin_syn = a["pin_syn"]
        self.pout_ptr = a["pout_ptr"]; self.pout_syn = a["pout_syn"]
        self.syn_pre = a["syn_pre"]; self.syn_post = a["syn_post"]; self.syn_rule = a["syn_rule"]
        self.rules = a["rules"]; self.syn_xbar = a["syn_xbar"]; self.syn_row = a["syn_row"]
        self.syn_col = a["syn_col"]; self.syn_cellA = a["syn_cellA"]; self.syn_cellB = a["syn_cellB"]
        self.row_refcell = a["row_refcell"]; self.xb_row_off = a["xb_row_off"]
        self.v = s["v"]; self.rcount = s["rcount"]; self.acc = s["acc"]; self.accf = s["accf"]
        self.ps_val = s["ps_val"]; self.ps_got = s["ps_got"]; self.w_eff = s["w_eff"]
        if self.cfg.adc_qmax > 0:
            self.adc_lsb = a["adc_lsb"]
        if self.cfg.verify:
            self.cell_key = a["cell_key"]
        self.alpha = s["alpha"]; self.w_log = s["w_log"]; self.G = s["G"]; self.G0 = s["G0"]
        self.endurance = s["endurance"]; self.writes = s["writes"]
        self.writes_set = s["writes_set"]; self.writes_reset = s["writes_reset"]
        self.reads_at_prog = s["reads_at_prog"]; self.failed = s["failed"]
        self.row_reads = s["row_reads"]; self.link_flits = s["link_flits"]; self.lat_hist = s["lat_hist"]
        self.tick_start = s["tick_start"]; self.tick_traffic_end = s["tick_traffic_end"]
        self.xb_writes_tick = s["xb_writes_tick"]
        self.last_pre = s["last_pre"]; self.last_post = s["last_post"]

        self.wheel = <Bucket*> malloc(WHEEL * NPH * sizeof(Bucket))
        if self.wheel == NULL:
            raise MemoryError()
        for i in range(WHEEL * NPH):
            self.wheel[i].a = NULL; self.wheel[i].n = 0; self.wheel[i].cap = 0
        self.wheel_base = 0
        self.wheel_count = 0
        self.nrowx = <RowDst*> malloc((self.nrow.shape[0] + 1) * sizeof(RowDst))
        if self.nrowx == NULL:
            raise MemoryError()
        for i in range(self.nrow.shape[0]):
            self.nrowx[i].row = self.nrow[i]
            self.nrowx[i].xbar = self.nrow_xbar[i]
        self.rows = <RowRec*> malloc((self.cfg.n_rows + 1) * sizeof(RowRec))
        self.syns = <SynRec*> malloc((self.cfg.n_syn + 1) * sizeof(SynRec))
        if self.rows == NULL or self.syns == NULL:
            raise MemoryError()
        for i in range(self.cfg.n_rows):
            self.rows[i].start = self.row_ptr[i]
            self.rows[i].end = self.row_ptr[i + 1]
            self.rows[i].reads = self.row_reads[i]
        for i in range(self.cfg.n_syn):
            if self.cfg.adc_qmax > 0:
                self.w_eff[i] = self.adc(i, self.w_eff[i])
            self.syns[i].w = fx(self.w_eff[i], self.cfg.fx_one)
            self.syns[i].slot = self.row_syn_slot[i]
            self.syns[i].delay = self.row_syn_delay[i]
        nch = self.cfg.n_tiles * 6
        self.chq = <MinHeap*> malloc(nch * sizeof(MinHeap))
        self.ch_busy = <int64_t*> malloc(nch * sizeof(int64_t))
        self.ch_next = <int64_t*> malloc(nch * sizeof(int64_t))
        for i in range(nch):
            self.chq[i].a = NULL; self.chq[i].n = 0; self.chq[i].cap = 0
            self.ch_busy[i] = 0; self.ch_next[i] = -1
        self.credits = <int64_t*> malloc(self.cfg.n_tiles * 5 * sizeof(int64_t))
        self.ret_ring = <int64_t*> malloc(self.cfg.n_tiles * 5 * self.cfg.B * sizeof(int64_t))
        self.ret_head = <int64_t*> malloc(self.cfg.n_tiles * 5 * sizeof(int64_t))
        self.ret_cnt = <int64_t*> malloc(self.cfg.n_tiles * 5 * sizeof(int64_t))
        self.blocked = <uint8_t*> malloc(nch * sizeof(uint8_t))
        if self.credits == NULL or self.ret_ring == NULL or self.ret_head == NULL or self.ret_cnt == NULL or self.blocked == NULL:
            raise MemoryError()
        memset(self.blocked, 0, nch)
        for i in range(self.cfg.n_tiles * 5):
            self.credits[i] = self.cfg.B
            self.ret_head[i] = 0
            self.ret_cnt[i] = 0
        kk = self.cfg.K if self.cfg.K > 0 else 1
        self.ps_pending = <int64_t*> malloc(kk * sizeof(int64_t))
        self.xoff = <int64_t*> malloc((kk + 1) * sizeof(int64_t))
        self.dl_cap = 1024
        self.dl_n = 0
        self.dlog = <Dlv*> malloc(self.dl_cap * sizeof(Dlv))
        self.ds_cap = 0
        if self.ps_pending == NULL or self.xoff == NULL or self.dlog == NULL:
            raise MemoryError()
        for i in range(kk):
            self.ps_pending[i] = 0
        self.spiked = <uint8_t*> malloc((self.cfg.n + 1) * sizeof(uint8_t))
        memset(self.spiked, 0, (self.cfg.n + 1) * sizeof(uint8_t))
        self.tick_spk = <int32_t*> malloc((self.cfg.n + 1) * sizeof(int32_t))
        self.syn_mark = <int64_t*> malloc((self.cfg.n_syn + 1) * sizeof(int64_t))
        for i in range(self.cfg.n_syn + 1):
            self.syn_mark[i] = -1
        self.pk_cap = 1024
        self.pk = <Pkt*> malloc(self.pk_cap * sizeof(Pkt))
        self.fl_cap = 4096
        self.fl = <Flit*> malloc(self.fl_cap * sizeof(Flit))
        self.sp_cap = 1024
        self.sp_tick = <int32_t*> malloc(self.sp_cap * sizeof(int32_t))
        self.sp_neuron = <int32_t*> malloc(self.sp_cap * sizeof(int32_t))
        self.sp_cycle = <int64_t*> malloc(self.sp_cap * sizeof(int64_t))
        self.sp_n = 0
        self.tick = 0
        self.lat_min = -1
        if (self.chq == NULL or self.ch_busy == NULL or self.ch_next == NULL or self.credits == NULL
                or self.spiked == NULL or self.tick_spk == NULL
                or self.syn_mark == NULL or self.pk == NULL or self.fl == NULL or self.sp_tick == NULL
                or self.sp_neuron == NULL or self.sp_cycle == NULL):
            raise MemoryError()
        # STDP factors for spike-time differences below lut_len ticks, computed with the same
        # expression the update would evaluate (so the same bits); none where learn() runs no STDP
        self.lut_len = min(self.n_ticks_total + 1, self.cfg.stdp_lut_ticks)
        if not self.cfg.learning or self.pin_syn.shape[0] == 0:
            self.lut_len = 0
        self.stdp_lut = <double*> malloc((2 * self.rules.shape[0] * self.lut_len + 1) * sizeof(double))
        if self.stdp_lut == NULL:
            raise MemoryError()
        for i in range(self.rules.shape[0]):
            for k in range(self.lut_len):
                self.stdp_lut[(2 * i) * self.lut_len + k] = exp(-(<double> k) / self.rules[i, 2])
                self.stdp_lut[(2 * i + 1) * self.lut_len + k] = exp(-(<double> k) / self.rules[i, 3])
        if self.cfg.multicast and not self.cfg.functional:
            # "auto": tree nodes while they would fit a cache-sized budget (one load per hop,
            # prefetched a hop ahead), column masks beyond (a few words per neuron)
            self.colmask = self.cfg.xy_trees != XY_NODES and self.cfg.mesh_h <= 64
            if self.colmask and self.build_colmask() != 0:
                raise MemoryError()
            self.routers_counted = self.tree_nodes() if self.colmask else -1
            if (self.colmask and self.cfg.xy_trees == XY_AUTO
                    and self.routers_counted * <int64_t> sizeof(TNode) <= self.cfg.xy_tree_node_budget):
                self.colmask = False
                free(self.cm)
                free(self.jrr)
                self.cm = NULL
                self.jrr = NULL
            if not self.colmask and self.build_trees() != 0:
                raise MemoryError()
        if self.cfg.functional:
            if self.build_functional() != 0:
                raise MemoryError()

    # ======================================================================== helpers
    cdef inline int sched(self, int64_t cycle, int64_t phase, int64_t typ, int64_t arg) noexcept nogil:
        """Schedule an event. Events within WHEEL cycles of the wheel's base go to the bucket of
        (cycle, phase) (FIFO = sequence order); later ones to the overflow heap."""
        self.seq += 1
        if cycle - self.wheel_base < WHEEL:
            self.wheel_count += 1
            return bucket_push(&self.wheel[(cycle & (WHEEL - 1)) * NPH + phase], (typ << 40) | arg)
        return minheap_push(&self.ev, cycle, (phase << 48) | self.seq, (typ << 40) | arg)

    cdef void dispatch(self, int64_t v) noexcept nogil:
        cdef int64_t typ = v >> 40
        cdef int64_t arg = v & ((<int64_t> 1 << 40) - 1)
        if typ == EV_SRV:
            self.on_service(arg)
        elif typ == EV_UPD:
            self.on_update(arg)

    cdef void event_loop(self) noexcept nogil:
        """Process events in (cycle, phase, sequence) order until none is left."""
        cdef int64_t c = self.wheel_base, ph, i, base
        cdef Bucket* b
        cdef MinItem it
        cdef bint again
        while self.wheel_count > 0 or self.ev.n > 0:
            if self.wheel_count == 0 and self.ev.a[0].k1 > c:
                c = self.ev.a[0].k1                 # jump over an empty stretch
            self.wheel_base = c
            # bring overflow events of the window into the wheel
            while self.ev.n > 0 and self.ev.a[0].k1 - c < WHEEL:
                it = minheap_pop(&self.ev)
                self.wheel_count += 1
                bucket_push(&self.wheel[(it.k1 & (WHEEL - 1)) * NPH + (it.k2 >> 48)], it.v)
            self.now = c
            base = (c & (WHEEL - 1)) * NPH
            again = True
            while again:
                again = False
                for ph in range(NPH):
                    b = &self.wheel[base + ph]
                    if b.n == 0:
                        continue
                    i = 0
                    while i < b.n:                  # the bucket may grow while it is processed
                        self.dispatch(b.a[i])
                        b = &self.wheel[base + ph]
                        i += 1
                    self.wheel_count -= b.n
                    b.n = 0
                    again = True
                    break                           # restart from the lowest phase
            c += 1
        self.wheel_base = c

    cdef int64_t new_pkt(self, int64_t key, int64_t t_gen, int32_t neuron, int32_t kind, int32_t dst,
                         int32_t slot, int64_t value, int32_t dj=-1) noexcept nogil:
        cdef Pkt* np_
        if self.pk_n == self.pk_cap:
            np_ = <Pkt*> realloc(self.pk, 2 * self.pk_cap * sizeof(Pkt))
            if np_ == NULL:
                return -1
            self.pk = np_
            self.pk_cap *= 2
        self.pk[self.pk_n].key = key
        self.pk[self.pk_n].t_gen = t_gen
        self.pk[self.pk_n].neuron = neuron
        self.pk[self.pk_n].kind = kind
        self.pk[self.pk_n].dst = dst
        self.pk[self.pk_n].slot = slot
        self.pk[self.pk_n].value = value
        self.pk[self.pk_n].dj = dj
        self.pk_n += 1
        return self.pk_n - 1

    cdef int64_t new_flit(self, int32_t pkt, int32_t router, int32_t in_port, int32_t move,
                          int32_t tnode=-1) noexcept nogil:
        cdef Flit* nf
        if self.fl_n == self.fl_cap:
            nf = <Flit*> realloc(self.fl, 2 * self.fl_cap * sizeof(Flit))
            if nf == NULL:
                return -1
            self.fl = nf
            self.fl_cap *= 2
        self.fl[self.fl_n].pkt = pkt
        self.fl[self.fl_n].router = router
        self.fl[self.fl_n].in_port = in_port
        self.fl[self.fl_n].move = move
        self.fl[self.fl_n].pending = 0
        self.fl[self.fl_n].tnode = tnode
        self.fl_n += 1
        return self.fl_n - 1

    cdef int push_spike(self, int32_t t, int32_t neuron, int64_t cycle) noexcept nogil:
        cdef int32_t* a
        cdef int32_t* b
        cdef int64_t* c
        if self.sp_n == self.sp_cap:
            a = <int32_t*> realloc(self.sp_tick, 2 * self.sp_cap * sizeof(int32_t))
            if a == NULL:
                return -1
            self.sp_tick = a
            b = <int32_t*> realloc(self.sp_neuron, 2 * self.sp_cap * sizeof(int32_t))
            if b == NULL:
                return -1
            self.sp_neuron = b
            c = <int64_t*> realloc(self.sp_cycle, 2 * self.sp_cap * sizeof(int64_t))
            if c == NULL:
                return -1
            self.sp_cycle = c
            self.sp_cap *= 2
        self.sp_tick[self.sp_n] = t
        self.sp_neuron[self.sp_n] = neuron
        self.sp_cycle[self.sp_n] = cycle
        self.sp_n += 1
        return 0

    cdef inline void sched_srv(self, int64_t ch, int64_t at) noexcept nogil:
        # keep one pending service event per channel, at the earliest useful cycle
        if self.ch_next[ch] < 0 or at < self.ch_next[ch]:
            self.ch_next[ch] = at
            self.sched(at, PH_SRV, EV_SRV, ch)

    cdef inline void request(self, int64_t ch, int64_t rc, int64_t key, int64_t flit) noexcept nogil:
        minheap_push(&self.chq[ch], rc, key, flit)
        self.sched_srv(ch, imax(rc, self.ch_busy[ch]))

    cdef void inject(self, int64_t pkt, int32_t tile, int64_t rc) noexcept nogil:
        cdef int32_t tn = self.tree_root[self.pk[pkt].neuron] if self.pk[pkt].dst < 0 and not self.colmask else -1
        cdef int64_t f = self.new_flit(<int32_t> pkt, tile, 5, -1, tn)
        self.fl[f].pending = 1
        self.n_packets += 1
        self.request(tile * 6 + 5, rc, self.pk[pkt].key, f)

    # ======================================================================== routing
    cdef int build_colmask(self) noexcept nogil:
        """Column masks of every neuron's XY multicast tree (see the members). Returns 0, or -1 on
        memory failure; leaves colmask off if the mesh's tile numbering is not y * mesh_w + x."""
        cdef int64_t nid, j, W = self.cfg.mesh_w, r, q
        cdef int32_t d, x, xmin, xmax
        cdef uint64_t* blk
        cdef int32_t* pre
        if W * self.cfg.mesh_h != self.cfg.n_tiles:
            self.colmask = False
            return 0
        for r in range(self.cfg.n_tiles):
            if self.tile_x[r] != r % W or self.tile_y[r] != r // W:
                self.colmask = False
                return 0
        self.cm_s = 2 + W + (W + 1) // 2
        self.cm = <uint64_t*> calloc(self.cfg.n * self.cm_s + 1, sizeof(uint64_t))
        self.jrr = <RowRange*> malloc((self.ndst_tile.shape[0] + 1) * sizeof(RowRange))
        if self.cm == NULL or self.jrr == NULL:
            return -1
        for nid in range(self.cfg.n):
            blk = self.cm + nid * self.cm_s
            xmin = <int32_t> W
            xmax = -1
            for j in range(self.ndst_ptr[nid], self.ndst_ptr[nid + 1]):
                d = self.ndst_tile[j]
                x = self.tile_x[d]
                blk[2 + x] |= (<uint64_t> 1) << self.tile_y[d]
                if x < xmin:
                    xmin = x
                if x > xmax:
                    xmax = x
            blk[0] = <uint64_t> self.ndst_ptr[nid]
            blk[1] = (<uint64_t> <uint32_t> xmin) | ((<uint64_t> <uint32_t> xmax) << 32)
            pre = <int32_t*> &blk[2 + W]
            q = 0
            for x in range(W):
                pre[x] = <int32_t> q
                q += NS_POPCOUNT64(blk[2 + x])
            for j in range(self.ndst_ptr[nid], self.ndst_ptr[nid + 1]):
                q = self.ndst_ptr[nid] + self.dst_rank(<int32_t> nid, self.ndst_tile[j])
                self.jrr[q].start = <int32_t> self.ndst_rptr[j]
                self.jrr[q].end = <int32_t> self.ndst_rptr[j + 1]
        return 0

    cdef int64_t tree_nodes(self) noexcept nogil:
        """Routers in all neurons' XY trees (what build_trees would store), from the column masks."""
        cdef int64_t nid, total = 0, W = self.cfg.mesh_w
        cdef int32_t sx, sy, x, lo, hi, xmin, xmax
        cdef uint64_t* blk
        cdef uint64_t m
        for nid in range(self.cfg.n):
            if self.entry_tile[nid] < 0 or self.ndst_ptr[nid + 1] == self.ndst_ptr[nid]:
                continue
            blk = self.cm + nid * self.cm_s
            sx = self.tile_x[self.entry_tile[nid]]
            sy = self.tile_y[self.entry_tile[nid]]
            xmin = <int32_t> <uint32_t> blk[1]
            xmax = <int32_t> (blk[1] >> 32)
            total += (xmax if xmax > sx else sx) - (xmin if xmin < sx else sx) + 1    # the source row
            for x in range(W):
                m = blk[2 + x]
                if m == 0:
                    continue
                lo = NS_CTZ64(m)
                hi = 63 - NS_CLZ64(m)
                total += (hi if hi > sy else sy) - (lo if lo < sy else sy)           # off the source row
        return total

    cdef inline int64_t dst_rank(self, int32_t nid, int32_t r) noexcept nogil:
        """Column-major rank of tile r among neuron nid's destinations."""
        cdef uint64_t* blk = self.cm + nid * self.cm_s
        cdef int32_t x = self.tile_x[r]
        return (<int32_t*> &blk[2 + self.cfg.mesh_w])[x] + NS_POPCOUNT64(blk[2 + x] & (((<uint64_t> 1) << self.tile_y[r]) - 1))

    cdef inline int colmask_route(self, int32_t nid, int32_t r, int32_t move) noexcept nogil:
        """Outputs of the XY tree of neuron nid at router r for a flit that travelled `move` (-1 at
        its entry router): east/west while some destination column lies further that way (only
        on the entry row, before turning), north/south while the column has destinations further
        that way, local if (x, y) is a destination. The same tree build_trees stores node by node."""
        cdef int32_t x = self.tile_x[r], y = self.tile_y[r]
        cdef uint64_t* blk = self.cm + nid * self.cm_s
        cdef uint64_t m = blk[2 + x]
        cdef int out = 0
        if (m >> y) & 1:
            out = 16
        if move <= 1:
            if move != 1 and <int32_t> (blk[1] >> 32) > x:
                out |= 1
            if move != 0 and <int32_t> <uint32_t> blk[1] < x:
                out |= 2
        if move != 3 and ((m >> y) >> 1) != 0:
            out |= 4
        if move != 2 and (m & (((<uint64_t> 1) << y) - 1)) != 0:
            out |= 8
        return out

    cdef int build_trees(self) noexcept nogil:
        """XY multicast tree of every neuron from its entry tile: output mask per router visited."""
        cdef int64_t nid, j, total = 0, cap = 1024, k
        cdef int32_t src, d, x, y, xd, yd, r
        cdef uint8_t* scratch = <uint8_t*> malloc(self.cfg.n_tiles * sizeof(uint8_t))
        cdef int32_t* touched = <int32_t*> malloc(self.cfg.n_tiles * sizeof(int32_t))
        cdef int64_t nt, i, q
        cdef int32_t tmp
        self.tree_ptr = <int64_t*> malloc((self.cfg.n + 1) * sizeof(int64_t))
        self.tree_router = <int32_t*> malloc(cap * sizeof(int32_t))
        self.tree_mask = <uint8_t*> malloc(cap * sizeof(uint8_t))
        if scratch == NULL or touched == NULL or self.tree_ptr == NULL or self.tree_router == NULL or self.tree_mask == NULL:
            return -1
        memset(scratch, 0, self.cfg.n_tiles)
        self.tree_ptr[0] = 0
        for nid in range(self.cfg.n):
            nt = 0
            src = self.entry_tile[nid]
            if src >= 0:
                for j in range(self.ndst_ptr[nid], self.ndst_ptr[nid + 1]):
                    d = self.ndst_tile[j]
                    xd = self.tile_x[d]
                    yd = self.tile_y[d]
                    r = src
                    while True:
                        x = self.tile_x[r]
                        y = self.tile_y[r]
                        if scratch[r] == 0:
                            touched[nt] = r
                            nt += 1
                        if r == d:
                            scratch[r] |= 16 | 32        # 32: visited marker
                            break
                        if xd > x:
                            scratch[r] |= 1 | 32
                            r = r + 1
                        elif xd < x:
                            scratch[r] |= 2 | 32
                            r = r - 1
                        elif yd > y:
                            scratch[r] |= 4 | 32
                            r = r + <int32_t> self.cfg.mesh_w
                        else:
                            scratch[r] |= 8 | 32
                            r = r - <int32_t> self.cfg.mesh_w
            # sort touched routers (insertion sort; trees are small)
            for i in range(1, nt):
                tmp = touched[i]
                q = i - 1
                while q >= 0 and touched[q] > tmp:
                    touched[q + 1] = touched[q]
                    q -= 1
                touched[q + 1] = tmp
            if total + nt > cap:
                while total + nt > cap:
                    cap *= 2
                self.tree_router = <int32_t*> realloc(self.tree_router, cap * sizeof(int32_t))
                self.tree_mask = <uint8_t*> realloc(self.tree_mask, cap * sizeof(uint8_t))
                if self.tree_router == NULL or self.tree_mask == NULL:
                    return -1
            for i in range(nt):
                self.tree_router[total + i] = touched[i]
                self.tree_mask[total + i] = scratch[touched[i]] & 31
                scratch[touched[i]] = 0
            total += nt
            self.tree_ptr[nid + 1] = total
        free(scratch)
        free(touched)
        # links between tree nodes, local rows and roots (searched once here)
        self.tnodes = <TNode*> malloc((total + 1) * sizeof(TNode))
        self.tree_root = <int32_t*> malloc((self.cfg.n + 1) * sizeof(int32_t))
        if self.tnodes == NULL or self.tree_root == NULL:
            return -1
        for nid in range(self.cfg.n):
            self.tree_root[nid] = -1
            for i in range(self.tree_ptr[nid], self.tree_ptr[nid + 1]):
                r = self.tree_router[i]
                if r == self.entry_tile[nid]:
                    self.tree_root[nid] = <int32_t> i
                self.tnodes[i].mask = self.tree_mask[i]
                self.tnodes[i].router = r
                self.tnodes[i].rstart = 0
                self.tnodes[i].rend = 0
                for k in range(4):
                    self.tnodes[i].child[k] = -1
                    if self.tree_mask[i] & (1 << k):
                        self.tnodes[i].child[k] = self.tree_find(nid, self.neighbour(r, <int> k))
                if self.tree_mask[i] & 16:
                    for j in range(self.ndst_ptr[nid], self.ndst_ptr[nid + 1]):
                        if self.ndst_tile[j] == r:
                            self.tnodes[i].rstart = <int32_t> self.ndst_rptr[j]
                            self.tnodes[i].rend = <int32_t> self.ndst_rptr[j + 1]
        return 0

    cdef int32_t tree_find(self, int64_t nid, int32_t r) noexcept nogil:
        cdef int64_t lo = self.tree_ptr[nid], hi = self.tree_ptr[nid + 1], mid
        while lo < hi:
            mid = (lo + hi) >> 1
            if self.tree_router[mid] < r:
                lo = mid + 1
            else:
                hi = mid
        return <int32_t> lo

    cdef int route(self, int64_t f) noexcept nogil:
        """Output ports (bit mask: 1<<0 E, 1<<1 W, 1<<2 N, 1<<3 S, 1<<4 local) of flit f at its router."""
        cdef Flit* fp = &self.fl[f]
        cdef Pkt* p = &self.pk[fp.pkt]
        cdef int32_t r = fp.router
        cdef int32_t xr, yr, xd, yd
        cdef int64_t lo, hi, mid
        if p.dst < 0:
            if self.colmask:
                return self.colmask_route(p.neuron, r, fp.move)
            # multicast: the flit's node of the neuron's XY tree (each router appears once in it)
            return self.tnodes[fp.tnode].mask
        if p.dst == r:
            return 16
        xr = self.tile_x[r]; yr = self.tile_y[r]
        xd = self.tile_x[p.dst]; yd = self.tile_y[p.dst]
        if xd > xr:
            return 1
        if xd < xr:
            return 2
        if yd > yr:
            return 4
        return 8

    cdef inline int32_t neighbour(self, int32_t r, int o) noexcept nogil:
        if o == 0:
            return r + 1
        if o == 1:
            return r - 1
        if o == 2:
            return r + <int32_t> self.cfg.mesh_w
        return r - <int32_t> self.cfg.mesh_w

    # ======================================================================== event handlers
    cdef void arrive(self, int64_t f, int64_t a) noexcept nogil:
        """Flit f arrives at cycle a (phase ARR) in its router's input buffer, or at its tile
        (in_port -1). Called when it is sent: what it requests next is queued now with its future
        ready cycle, and the queues never serve an item before that cycle."""
        cdef Flit* fp = &self.fl[f]
        cdef Pkt* p = &self.pk[fp.pkt]
        cdef int mask, o, cnt
        cdef TNode* tn
        cdef int32_t r = fp.router
        cdef int64_t rc, j, j0, j1, row, kk, home_k, lat
        if a > self.E:
            self.E = a
        if fp.in_port == -1:
            # delivered to tile r
            if p.kind == KIND_PS:
                self.ps_val[p.slot] = p.value
                self.ps_got[p.slot] = 1
                home_k = self.slot_xbar[self.home_slot[p.neuron]]
                self.ps_pending[home_k] -= 1
                self.n_deliveries += 1
                if self.ps_pending[home_k] == 0:
                    self.sched(a, PH_UPD, EV_UPD, home_k)
            else:
                # rows of this neuron in crossbars of tile r
                if p.dst < 0 and self.colmask:
                    # the tree delivers only where the neuron has rows
                    j = <int64_t> self.cm[p.neuron * self.cm_s] + self.dst_rank(p.neuron, r)
                    j0 = self.jrr[j].start
                    j1 = self.jrr[j].end
                elif p.dst < 0:
                    j0 = self.tnodes[fp.tnode].rstart
                    j1 = self.tnodes[fp.tnode].rend
                elif p.dj >= 0:
                    j0 = self.ndst_rptr[p.dj]
                    j1 = self.ndst_rptr[p.dj + 1]
                else:
                    j0 = 0
                    j1 = 0
                if j1 > j0:
                    lat = a - p.t_gen
                    for row in range(j0, j1):
                        self.log_delivery(a, p.key, self.nrowx[row].row, self.nrowx[row].xbar)
                        self.n_deliveries += 1
                        self.lat_count += 1
                        self.lat_sum += lat
                        if lat > self.lat_max:
                            self.lat_max = lat
                        if self.lat_min < 0 or lat < self.lat_min:
                            self.lat_min = lat
                        self.lat_hist[lat if lat < HIST_LEN else HIST_LEN] += 1
            return
        mask = self.route(f)
        if fp.tnode >= 0 and (mask & 15):
            # the nodes this flit moves to are read when it is served (a few events later):
            # fetch them now, one hop ahead, rather than the whole tree at injection
            tn = &self.tnodes[fp.tnode]
            for o in range(4):
                if mask & (1 << o):
                    NS_PREFETCH(&self.tnodes[tn.child[o]])
        rc = a + self.cfg.router_lat
        cnt = 0
        for o in range(5):
            if mask & (1 << o):
                cnt += 1
        fp = &self.fl[f]
        fp.pending = cnt
        for o in range(5):
            if mask & (1 << o):
                self.request(r * 6 + o, rc, p.key, f)

    cdef inline int64_t up_channel(self, int64_t buf) noexcept nogil:
        cdef int64_t r = buf // 5, p = buf % 5
        if p == 4:
            return r * 6 + 5
        return self.neighbour(<int32_t> r, <int> p) * 6 + (p ^ 1)

    cdef inline void take_returns(self, int64_t buf, int64_t c) noexcept nogil:
        """Credits of buffer `buf` whose return cycle (phase REL) has come."""
        while self.ret_cnt[buf] > 0 and self.ret_ring[buf * self.cfg.B + self.ret_head[buf]] <= c:
            self.credits[buf] += self.cfg.F
            self.ret_head[buf] += 1
            if self.ret_head[buf] == self.cfg.B:
                self.ret_head[buf] = 0
            self.ret_cnt[buf] -= 1

    cdef void on_service(self, int64_t ch) noexcept nogil:
        cdef MinHeap* q = &self.chq[ch]
        cdef int32_t r = <int32_t> (ch // 6)
        cdef int o = <int> (ch % 6)
        cdef int64_t down, f, nf, arr, c = self.now, ub, up, pos
        cdef int32_t tn
        cdef MinItem head
        cdef Flit* fp
        cdef int32_t nr
        if self.ch_next[ch] != c:
            return              # stale
        self.ch_next[ch] = -1
        if q.n == 0:
            return
        if self.ch_busy[ch] > c:
            self.sched_srv(ch, self.ch_busy[ch])
            return
        head = q.a[0]
        if head.k1 > c:
            self.sched_srv(ch, head.k1)
            return
        if o < 4:
            nr = self.neighbour(r, o)
            down = nr * 5 + (o ^ 1)
        elif o == 5:
            nr = r
            down = r * 5 + 4
        else:
            nr = r
            down = -1
        if down >= 0:
            self.take_returns(down, c)
            if self.credits[down] < self.cfg.F:
                # blocked: wake at the next credit return, or when a packet leaves that buffer
                if self.ret_cnt[down] > 0:
                    self.sched_srv(ch, self.ret_ring[down * self.cfg.B + self.ret_head[down]])
                else:
                    self.blocked[ch] = 1
                return
        minheap_pop(q)
        f = head.v
        self.ch_busy[ch] = c + self.cfg.F
        if down >= 0:
            self.credits[down] -= self.cfg.F
        self.link_flits[ch] += self.cfg.F      # injection (o == 5) too: counted, but not a hop
        tn = self.fl[f].tnode
        if o < 4:
            nf = self.new_flit(self.fl[f].pkt, nr, o ^ 1, o, self.tnodes[tn].child[o] if tn >= 0 else -1)
            arr = c + self.cfg.F - 1 + self.cfg.link_lat
        elif o == 5:
            nf = self.new_flit(self.fl[f].pkt, nr, 4, -1, tn)
            arr = c + self.cfg.F
        else:
            nf = self.new_flit(self.fl[f].pkt, nr, -1, -1, tn)
            arr = c + self.cfg.F
        fp = &self.fl[f]
        fp.pending -= 1
        if fp.pending == 0 and fp.in_port <= 4:
            # its buffer slots come back at c + F (phase REL)
            ub = fp.router * 5 + fp.in_port
            pos = self.ret_head[ub] + self.ret_cnt[ub]
            if pos >= self.cfg.B:
                pos -= self.cfg.B
            self.ret_ring[ub * self.cfg.B + pos] = c + self.cfg.F
            self.ret_cnt[ub] += 1
            up = fp.router * 6 + 5 if fp.in_port == 4 else self.neighbour(fp.router, fp.in_port) * 6 + (fp.in_port ^ 1)
            if self.blocked[up]:
                self.blocked[up] = 0
                self.sched_srv(up, c + self.cfg.F)
        self.arrive(nf, arr)
        if q.n > 0:
            self.sched_srv(ch, imax(c + self.cfg.F, q.a[0].k1))

    cdef inline int log_delivery(self, int64_t a, int64_t key, int32_t row, int32_t xbar) noexcept nogil:
        """Queue a read of `row` on crossbar `xbar` (arrival a): appended to the tick's log, one
        sequential stream, grouped per crossbar in process_crossbars."""
        cdef Dlv* nd
        if self.dl_n == self.dl_cap:
            nd = <Dlv*> realloc(self.dlog, 2 * self.dl_cap * sizeof(Dlv))
            if nd == NULL:
                return -1
            self.dlog = nd
            self.dl_cap *= 2
        nd = &self.dlog[self.dl_n]
        nd.a = a
        nd.key = key
        nd.row = row
        nd.xbar = xbar
        self.dl_n += 1
        return 0

    cdef void process_crossbars(self) noexcept nogil:
        """Row reads of the tick. A crossbar reads one row at a time in order of (arrival cycle,
        packet key), each read taking row_read_latency cycles from max(arrival, end of the previous
        read). Reads never act back on the network within a tick (ejection is unbounded; currents
        go to later ticks), so each crossbar's queue is run here, after the tick's traffic, with
        exactly the timing an event per read would give."""
        cdef int64_t kk, i, j, g, slot, base = self.ring_t, free_at, start, row, s0, s1, pos, m
        cdef int64_t total = self.dl_n, K = self.cfg.K
        cdef int64_t* xoff = self.xoff
        cdef RowRec* rr
        cdef SynRec* sy
        cdef Dlv* d
        cdef MinItem tmp
        cdef MinItem* ds
        cdef MinItem* na
        if total == 0:
            return
        # group the log by crossbar (counting sort: stable, so each group keeps event order)
        if total + PF_ROW > self.ds_cap:
            na = <MinItem*> realloc(self.dsort, (total + PF_ROW) * 2 * sizeof(MinItem))
            if na == NULL:
                return
            self.dsort = na
            self.ds_cap = (total + PF_ROW) * 2
        ds = self.dsort
        memset(xoff, 0, (K + 1) * sizeof(int64_t))
        for i in range(total):
            xoff[self.dlog[i].xbar + 1] += 1
        for kk in range(K):
            xoff[kk + 1] += xoff[kk]
        for i in range(total):          # afterwards xoff[kk] = end of crossbar kk's group
            d = &self.dlog[i]
            pos = xoff[d.xbar]
            xoff[d.xbar] = pos + 1
            ds[pos].k1 = d.a
            ds[pos].k2 = d.key
            ds[pos].v = d.row
        self.dl_n = 0
        # Deliveries are logged in event order, i.e. by nondecreasing arrival cycle (an ejection
        # delivers at service cycle + F), so each group is sorted or nearly so: insertion sort
        # (stable, linear on sorted input). The reads then run with software-pipelined
        # prefetches: the row record PF_ROW reads ahead, its synapses PF_SYN reads ahead (each
        # read is a dependent chain row record -> synapse records -> acc).
        s0 = 0
        for kk in range(K):
            s1 = xoff[kk]
            for i in range(s0 + 1, s1):
                if minitem_lt(&ds[i], &ds[i - 1]):
                    tmp = ds[i]
                    m = i - 1
                    while m >= s0 and minitem_lt(&tmp, &ds[m]):
                        ds[m + 1] = ds[m]
                        m -= 1
                    ds[m + 1] = tmp
            s0 = s1
        for i in range(PF_ROW):
            ds[total + i].v = ds[total - 1].v
        for i in range(PF_ROW if PF_ROW < total else total):
            NS_PREFETCH(&self.rows[ds[i].v])
        for i in range(PF_SYN if PF_SYN < total else total):
            NS_PREFETCH(&self.syns[self.rows[ds[i].v].start])
        s0 = 0
        for kk in range(K):
            s1 = xoff[kk]
            if s1 == s0:
                continue
            free_at = -1
            for i in range(s0, s1):
                NS_PREFETCH(&self.rows[ds[i + PF_ROW].v])
                NS_PREFETCH(&self.syns[self.rows[ds[i + PF_SYN].v].start])
                start = ds[i].k1 if ds[i].k1 > free_at else free_at
                free_at = start + self.cfg.read_lat
                row = ds[i].v
                rr = &self.rows[row]
                rr.reads += 1
                for j in range(rr.start, rr.end):
                    sy = &self.syns[j]
                    slot = base + sy.delay
                    if slot >= self.cfg.D:
                        slot -= self.cfg.D
                    g = slot * self.cfg.n_slots + sy.slot
                    self.acc[g] += sy.w
                    self.accf[g] = 1
                self.n_syn_events += rr.end - rr.start
            self.n_row_reads += s1 - s0
            if free_at > self.E:
                self.E = free_at
            s0 = s1

    cdef void on_update(self, int64_t kk) noexcept nogil:
        """Neuron circuits of crossbar kk update their home neurons (docs/design.md#engine)."""
        cdef int64_t U = self.now, q, j, g, ring, nn, fcyc, ng
        cdef int32_t nid
        cdef double I, vv
        cdef int64_t Iq
        ring = self.ring_t
        ng = 0
        for j in range(self.upd_ptr[kk], self.upd_ptr[kk + 1]):
            q = j - self.upd_ptr[kk]
            nid = self.upd_neuron[j]
            g = ring * self.cfg.n_slots + self.home_slot[nid]
            Iq = self.acc[g]
            self.acc[g] = 0
            self.accf[g] = 0
            for nn in range(self.ps_ptr[nid], self.ps_ptr[nid + 1]):
                if self.ps_got[self.ps_slot[nn]]:
                    Iq = Iq + self.ps_val[self.ps_slot[nn]]
                    self.ps_got[self.ps_slot[nn]] = 0
            I = (<double> Iq) * self.cfg.fx_inv
            self.n_updates += 1
            if self.rcount[nid] > 0:
                self.rcount[nid] -= 1
                continue
            vv = self.leak[nid] * self.v[nid] + I
            if vv >= self.thr[nid]:
                self.v[nid] = self.vres[nid]
                self.rcount[nid] = self.refr[nid]
                fcyc = U + (q // self.cfg.par + 1) * self.cfg.upd_lat
                self.push_spike(<int32_t> self.tick, nid, fcyc)
                self.n_spikes_out += 1
                self.spiked[nid] = 1
                self.tick_spk[self.tick_spk_n] = nid
                self.tick_spk_n += 1
                self.emit(nid, fcyc, self.xbar_tile[kk], fcyc + self.cfg.so_lat)
            else:
                self.v[nid] = vv
        ng = (self.upd_ptr[kk + 1] - self.upd_ptr[kk] + self.cfg.par - 1) // self.cfg.par
        self.E = imax(self.E, U + ng * self.cfg.upd_lat)

    cdef void emit(self, int32_t nid, int64_t t_gen, int32_t tile, int64_t rc) noexcept nogil:
        cdef int64_t j, pk, q
        cdef int64_t base_key = ((<int64_t> KIND_SPIKE << 31) + nid) << 20
        if self.ndst_ptr[nid + 1] == self.ndst_ptr[nid]:
            return
        # the packet will walk this neuron's tree and deliver to its rows: both are contiguous
        # per neuron, so bring them into cache now (the hops come tens of cycles later)
        if self.colmask:
            prefetch_span(<char*> &self.cm[nid * self.cm_s], <char*> &self.cm[(nid + 1) * self.cm_s])
            prefetch_span(<char*> &self.jrr[self.ndst_ptr[nid]], <char*> &self.jrr[self.ndst_ptr[nid + 1]])
        elif self.cfg.multicast and self.tree_root[nid] >= 0:
            NS_PREFETCH(&self.tnodes[self.tree_root[nid]])
        prefetch_span(<char*> &self.nrowx[self.ndst_rptr[self.ndst_ptr[nid]]],
                      <char*> &self.nrowx[self.ndst_rptr[self.ndst_ptr[nid + 1]]])
        if self.cfg.multicast:
            pk = self.new_pkt(base_key, t_gen, nid, KIND_SPIKE, -1, -1, 0)
            self.inject(pk, tile, rc)
        else:
            for j in range(self.ndst_ptr[nid], self.ndst_ptr[nid + 1]):
                pk = self.new_pkt(base_key + self.ndst_tile[j], t_gen, nid, KIND_SPIKE,
                                  self.ndst_tile[j], -1, 0, <int32_t> j)
                self.inject(pk, tile, rc)

    # ======================================================================== one tick
    cdef int64_t run_tick(self) noexcept nogil:
        """Traffic and learning of tick self.tick; returns the cycle its writes end."""
        cdef int64_t t = self.tick, j, g, ring, kk, home_k, pk, typ, arg, nid
        cdef MinItem it
        cdef int64_t key
        self.T0 = self.tick_start[t]
        self.E = self.T0
        self.wheel_base = self.T0          # the wheel is empty between ticks
        self.pk_n = 0
        self.fl_n = 0
        self.tick_spk_n = 0
        ring = t % self.cfg.D
        self.ring_t = ring
        # partial sums of tick t leave their slots at the tick boundary
        for j in range(self.nonhome_slots.shape[0]):
            g = self.nonhome_slots[j]
            if self.accf[ring * self.cfg.n_slots + g]:
                nid = self.slot_neuron[g]
                home_k = self.slot_xbar[self.home_slot[nid]]
                key = ((<int64_t> KIND_PS << 31) + nid) << 20
                pk = self.new_pkt(key + self.slot_xbar[g], self.T0, <int32_t> nid, KIND_PS,
                                  self.xbar_tile[home_k], <int32_t> g, self.acc[ring * self.cfg.n_slots + g])
                self.acc[ring * self.cfg.n_slots + g] = 0
                self.accf[ring * self.cfg.n_slots + g] = 0
                self.ps_pending[home_k] += 1
                self.n_ps_packets += 1
                self.inject(pk, self.xbar_tile[self.slot_xbar[g]], self.T0)
        for kk in range(self.cfg.K):
            if self.upd_ptr[kk + 1] > self.upd_ptr[kk] and self.ps_pending[kk] == 0:
                self.sched(self.T0, PH_UPD, EV_UPD, kk)
        # input spikes of tick t enter at their entry tile's router
        for j in range(self.in_ptr[t], self.in_ptr[t + 1]):
            nid = self.in_neurons[j]
            self.spiked[nid] = 1
            self.tick_spk[self.tick_spk_n] = <int32_t> nid
            self.tick_spk_n += 1
            if self.ndst_ptr[nid + 1] > self.ndst_ptr[nid]:
                self.emit(<int32_t> nid, self.T0, self.entry_tile[nid], self.T0)
        self.event_loop()
        self.process_crossbars()
        self.tick_traffic_end[t] = self.E
        return self.learn()

    # ======================================================================== functional timing
    cdef int build_functional(self) noexcept nogil:
        """Synapses of every presynaptic neuron in one run (its rows in nrow order; home slots
        first), for the functional timing's scatter loop, and the map from row-order positions to
        the runs."""
        cdef int64_t nid, e, q, row, j = 0, pass_, nu = self.upd_ptr[self.cfg.K] if self.cfg.K > 0 else 0
        cdef uint8_t* home = <uint8_t*> malloc((self.cfg.n_slots + 1) * sizeof(uint8_t))
        if home == NULL:
            return -1
        memset(home, 0, self.cfg.n_slots + 1)
        for nid in range(self.cfg.n):
            if self.home_slot[nid] >= 0:
                home[self.home_slot[nid]] = 1
        self.fu_slot = <int32_t*> malloc((nu + 1) * sizeof(int32_t))
        self.fw = <int64_t*> malloc((self.cfg.n_syn + 1) * sizeof(int64_t))
        self.fq = <int32_t*> malloc((self.cfg.n_syn + 1) * sizeof(int32_t))
        self.fptr = <int64_t*> malloc((self.cfg.n + 1) * sizeof(int64_t))
        self.fmid = <int64_t*> malloc((self.cfg.n + 1) * sizeof(int64_t))
        self.fpos = <int64_t*> malloc((self.cfg.n_syn + 1) * sizeof(int64_t))
        self.nspk = <int64_t*> malloc((self.cfg.n + 1) * sizeof(int64_t))
        self.nspk_acc = <int64_t*> malloc((self.cfg.n + 1) * sizeof(int64_t))
        if (self.fu_slot == NULL or self.fw == NULL or self.fq == NULL or self.fptr == NULL or self.fmid == NULL
                or self.fpos == NULL or self.nspk == NULL or self.nspk_acc == NULL):
            free(home)
            return -1
        self.fu_v = <double*> malloc((nu + 1) * sizeof(double))
        self.fu_lk = <double*> malloc((nu + 1) * sizeof(double))
        self.fu_th = <double*> malloc((nu + 1) * sizeof(double))
        self.fu_vr = <double*> malloc((nu + 1) * sizeof(double))
        self.fu_rc = <int32_t*> malloc((nu + 1) * sizeof(int32_t))
        self.fu_rf = <int32_t*> malloc((nu + 1) * sizeof(int32_t))
        self.fu_ps = <uint8_t*> malloc((nu + 1) * sizeof(uint8_t))
        if (self.fu_v == NULL or self.fu_lk == NULL or self.fu_th == NULL or self.fu_vr == NULL
                or self.fu_rc == NULL or self.fu_rf == NULL or self.fu_ps == NULL):
            free(home)
            return -1
        for q in range(nu):
            nid = self.upd_neuron[q]
            self.fu_slot[q] = self.home_slot[nid]
            self.fu_v[q] = self.v[nid]
            self.fu_lk[q] = self.leak[nid]
            self.fu_th[q] = self.thr[nid]
            self.fu_vr[q] = self.vres[nid]
            self.fu_rc[q] = self.rcount[nid]
            self.fu_rf[q] = self.refr[nid]
            self.fu_ps[q] = self.ps_ptr[nid + 1] > self.ps_ptr[nid]
        memset(self.nspk, 0, (self.cfg.n + 1) * sizeof(int64_t))
        memset(self.nspk_acc, 0, (self.cfg.n + 1) * sizeof(int64_t))
        for q in range(self.cfg.n_syn):
            self.fpos[q] = -1
        self.f_delay = self.syns[0].delay if self.cfg.n_syn > 0 else -1
        for q in range(self.cfg.n_syn):
            if self.syns[q].delay != self.f_delay:
                self.f_delay = -1
                break
        self.f_refr = False
        for q in range(nu):
            if self.fu_rf[q] != 0 or self.fu_rc[q] != 0:
                self.f_refr = True
        for nid in range(self.cfg.n):
            self.fptr[nid] = j
            for pass_ in range(2):                  # home slots, then partial-sum slots
                if pass_ == 1:
                    self.fmid[nid] = j
                for e in range(self.ndst_rptr[self.ndst_ptr[nid]], self.ndst_rptr[self.ndst_ptr[nid + 1]]):
                    row = self.nrowx[e].row
                    for q in range(self.rows[row].start, self.rows[row].end):
                        if home[self.syns[q].slot] != (pass_ == 0):
                            continue
                        self.fw[j] = self.syns[q].w
                        if self.f_delay >= 0:
                            self.fq[j] = self.syns[q].slot
                        else:
                            self.fq[j] = <int32_t> (self.syns[q].delay * self.cfg.n_slots + self.syns[q].slot)
                        self.fpos[q] = j
                        j += 1
        self.fptr[self.cfg.n] = j
        free(home)
        return 0

    cdef void deliver_functional(self) noexcept nogil:
        """Every spike of the tick reads each of its rows once: every synapse of the neuron's run
        adds its weight to its slot of tick t + delay. Only nspk is counted here; the row reads,
        synaptic events and NoC counters follow from it (account_spikes)."""
        cdef int64_t i, j, jm, j1, g, nid
        cdef int64_t DS = self.cfg.D * self.cfg.n_slots, rb = self.ring_t * self.cfg.n_slots, g0
        cdef int64_t* acc_d
        cdef int64_t* acc = &self.acc[0] if self.acc.shape[0] > 0 else NULL
        cdef uint8_t* accf = &self.accf[0] if self.accf.shape[0] > 0 else NULL
        cdef const int64_t* fp = self.fptr
        cdef const int64_t* fm = self.fmid
        cdef const int64_t* fw = self.fw
        cdef const int32_t* fq = self.fq
        cdef int64_t* nspk = self.nspk
        for i in range(self.tick_spk_n):
            nid = self.tick_spk[i]
            j = fp[nid]
            jm = fm[nid]
            j1 = fp[nid + 1]
            if j1 == j:
                continue
            nspk[nid] += 1                   # its row reads and synaptic events: see account_spikes
            if self.f_delay >= 0:            # one delay for all: fq is the slot in tick t + delay
                g0 = self.ring_t + self.f_delay
                if g0 >= self.cfg.D:
                    g0 -= self.cfg.D
                acc_d = acc + g0 * self.cfg.n_slots
                while j < jm:
                    acc_d[fq[j]] += fw[j]
                    j += 1
                while j < j1:
                    acc_d[fq[j]] += fw[j]
                    accf[g0 * self.cfg.n_slots + fq[j]] = 1
                    j += 1
                continue
            while j < jm:
                g = fq[j] + rb
                if g >= DS:
                    g -= DS
                acc[g] += fw[j]
                j += 1
            while j < j1:
                g = fq[j] + rb
                if g >= DS:
                    g -= DS
                acc[g] += fw[j]
                accf[g] = 1
                j += 1

    cdef void xy_flits(self, int32_t src, int32_t dst, int64_t flits) noexcept nogil:
        """Flits of a unicast packet along its XY route: every link it takes, and the ejection."""
        cdef int32_t r = src, xd = self.tile_x[dst], yd = self.tile_y[dst]
        while r != dst:
            if xd > self.tile_x[r]:
                self.link_flits[r * 6 + 0] += flits
                r = r + 1
            elif xd < self.tile_x[r]:
                self.link_flits[r * 6 + 1] += flits
                r = r - 1
            elif yd > self.tile_y[r]:
                self.link_flits[r * 6 + 2] += flits
                r = r + <int32_t> self.cfg.mesh_w
            else:
                self.link_flits[r * 6 + 3] += flits
                r = r - <int32_t> self.cfg.mesh_w
        self.link_flits[dst * 6 + 4] += flits

    cdef void account_spikes(self) noexcept nogil:
        """Counters of the spikes sent since the last call (functional timing): a spike's
        packets, flits per router output, deliveries, row reads and synaptic events do not depend
        on when it is sent."""
        cdef int64_t nid, cnt, i, j, x, y, W = self.cfg.mesh_w, H = self.cfg.mesh_h
        cdef int64_t* lf
        cdef int32_t* colmin = <int32_t*> malloc((W + 1) * sizeof(int32_t))
        cdef int32_t* colmax = <int32_t*> malloc((W + 1) * sizeof(int32_t))
        # per-link flits of the multicast trees as difference arrays along each line of links:
        # east / west links of row y at dx[y * (W + 1) + x], north / south links of column x at
        # dy[x * (H + 1) + y]; summed into link_flits at the end
        cdef int64_t* dE = <int64_t*> calloc((W + 1) * (H + 1), sizeof(int64_t))
        cdef int64_t* dW = <int64_t*> calloc((W + 1) * (H + 1), sizeof(int64_t))
        cdef int64_t* dN = <int64_t*> calloc((W + 1) * (H + 1), sizeof(int64_t))
        cdef int64_t* dS = <int64_t*> calloc((W + 1) * (H + 1), sizeof(int64_t))
        if colmin == NULL or colmax == NULL or dE == NULL or dW == NULL or dN == NULL or dS == NULL:
            free(colmin); free(colmax); free(dE); free(dW); free(dN); free(dS)
            return
        for i in range(W):
            colmin[i] = <int32_t> H
            colmax[i] = -1
        for nid in range(self.cfg.n):
            cnt = self.nspk[nid] - self.nspk_acc[nid]
            if cnt == 0:
                continue
            self.nspk_acc[nid] = self.nspk[nid]
            self.n_deliveries += cnt * (self.ndst_rptr[self.ndst_ptr[nid + 1]] - self.ndst_rptr[self.ndst_ptr[nid]])
            self.n_row_reads += cnt * (self.ndst_rptr[self.ndst_ptr[nid + 1]] - self.ndst_rptr[self.ndst_ptr[nid]])
            self.n_syn_events += cnt * (self.fptr[nid + 1] - self.fptr[nid])
            if self.cfg.multicast:
                self.n_packets += cnt
                self.link_flits[<int64_t> self.entry_tile[nid] * 6 + 5] += cnt * self.cfg.F
                self.tree_flits(nid, cnt * self.cfg.F, colmin, colmax, dE, dW, dN, dS)
            else:
                for j in range(self.ndst_ptr[nid], self.ndst_ptr[nid + 1]):
                    self.n_packets += cnt
                    self.link_flits[<int64_t> self.entry_tile[nid] * 6 + 5] += cnt * self.cfg.F
                    self.xy_flits(self.entry_tile[nid], self.ndst_tile[j], cnt * self.cfg.F)
        if self.cfg.multicast and self.link_flits.shape[0] > 0:
            lf = &self.link_flits[0]
            for y in range(H):
                add_running(dE + y * (W + 1), W, lf + y * W * 6 + 0, 6)
                add_running(dW + y * (W + 1), W, lf + y * W * 6 + 1, 6)
            for x in range(W):
                add_running(dN + x * (H + 1), H, lf + x * 6 + 2, W * 6)
                add_running(dS + x * (H + 1), H, lf + x * 6 + 3, W * 6)
        free(colmin); free(colmax); free(dE); free(dW); free(dN); free(dS)

    cdef void tree_flits(self, int64_t nid, int64_t flits, int32_t* colmin, int32_t* colmax,
                         int64_t* dE, int64_t* dW, int64_t* dN, int64_t* dS) noexcept nogil:
        """Flits of one multicast packet of nid over its XY tree (the union of the XY routes from
        its entry tile to its destination tiles: the source row out to the extreme columns, then
        each destination column out to its extreme rows), and one ejection per destination. Link
        flits go into the difference arrays of account_spikes (one entry per end of each line
        segment). colmin/colmax: per column, all at (mesh_h, -1) on entry and on return."""
        cdef int32_t src = self.entry_tile[nid], sx = self.tile_x[src], sy = self.tile_y[src]
        cdef int32_t xmin = sx, xmax = sx, x, y, d
        cdef int64_t j, W1 = self.cfg.mesh_w + 1, H1 = self.cfg.mesh_h + 1
        for j in range(self.ndst_ptr[nid], self.ndst_ptr[nid + 1]):
            d = self.ndst_tile[j]
            x = self.tile_x[d]
            y = self.tile_y[d]
            if x > xmax:
                xmax = x
            if x < xmin:
                xmin = x
            if y < colmin[x]:
                colmin[x] = y
            if y > colmax[x]:
                colmax[x] = y
            self.link_flits[<int64_t> d * 6 + 4] += flits
        if xmax > sx:                                 # east links x = sx .. xmax - 1 of row sy
            dE[sy * W1 + sx] += flits
            dE[sy * W1 + xmax] -= flits
        if xmin < sx:                                 # west links x = xmin + 1 .. sx
            dW[sy * W1 + xmin + 1] += flits
            dW[sy * W1 + sx + 1] -= flits
        for x in range(xmin, xmax + 1):
            if colmax[x] < 0:
                continue
            if colmax[x] > sy:                        # north links y = sy .. colmax - 1 of column x
                dN[x * H1 + sy] += flits
                dN[x * H1 + colmax[x]] -= flits
            if colmin[x] < sy:                        # south links y = colmin + 1 .. sy
                dS[x * H1 + colmin[x] + 1] += flits
                dS[x * H1 + sy + 1] -= flits
            colmin[x] = <int32_t> self.cfg.mesh_h
            colmax[x] = -1

    cdef void update_functional(self) noexcept nogil:
        """Every neuron circuit's update of this tick (on_update without timing), in one pass over
        all crossbars' home neurons, on the state kept in update order (home slots never carry
        the accf mark here)."""
        cdef int64_t j, nn, nu = self.upd_ptr[self.cfg.K] if self.cfg.K > 0 else 0
        cdef int64_t* acc = (&self.acc[0] if self.acc.shape[0] > 0 else NULL)
        cdef int64_t* acc_t = acc + self.ring_t * self.cfg.n_slots if acc != NULL else NULL
        cdef const int32_t* un = &self.upd_neuron[0] if nu > 0 else NULL
        cdef const int32_t* fs = self.fu_slot
        cdef const int64_t* psp = &self.ps_ptr[0]
        cdef const int32_t* pss = &self.ps_slot[0] if self.ps_slot.shape[0] > 0 else NULL
        cdef int64_t* psv = &self.ps_val[0] if self.ps_val.shape[0] > 0 else NULL
        cdef uint8_t* psg = &self.ps_got[0] if self.ps_got.shape[0] > 0 else NULL
        cdef double* v = self.fu_v
        cdef const double* lk = self.fu_lk
        cdef const double* th = self.fu_th
        cdef const double* vr = self.fu_vr
        cdef int32_t* rc = self.fu_rc
        cdef const int32_t* rf = self.fu_rf
        cdef const uint8_t* fps = self.fu_ps
        cdef uint8_t* spk = self.spiked
        cdef int32_t* tsp = self.tick_spk
        cdef int64_t tsn = self.tick_spk_n
        cdef int32_t nid, tk = <int32_t> self.tick
        cdef int64_t Iq
        cdef double vv
        cdef bint has_ps = self.nonhome_slots.shape[0] > 0
        cdef bint refr = self.f_refr
        cdef double fxi = self.cfg.fx_inv
        for j in range(nu):
            Iq = acc_t[fs[j]]
            acc_t[fs[j]] = 0
            if has_ps and fps[j]:
                nid = un[j]
                for nn in range(psp[nid], psp[nid + 1]):
                    if psg[pss[nn]]:
                        Iq = Iq + psv[pss[nn]]
                        psg[pss[nn]] = 0
            if refr and rc[j] > 0:
                rc[j] -= 1
                continue
            vv = lk[j] * v[j] + (<double> Iq) * fxi
            if vv >= th[j]:
                v[j] = vr[j]
                if refr:
                    rc[j] = rf[j]
                nid = un[j]
                spk[nid] = 1
                tsp[tsn] = nid
                tsn += 1
            else:
                v[j] = vv
        for j in range(self.tick_spk_n, tsn):
            self.push_spike(tk, tsp[j], -1)
        self.n_spikes_out += tsn - self.tick_spk_n
        self.tick_spk_n = tsn
        self.n_updates += nu

    cdef void sync_v(self) noexcept nogil:
        """Functional timing: potentials and refractory counters back into the arrays Python sees."""
        cdef int64_t j, nu = self.upd_ptr[self.cfg.K] if self.cfg.K > 0 else 0
        for j in range(nu):
            self.v[self.upd_neuron[j]] = self.fu_v[j]
            self.rcount[self.upd_neuron[j]] = self.fu_rc[j]

    cdef int64_t run_tick_functional(self) noexcept nogil:
        """Tick self.tick without timing: partial sums, neuron updates, then every spike's rows
        read at once (same currents, counters and learning as the cycle model; docs/engine.md §8)."""
        cdef int64_t t = self.tick, j, g, gg, ring, home_k, nid
        self.T0 = self.tick_start[t]
        self.E = self.T0
        self.tick_spk_n = 0
        ring = t % self.cfg.D
        self.ring_t = ring
        for j in range(self.nonhome_slots.shape[0]):
            g = self.nonhome_slots[j]
            gg = ring * self.cfg.n_slots + g
            if self.accf[gg]:
                nid = self.slot_neuron[g]
                home_k = self.slot_xbar[self.home_slot[nid]]
                self.ps_val[g] = self.acc[gg]
                self.ps_got[g] = 1
                self.acc[gg] = 0
                self.accf[gg] = 0
                self.n_ps_packets += 1
                self.n_packets += 1
                self.n_deliveries += 1
                self.link_flits[<int64_t> self.xbar_tile[self.slot_xbar[g]] * 6 + 5] += self.cfg.F
                self.xy_flits(self.xbar_tile[self.slot_xbar[g]], self.xbar_tile[home_k], self.cfg.F)
        self.update_functional()
        for j in range(self.in_ptr[t], self.in_ptr[t + 1]):
            nid = self.in_neurons[j]
            self.spiked[nid] = 1
            self.tick_spk[self.tick_spk_n] = <int32_t> nid
            self.tick_spk_n += 1
        self.deliver_functional()
        self.tick_traffic_end[t] = self.E
        return self.learn()

    cdef double encode_cell(self, double w, int which, int64_t cell) noexcept nogil:
        """Target conductance of a synapse's cell (which: 0 single / G+, 1 G-) for weight w,
        exactly as neurosim.devices (encode_weights, then quantise for physical devices)."""
        cdef double gg = self.encode_continuous(w, which, cell)
        if self.cfg.encoding != 0 and self.cfg.levels > 1:
            gg = self.snap(gg)
        return gg

    cdef inline double snap(self, double gg) noexcept nogil:
        return self.cfg.g_min + rint((gg - self.cfg.g_min) / self.cfg.dg * (self.cfg.levels - 1)) * (self.cfg.dg / (self.cfg.levels - 1))

    cdef double encode_continuous(self, double w, int which, int64_t cell) noexcept nogil:
        """The encoding of w for one cell, confined to the device range, not quantised; with
        write-verify divided by the cell's apparent-conductance gain and confined again."""
        cdef double s = self.cfg.wscale, gg
        if self.cfg.clip:
            if w > s:
                w = s
            if w < -s:
                w = -s
        if self.cfg.encoding == 0:
            return w / s * self.cfg.dg          # ideal device: neither clipped nor quantised
        if self.cfg.encoding == 1:
            if which == 0:
                gg = self.cfg.g_min + (w if w > 0 else 0.0) / s * self.cfg.dg
            else:
                gg = self.cfg.g_min + (-w if w < 0 else 0.0) / s * self.cfg.dg
        else:
            gg = 0.5 * (self.cfg.g_min + self.cfg.g_max) + w / (2.0 * s) * self.cfg.dg
        gg = self.confine(gg)
        if self.cfg.compensate:
            gg = self.confine(gg / self.alpha[cell])
        return gg

    cdef inline double confine(self, double gg) noexcept nogil:
        """gg clipped to the device range [g_min, g_max]."""
        if gg < self.cfg.g_min:
            return self.cfg.g_min
        if gg > self.cfg.g_max:
            return self.cfg.g_max
        return gg

    cdef double accumulate_target(self, double w, int which, int64_t cell) noexcept nogil:
        """level_update accumulate: the cell moves by whole level steps toward the encoding of w,
        and only once that has moved at least one step from the cell's level (docs/engine.md §3)."""
        cdef double g_now = self.G0[cell]
        cdef double gg = self.encode_continuous(w, which, cell)
        cdef double step = self.cfg.dg / (self.cfg.levels - 1)
        cdef double d = gg - g_now
        cdef double n = floor((d if d > 0 else -d) / step + 1e-9)
        if n < 1.0:
            return g_now
        return self.confine(self.snap(g_now + (n * step if d > 0 else -n * step)))

    cdef double decode_syn(self, int64_t s) noexcept nogil:
        """Effective weight of synapse s: the encoding's decoding of apparent conductances alpha*G."""
        cdef int64_t c0 = self.syn_cellA[s], c1
        if self.cfg.encoding == 0:
            return (self.alpha[c0] * self.G[c0]) * self.cfg.wscale / self.cfg.dg
        if self.cfg.encoding == 1:
            c1 = self.syn_cellB[s]
            return (self.alpha[c0] * self.G[c0] - self.alpha[c1] * self.G[c1]) * self.cfg.wscale / self.cfg.dg
        c1 = self.row_refcell[self.xb_row_off[self.syn_xbar[s]] + self.syn_row[s]]
        return (self.alpha[c0] * self.G[c0] - self.alpha[c1] * self.G[c1]) * (2.0 * self.cfg.wscale) / self.cfg.dg

    cdef int64_t verify_iterations(self, int64_t cell) noexcept nogil:
        """Pulses (each with its verify read) this write of ``cell`` takes: geometric with success
        probability p, drawn from a counter-based hash of (run key, cell, the cell's writes so far), so
        the draw does not depend on event order (neurosim/devices/program_verify.py is the same)."""
        cdef uint64_t h
        cdef double u, n
        cdef int64_t nit
        if self.cfg.verify_log1mp == 0.0:
            nit = 1
        else:
            h = splitmix64(splitmix64(self.cfg.verify_seed + self.cell_key[cell]) + <uint64_t> self.writes[cell])
            u = (<double> (h >> 11) + 0.5) * (1.0 / 9007199254740992.0)
            n = 1.0 + floor(log(u) / self.cfg.verify_log1mp)
            nit = <int64_t> n if n < <double> self.cfg.verify_max else self.cfg.verify_max
            if n >= <double> self.cfg.verify_max:
                self.n_verify_gave_up += 1
        self.n_verify_reads += nit
        return nit

    cdef int64_t program(self, int64_t s) noexcept nogil:
        """Program synapse s's cells to the learning circuit's weight; returns pulses issued."""
        cdef int64_t kk = self.syn_xbar[s], cell, npulse = 0, nit
        cdef int64_t r = self.syn_row[s]
        cdef int which, ncell
        cdef double target
        ncell = 2 if self.cfg.encoding == 1 else 1
        for which in range(ncell):
            cell = self.syn_cellA[s] if which == 0 else self.syn_cellB[s]
            if self.cfg.accumulate and self.cfg.encoding != 0 and self.cfg.levels > 1:
                target = self.accumulate_target(self.w_log[s], which, cell)
            else:
                target = self.encode_cell(self.w_log[s], which, cell)
            if self.failed[cell]:
                if target != self.G0[cell]:
                    # the controller does not know the cell failed: its pulses are issued, no effect (with
                    # program-and-verify it retries until it gives up)
                    nit = self.cfg.verify_max if self.cfg.verify else 1
                    self.writes[cell] += nit
                    if target > self.G0[cell]:
                        self.writes_set[cell] += nit
                    else:
                        self.writes_reset[cell] += nit
                    self.n_ignored_writes += nit
                    npulse += nit
                    if self.cfg.verify:
                        self.n_verify_reads += nit
                        self.n_verify_gave_up += 1
                continue
            if target == self.G0[cell]:
                continue
            nit = self.verify_iterations(cell) if self.cfg.verify else 1
            if target > self.G0[cell]:
                self.writes_set[cell] += nit
            else:
                self.writes_reset[cell] += nit
            self.writes[cell] += nit
            npulse += nit
            self.G[cell] = target
            self.G0[cell] = target
            self.reads_at_prog[cell] = self.row_reads_of(kk, r)
            if <double> self.writes[cell] >= self.endurance[cell]:
                self.failed[cell] = 1
                self.n_failed += 1
                self.G[cell] = self.cfg.stuck_g
                self.G0[cell] = self.cfg.stuck_g
        self.set_w(self.syn_pos[s], self.decode_syn(s))
        return npulse

    cdef double adc(self, int64_t pos, double w) noexcept nogil:
        """The ADC's reading of a one-row read delivering w: round(w / lsb) codes, saturated at
        ±adc_qmax (counted), times lsb (docs/engine.md §2, ADC)."""
        cdef double lsb = self.adc_lsb[pos]
        cdef double q = floor(w / lsb + 0.5)
        if q > self.cfg.adc_qmax:
            q = <double> self.cfg.adc_qmax
            self.n_adc_saturated += 1
        elif q < -self.cfg.adc_qmax:
            q = -<double> self.cfg.adc_qmax
            self.n_adc_saturated += 1
        return q * lsb

    cdef inline void set_w(self, int64_t pos, double w) noexcept nogil:
        if self.cfg.adc_qmax > 0:
            w = self.adc(pos, w)
        self.syns[pos].w = fx(w, self.cfg.fx_one)
        self.w_eff[pos] = w
        if self.cfg.functional and self.fpos[pos] >= 0:
            self.fw[self.fpos[pos]] = self.syns[pos].w

    cdef inline int64_t row_reads_of(self, int64_t kk, int64_t r) noexcept nogil:
        cdef int64_t row = self.xb_row_off[kk] + r
        if self.cfg.functional and self.row_pre[row] >= 0:
            return self.rows[row].reads + self.nspk[self.row_pre[row]]
        return self.rows[row].reads

    cdef int64_t learn(self) noexcept nogil:
        """STDP of tick t (docs/engine.md, "Learning"); returns the end cycle of the writes."""
        cdef int64_t t = self.tick, i, j, s, nid, post, pre, kk, maxw = 0, npulse
        cdef int16_t rule
        cdef double w, f
        cdef int64_t nchanged = 0, k
        if not self.cfg.learning or self.pin_syn.shape[0] == 0:
            for i in range(self.tick_spk_n):
                nid = self.tick_spk[i]
                self.spiked[nid] = 0
                self.last_pre[nid] = <int32_t> t
                self.last_post[nid] = <int32_t> t
            return self.E
        for i in range(self.tick_spk_n):
            self.last_pre[self.tick_spk[i]] = <int32_t> t
        for kk in range(self.cfg.K):
            self.xb_writes_tick[kk] = 0
        for i in range(self.tick_spk_n):
            nid = self.tick_spk[i]
            # potentiation: this neuron is the postsynaptic side
            for j in range(self.pin_ptr[nid], self.pin_ptr[nid + 1]):
                s = self.pin_syn[j]
                pre = self.syn_pre[s]
                if self.last_pre[pre] < 0:
                    continue
                rule = self.syn_rule[s]
                k = t - self.last_pre[pre]
                if k < self.lut_len:
                    f = self.stdp_lut[(2 * rule) * self.lut_len + k]
                else:
                    f = exp(-(<double> k) / self.rules[rule, 2])
                w = self.w_log[s] + self.rules[rule, 0] * f
                if w > self.rules[rule, 5]:
                    w = self.rules[rule, 5]
                if w < self.rules[rule, 4]:
                    w = self.rules[rule, 4]
                self.stdp_apply(s, w)
            # depression: this neuron is the presynaptic side
            for j in range(self.pout_ptr[nid], self.pout_ptr[nid + 1]):
                s = self.pout_syn[j]
                post = self.syn_post[s]
                if self.spiked[post] or self.last_post[post] < 0:
                    continue
                rule = self.syn_rule[s]
                k = t - self.last_post[post]
                if k < self.lut_len:
                    f = self.stdp_lut[(2 * rule + 1) * self.lut_len + k]
                else:
                    f = exp(-(<double> k) / self.rules[rule, 3])
                w = self.w_log[s] - self.rules[rule, 1] * f
                if w > self.rules[rule, 5]:
                    w = self.rules[rule, 5]
                if w < self.rules[rule, 4]:
                    w = self.rules[rule, 4]
                self.stdp_apply(s, w)
        for i in range(self.tick_spk_n):
            nid = self.tick_spk[i]
            self.spiked[nid] = 0
            self.last_post[nid] = <int32_t> t
        for kk in range(self.cfg.K):
            if self.xb_writes_tick[kk] > maxw:
                maxw = self.xb_writes_tick[kk]
        return self.E + maxw * self.cfg.write_lat

    cdef void stdp_apply(self, int64_t s, double w) noexcept nogil:
        cdef double old = self.w_log[s]
        cdef int64_t npulse
        if self.cfg.min_change > 0 and (w - old if w > old else old - w) < self.cfg.min_change * self.cfg.wscale:
            return
        self.w_log[s] = w
        npulse = self.program(s)
        self.n_write_pulses += npulse
        self.xb_writes_tick[self.syn_xbar[s]] += npulse

    cdef void end_tick(self, int64_t wend) noexcept nogil:
        cdef int64_t t = self.tick
        cdef int64_t boundary = self.tick_start[t] + self.cfg.P
        if self.cfg.functional:
            self.tick_start[t + 1] = boundary      # no timing model: ticks at the real-time period
        elif wend >= boundary:
            # the tick's work (cycles T0 .. wend) did not fit its period: real-time overrun
            self.overruns += 1
            self.tick_start[t + 1] = wend + 1
        else:
            self.tick_start[t + 1] = boundary
        self.tick += 1

    # ======================================================================== Python entry points
    def step(self):
        """Run one tick's traffic and learning; returns the cycle its writes end (tick not closed).
        Row read counters reach the Python array only through :meth:`sync`."""
        cdef int64_t w
        with nogil:
            if self.cfg.functional:
                w = self.run_tick_functional()
                self.sync_v()
            else:
                w = self.run_tick()
        return w

    def xy_tree_routers(self):
        """(routers in all XY trees counted from the column masks, stored tree nodes); -1 for a
        store that was not built."""
        return (self.routers_counted if self.cfg.multicast and not self.cfg.functional else -1,
                self.tree_ptr[self.cfg.n] if self.tree_ptr != NULL else -1)

    def sync(self):
        """Copy the row read counters into the row_reads array Python sees."""
        cdef int64_t i
        for i in range(self.cfg.n_rows):
            self.row_reads[i] = self.rows[i].reads
            if self.cfg.functional and self.row_pre[i] >= 0:
                self.row_reads[i] += self.nspk[self.row_pre[i]]

    def account(self):
        """Functional timing: bring the counters that follow from the spikes (packets, deliveries,
        flits per router output, row reads, synaptic events) up to the spikes sent so far (run()
        does it at its end). No effect under cycle timing, which counts them as it goes."""
        if self.cfg.functional:
            with nogil:
                self.account_spikes()

    def set_weff(self, cnp.ndarray positions, cnp.ndarray values):
        """Set effective weights (row-order positions) after Python rebuilt a crossbar's physics."""
        cdef int64_t[::1] p = positions
        cdef double[::1] v = values
        cdef int64_t i
        for i in range(p.shape[0]):
            self.set_w(p[i], v[i])

    def close_tick(self, long long wend):
        """Close the current tick: the next starts at max(period boundary, wend + 1)."""
        self.end_tick(wend)

    def run(self, long long n_ticks):
        """Run n_ticks ticks entirely in C (functional timing: and account for their spikes). Row
        read counters reach the Python array only through :meth:`sync`."""
        cdef int64_t i, w
        with nogil:
            for i in range(n_ticks):
                w = self.run_tick_functional() if self.cfg.functional else self.run_tick()
                self.end_tick(w)
            if self.cfg.functional:
                self.account_spikes()
                self.sync_v()

    def spikes(self):
        """(tick, neuron, cycle) arrays of the non-input spikes so far."""
        cdef cnp.ndarray t = np.empty(self.sp_n, dtype=np.int32)
        cdef cnp.ndarray nn = np.empty(self.sp_n, dtype=np.int32)
        cdef cnp.ndarray c = np.empty(self.sp_n, dtype=np.int64)
        cdef int32_t[:] tv = t
        cdef int32_t[:] nv = nn
        cdef int64_t[:] cv = c
        cdef int64_t i
        for i in range(self.sp_n):
            tv[i] = self.sp_tick[i]
            nv[i] = self.sp_neuron[i]
            cv[i] = self.sp_cycle[i]
        return t, nn, c

    def refresh_weff(self, cnp.ndarray syn_ids):
        """Recompute w_eff (decode of alpha*G) of the given synapses after Python changed G."""
        cdef int64_t[:] ids = syn_ids
        cdef int64_t i
        for i in range(ids.shape[0]):
            self.set_w(self.syn_pos[ids[i]], self.decode_syn(ids[i]))
