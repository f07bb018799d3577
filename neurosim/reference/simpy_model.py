"""A SimPy model of the engine's semantics (docs/engine.md): the test oracle of the compiled engine.

It is written to be read, not to be fast: one SimPy process per NoC channel and per crossbar, one
process per packet hop, Python objects for packets, dicts for state. It shares no code with the
compiled loop; it uses :mod:`neurosim.devices` / :mod:`neurosim.crossbar` (through
:class:`neurosim.crossbar.state.CrossbarState`) only to program the crossbars and solve their
effective weights, which are inputs to both models.

Time is measured in clock cycles; the phases that order work inside one cycle are fractional
offsets (cycle + phase/8), exact in binary floating point.

>>> from neurosim.reference import simulate_reference       # doctest: +SKIP
>>> ref = simulate_reference(wl, hw, mapping, ticks=20)    # doctest: +SKIP
>>> ref["spikes"][:3]                                       # doctest: +SKIP
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import simpy

from ..crossbar.currents import fixed_point_bits, from_fixed, to_fixed
from ..crossbar.state import CrossbarState
from ..devices.program_verify import verify_iterations

__all__ = ["simulate_reference", "ReferenceModel"]

# phases inside a cycle (docs/engine.md, "Order inside a cycle")
REL, ARR, UPD, SRV, XB = 0, 1, 2, 4, 5
E, W, N, S, LOCAL = 0, 1, 2, 3, 4
OPPOSITE = {E: W, W: E, N: S, S: N}


def _t(cycle, phase):
    return cycle + phase / 8.0


@dataclass
class Packet:
    key: tuple              # arbitration order among equal request cycles
    neuron: int
    kind: str               # "spike" or "psum"
    t_gen: int
    dests: frozenset        # destination tiles
    value: float = 0.0
    slot: tuple = None      # psum: (crossbar, column) it comes from


@dataclass
class Flit:
    packet: Packet
    router: int
    buffer: tuple = None    # (router, in_port) it occupies, None for the injection queue
    dests: frozenset = frozenset()
    pending: int = 0


@dataclass(order=True)
class Request:
    rc: int
    key: tuple
    flit: Flit = field(compare=False)


class ReferenceModel:
    """Build with (workload, hw, mapping, ticks, seed); call :meth:`run`."""

    def __init__(self, wl, hw, mapping, ticks=None, seed=0):
        self.wl, self.hw, self.m = wl, hw, mapping
        from ..devices.gain import apply_input_gains, input_gains
        self.gains = input_gains(wl.network, hw).gains      # weights beyond the device range (devices/gain.py)
        net = apply_input_gains(wl.network, self.gains)
        self.net = net
        self.fx_bits = fixed_point_bits(net, hw)     # the engines' current scale (docs/engine.md §2)
        self.T = wl.n_ticks if ticks is None else int(ticks)
        self.rng = np.random.default_rng(seed)
        self.verify = (hw.crossbar.ir_drop_compensation == "write_verify" and hw.crossbar.ir_drop_method != "none"
                       and hw.device.type != "ideal")
        self.n = net.n_neurons
        noc = hw.noc
        self.W, self.H = noc.mesh_width, noc.mesh_height
        self.F, self.B = noc.flits_per_packet, noc.buffer_depth_flits
        self.P = hw.tick_period_cycles
        self.pre = [int(x) for x in net.pre]
        self.post = [int(x) for x in net.post]
        # -- where everything sits
        self.tile_of_xbar = [int(x) for x in mapping.crossbar_tile]
        self.syn_cell = [(int(k), int(r), int(c)) for k, r, c in
                         zip(mapping.synapse_crossbar, mapping.synapse_row, mapping.synapse_column)]
        self.home = {}
        for i in range(self.n):
            if not net.is_input[i]:
                self.home[i] = (int(mapping.neuron_crossbar[i]), int(mapping.neuron_column[i]))
        # rows: (crossbar, row) -> list of synapses in column order
        self.row_syns = {}
        for s, (k, r, c) in enumerate(self.syn_cell):
            self.row_syns.setdefault((k, r), []).append(s)
        for key in self.row_syns:
            self.row_syns[key].sort(key=lambda s: self.syn_cell[s][2])
        self.rows_of = {}   # neuron -> list of (crossbar, row)
        for (k, r), syns in self.row_syns.items():
            self.rows_of.setdefault(self.pre[syns[0]], []).append((k, r))
        # slots: (crossbar, column) -> neuron; partial-sum slots are the non-home ones
        self.slot_neuron = {}
        for s, (k, r, c) in enumerate(self.syn_cell):
            self.slot_neuron[(k, c)] = self.post[s]
        for i, hc in self.home.items():
            self.slot_neuron[hc] = i
        self.psum_slots = {}
        for slot, i in self.slot_neuron.items():
            if slot != self.home[i]:
                self.psum_slots.setdefault(i, []).append(slot)
        for i in self.psum_slots:
            self.psum_slots[i].sort()
        used = sorted({k for k, _ in self.slot_neuron})
        self.used = used
        # entry tile of input neurons: tile of the lowest-numbered crossbar holding one of its rows
        self.entry = {}
        for i, rows in self.rows_of.items():
            if net.is_input[i]:
                self.entry[i] = self.tile_of_xbar[min(k for k, _ in rows)]
            else:
                self.entry[i] = self.tile_of_xbar[self.home[i][0]]
        # -- devices: program each used crossbar (same order and draws as any engine must use)
        self.enc = hw.device.weight_encoding
        self.xb = {}
        for k in used:
            rows_used = 1 + max([r for (kk, r) in self.row_syns if kk == k], default=-1)
            cols_used = 1 + max(c for (kk, c) in self.slot_neuron if kk == k)
            Wb = np.zeros((rows_used, cols_used))
            mb = np.zeros(Wb.shape, bool)
            for s in self.synapses_of(k):
                _, r, c = self.syn_cell[s]
                Wb[r, c] = net.weight[s]
                mb[r, c] = True
            st = CrossbarState(hw, k, rows_used, cols_used, Wb, mb, self.rng)
            self.xb[k] = dict(state=st, G=st.G_block.copy(), G0=st.G_block.copy(), alpha=st.alpha.copy(),
                              writes=np.zeros(st.G_block.shape, np.int64), failed=st.stuck.copy(),
                              row_reads=np.zeros(rows_used, np.int64), endurance=st.endurance,
                              reads_at_prog=np.zeros(st.G_block.shape, np.int64), ref=st.layout.ref,
                              v_cell=st.v_cell)
        from ..devices.program_verify import verify_params
        learning = bool(hw.learning.enabled) and bool(np.any(net.plastic))
        self.verify, self.verify_log1mp, self.verify_max = verify_params(hw) if learning else (False, 0.0, 1)
        # the key of the program-and-verify draws: the run generator's next draw after programming
        self.verify_seed = int(self.rng.integers(0, 2 ** 63)) if self.verify else 0
        from ..crossbar.adc import adc_lsb, adc_qmax
        self.adc_q = adc_qmax(hw)
        self.adc_step = adc_lsb(net, hw, mapping.synapse_crossbar)
        self.n_adc_sat = 0
        self.w_eff = [0.0] * len(self.post)
        for s in range(len(self.post)):
            k, r, c = self.syn_cell[s]
            st = self.xb[k]["state"]
            self.w_eff[s] = self.adc(s, float(st.W_eff[r, c]) if st.phys is not None else self.decode(s))
        self.w = [float(x) for x in net.weight]       # learning circuit's weights

    # ------------------------------------------------------------------ devices
    def adc(self, s, w):
        """The column ADC's reading of synapse s delivering w in a one-row read (crossbar/adc.py)."""
        if not self.adc_q:
            return w
        lsb = float(self.adc_step[s])
        q = math.floor(w / lsb + 0.5)
        if abs(q) > self.adc_q:
            q = math.copysign(self.adc_q, q)
            self.n_adc_sat += 1
        return q * lsb

    def cells(self, s):
        k, r, c = self.syn_cell[s]
        if self.enc == "differential":
            return [(k, r, 2 * c), (k, r, 2 * c + 1)]
        return [(k, r, c)]

    def decode(self, s):
        """Effective weight of synapse s from apparent conductances alpha*G (architecture.md)."""
        d = self.hw.device
        sc, dg = d.weight_scale, d.g_max_s - d.g_min_s
        k, r, c = self.syn_cell[s]
        x = self.xb[k]
        g = lambda cc: x["alpha"][r, cc] * x["G"][r, cc]
        if self.enc == "signed":
            return g(c) * sc / dg
        if self.enc == "differential":
            return (g(2 * c) - g(2 * c + 1)) * sc / dg
        return (g(c) - g(x["ref"])) * (2.0 * sc) / dg

    def target(self, w, which, g_now=None, alpha=1.0):
        """Conductance a write programs for weight w into the synapse's cell `which`, whose
        conductance is now `g_now` (used by learning.level_update = accumulate) and whose apparent
        conductance is `alpha` times its conductance (used by write-verify compensation)."""
        d = self.hw.device
        sc, dg = d.weight_scale, d.g_max_s - d.g_min_s
        if d.type != "ideal":
            w = min(max(w, -sc), sc)
        if self.enc == "signed":
            return w / sc * dg
        if self.enc == "differential":
            g = d.g_min_s + (max(w, 0.0) if which == 0 else max(-w, 0.0)) / sc * dg
        else:
            g = 0.5 * (d.g_min_s + d.g_max_s) + w / (2.0 * sc) * dg
        g = min(max(g, d.g_min_s), d.g_max_s)
        if self.verify:
            g = min(max(g / alpha, d.g_min_s), d.g_max_s)   # verified against the in-array read
        if not d.levels:
            return g
        step = dg / (d.levels - 1)
        snap = lambda x: d.g_min_s + round((x - d.g_min_s) / dg * (d.levels - 1)) * step  # noqa: E731
        if g_now is not None and self.hw.learning.level_update == "accumulate":
            # whole level steps from the cell's conductance, none until a full step is due
            n_steps = math.floor(abs(g - g_now) / step + 1e-9)
            if n_steps < 1:
                return g_now
            return min(max(snap(g_now + math.copysign(n_steps * step, g - g_now)), d.g_min_s), d.g_max_s)
        return snap(g)

    # ------------------------------------------------------------------ run
    def run(self):
        env = simpy.Environment()
        self.env = env
        nt = self.W * self.H
        self.credits = {(r, p): self.B for r in range(nt) for p in range(5)}
        self.queues = {(r, o): [] for r in range(nt) for o in range(6)}   # o: 0-3 links, 4 eject, 5 inject
        self.kick = {ch: env.event() for ch in self.queues}
        self.busy = {ch: 0 for ch in self.queues}
        self.xq = {k: [] for k in self.used}
        self.xkick = {k: env.event() for k in self.used}
        self.flits = {ch: 0 for ch in self.queues}
        self.v = [0.0] * self.n
        self.refr = [0] * self.n
        self.acc = {}            # (tick, slot) -> current, fixed point (int): order-independent sums
        self.psum_in = {}        # slot -> value delivered this tick
        self.spikes = []
        self.energy = dict.fromkeys(("neuron_update", "spike_out", "noc_hop", "noc_local_delivery",
                                     "row_read", "row_peripherals", "write", "leakage"), 0.0)
        self.counts = dict(neuron_updates=0, spikes_out=0, packets=0, deliveries=0, row_reads=0,
                           synaptic_events=0, write_pulses=0, partial_sum_packets=0, failed_cells=0,
                           refresh_writes=0, weight_rebuilds=0, verify_reads=0, verify_gave_up=0)
        self.latencies = []
        self.last_pre, self.last_post = {}, {}
        self.written = set()
        self.tick_start = [0]
        self.traffic_end = []
        self.overruns = 0
        for ch in self.queues:
            env.process(self.channel(ch))
        for k in self.used:
            env.process(self.crossbar(k))
        done = env.process(self.ticks())
        env.run(until=done)
        return self.results()

    def kick_channel(self, ch):
        if not self.kick[ch].triggered:
            self.kick[ch].succeed()

    def align(self, phase):
        """Timeout to `phase` of the current cycle (or of the next one if it has passed)."""
        c = math.floor(self.env.now)
        t = _t(c, phase)
        if t < self.env.now:
            t = _t(c + 1, phase)
        return self.env.timeout(t - self.env.now)

    def until(self, cycle, phase):
        return self.env.timeout(_t(cycle, phase) - self.env.now)

    def activity(self, cycle):
        self.E = max(self.E, cycle)

    # ------------------------------------------------------------------ ticks
    def ticks(self):
        env, hw = self.env, self.hw
        ipt = self.wl.tick_indptr()
        for t in range(self.T):
            self.t = t
            T0 = self.tick_start[-1]
            yield self.until(T0, 0)
            self.E = T0
            self.live = 0
            self.idle = env.event()
            self.tick_spikes = []
            # partial sums of tick t leave their slots
            pending = {}
            for i in sorted(self.psum_slots):
                for slot in self.psum_slots[i]:
                    if (t, slot) in self.acc:
                        val = self.acc.pop((t, slot))
                        hk = self.home[i][0]
                        pending[hk] = pending.get(hk, 0) + 1
                        pkt = Packet(key=(0, i, slot[0]), neuron=i, kind="psum", t_gen=T0,
                                     dests=frozenset([self.tile_of_xbar[hk]]), value=val, slot=slot)
                        self.counts["partial_sum_packets"] += 1
                        self.inject(pkt, self.tile_of_xbar[slot[0]], T0)
            self.psum_done = {k: env.event() for k in self.used}
            self.psum_pending = pending
            for k in self.used:
                if pending.get(k, 0) == 0:
                    self.psum_done[k].succeed()
            for k in self.used:
                if any(hk == k for hk, _ in self.home.values()):
                    self.live += 1
                    env.process(self.neuron_circuits(k))
            # inputs
            for j in range(ipt[t], ipt[t + 1]):
                i = int(self.wl.input_neurons[j])
                self.tick_spikes.append(i)
                self.emit(i, T0, T0, self.entry.get(i))
            if self.live == 0:
                self.idle.succeed()
            yield self.idle
            self.traffic_end.append(self.E)
            wend = self.learn(t)
            wend = self.between_ticks(wend)
            boundary = T0 + self.P
            if wend >= boundary:
                self.overruns += 1
            self.tick_start.append(max(boundary, wend + 1))
        total = self.tick_start[-1]
        if hw.leakage.gating == "none":
            powered = set(range(hw.n_tiles))
        else:     # power-gated idle tiles: leak only tiles holding a used crossbar or moving flits
            used = {int(k) for k in self.m.neuron_crossbar if k >= 0} | {int(k) for k in self.m.synapse_crossbar}
            powered = {self.tile_of_xbar[k] for k in used} | {ch[0] for ch, n in self.flits.items() if n}
        self.energy["leakage"] = hw.leakage.power_per_tile_w * len(powered) * total / hw.clock_hz * 1e12

    def done_one(self):
        self.live -= 1
        if self.live == 0 and not self.idle.triggered:
            self.idle.succeed()

    def neuron_circuits(self, k):
        """Crossbar k's neuron circuits update its home neurons, `par` per update_latency cycles."""
        env, hw, t = self.env, self.hw, self.t
        yield self.psum_done[k]
        yield self.align(UPD)
        U = math.floor(env.now)
        mine = sorted((c, i) for i, (kk, c) in self.home.items() if kk == k)
        par, lat = hw.neuron.neurons_update_in_parallel, hw.neuron.update_latency_cycles
        for q, (_, i) in enumerate(mine):
            Iq = self.acc.pop((t, (k, self.home[i][1])), 0)
            for slot in self.psum_slots.get(i, []):
                if slot in self.psum_in:
                    Iq = Iq + self.psum_in.pop(slot)
            I = from_fixed(Iq, self.fx_bits)
            self.counts["neuron_updates"] += 1
            self.energy["neuron_update"] += hw.neuron.update_energy_pj
            if self.refr[i] > 0:
                self.refr[i] -= 1
                continue
            v = self.net.leak[i] * self.v[i] + I
            if v >= self.net.threshold[i]:
                self.v[i] = float(self.net.v_reset[i])
                self.refr[i] = int(self.net.refractory[i])
                f = U + (q // par + 1) * lat
                self.spikes.append((t, i, f))
                self.tick_spikes.append(i)
                self.counts["spikes_out"] += 1
                self.energy["spike_out"] += hw.neuron.spike_out_energy_pj
                self.emit(i, f, f + hw.neuron.spike_out_latency_cycles, self.entry.get(i))
            else:
                self.v[i] = v
        self.activity(U + -(-len(mine) // par) * lat)
        self.done_one()

    def emit(self, i, t_gen, rc, tile):
        rows = self.rows_of.get(i)
        if not rows:
            return
        dests = sorted({self.tile_of_xbar[k] for k, _ in rows})
        if self.hw.noc.multicast == "router":
            self.inject(Packet((1, i, 0), i, "spike", t_gen, frozenset(dests)), tile, rc)
        else:
            for d in dests:
                self.inject(Packet((1, i, d), i, "spike", t_gen, frozenset([d])), tile, rc)

    def inject(self, pkt, tile, rc):
        self.counts["packets"] += 1
        self.live += 1          # `live` counts flits not yet forwarded/delivered and reads not done
        fl = Flit(pkt, tile, None, pkt.dests, 1)
        self.request((tile, 5), rc, fl)

    def request(self, ch, rc, fl):
        self.queues[ch].append(Request(rc, fl.packet.key, fl))
        self.kick_channel(ch)

    # ------------------------------------------------------------------ NoC
    def xy(self, r):
        return r % self.W, r // self.W

    def outputs(self, r, dests):
        """XY multicast: output port -> the destinations that go through it."""
        x, y = self.xy(r)
        out = {}
        for d in dests:
            xd, yd = self.xy(d)
            if d == r:
                o = LOCAL
            elif xd > x:
                o = E
            elif xd < x:
                o = W
            elif yd > y:
                o = N
            else:
                o = S
            out.setdefault(o, set()).add(d)
        return out

    def neighbour(self, r, o):
        return {E: r + 1, W: r - 1, N: r + self.W, S: r - self.W}[o]

    def channel(self, ch):
        """One channel (link, ejection or injection): at the SRV phase of a cycle in which it is free,
        it sends the waiting request with the smallest (request cycle, key) whose request cycle has
        come, if the downstream buffer has room for the packet."""
        env, F = self.env, self.F
        r, o = ch
        down = (self.neighbour(r, o), OPPOSITE[o]) if o < 4 else ((r, 4) if o == 5 else None)
        q = self.queues[ch]
        while True:
            while not q:
                self.kick[ch] = env.event()
                yield self.kick[ch]
            yield self.align(SRV)
            c = math.floor(env.now)
            ready = [x for x in q if x.rc <= c]
            if self.busy[ch] > c:
                yield self.until(self.busy[ch], SRV)
                continue
            if not ready:
                self.kick[ch] = env.event()
                yield self.kick[ch] | self.until(min(x.rc for x in q), SRV)
                continue
            if down is not None and self.credits[down] < F:
                self.kick[ch] = env.event()
                yield self.kick[ch]          # a credit comes back
                continue
            req = min(ready)
            q.remove(req)
            self.busy[ch] = c + F
            if down is not None:
                self.credits[down] -= F
            fl = req.flit
            self.live += 1                       # the copy sent on
            self.flits[ch] += F                  # injection (o == 5) too: counted, but not a hop
            if o != 5:
                self.energy["noc_hop"] += F * self.hw.noc.energy_hop_per_flit_pj
            if o < 4:
                nxt = Flit(fl.packet, down[0], down, fl.dests_by_port[o])
                env.process(self.arrive(nxt, c + F - 1 + self.hw.noc.link_latency_cycles))
            elif o == 5:
                env.process(self.arrive(Flit(fl.packet, r, (r, 4), fl.dests), c + F))
            else:
                env.process(self.deliver(fl.packet, r, c + F))
            fl.pending -= 1
            if fl.pending == 0:
                if fl.buffer is not None:
                    env.process(self.release(fl.buffer, c + F))
                self.done_one()

    def arrive(self, fl, cycle):
        yield self.until(cycle, ARR)
        self.activity(cycle)
        outs = self.outputs(fl.router, fl.dests)
        fl.dests_by_port = outs
        fl.pending = len(outs)
        rc = cycle + self.hw.noc.router_latency_cycles
        for o in sorted(outs):
            self.request((fl.router, o), rc, fl)

    def release(self, buf, cycle):
        yield self.until(cycle, REL)
        self.credits[buf] += self.F
        r, p = buf
        up = (r, 5) if p == 4 else (self.neighbour(r, p), OPPOSITE[p])
        self.kick_channel(up)

    def deliver(self, pkt, tile, cycle):
        yield self.until(cycle, ARR)
        self.activity(cycle)
        if pkt.kind == "psum":
            self.psum_in[pkt.slot] = pkt.value
            self.counts["deliveries"] += 1
            self.energy["noc_local_delivery"] += self.hw.noc.energy_local_delivery_pj
            hk = self.home[pkt.neuron][0]
            self.psum_pending[hk] -= 1
            if self.psum_pending[hk] == 0:
                self.psum_done[hk].succeed()
        else:
            for k, r in sorted(self.rows_of[pkt.neuron]):
                if self.tile_of_xbar[k] == tile:
                    self.live += 1
                    self.xq[k].append((cycle, pkt.key, r))
                    self.counts["deliveries"] += 1
                    self.energy["noc_local_delivery"] += self.hw.noc.energy_local_delivery_pj
                    self.latencies.append(cycle - pkt.t_gen)
                    if not self.xkick[k].triggered:
                        self.xkick[k].succeed()
        self.done_one()

    # ------------------------------------------------------------------ crossbars
    def crossbar(self, k):
        """One row read at a time, in order of (arrival cycle, packet key)."""
        env, hw = self.env, self.hw
        x = self.xb[k]
        per = hw.peripherals
        q = self.xq[k]
        while True:
            while not q:
                self.xkick[k] = env.event()
                yield self.xkick[k]
            yield self.align(XB)
            c = math.floor(env.now)
            item = min(q)
            q.remove(item)
            _, _, r = item
            lat = per.row_read_latency_cycles + (per.adc_latency_cycles if per.adc_bits is not None else 0)
            yield self.until(c + lat, XB)
            end = c + lat
            x["row_reads"][r] += 1
            syns = self.row_syns[(k, r)]
            self.counts["row_reads"] += 1
            self.counts["synaptic_events"] += len(syns)
            self.energy["row_read"] += float(x["state"].row_energy[r])
            adc_pj = per.adc_energy_per_conversion_pj if per.adc_bits is not None else 0.0
            self.energy["row_peripherals"] += (per.row_driver_energy_pj + (per.sense_energy_per_column_pj + adc_pj) * hw.tile.crossbar_columns
                                               + per.energy_per_synapse_read_pj * len(syns))
            for s in syns:
                key = (self.t + int(self.net.delay[s]), (k, self.syn_cell[s][2]))
                self.acc[key] = self.acc.get(key, 0) + to_fixed(self.w_eff[s], self.fx_bits)
            self.activity(end)
            self.done_one()

    # ------------------------------------------------------------------ learning
    def learn(self, t):
        """Pair-based STDP with nearest-spike traces; each changed cell is one programming pulse."""
        hw, net = self.hw, self.net
        spiking = set(self.tick_spikes)
        for i in spiking:
            self.last_pre[i] = t
        pulses = {}
        if hw.learning.enabled and net.plastic.any():
            rules = net.stdp_rules
            for i in self.tick_spikes:
                # potentiation of plastic synapses onto i
                for s in self.plastic_in(i):
                    j = self.pre[s]
                    if j not in self.last_pre:
                        continue
                    ru = rules[net.stdp_rule[s]]
                    w = self.w[s] + ru["a_plus"] * math.exp(-float(t - self.last_pre[j]) / ru["tau_plus"])
                    self.stdp_write(s, min(max(w, ru["w_min"]), ru["w_max"]), pulses)
                # depression of plastic synapses out of i
                for s in range(int(net.indptr[i]), int(net.indptr[i + 1])):
                    if not net.plastic[s]:
                        continue
                    j = self.post[s]
                    if j in spiking or j not in self.last_post:
                        continue
                    ru = rules[net.stdp_rule[s]]
                    w = self.w[s] - ru["a_minus"] * math.exp(-float(t - self.last_post[j]) / ru["tau_minus"])
                    self.stdp_write(s, min(max(w, ru["w_min"]), ru["w_max"]), pulses)
        for i in spiking:
            self.last_post[i] = t
        self.written = set(pulses)
        most = max(pulses.values(), default=0)
        per_pulse = hw.peripherals.write_latency_cycles + (hw.peripherals.row_read_latency_cycles if self.verify else 0)
        return self.E + most * per_pulse       # program-and-verify: each pulse is read back

    def synapses_of(self, k):
        """Synapse ids held by crossbar k (grouped once, on first use)."""
        if not hasattr(self, "_syns_of"):
            self._syns_of = {}
            for s, (kk, _, _) in enumerate(self.syn_cell):
                self._syns_of.setdefault(kk, []).append(s)
        return self._syns_of.get(k, [])

    def weight_cells(self, k):
        """(row, block column) of the cells whose conductance matters: every synapse's cell(s)
        and, with reference_column, the reference cell of each used row."""
        out = []
        for s in self.synapses_of(k):
            out += [(r, cc) for (_, r, cc) in self.cells(s)]
        if self.enc == "reference_column":
            x = self.xb[k]
            out += [(r, x["ref"]) for r in range(x["G"].shape[0])]
        return out

    def between_ticks(self, wend):
        """Read disturb, refresh and rebuilds of the effective weights (docs/engine.md §4), cell by
        cell: a cell read n times since it was programmed, past its onset, sits at the drifted
        conductance; with refresh it is reprogrammed once its drift passes the tolerance."""
        from ..devices import drifted_conductance, onset_reads
        hw = self.hw
        law = hw.device.read_disturb
        disturb = law.law != "none"
        refresh = hw.refresh.policy == "reprogram"
        stuck = hw.device.g_min_s if hw.device.faults.wearout_stuck_level == "g_min" else hw.device.g_max_s
        T, t_read = hw.device.temperature.ambient_k, hw.crossbar.read_pulse_s
        extra = 0
        for k in self.used:
            x = self.xb[k]
            st = x["state"]
            changed = False
            if disturb:
                n_refresh = 0
                for (r, c) in self.weight_cells(k):
                    if x["failed"][r, c]:
                        continue
                    n = int(x["row_reads"][r] - x["reads_at_prog"][r, c])
                    G0, N, V = x["G0"][r, c], x["writes"][r, c], x["v_cell"][r, c]
                    onset = float(onset_reads(law, V, t_read, N, T, abs(G0) / hw.device.g_max_s))
                    if not n > onset:
                        continue
                    G = float(drifted_conductance(law, G0, n, V, t_read, N, T, hw.device.g_max_s))
                    if refresh and abs(G - G0) > hw.refresh.drift_tolerance_rel * abs(G0):
                        x["writes"][r, c] += 1
                        self.energy["write"] += self.pulse_energy(x, r, c, True)
                        self.counts["refresh_writes"] += 1
                        n_refresh += 1
                        x["reads_at_prog"][r, c] = x["row_reads"][r]
                        G = G0
                        if x["writes"][r, c] >= x["endurance"][r, c]:
                            x["failed"][r, c] = True
                            x["G0"][r, c] = G = stuck
                    if G != x["G"][r, c]:
                        x["G"][r, c] = G
                        changed = True
                extra = max(extra, n_refresh * hw.peripherals.write_latency_cycles)
            syns = self.synapses_of(k)
            if st.phys is not None and (changed or k in self.written):
                if st.rebuild(x["G"]):
                    self.counts["weight_rebuilds"] += 1
                    x["alpha"] = st.alpha.copy()
                    x["v_cell"] = st.v_cell
                    for s in syns:
                        _, r, c = self.syn_cell[s]
                        self.w_eff[s] = self.adc(s, float(st.W_eff[r, c]))
                    changed = False
            if changed:
                for s in syns:
                    self.w_eff[s] = self.adc(s, self.decode(s))
        self.written = set()
        return wend + extra

    def plastic_in(self, i):
        if not hasattr(self, "_pin"):
            self._pin = {}
            for s in np.flatnonzero(self.net.plastic):
                self._pin.setdefault(self.post[s], []).append(int(s))
        return self._pin.get(i, [])

    def stdp_write(self, s, w, pulses):
        hw = self.hw
        if hw.learning.min_weight_change_rel > 0 and abs(w - self.w[s]) < hw.learning.min_weight_change_rel * hw.device.weight_scale:
            return
        self.w[s] = w
        d = hw.device
        stuck = d.g_min_s if d.faults.wearout_stuck_level == "g_min" else d.g_max_s
        for which, (k, r, c) in enumerate(self.cells(s)):
            x = self.xb[k]
            g = self.target(w, which, x["G0"][r, c], x["alpha"][r, c])
            if g == x["G0"][r, c]:
                continue
            up = g > x["G0"][r, c]
            # program-and-verify (devices/program_verify.py): pulses until the read-back verifies
            n = 1
            if self.verify:
                if x["failed"][r, c]:
                    n, gave_up = self.verify_max, True          # a stuck cell never verifies
                else:
                    C = self.hw.tile.crossbar_columns
                    key = (k * self.hw.tile.crossbar_rows + r) * C + int(x["state"].layout.phys[c])
                    n, gave_up = verify_iterations(self.verify_seed, key, int(x["writes"][r, c]),
                                                   self.verify_log1mp, self.verify_max)
                self.counts["verify_reads"] += n
                self.counts["verify_gave_up"] += int(gave_up)
                per = self.hw.peripherals
                self.energy["write"] += n * (per.row_driver_energy_pj + per.sense_energy_per_column_pj)
            x["writes"][r, c] += n
            pulses[k] = pulses.get(k, 0) + n
            self.counts["write_pulses"] += n
            self.energy["write"] += n * self.pulse_energy(x, r, c, up)
            if x["failed"][r, c]:
                continue                     # a worn-out cell ignores the pulses
            x["G"][r, c] = x["G0"][r, c] = g
            x["reads_at_prog"][r, c] = x["row_reads"][r]
            if x["writes"][r, c] >= x["endurance"][r, c]:
                x["failed"][r, c] = True
                self.counts["failed_cells"] += 1
                x["G"][r, c] = x["G0"][r, c] = stuck
        self.w_eff[s] = self.adc(s, self.decode(s))

    def pulse_energy(self, x, r, c, up):
        hw = self.hw
        d, cb = hw.device, hw.crossbar
        e = hw.peripherals.write_driver_energy_pj
        if d.type == "ideal":
            return e
        cell = d.energy_set_pj if up else d.energy_reset_pj
        if cell == 0:
            from ..crossbar.physics import program_current
            if not hasattr(self, "_iprog"):
                self._iprog = program_current(hw)
            cell = cb.program_voltage_v * self._iprog[r, x["state"].layout.phys[c]] * cb.program_pulse_s * 1e12
        return e + cell

    # ------------------------------------------------------------------ results
    def results(self):
        sp = sorted(self.spikes, key=lambda z: (z[0], z[1]))
        total = self.tick_start[-1]
        e = dict(self.energy)
        e["total"] = sum(e.values())
        self.counts["adc_saturations"] = self.n_adc_sat
        self.counts["failed_cells"] = int(sum(bool(self.xb[k]["failed"][r, c]) for k in self.used
                                              for (r, c) in self.weight_cells(k)))
        return dict(
            spikes=np.array(sp, dtype=np.int64).reshape(-1, 3),
            tick_start=np.array(self.tick_start, np.int64), traffic_end=np.array(self.traffic_end, np.int64),
            overruns=self.overruns, total_cycles=total, energy_pj=e, counts=dict(self.counts),
            latencies=np.array(self.latencies, np.int64),
            link_flits={ch: n for ch, n in self.flits.items() if n},
            crossbars={k: dict(row_reads=x["row_reads"], writes=x["writes"], G=x["G"], failed=x["failed"])
                       for k, x in self.xb.items()},
            weights=np.array(self.w) * self.gains[np.asarray(self.net.post, np.int64)],
        )


def simulate_reference(wl, hw, mapping, *, ticks=None, seed=0) -> dict:
    """Run the SimPy model; returns a dict (spikes as (tick, neuron, cycle) rows, tick starts,
    traffic ends, overruns, energies, counters, per-crossbar row reads / writes / conductances)."""
    return ReferenceModel(wl, hw, mapping, ticks=ticks, seed=seed).run()
