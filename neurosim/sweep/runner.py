"""Run a sweep: local process pool by default, a Dask cluster with ``scheduler=``.

Only the sweep process writes to the store, one point per transaction as each finishes; workers get
plain parameter dicts and return plain result dicts. Restarting a killed sweep recomputes only the
points whose keys are not in the store.

Workers never outlive the sweep: each local worker asks the kernel to kill it when its parent dies
(``PR_SET_PDEATHSIG`` on Linux) and also watches its parent's pid, so a sweep killed with SIGKILL
leaves no process behind. A worker imports exactly the point function the sweep process resolved
(:mod:`.functions`): the dotted path travels in the point's parameters.
"""
from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from .. import __version__
from .functions import import_point_function
from .spec import SweepPoint, load_spec
from .store import ResultStore, canonical_json, point_key


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
    """The point function at ``dotted`` (``package.module:function``; nothing but identifiers)."""
    return import_point_function(dotted)


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

    hw_key = (point.hwconfig, canonical_json(point.overrides))
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
              scheduler: Optional[str] = None, progress: bool = True, allow_code: bool = False,
              max_points: Optional[int] = None) -> SweepSummary:
    """Run every point of the sweep spec that is not yet stored in ``db_path``.

    Parameters
    ----------
    spec_path : the sweep YAML (see :mod:`neurosim.sweep.spec`); checked completely before any point runs.
    db_path : SQLite result store; created if missing, resumed if present. A file that is not a
        neurosim result store is refused without being modified (:class:`~.store.StoreError`).
    workers : local worker processes (ignored with ``scheduler``).
    scheduler : address of a Dask scheduler (``tcp://host:port``) to run the points on instead.
    allow_code : let the spec's ``function:`` name any ``module:function``, not only registered point
        functions (:mod:`.functions`). The spec then runs the code it names: only for specs you trust.
    max_points : refuse specs of more points than this (default: :data:`neurosim.limits.SWEEP_POINTS`).
    """
    hw_cache: dict = {}
    spec, points = load_spec(spec_path, allow_code=allow_code, max_points=max_points, hw_cache=hw_cache)
    spec_text = Path(spec_path).read_text(encoding="utf-8")
    if scheduler:
        _probe(scheduler)  # before the store is created: a mistyped address leaves nothing behind
    store = ResultStore(db_path)
    try:
        return _run_stored(spec, points, spec_text, store, db_path, hw_cache, workers, scheduler, progress)
    finally:
        store.close()


def _run_stored(spec, points, spec_text, store, db_path, hw_cache, workers, scheduler, progress) -> SweepSummary:
    wl_cache: dict = {}
    keyed = [(point_key(_identity(p, hw_cache, wl_cache)), p) for p in points]
    unique: dict[str, SweepPoint] = {}
    for key, p in keyed:
        unique.setdefault(key, p)
    done = store.done_keys()
    todo = [(k, p) for k, p in unique.items() if k not in done]
    store.set_meta(f"spec:{spec.name}", spec_text)
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
    return SweepSummary(len(unique), len(unique) - len(todo), computed, failed, str(db_path))


#: How often (s) a worker checks that the sweep process that started it is still alive.
PARENT_POLL_S = 0.5


def _die_with_parent(parent_pid: int) -> None:
    """Pool initializer: end this worker as soon as the sweep process ``parent_pid`` is gone.

    On Linux the kernel sends SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``); everywhere a
    daemon thread also polls the parent's pid. A parent that died before this ran is caught at once.
    """
    import signal

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            PR_SET_PDEATHSIG = 1
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no usable libc: the watcher thread below still works
            pass
    if os.getppid() != parent_pid:
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_S)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="neurosim-parent-watch", daemon=True).start()


def run_in_pool(todo, workers: int, finish, params_of=lambda item: item.params()) -> None:
    """Run ``run_point`` on every ``(key, item)`` of ``todo`` in ``workers`` spawned processes,
    calling ``finish(key, item, outcome)`` in this process as each ends (outcome: the result tuple or
    the exception). Ctrl-C cancels what has not started; finished points are already stored. The
    workers die with this process, however it ends (:func:`_die_with_parent`)."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_die_with_parent,
                             initargs=(os.getpid(),)) as pool:
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


#: Seconds to wait for a Dask scheduler to answer the handshake.
DASK_CONNECT_TIMEOUT_S = 15
#: Loggers of Dask's client side, silenced during a sweep: a lost scheduler is reported as one line.
_DASK_LOGGERS = ("distributed", "distributed.client", "distributed.comm", "distributed.core", "distributed.utils",
                 "distributed.batched", "tornado", "tornado.application", "asyncio")


#: Largest first message (bytes) a Dask scheduler is believed to send: its handshake is a few hundred.
DASK_HANDSHAKE_MAX_BYTES = 1 << 20


def _probe(address: str, timeout_s: float = 5.0) -> None:
    """Fail fast, with the address in the message, when no Dask scheduler answers at a tcp:// address.

    A scheduler sends its handshake as soon as a connection is accepted, framed by its length (8 bytes).
    A server that sends nothing within ``timeout_s``, closes the connection, or announces a message
    no handshake could be (an HTTP server, say) is refused here, before the Dask client would wait for
    it indefinitely or allocate whatever length the stranger announced."""
    import socket
    import struct
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if parts.scheme != "tcp" or not host or not port:
        raise RuntimeError(f"expected a Dask scheduler address like tcp://HOST:PORT, got {address!r}")
    try:
        conn = socket.create_connection((host, port), timeout=timeout_s)
    except (OSError, UnicodeError) as exc:
        raise RuntimeError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        first = b""
        try:
            while len(first) < 8:
                chunk = conn.recv(8 - len(first))
                if not chunk:
                    break
                first += chunk
        except OSError as exc:  # socket.timeout included
            raise RuntimeError(f"no Dask scheduler answers at {address} (nothing received in {timeout_s:g} s: "
                               f"{_one_line(exc)})") from None
    finally:
        conn.close()
    if len(first) < 8:
        raise RuntimeError(f"no Dask scheduler answers at {address} (the connection was closed after "
                           f"{len(first)} bytes)")
    (nbytes,) = struct.unpack("Q", first)
    if not 0 < nbytes <= DASK_HANDSHAKE_MAX_BYTES:
        shown = first.decode("ascii", "replace").encode("unicode_escape").decode("ascii")
        raise RuntimeError(f"no Dask scheduler answers at {address} (it sent {shown!r}, not a Dask handshake)")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _run_dask(todo, scheduler: str, finish) -> None:
    """Run the points on the Dask cluster at ``scheduler``. An address where no scheduler answers, or a
    scheduler lost mid-sweep, raises :class:`RuntimeError` with one line; the points that finished
    before are stored (a rerun resumes)."""
    import logging
    from concurrent.futures import CancelledError

    try:
        from distributed import Client, as_completed as dask_as_completed
    except ImportError:
        raise RuntimeError("running on a Dask cluster needs the 'dask' extra: pip install 'neurosim[dask]'") from None
    _probe(scheduler)
    saved = {name: logging.getLogger(name).level for name in _DASK_LOGGERS}
    for name in _DASK_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL + 10)
    done = 0
    try:
        try:
            client = Client(scheduler, timeout=f"{DASK_CONNECT_TIMEOUT_S}s")
        except Exception as exc:  # OSError, TimeoutError, CommClosedError, a protocol error: not a scheduler
            raise RuntimeError(f"no Dask scheduler answers at {scheduler} ({_one_line(exc)})") from None
        with client:
            futures = {}
            try:
                for key, point in todo:
                    fut = client.submit(run_point, point.params(), key=f"neurosim-point-{key}", pure=False)
                    futures[fut] = (key, point)
                for fut in dask_as_completed(list(futures)):
                    key, point = futures[fut]
                    exc = fut.exception()
                    outcome = exc if exc is not None else fut.result()
                    finish(key, point, outcome)
                    done += 1
            except (CancelledError, OSError, TimeoutError) as exc:
                raise RuntimeError(
                    f"lost the Dask scheduler at {scheduler} after {done} of {len(todo)} points "
                    f"({_one_line(exc)}); the finished points are stored: rerun the sweep to resume") from None
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
