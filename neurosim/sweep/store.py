"""The sweep result store: one SQLite database (WAL journal), one row per finished point.

A point's key is the SHA-256 of the canonical JSON of everything that determines its result: the
fully resolved hardware config, the workload's content hash, the strategy, seed, ticks, function
and options, and the store's schema version. A point is written once, in one transaction, after it
finished; a killed sweep therefore loses at most the points that were running, and a restart skips
every key already present (``INSERT OR IGNORE`` also makes a duplicate write impossible).

A path given as a store is looked at before it is opened for writing, so that a file that is not a
neurosim store is never modified: it must be a regular file that starts with the SQLite header and,
opened read-only, holds the store's tables and a schema version this neurosim reads (new stores also
carry the marker ``meta.format = neurosim-result-store``). A new store is built beside its final
name and renamed into place, so a killed sweep never leaves a half-created store. ``readonly=True``
(``neurosim report``) never writes, not even the ``-wal``/``-shm`` files SQLite keeps beside a
database it opens for writing.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import sqlite3
import stat
import time
import urllib.parse
from pathlib import Path
from typing import Any, Iterator

from ..errors import InputError

SCHEMA_VERSION = 1
#: ``meta.format`` of every store this neurosim creates.
FORMAT_MARKER = "neurosim-result-store"
#: The first 16 bytes of every SQLite 3 database file.
SQLITE_HEADER = b"SQLite format 3\x00"
_TABLES = {
    "meta": {"name", "value"},
    "points": {"key", "sweep", "params", "result", "timing", "elapsed_s", "finished_at"},
    "failures": {"key", "sweep", "params", "error", "failed_at"},
}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS points (
    key TEXT PRIMARY KEY,
    sweep TEXT NOT NULL,
    params TEXT NOT NULL,
    result TEXT NOT NULL,
    timing TEXT NOT NULL DEFAULT '{}',
    elapsed_s REAL NOT NULL,
    finished_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS failures (
    key TEXT NOT NULL,
    sweep TEXT NOT NULL,
    params TEXT NOT NULL,
    error TEXT NOT NULL,
    failed_at REAL NOT NULL
);
"""


class StoreError(InputError):
    """A path cannot be used as a result store (not a store, a newer schema, corrupt, unwritable).

    The message names the file and what is wrong; the file itself was not modified."""


def canonical_json(obj: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace, floats by repr, NaN/inf as strings."""
    return json.dumps(_jsonable(obj), sort_keys=True, separators=(",", ":"), allow_nan=False)


def _jsonable(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        value = float(obj)
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    return obj


def point_key(identity: dict) -> str:
    """SHA-256 hex digest identifying a point (``identity`` must hold everything its result depends on)."""
    payload = canonical_json({"schema": SCHEMA_VERSION, **identity})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _uri(path: Path, **params) -> str:
    """An SQLite ``file:`` URI for ``path`` with query ``params`` (the path percent-encoded)."""
    quoted = urllib.parse.quote(str(path.resolve()), safe="/")
    return f"file:{quoted}?" + "&".join(f"{k}={v}" for k, v in params.items())


def _open_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection that creates no file beside ``path``.

    Without a ``-wal`` file beside it, no writer has the database open and the file is complete:
    it is opened ``immutable`` (no locks, no ``-shm``). With one (a sweep is running, or was
    killed), ``mode=ro`` reads the committed points in the write-ahead log too."""
    wal = path.with_name(path.name + "-wal")
    params = {"mode": "ro"} if wal.exists() else {"mode": "ro", "immutable": "1"}
    return sqlite3.connect(_uri(path, **params), uri=True, timeout=60.0, isolation_level=None)


def inspect_store(path: str | Path) -> sqlite3.Connection:
    """Check that ``path`` is a neurosim result store of a schema this neurosim reads, without
    modifying it; return a read-only connection to it. Raises :class:`StoreError` naming the file.
    """
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise StoreError(f"{path}: no such result store") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise StoreError(f"{path}: is a folder, not a neurosim sweep store (expected an SQLite file)")
    if not stat.S_ISREG(st.st_mode):
        raise StoreError(f"{path}: not a regular file, so not a neurosim sweep store")
    if st.st_size == 0:
        raise StoreError(f"{path}: an empty file, not a neurosim sweep store; refusing to touch it")
    try:
        with open(path, "rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise StoreError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not header.startswith(SQLITE_HEADER):
        raise StoreError(f"{path}: not a neurosim sweep store (not an SQLite database); refusing to touch it")
    if len(header) < 100:
        raise StoreError(f"{path}: a corrupt result store (truncated to {st.st_size} bytes)")
    try:
        con = _open_readonly(path)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot be opened read-only ({exc})") from None
    try:
        _check_content(path, con)
    except BaseException:
        con.close()
        raise
    return con


def _check_content(path: Path, con: sqlite3.Connection) -> None:
    try:
        tables = {name: {row[1] for row in con.execute(f"PRAGMA table_info({name})")}
                  for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                  if name in _TABLES}
        missing = sorted(name for name, columns in _TABLES.items() if not columns <= tables.get(name, set()))
        if missing:
            raise StoreError(f"{path}: an SQLite database but not a neurosim sweep store (no {', '.join(missing)} "
                             "table with the store's columns); refusing to touch it")
        meta = dict(con.execute("SELECT name, value FROM meta WHERE name IN ('schema_version', 'format')"))
        marker = meta.get("format")
        if marker is not None and marker != FORMAT_MARKER:
            raise StoreError(f"{path}: not a neurosim sweep store (meta format {str(marker)[:60]!r}); refusing to touch it")
        version = meta.get("schema_version")
        try:
            number = int(str(version))
        except ValueError:
            number = None
        if number is None or number < 1:
            raise StoreError(f"{path}: not a neurosim sweep store (schema version {str(version)[:40]!r}); "
                             "refusing to touch it")
        if number > SCHEMA_VERSION:
            raise StoreError(f"{path}: a result store of schema version {number}, written by a newer neurosim; "
                             f"this neurosim reads version {SCHEMA_VERSION} (upgrade neurosim to use it)")
        if number < SCHEMA_VERSION:
            raise StoreError(f"{path}: a result store of schema version {number}; this neurosim reads only "
                             f"version {SCHEMA_VERSION}")
        problems = [row[0] for row in con.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            raise StoreError(f"{path}: a corrupt result store ({'; '.join(str(p) for p in problems)[:200]})")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: a corrupt result store or not a neurosim sweep store ({exc})") from None


def _create(path: Path) -> None:
    """Build an empty store beside ``path`` and move it into place (never over an existing file)."""
    parent = path.parent
    if not parent.is_dir():
        what = "does not exist" if not parent.exists() else "is not a folder"
        raise StoreError(f"{path}: cannot create the result store: the folder {parent} {what}")
    tmp = parent / f".{path.name}.{os.getpid()}.creating"
    try:
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm"),
                         tmp.with_name(tmp.name + "-journal")):
            if leftover.exists():
                leftover.unlink()
        db = sqlite3.connect(str(tmp), isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(f"""BEGIN; {_SCHEMA}
                INSERT INTO meta (name, value) VALUES ('schema_version', '{SCHEMA_VERSION}');
                INSERT INTO meta (name, value) VALUES ('format', '{FORMAT_MARKER}');
                COMMIT;""")
        finally:
            db.close()
        try:
            os.link(tmp, path)  # fails if another process created the store meanwhile
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(tmp, path)
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the result store in {parent} ({exc.strerror or exc})") from None
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot create the result store in {parent} ({exc})") from None
    finally:
        try:
            tmp.unlink()
        except OSError:
            pass


class ResultStore:
    """SQLite store of sweep points. Safe to reopen after a crash; the sweep process is the only writer.

    A missing ``path`` is created as an empty store; an existing one is checked first
    (:func:`inspect_store`) and refused with :class:`StoreError`, unmodified, unless it is a neurosim
    store of this schema. ``readonly=True`` opens an existing store for reading only and writes nothing.
    """

    def __init__(self, path: str | Path, *, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        if not readonly:
            try:
                exists = os.path.lexists(self.path)
            except (OSError, ValueError):
                exists = False
            if not exists:
                _create(self.path)
        probe = inspect_store(self.path)
        if readonly:
            self._db = probe
            return
        probe.close()
        try:
            self._db = sqlite3.connect(str(self.path), timeout=60.0, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("INSERT OR IGNORE INTO meta (name, value) VALUES ('format', ?)", (FORMAT_MARKER,))
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the result store for writing ({exc}; is its folder "
                             "writable?)") from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set_meta(self, name: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value))

    def done_keys(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT key FROM points")}

    def put(self, key: str, sweep: str, params: dict, result: dict, elapsed_s: float,
            timing: dict | None = None) -> bool:
        """Store a finished point; returns False (and changes nothing) when the key is already stored.

        ``result`` must be a pure function of the point's parameters (it is what runs are compared
        by); wall-clock measurements go to ``elapsed_s`` and ``timing`` (stage times), kept apart.
        """
        cur = self._db.execute(
            "INSERT OR IGNORE INTO points (key, sweep, params, result, timing, elapsed_s, finished_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key, sweep, canonical_json(params), canonical_json(result), canonical_json(timing or {}),
             float(elapsed_s), time.time()),
        )
        return cur.rowcount == 1

    def put_failure(self, key: str, sweep: str, params: dict, error: str) -> None:
        self._db.execute(
            "INSERT INTO failures (key, sweep, params, error, failed_at) VALUES (?, ?, ?, ?, ?)",
            (key, sweep, canonical_json(params), error, time.time()),
        )

    def rows(self, sweep: str | None = None) -> Iterator[dict]:
        """Finished points as dicts ``{key, sweep, params, result, timing, elapsed_s}``, ordered by key."""
        query = "SELECT key, sweep, params, result, timing, elapsed_s FROM points"
        args: tuple = ()
        if sweep is not None:
            query += " WHERE sweep = ?"
            args = (sweep,)
        for key, name, params, result, timing, elapsed in self._db.execute(query + " ORDER BY key", args):
            yield {"key": key, "sweep": name, "params": json.loads(params), "result": json.loads(result),
                   "timing": json.loads(timing), "elapsed_s": elapsed}

    def failures(self) -> list[dict]:
        return [
            {"key": k, "sweep": s, "params": json.loads(p), "error": e}
            for k, s, p, e in self._db.execute("SELECT key, sweep, params, error FROM failures ORDER BY failed_at")
        ]

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM points").fetchone()[0]
