"""Run the points of a study through the sweep result store (resumable, keyed by config hash).

A study point is a plain params dict, exactly like a sweep point (``hwconfig``, ``overrides``,
``workload``, ``strategy``, ``seed``, ``ticks``, ``function``, ``options``). Its key is the SHA-256
of everything its result depends on — the fully resolved hardware config, the content hash of the
workload trace, strategy, seed, ticks, point function and options (which hold the workload
transform, e.g. :func:`neurosim.studies.make_plastic`'s parameters) — computed by
:func:`neurosim.sweep.store.point_key`, and finished points live in a
:class:`neurosim.sweep.store.ResultStore` (SQLite). A killed study therefore resumes where it
stopped, and points shared by several parts of a study (or by two studies) are computed once.
"""
from __future__ import annotations

import sys
import traceback
from typing import Optional

from .. import __version__

__all__ = ["point_identity", "run_points", "key_of", "StudyPointError"]


class StudyPointError(RuntimeError):
    """Some points of a study failed (each failure is also recorded in the store)."""


_hw_cache: dict = {}
_wl_cache: dict = {}


def point_identity(params: dict) -> dict:
    """Everything a point's result depends on, resolved (the input of its key)."""
    from ..config import load_hardware
    from ..workload import load_workload

    hw_key = (params["hwconfig"], tuple(sorted((params.get("overrides") or {}).items())))
    if hw_key not in _hw_cache:
        _hw_cache[hw_key] = load_hardware(params["hwconfig"], overrides=dict(params.get("overrides") or {})).model_dump(mode="json")
    if params["workload"] not in _wl_cache:
        _wl_cache[params["workload"]] = load_workload(params["workload"]).content_hash()
    return {
        "neurosim": __version__,
        "hw": _hw_cache[hw_key],
        "workload": _wl_cache[params["workload"]],
        "strategy": params["strategy"],
        "seed": int(params.get("seed", 0)),
        "ticks": params.get("ticks"),
        "function": params["function"],
        "options": dict(params.get("options") or {}),
    }


def _bar(total: int, initial: int, desc: str, enabled: Optional[bool]):
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    disable = (not sys.stderr.isatty()) if enabled is None else (not enabled)
    return tqdm(total=total, initial=initial, desc=desc, unit="point", disable=disable, file=sys.stderr)


def run_points(points: list[dict], store_path, *, sweep: str, workers: int = 1,
               progress: Optional[bool] = None, desc: str = "points") -> tuple[dict, dict]:
    """Compute every point not yet in the store; return ``({key: result}, {key: error message})``.

    ``points`` are params dicts; ``sweep`` names them in the store. Points whose key is already
    stored are not recomputed. A point that fails (e.g. a mapping that does not fit the chip) is
    recorded in the store's failures table and returned in the second dict (it is tried again on
    the next run); the other points still run.
    """
    from ..sweep.runner import run_in_pool, run_point
    from ..sweep.store import ResultStore, point_key

    store = ResultStore(store_path)  # a file that is not a result store is refused, untouched, first
    try:
        keyed = []
        for p in points:
            keyed.append((point_key(point_identity(p)), p))
        unique: dict = {}
        for k, p in keyed:
            unique.setdefault(k, p)
        done = store.done_keys()
        todo = [(k, p) for k, p in unique.items() if k not in done]
        bar = _bar(len(unique), len(unique) - len(todo), desc, progress)
        failures: dict = {}

        def finish(key, params, outcome):
            if isinstance(outcome, BaseException):
                msg = "".join(traceback.format_exception_only(type(outcome), outcome)).strip()
                store.put_failure(key, sweep, params, msg)
                failures[key] = msg
            else:
                result, elapsed, *rest = outcome
                store.put(key, sweep, params, result, elapsed, *rest[:1])
            if bar is not None:
                bar.update(1)

        try:
            if workers <= 1 or len(todo) <= 1:
                for key, params in todo:
                    try:
                        outcome = run_point(params)
                    except Exception as exc:  # recorded; the study goes on
                        outcome = exc
                    finish(key, params, outcome)
            else:
                # longest points first keeps the workers busy to the end
                todo.sort(key=lambda kp: -float(kp[1].get("cost", 1.0)))
                run_in_pool(todo, workers, finish, params_of=lambda params: params)
        finally:
            if bar is not None:
                bar.close()
        results = {}
        for row in store.rows():
            if row["key"] in unique:
                results[row["key"]] = dict(row["result"])
                results[row["key"]]["time.total_s"] = row.get("elapsed_s")
    finally:
        store.close()
    return {k: results[k] for k in unique if k in results}, failures


def key_of(params: dict) -> str:
    """The store key of a point (SHA-256 of :func:`point_identity`)."""
    from ..sweep.store import point_key
    return point_key(point_identity(params))
