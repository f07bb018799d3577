"""The sweep result store: one SQLite database (WAL journal), one row per finished point.

A point's key is the SHA-256 of the canonical JSON of everything that determines its result: the
fully resolved hardware config, the workload's content hash, the strategy, seed, ticks, function
and options, and the store's schema version. A point is written once, in one transaction, after it
finished; a killed sweep therefore loses at most the points that were running, and a restart skips
every key already present (``INSERT OR IGNORE`` also makes a duplicate write impossible).
"""
from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterator

SCHEMA_VERSION = 1


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


class ResultStore:
    """SQLite store of sweep points. Safe to reopen after a crash; the sweep process is the only writer."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), timeout=60.0, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(
            """
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
        )
        version = self.meta("schema_version")
        if version is None:
            self.set_meta("schema_version", str(SCHEMA_VERSION))
        elif int(version) != SCHEMA_VERSION:
            raise ValueError(f"{self.path}: result store schema {version}, this neurosim writes {SCHEMA_VERSION}")

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
