"""Steady-state write rates: the write lifetime of a chip whose write rate changes during the run.

On-chip learning programs cells fastest while the weights move (the first samples) and ever less
as they settle; refresh writes may instead grow. Dividing a cell's endurance by the writes per
inference of the simulated window treats that window's rate as steady from tick 0, so the write
lifetime of a learning chip grows with the run length. This module estimates the rate the chip
settles to from the write history the engine keeps at window boundaries
(:class:`neurosim.engine.result.WriteHistory`; docs/design.md#lifetimes):

1. the chip's pulse counts in the complete windows are fitted by Poisson maximum likelihood (each
   count against the model's integral over its window) with two decay models toward a floor ``c``
   (this project's models): ``power``: ``c + a · (1 + t / t0)^-p`` (``t0`` the median window) and
   ``exponential``: ``c + a · exp(-t / tau)``; the better deviance R² is kept;
2. the transient ends (the onset) where the fitted ``rate - c`` falls to ``tol · c``; the rate after
   it is *steady* when it was seen for at least as long as the transient took, over at least
   ``min_tail`` windows, and the second half of that tail is shown not to fall below the first by
   more than :data:`MAX_DECLINE` (decline plus twice its standard error);
3. each cell's lifetime is the tick ``N`` at which its cumulative writes reach its endurance,
   ``C_i(T) + r_i (N - T) = E_i``, with ``r_i`` its pulses per tick from the first per-cell copy at
   or after the onset (``steady_state``; ``latest_rate``, a lower bound while rates fall, when the
   tail is not shown steady);
4. the run ends before the onset, or nothing fits: each cell's rate over the last third of the run
   (``latest_rate``, a lower bound while rates fall); the headline never extrapolates a model, so
   two mappings of one workload are compared by the same rule;
5. fewer than ``min_windows`` complete windows: the run average (``run_average``).

Beside it, when the fit's R² >= ``r2_min`` and its floor resolves at least one pulse over the run,
the fit's extrapolation: each cell keeps its share ``s_i`` of the chip's writes over the last third
of the run, ``C_i(N) = C_i(T) + s_i (Y(N) - Y(T))`` with ``Y`` the fit's integral, solved for ``N``
(``RateEstimate.cell_life_fit_ticks``; ``write_lifetime_fit_*`` in results).

Rates here are per tick and lifetimes in ticks from the start of the run; the caller converts them
to inferences.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

__all__ = ["DecayFit", "RateEstimate", "CellWriteModel", "fit_decay", "estimate_write_rate", "METHODS",
           "WriteRateWarning", "window_table"]

#: Methods an estimate can report.
METHODS = ("steady_state", "latest_rate", "run_average", "no_writes")


class WriteRateWarning(UserWarning):
    """The write lifetime is not from a steady write rate seen in the run (too short, or still decaying)."""


@dataclass(frozen=True)
class DecayFit:
    """Pulses per tick at tick ``t``: ``floor + amplitude · (1 + t / t_scale)^-shape`` (``power``) or
    ``floor + amplitude · exp(-t / shape)`` (``exponential``); ``r2`` the fit's deviance R² (Poisson
    counts per window: 1 - D(model) / D(constant rate))."""

    model: str
    floor: float
    amplitude: float
    shape: float
    r2: float
    t_scale: float = 1.0

    def rate(self, t) -> np.ndarray:
        """Pulses per tick at ticks ``t`` (>= 0)."""
        t = np.asarray(t, dtype=np.float64)
        if self.model == "power":
            return self.floor + self.amplitude * (1.0 + t / self.t_scale) ** -self.shape
        return self.floor + self.amplitude * np.exp(-t / self.shape)

    def integral(self, t0, t1) -> np.ndarray:
        """Pulses from tick ``t0`` to ``t1`` (``0 <= t0 <= t1``)."""
        t0, t1 = np.asarray(t0, dtype=np.float64), np.asarray(t1, dtype=np.float64)
        out = self.floor * (t1 - t0)
        if self.model == "power":
            p, s = self.shape, self.t_scale
            u0, u1 = 1.0 + t0 / s, 1.0 + t1 / s
            if abs(p - 1.0) < 1e-9:
                return out + self.amplitude * s * (np.log(u1) - np.log(u0))
            return out + self.amplitude * s * (u1 ** (1 - p) - u0 ** (1 - p)) / (1 - p)
        return out + self.amplitude * self.shape * (np.exp(-t0 / self.shape) - np.exp(-t1 / self.shape))

    def onset(self, tol: float) -> float:
        """First tick from which ``rate - floor <= tol · floor`` (inf when the floor is 0 and the
        transient is not)."""
        a = abs(self.amplitude)
        if a == 0:
            return 0.0
        if self.floor <= 0:
            return float("inf")
        x = a / (tol * self.floor)
        if x <= 1:
            return 0.0
        if self.model == "power":
            return float(self.t_scale * (x ** (1.0 / self.shape) - 1.0))
        return float(self.shape * np.log(x))

    def to_dict(self) -> dict:
        return {"model": self.model, "floor_per_tick": self.floor, "amplitude": self.amplitude,
                "shape": self.shape, "t_scale": self.t_scale, "r2": self.r2}


@dataclass
class RateEstimate:
    """What :func:`estimate_write_rate` found. Rates in pulses per tick of the whole chip; ticks from
    the start of the run; ``cell_life_ticks`` per cell (inf: never reaches its endurance)."""

    method: str
    steady: bool
    cell_life_ticks: np.ndarray
    rate_average: float                 # pulses per tick over the run
    rate_steady: Optional[float]        # the rate the lifetime uses (tail mean, or the fit's floor)
    onset_tick: Optional[float]         # where the fitted transient ends, None when unknown
    tail_start_tick: Optional[int]      # start of the window the per-cell rates come from
    fit: Optional[DecayFit] = None
    fits: dict = field(default_factory=dict)   # every model tried: DecayFit or None
    note: str = ""
    model: Optional["CellWriteModel"] = None      # cumulative pulses per cell at any tick
    #: per cell: ticks until its writes reach its endurance along the fitted decay (a model
    #: extrapolation, reported beside the lifetime; None without a usable fit)
    cell_life_fit_ticks: Optional[np.ndarray] = None


@dataclass
class CellWriteModel:
    """Cumulative pulses of cells at any tick under the model their write lifetimes use (aging applies
    it): the run's own counts scaled by ``t / T`` up to the run's end ``T``, then
    ``C_T + rate · (t - T)`` (``steady_state``, ``latest_rate``); the run average ``C_T · t / T``
    for the other methods."""

    method: str
    T: float
    C_T: np.ndarray                   # pulses of each cell in the run
    rate: Optional[np.ndarray] = None   # pulses per tick after the run (steady_state, latest_rate)

    def at(self, t: float) -> np.ndarray:
        """Pulses of each cell by tick ``t`` (>= 0)."""
        t = float(t)
        if t <= self.T or self.rate is None:
            return self.C_T * (t / self.T)
        return self.C_T + self.rate * (t - self.T)

    def select(self, sl) -> "CellWriteModel":
        """The model of the cells ``sl`` (a slice or index array)."""
        return CellWriteModel(self.method, self.T, self.C_T[sl], None if self.rate is None else self.rate[sl])


def _deviance(n, mu) -> float:
    """Poisson deviance of counts ``n`` against means ``mu``."""
    mu = np.maximum(mu, 1e-300)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(n > 0, n * np.log(n / mu), 0.0)
    return float(2.0 * np.sum(term - (n - mu)))


def fit_decay(t0, t1, n, models=("power", "exponential")) -> dict:
    """Fit each decay model to pulse counts ``n`` in windows ``[t0, t1)`` (ticks) by Poisson maximum
    likelihood on each window's integral: ``{model: DecayFit or None}`` (None: the fit failed).
    Floor and amplitude are >= 0 (a rate that does not decay fits with amplitude 0); the power law's
    ``t_scale`` is the median window length."""
    from scipy.optimize import minimize

    t0 = np.asarray(t0, dtype=np.float64)
    t1 = np.asarray(t1, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    dt = t1 - t0
    scale = float(np.median(dt))
    total_rate = float(n.sum() / dt.sum())
    m = max(1, n.size // 4)
    tail = max(float(n[-m:].sum() / dt[-m:].sum()), total_rate * 1e-6)
    head = max(float(n[:m].sum() / dt[:m].sum()), tail)
    span = float(t1[-1])
    d_null = _deviance(n, total_rate * dt)
    out = {}
    for model in models:
        shapes = (0.5, 1.0, 2.0, 4.0) if model == "power" else (span / 50, span / 10, span / 3, span)

        def make(x):
            c, a, s = np.exp(x)
            return DecayFit(model, float(c), float(a), float(s), 0.0, scale)

        def nll(x):
            try:
                mu = np.maximum(make(x).integral(t0, t1), 1e-300)
            except (OverflowError, FloatingPointError):
                return 1e300
            v = float(np.sum(mu - n * np.log(mu)))
            return v if np.isfinite(v) else 1e300

        best = None
        for s0 in shapes:
            x0 = np.log([tail, max(head - tail, tail * 1e-3), s0])
            with np.errstate(all="ignore"):
                r = minimize(nll, x0, method="Nelder-Mead",
                             options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 8000, "maxfev": 16000})
            if np.isfinite(r.fun) and (best is None or r.fun < best.fun):
                best = r
        if best is None or best.fun >= 1e300:
            out[model] = None
            continue
        f = make(best.x)
        if model == "power" and f.shape > 50:
            f = DecayFit(model, f.floor, f.amplitude, 50.0, 0.0, scale)
        d = _deviance(n, f.integral(t0, t1))
        r2 = 1.0 - d / d_null if d_null > 0 else 1.0
        out[model] = DecayFit(model, f.floor, f.amplitude, f.shape, float(r2), scale)
    return out


#: Largest relative decline of the rate between the two halves of the tail (its upper ~95 % bound) for
#: the tail to count as steady.
MAX_DECLINE = 0.25


def _halves_steady(n, dt, max_decline: float = MAX_DECLINE) -> bool:
    """True when the rate of the second half of these windows is shown not to be below the first
    half's by more than ``max_decline`` (relative): the decline plus twice its standard error (from
    the windows' own scatter, so bursty writes widen it) stays under it. Too noisy a tail to tell is
    not steady."""
    k = n.size
    if k < 2:
        return False
    h = k // 2
    a, b = n[:h] / dt[:h], n[h:] / dt[h:]
    ma, mb = float(np.mean(a)), float(np.mean(b))
    if ma <= 0:
        return mb <= 0
    se = np.sqrt((np.var(a, ddof=1) if a.size > 1 else ma ** 2) / a.size
                 + (np.var(b, ddof=1) if b.size > 1 else mb ** 2) / b.size)
    return (ma - mb) + 2.0 * se <= max_decline * ma


def _solve_cells(fit: DecayFit, T: float, C_T, share, E, t_max: float = 1e30) -> np.ndarray:
    """Ticks ``N >= T`` at which ``C_T + share · ∫_T^N rate = E`` for each cell (inf: never)."""
    C_T, share, E = (np.asarray(a, dtype=np.float64) for a in (C_T, share, E))
    need = E - C_T
    out = np.full(C_T.shape, np.inf)
    done = need <= 0
    out[done] = T * E[done] / np.maximum(C_T[done], 1.0)
    todo = (~done) & (share > 0) & np.isfinite(E)
    if not todo.any():
        return out
    gain_max = share[todo] * fit.integral(T, t_max)
    reach = gain_max >= need[todo]
    idx = np.flatnonzero(todo)[reach]
    if idx.size == 0:
        return out
    lo = np.full(idx.size, np.log(T))
    hi = np.full(idx.size, np.log(t_max))
    for _ in range(200):                           # bisection in log ticks, to ~1e-13 relative
        mid = 0.5 * (lo + hi)
        got = share[idx] * fit.integral(T, np.exp(mid))
        up = got >= need[idx]
        hi = np.where(up, mid, hi)
        lo = np.where(up, lo, mid)
        if np.all(hi - lo < 1e-13):
            break
    out[idx] = np.exp(hi)
    return out


def _cell_copy(cell_ticks, ticks_complete, t0: float, min_tail: int) -> int:
    """The per-cell copy the tail starts at: the first at or after ``t0`` that leaves ``min_tail``
    complete windows, else the last before it."""
    after = cell_ticks[cell_ticks >= t0]
    if after.size and np.count_nonzero(ticks_complete >= after[0]) >= min_tail:
        return int(after[0])
    before = cell_ticks[cell_ticks <= t0]
    return int(before[-1]) if before.size else int(cell_ticks[0])


def estimate_write_rate(ticks, chip, cell_ticks, cell_counts, endurance, *, tol: float = 0.1,
                        min_windows: int = 6, min_tail: int = 3, r2_min: float = 0.5) -> RateEstimate:
    """Steady-state (or fitted, or latest) write rate and per-cell write lifetimes of a run (module
    docstring).

    Parameters
    ----------
    ticks : int (W+1,)
        Window boundaries in ticks, from 0 to the run's end ``T``.
    chip : int (W+1,)
        Cumulative pulses of the chip at each boundary.
    cell_ticks : int (S,)
        Boundaries (a subset of ``ticks`` with the first and last) at which per-cell counts were kept.
    cell_counts : int (S, n)
        Cumulative pulses of each cell at ``cell_ticks``.
    endurance : float (n,)
        Write endurance of each cell (cycles; inf: no wear).
    tol : float
        Size of the fitted transient, relative to the floor, at which the transient ends (the onset).
    min_windows, min_tail : int
        Complete windows needed to fit, and after the onset to call the rate steady.
    r2_min : float
        Deviance R² a fit needs to be extrapolated.
    """
    ticks = np.asarray(ticks, dtype=np.int64)
    chip = np.asarray(chip, dtype=np.float64)
    cell_ticks = np.asarray(cell_ticks, dtype=np.int64)
    counts = np.asarray(cell_counts)                      # rows converted as used (it may be large)
    E = np.asarray(endurance, dtype=np.float64)
    T = int(ticks[-1])
    C_T = counts[-1].astype(np.float64) if counts.shape[0] else np.zeros(E.shape)
    avg = float(chip[-1] - chip[0]) / max(T, 1)
    naive = np.where(C_T > 0, T * E / np.where(C_T > 0, C_T, 1.0), np.inf)   # E / (C_T / T)
    base = dict(rate_average=avg, rate_steady=None, onset_tick=None, tail_start_tick=None,
                model=CellWriteModel("run_average", float(max(T, 1)), C_T))
    if chip[-1] - chip[0] <= 0:
        return RateEstimate("no_writes", True, np.full(E.shape, np.inf), **base)

    dt = np.diff(ticks).astype(np.float64)
    dw = np.diff(chip)
    complete = dt >= 0.5 * float(np.median(dt))            # a trailing part-window is left out of the fit
    k = np.flatnonzero(complete)
    if k.size < min_windows:
        return RateEstimate("run_average", False, naive, **base,
                            note=f"{k.size} complete windows (sample periods) in the run, {min_windows} needed to "
                                 "see how the write rate changes: the run average is reported (a lower bound when "
                                 "the rate decays)")
    starts = ticks[:-1][k]
    fits = fit_decay(starts, starts + dt[k], dw[k])
    ok = [f for f in fits.values() if f is not None]
    fit = max(ok, key=lambda f: f.r2) if ok else None
    onset = fit.onset(tol) if fit is not None else float("inf")

    def tail_rates(t0):
        s0 = _cell_copy(cell_ticks, starts, t0, min_tail)
        j = int(np.flatnonzero(cell_ticks == s0)[0])
        rate = (C_T - counts[j].astype(np.float64)) / max(T - s0, 1)
        life = np.full(E.shape, np.inf)
        pos = rate > 0
        life[pos] = T + (E[pos] - C_T[pos]) / rate[pos]
        worn = C_T >= E
        life[worn] = naive[worn]
        r_chip = float(chip[-1] - chip[int(np.flatnonzero(ticks == s0)[0])]) / max(T - s0, 1)
        return s0, life, r_chip, rate

    r2txt = f"deviance R² {fit.r2:.3f}" if fit is not None else "no fit"
    fit_life = None
    if fit is not None and fit.r2 >= r2_min and fit.floor * T >= 1.0:      # a floor of >= 1 pulse over the run
        # the fit's extrapolation, each cell keeping its share of the chip's writes over the last third
        t0 = T - (T - int(ticks[0])) / 3.0
        s0 = int(cell_ticks[cell_ticks <= t0][-1]) if np.any(cell_ticks <= t0) else int(cell_ticks[0])
        j = int(np.flatnonzero(cell_ticks == s0)[0])
        dchip = float(chip[-1] - chip[int(np.flatnonzero(ticks == s0)[0])])
        share = (C_T - counts[j].astype(np.float64)) / dchip if dchip > 0 else np.zeros(E.shape)
        fit_life = _solve_cells(fit, float(T), C_T, share, E)
    tail = np.flatnonzero(starts >= onset)
    if tail.size >= min_tail:
        # the fitted transient is over: per-cell rates after it; steady if the tail does not decline
        s0, life, r_chip, rate = tail_rates(float(starts[tail[0]]))
        tk = np.flatnonzero(starts >= s0)
        # steady: observed at least as long as the transient took, without a decline beyond tol / noise
        steady = (T - s0) >= s0 and _halves_steady(dw[k][tk], dt[k][tk])
        why = ("the write rate after the fitted transient is not shown to be steady (it may decline by more "
               f"than {MAX_DECLINE:.0%} between the halves of the tail)" if (T - s0) >= s0 else
               "the rate after the fitted transient was seen for less time than the transient took")
        note = "" if steady else (
            f"{why} (onset tick {onset:.0f}, {fit.model} decay, {r2txt}): the lifetime takes each cell's rate "
            "since the onset as steady, a lower bound while the rate decays")
        method = "steady_state" if steady else "latest_rate"
        return RateEstimate(method, steady, life, rate_average=avg, rate_steady=r_chip, onset_tick=float(onset),
                            tail_start_tick=s0, fit=fit, fits=fits, note=note,
                            model=CellWriteModel(method, float(T), C_T, rate=rate), cell_life_fit_ticks=fit_life)
    # the run ends inside the transient, or nothing fits: the latest rates, a lower bound while the rate decays
    t0 = T - (T - int(ticks[0])) / 3.0
    s0, life, r_chip, rate = tail_rates(t0)
    if fit_life is not None:
        why = f"the fitted transient ends at tick {onset:.0f}"
    elif fit is not None and fit.r2 >= r2_min:
        why = "the fitted write rate decays toward zero"
    else:
        why = f"no decay model fits the per-window writes ({r2txt})"
    return RateEstimate("latest_rate", False, life, rate_average=avg, rate_steady=r_chip,
                        onset_tick=None if not np.isfinite(onset) else float(onset), tail_start_tick=s0,
                        fit=fit, fits=fits, model=CellWriteModel("latest_rate", float(T), C_T, rate=rate),
                        cell_life_fit_ticks=fit_life,
                        note=f"no steady write rate in {T} ticks ({why}): the lifetime takes each cell's rate over "
                             "the last third of the run as steady, a lower bound while the rate decays")


def window_table(rate: dict) -> list:
    """Rows of the per-window write rate of an evaluation's ``lifetime["write"]["rate"]`` (write_rate.csv,
    the report's figure): window, start tick, ticks, chip pulses, start inference, pulses per inference,
    the fitted decay's pulses per inference at the window's midpoint (None without a fit). Empty
    without a write history."""
    win = rate.get("windows")
    if not win:
        return []
    tpi = float(rate["ticks_per_inference"])
    fit = rate.get("fit")
    f = None if not fit else DecayFit(fit["model"], fit["floor_per_tick"], fit["amplitude"], fit["shape"], fit["r2"],
                                      fit.get("t_scale", 1.0))
    rows = []
    for i, (t0, dt, n) in enumerate(zip(win["start_tick"], win["ticks"], win["pulses"])):
        mid = t0 + 0.5 * dt
        rows.append({"window": i, "start_tick": int(t0), "ticks": int(dt), "pulses": int(n),
                     "start_inference": t0 / tpi, "pulses_per_inference": n / dt * tpi if dt else None,
                     "fit_pulses_per_inference": None if f is None else float(f.integral(t0, t0 + dt)) / max(dt, 1) * tpi})
    return rows
