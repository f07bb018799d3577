"""Aging: fast-forward a chip to a given age and run the workload again.

A simulated run measures, for every used cell, its writes and reads per inference. Aging a chip to
``A`` inferences (or seconds at the workload's rate) extrapolates those rates linearly:

* writes at age ``A``: ``w(A) = writes_per_inference · A`` (plus refresh writes, below); on a chip
  whose write lifetime comes from the write history (docs/design.md#lifetimes), the same model of
  each cell's cumulative writes instead: the run's counts up to its end, then the cell's rate after
  the transient (or its share of the fitted decay);
* reads at age ``A``: ``r(A) = reads_per_inference · A``;
* refresh (``hw.refresh.policy: reprogram``): a cell is rewritten to its programmed level each time
  its drift passes the tolerance, i.e. every ``N_RD`` reads; it has then seen ``floor(r(A) / N_RD)``
  refresh writes and ``r(A) mod N_RD`` reads since its last programming. With ``policy: none`` all
  ``r(A)`` reads count since programming;
* wear-out: a cell with ``w(A) ≥ E`` (its write endurance) is stuck at
  ``hw.device.faults.wearout_stuck_level``;
* read-disturb drift: ``G = G0 · (n·t_read / t_tr)^(−p)`` once the stress passes the onset
  (Jiang et al., :func:`neurosim.devices.drifted_conductance`), at the cell's read voltage, stored
  level, prior cycles ``w(A)`` and temperature.

The aged conductances are decoded into weights (:func:`neurosim.devices.decode_conductances`, from
the nominal quantised conductances, so device-to-device variation is applied once, by the engine)
and the workload is simulated again on the same chip and mapping. Synapses on worn-out cells are
made non-plastic (a stuck cell takes no writes). When drift moves conductances off the level grid of
a multi-level inference chip, the aged run programs the pre-quantised aged values with the level
grid switched off (``device.levels: null``), so drift is not rounded away; chips that learn on chip
keep their levels.

The time to first reprogram is the inference (read) lifetime: the first time any used cell's drift
passes the tolerance; under ``policy: reprogram`` that is when the first refresh write happens,
under ``policy: none`` the chip must be reprogrammed externally by then.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from .lifetime import SECONDS_PER_YEAR

__all__ = ["AgedChip", "age_chip", "aging_study", "default_ages"]


@dataclass
class AgedChip:
    """A workload whose weights are those of the chip at ``age_inferences``, and what aged."""

    age_inferences: float
    age_seconds: float
    workload: object
    hw: object
    worn_cells: int
    drifted_cells: int
    refresh_writes: float
    changed_synapses: int
    mean_abs_weight_change: float
    levels_disabled: bool
    out_of_tolerance_cells: int = 0
    max_rel_drift: float = 0.0
    per_crossbar: list = field(default_factory=list)


def _has_wear(hw) -> bool:
    return hw.device.write_endurance.law != "none" or hw.device.read_disturb.law != "none"


def default_ages(lifetime_s: float, tick_s: float) -> list[float]:
    """Ages (s) for an aging curve: a new chip, then multiples of the chip's lifetime (or, when it is
    unbounded, one day, one year and ten years)."""
    if np.isfinite(lifetime_s) and lifetime_s > 0:
        return [0.0] + [f * lifetime_s for f in (0.5, 1.0, 2.0, 5.0, 20.0)]
    return [0.0, 86400.0, SECONDS_PER_YEAR, 10 * SECONDS_PER_YEAR]


def age_chip(ev, wl, hw, mapping, *, age_inferences: float | None = None, age_seconds: float | None = None) -> AgedChip:
    """Fast-forward the chip of evaluation ``ev`` (from :func:`neurosim.evaluate` with ``maps=True``
    or ``False``) running ``wl`` placed by ``mapping`` to the given age; returns an :class:`AgedChip`
    whose ``workload`` and ``hw`` are ready for :func:`neurosim.simulate`."""
    from ..devices import (decode_conductances, device_params, drifted_conductance, encode_weights, quantise,
                           reads_to_tolerance, temperature_map)
    from ..devices.faults import stuck_value
    from .lifetime import read_voltage_map, full_conductance

    ips = ev.run["inferences_per_s"]
    if (age_inferences is None) == (age_seconds is None):
        raise ValueError("give exactly one of age_inferences and age_seconds")
    if age_inferences is None:
        age_inferences = float(age_seconds) * ips
    age_inferences = float(age_inferences)
    if age_inferences < 0 or not np.isfinite(age_inferences):
        raise ValueError(f"age: must be finite and >= 0, got {age_inferences}")
    net = wl.network
    p = device_params(hw)
    law = hw.device.read_disturb
    disturb = law.law != "none"
    refresh = hw.refresh.policy == "reprogram"
    learning = bool(hw.learning.enabled) and bool(np.any(net.plastic))
    disable_levels = disturb and hw.device.levels is not None and not learning
    stuck = stuck_value(hw, hw.device.faults.wearout_stuck_level)
    # the chip stores w / g for neurons with an input gain g (neurosim.devices.gain): age what it stores
    from ..devices.gain import input_gains
    gain = input_gains(net, hw).gains[np.asarray(net.post, np.int64)]
    weight = np.array(net.weight, dtype=np.float64) / gain
    plastic = np.array(net.plastic, dtype=bool)
    changed = np.zeros(weight.size, bool)
    sk = np.asarray(mapping.synapse_crossbar)
    sr = np.asarray(mapping.synapse_row)
    sc = np.asarray(mapping.synapse_column)
    totals = dict(worn=0, drifted=0, refresh=0.0, oot=0, maxdrift=0.0)
    tol = float(getattr(law, "drift_tolerance_rel", 0.0) or 0.0)
    per = []
    for x, rec in zip(ev.crossbars, _records(ev)):
        k = x.crossbar
        ids = np.flatnonzero(sk == k)
        rows_used = x.used.shape[0]
        cols = x.physical_columns
        W = np.zeros((rows_used, hw.neurons_per_crossbar))
        mask = np.zeros(W.shape, bool)
        W[sr[ids], sc[ids]] = weight[ids]
        mask[sr[ids], sc[ids]] = True
        G_nom = quantise(hw, encode_weights(hw, W, mask)) if hw.device.levels is not None else encode_weights(hw, W, mask)
        G0 = G_nom[:rows_used][:, cols]
        wm = x.extra.get("write_model")
        if wm is None or rec is None:
            writes = x.writes_per_inference * age_inferences
        else:                      # the write lifetime's model of each cell's cumulative writes
            writes = np.zeros(x.used.shape)
            writes[rec.cell_rows, rec.cell_cols] = wm.at(age_inferences * x.extra["ticks_per_inference"])
        reads = x.reads_per_inference * age_inferences
        n_refresh = np.zeros_like(reads)
        G = G0.copy()
        drifted = np.zeros(G.shape, bool)
        if disturb:
            if x.v_read_full.size:
                V = x.v_read_full[:rows_used][:, cols]
            else:
                V = read_voltage_map(hw, full_conductance(hw, rec))[:rows_used][:, cols]
            T = temperature_map(hw, np.zeros((hw.tile.crossbar_rows, hw.tile.crossbar_columns)))[:rows_used][:, cols]
            g_rel = np.abs(G0) / hw.device.g_max_s
            if refresh:
                # reads to tolerance at the cycling the cell has seen by then (refresh writes included)
                def n_rd(w):
                    return reads_to_tolerance(law, V, hw.crossbar.read_pulse_s, w, T, g_rel)
                N = n_rd(writes)
                for _ in range(3):
                    ok = N > 0
                    n_refresh = np.where(ok, np.floor(reads / np.where(ok, N, 1.0)), 0.0)
                    N = n_rd(writes + n_refresh)
                ok = N > 0
                n_refresh = np.where(ok, np.floor(reads / np.where(ok, N, 1.0)), 0.0)
                reads = np.where(ok, reads - n_refresh * np.where(ok, N, 1.0), reads)
                writes = writes + n_refresh
                # a cell is rewritten as soon as it passes the tolerance at its present cycling
                N_now = n_rd(writes)
                reads = np.where(N_now > 0, np.minimum(reads, N_now), reads)
            G = drifted_conductance(law, np.abs(G0), reads, V, hw.crossbar.read_pulse_s, prior_cycles=writes,
                                    temperature_k=T, g_max=hw.device.g_max_s) * np.sign(np.where(G0 == 0, 1.0, G0))
            drifted = (G != G0) & x.used
        worn = (writes >= x.write_endurance) & x.used
        if disturb:
            with np.errstate(divide="ignore", invalid="ignore"):
                rel = np.where(x.used & ~worn & (G0 != 0), np.abs(G - G0) / np.abs(np.where(G0 != 0, G0, 1.0)), 0.0)
            # a refreshed cell is rewritten the moment it passes the tolerance: never beyond it
            totals["oot"] += int(np.count_nonzero(rel > tol * (1 + 1e-9)))
            totals["maxdrift"] = max(totals["maxdrift"], float(rel.max()) if rel.size else 0.0)
        G = np.where(worn, stuck, G)
        affected = worn | drifted
        totals["worn"] += int(worn.sum())
        totals["drifted"] += int((drifted & ~worn).sum())
        totals["refresh"] += float((n_refresh * x.used).sum())
        per.append({"crossbar": int(k), "worn_cells": int(worn.sum()), "drifted_cells": int((drifted & ~worn).sum())})
        if not affected.any() and not disable_levels:
            continue
        G_full = G_nom.copy()
        G_full[:rows_used, cols] = G
        W_aged = decode_conductances(p, G_full)
        new_w = W_aged[sr[ids], sc[ids]]
        # cells (logical) touched by aging
        if hw.device.weight_encoding == "differential":
            col_of = np.full(hw.tile.crossbar_columns, -1)
            col_of[cols] = np.arange(cols.size)
            touched = affected[sr[ids], col_of[2 * sc[ids]]] | affected[sr[ids], col_of[2 * sc[ids] + 1]]
            worn_syn = worn[sr[ids], col_of[2 * sc[ids]]] | worn[sr[ids], col_of[2 * sc[ids] + 1]]
        elif hw.device.weight_encoding == "reference_column":
            col_of = np.full(hw.tile.crossbar_columns, -1)
            col_of[cols] = np.arange(cols.size)
            ref = col_of[hw.tile.crossbar_columns - 1]
            touched = affected[sr[ids], col_of[sc[ids]]] | affected[sr[ids], ref]
            worn_syn = worn[sr[ids], col_of[sc[ids]]]
        else:
            col_of = np.full(hw.tile.crossbar_columns, -1)
            col_of[cols] = np.arange(cols.size)
            touched = affected[sr[ids], col_of[sc[ids]]]
            worn_syn = worn[sr[ids], col_of[sc[ids]]]
        if disable_levels:
            weight[ids] = new_w            # every synapse pre-quantised (levels off in the aged run)
        else:
            weight[ids[touched]] = new_w[touched]
        changed[ids[touched]] = True
        plastic[ids[worn_syn]] = False
    weight *= gain                        # back to network units
    orig = np.asarray(net.weight, dtype=np.float64)
    net2 = dataclasses.replace(net, weight=weight.astype(net.weight.dtype), plastic=plastic)
    from ..workload import Workload
    wl2 = Workload.from_arrays(net2, wl.input_ticks, wl.input_neurons, wl.n_ticks, labels=wl.labels,
                               sample_starts=wl.sample_starts if wl.n_samples else None,
                               sample_ticks=wl.sample_ticks if wl.n_samples else None,
                               name=wl.name, metadata=dict(wl.metadata))
    hw2 = hw
    if disable_levels:
        hw2 = hw.model_copy(update={"device": hw.device.model_copy(update={"levels": None})})
    diff = np.abs(weight - orig)[changed]
    return AgedChip(
        age_inferences=age_inferences, age_seconds=age_inferences / ips if ips > 0 else float("inf"),
        workload=wl2, hw=hw2, worn_cells=totals["worn"], drifted_cells=totals["drifted"],
        refresh_writes=totals["refresh"], changed_synapses=int(changed.sum()),
        mean_abs_weight_change=float(diff.mean()) if diff.size else 0.0, levels_disabled=disable_levels,
        out_of_tolerance_cells=totals["oot"], max_rel_drift=totals["maxdrift"], per_crossbar=per,
    )


def _records(ev):
    recs = ev.extra.get("records")
    if recs is None:
        return [None] * len(ev.crossbars)
    return recs


def aging_study(ev, wl, hw, mapping, *, ages_s=None, ticks=None, seed=0, progress=None) -> dict:
    """Accuracy, energy and latency of the chip at each age (seconds at the workload's rate).

    Returns a JSON-able dict: ``ages`` (one row per age: seconds, years, inferences, accuracy,
    energy per inference, mean and p99 spike latency, worn and drifted cells, refresh writes),
    ``time_to_first_reprogram_s`` / ``_inferences``, ``first_wearout_s`` and the policy. A chip without
    write wear and read disturb does not age: its rows repeat the new chip's metrics without new
    simulations.
    """
    import warnings

    from ..engine import simulate
    from .accuracy import run_accuracy
    from .evaluate import evaluate
    from .writerate import WriteRateWarning

    read_life = ev.lifetime["read"]["chip"]
    write_life = ev.lifetime["write"]["chip"]
    life_s = min(read_life["seconds"], write_life["seconds"])
    ages = list(default_ages(life_s, hw.tick_period_s) if ages_s is None else ages_s)
    if any((not np.isfinite(a)) or a < 0 for a in ages):
        raise ValueError(f"ages: every age must be finite and >= 0 s, got {ages}")
    T = ev.run["ticks"] if ticks is None else int(ticks)
    rows = []
    base_row = {
        "accuracy": (ev.accuracy or {}).get("accuracy"),
        "energy_per_inference_pj": ev.energy["per_inference_pj"]["total"],
        "packet_latency_mean_cycles": ev.latency["packet_latency_cycles"]["mean"],
        "packet_latency_p99_cycles": ev.latency["packet_latency_cycles"]["p99"],
        "busy_cycles_per_tick_mean": ev.latency["busy_cycles_per_tick"]["mean"],
        "overruns": ev.latency["overruns"],
    }
    wear = _has_wear(hw)
    it = ages if progress is None else progress(ages)
    for a in it:
        aged = age_chip(ev, wl, hw, mapping, age_seconds=a)
        row = {"age_s": float(a), "age_years": float(a) / SECONDS_PER_YEAR, "age_inferences": aged.age_inferences,
               "worn_cells": aged.worn_cells, "drifted_cells": aged.drifted_cells,
               "out_of_tolerance_cells": aged.out_of_tolerance_cells, "max_rel_drift": aged.max_rel_drift,
               "refresh_writes": aged.refresh_writes, "changed_synapses": aged.changed_synapses,
               "mean_abs_weight_change": aged.mean_abs_weight_change, "simulated": False}
        if not wear or (aged.changed_synapses == 0 and not aged.levels_disabled):
            row.update(base_row)
        else:
            res = simulate(aged.workload, aged.hw, mapping, ticks=T, seed=seed,
                           timing=ev.latency.get("timing", "cycle"))
            with warnings.catch_warnings():      # the aged run's own write lifetime is not reported
                warnings.simplefilter("ignore", WriteRateWarning)
                ev2 = evaluate(res, aged.hw, mapping, workload=aged.workload, maps=False)
            acc = run_accuracy(aged.workload, res.spikes, T)
            row.update({
                "accuracy": None if acc is None else acc["accuracy"],
                "energy_per_inference_pj": ev2.energy["per_inference_pj"]["total"],
                "packet_latency_mean_cycles": ev2.latency["packet_latency_cycles"]["mean"],
                "packet_latency_p99_cycles": ev2.latency["packet_latency_cycles"]["p99"],
                "busy_cycles_per_tick_mean": ev2.latency["busy_cycles_per_tick"]["mean"],
                "overruns": ev2.latency["overruns"], "simulated": True,
            })
        rows.append(row)
    policy = hw.refresh.policy
    return {
        "policy": policy,
        "ages": rows,
        "ticks_per_run": T,
        "chip_ages": bool(wear),
        "time_to_first_reprogram_s": read_life["seconds"],
        "time_to_first_reprogram_inferences": read_life["inferences"],
        "first_reprogram_meaning": ("first refresh write (policy reprogram)" if policy == "reprogram" else
                                    "first cell drifts past tolerance; policy none: reprogram externally by then"),
        "first_wearout_s": write_life["seconds"],
        "first_wearout_inferences": write_life["inferences"],
    }
