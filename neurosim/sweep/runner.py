"""Run a sweep: local process pool by default, a Dask cluster with ``scheduler=``.

Only the sweep process writes to the store, one point per transaction as each finishes; workers get
plain parameter dicts and return plain result dicts. Restarting a killed sweep recomputes only the
points whose keys are not in the store.
"""
from __future__ import annotations

import importlib
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from .. import __version__
from .spec import SweepPoint, load_spec
from .store import ResultStore, point_key


@dataclass
class SweepSummary:
    """What one ``run_sweep`` call did."""

    total: int
    already_done: int
    computed: int
    failed: int
    db_path: str

    def __str__(self) -> str:
        return (f"{self.total} points: {self.already_done} already in {self.db_path}, "
                f"{self.computed} computed, {self.failed} failed")


def resolve_function(dotted: str) -> Callable[[dict], dict]:
    module, _, name = dotted.partition(":")
    return getattr(importlib.import_module(module), name)


#: A point function may return its stage times under this key; they are stored apart from the
#: result, which must stay a pure function of the point's parameters.
TIMING_KEY = "_timing"


def run_point(params: dict) -> tuple[dict, float, dict]:
    """Evaluate one point in a worker: returns ``(result, elapsed seconds, stage timings)``."""
    start = time.perf_counter()
    result = dict(resolve_function(params["function"])(params))
    timing = result.pop(TIMING_KEY, None) or {}
    return result, time.perf_counter() - start, timing


def _identity(point: SweepPoint, hw_cache: dict, wl_cache: dict) -> dict:
    """Everything the point's result depends on, resolved (full hardware config, workload content)."""
    from ..config import load_hardware

    hw_key = (point.hwconfig, point.overrides)
    if hw_key not in hw_cache:
        hw_cache[hw_key] = load_hardware(point.hwconfig, overrides=dict(point.overrides)).model_dump(mode="json")
    if point.workload not in wl_cache:
        wl_cache[point.workload] = _workload_identity(point.workload)
    return {
        "neurosim": __version__,
        "hw": hw_cache[hw_key],
        "workload": wl_cache[point.workload],
        "strategy": point.strategy,
        "seed": point.seed,
        "ticks": point.ticks,
        "function": point.function,
        "options": dict(point.options),
    }


def _workload_identity(ref: str) -> str:
    path = Path(ref)
    if path.exists():
        try:
            from ..workload import load_workload

            return load_workload(path).content_hash()
        except ImportError:
            pass
    return ref


def _progress(total: int, initial: int):
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, initial=initial, unit="point", disable=not sys.stderr.isatty(), file=sys.stderr)


def run_sweep(spec_path: str | Path, db_path: str | Path, *, workers: int = 1,
              scheduler: Optional[str] = None, progress: bool = True) -> SweepSummary:
    """Run every point of the sweep spec that is not yet stored in ``db_path``.

    Parameters
    ----------
    spec_path : the sweep YAML (see :mod:`neurosim.sweep.spec`).
    db_path : SQLite result store; created if missing, resumed if present.
    workers : local worker processes (ignored with ``scheduler``).
    scheduler : address of a Dask scheduler (``tcp://host:port``) to run the points on instead.
    """
    spec, points = load_spec(spec_path)
    store = ResultStore(db_path)
    hw_cache: dict = {}
    wl_cache: dict = {}
    keyed = [(point_key(_identity(p, hw_cache, wl_cache)), p) for p in points]
    unique: dict[str, SweepPoint] = {}
    for key, p in keyed:
        unique.setdefault(key, p)
    done = store.done_keys()
    todo = [(k, p) for k, p in unique.items() if k not in done]
    store.set_meta(f"spec:{spec.name}", Path(spec_path).read_text(encoding="utf-8"))
    bar = _progress(len(unique), len(unique) - len(todo)) if progress else None
    computed = failed = 0

    def finish(key: str, point: SweepPoint, outcome) -> None:
        nonlocal computed, failed
        if isinstance(outcome, BaseException):
            failed += 1
            message = "".join(traceback.format_exception_only(type(outcome), outcome)).strip()
            store.put_failure(key, spec.name, point.params(), message)
            print(f"point failed ({point.strategy}, {point.workload}, seed {point.seed}, "
                  f"{dict(point.overrides)}): {message}", file=sys.stderr)
        else:
            result, elapsed, timing = outcome
            if store.put(key, spec.name, point.params(), result, elapsed, timing):
                computed += 1
        if bar is not None:
            bar.update(1)

    try:
        if scheduler:
            _run_dask(todo, scheduler, finish)
        elif workers <= 1:
            for key, point in todo:
                try:
                    outcome = run_point(point.params())
                except Exception as exc:  # recorded, the sweep goes on
                    outcome = exc
                finish(key, point, outcome)
        else:
            run_in_pool(todo, workers, finish)
    finally:
        if bar is not None:
            bar.close()
        store.close()
    return SweepSummary(len(unique), len(unique) - len(todo), computed, failed, str(db_path))


def run_in_pool(todo, workers: int, finish, params_of=lambda item: item.params()) -> None:
    """Run ``run_point`` on every ``(key, item)`` of ``todo`` in ``workers`` spawned processes,
    calling ``finish(key, item, outcome)`` in this process as each ends (outcome: the result tuple or
    the exception). Ctrl-C cancels what has not started; finished points are already stored."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = {pool.submit(run_point, params_of(item)): (key, item) for key, item in todo}
        try:
            for fut in as_completed(futures):
                key, item = futures[fut]
                exc = fut.exception()
                finish(key, item, exc if exc is not None else fut.result())
        except KeyboardInterrupt:
            for fut in futures:
                fut.cancel()
            raise


def _probe(address: str, timeout_s: float = 5.0) -> None:
    """Fail fast, with the address in the message, when nothing listens at a tcp:// scheduler address."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme != "tcp" or not parts.hostname or not parts.port:
        raise RuntimeError(f"expected a Dask scheduler address like tcp://HOST:PORT, got {address!r}")
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=timeout_s).close()
    except OSError as exc:
        raise RuntimeError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def _run_dask(todo, scheduler: str, finish) -> None:
    try:
        from distributed import Client, as_completed as dask_as_completed
    except ImportError:
        raise RuntimeError("running on a Dask cluster needs the 'dask' extra: pip install 'neurosim[dask]'") from None
    _probe(scheduler)
    with Client(scheduler, timeout="30s") as client:
        futures = {}
        for key, point in todo:
            fut = client.submit(run_point, point.params(), key=f"neurosim-point-{key}", pure=False)
            futures[fut] = (key, point)
        for fut in dask_as_completed(list(futures)):
            key, point = futures[fut]
            exc = fut.exception()
            finish(key, point, exc if exc is not None else fut.result())
