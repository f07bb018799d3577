"""Hostile and careless sweep specs, result stores and sweep command lines.

A spec is data: it may not run code (``function:`` names only registered point functions), ask for
more points than the limit, or hold anything the checks let through to the first point. A result
store is looked at before it is opened: a file that is not a neurosim store (a foreign SQLite
database, a text file, an empty file, a corrupt or truncated store, a store of a newer schema) is
refused without a byte changed, and ``neurosim report`` never writes beside the store.

Spec lines are numbered from the base below: 1 name, 2 hwconfig, 3 workloads, 4 function, 5 on.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from .harness import ROOT, Case

DIGITS = ROOT / "traces" / "digits"
BASE = f"name: hostile\nhwconfig: ideal\nworkloads: [{DIGITS}]\nfunction: capacity_point\n"
RUN_POINT_BASE = f"name: hostile\nhwconfig: ideal\nworkloads: [{DIGITS}]\nfunction: run_point\n"
SWEEP = ["sweep", "s.yaml", "--db", "s.db"]


def spec(id: str, extra: str, names: tuple, base: str = BASE, args: list | None = None, **kw) -> Case:
    """A ``neurosim sweep`` case of the base spec plus ``extra`` lines (from line 5 on)."""
    return Case(id, args or SWEEP, files={"s.yaml": base + extra}, names=names, **kw)


def _evil_module(tmp: Path) -> None:
    (tmp / "evil_sweep_fn.py").write_text(
        "import pathlib\n\ndef run(params):\n    pathlib.Path(__file__).with_name('PWNED').write_text('ran')\n"
        "    return {'ran': True}\n")


def _pwned_absent(tmp: Path, outcome) -> None:
    assert not (tmp / "PWNED").exists(), "the spec's module ran"


def _pwned_present(tmp: Path, outcome) -> None:
    assert (tmp / "PWNED").read_text() == "ran"


# ---- result stores built in Python ------------------------------------------------------------------

def _fill(path: Path, n: int = 6, lifetime: bool = True) -> None:
    from neurosim.sweep.store import ResultStore

    with ResultStore(path) as store:
        for i in range(n):
            params = {"hwconfig": "ideal", "overrides": {"tile.crossbar_rows": 64 * (1 + i % 3)},
                      "workload": str(DIGITS), "strategy": "sequential" if i % 2 else "spinemap", "seed": 0,
                      "ticks": 10, "function": "neurosim.sweep.study:run_point", "options": {}}
            result = ({"write_lifetime_inferences": 1e9, "write_lifetime_years": 1.0 + i, "read_lifetime_years": "inf",
                       "energy_per_inference_pj": 3.0 + i % 5, "packet_latency_mean_cycles": 2.0 + i % 4,
                       "accuracy": 0.5} if lifetime else {"chip": {"cells": 64}, "fits_neurons": True})
            store.put(f"{i:064x}", "sw", params, result, 0.1)
        store.set_meta("spec:sw", "name: sw\nhwconfig: ideal\nstrategies: [spinemap, sequential]\n"
                                  "grid:\n  tile.crossbar_rows: [64, 128, 192]\n")


def _store(name: str = "s.db", **kw):
    return lambda tmp: _fill(tmp / name, **kw)


def _foreign_sqlite(name: str, wal: bool = False):
    def setup(tmp: Path) -> None:
        con = sqlite3.connect(tmp / name)
        if wal:
            con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        con.execute("INSERT INTO customers (name) VALUES ('Ada')")
        con.commit()
        con.close()
    return setup


def _edited_store(name: str, sql: str):
    def setup(tmp: Path) -> None:
        _fill(tmp / name)
        con = sqlite3.connect(tmp / name)
        con.execute(sql)
        con.commit()
        con.close()
    return setup


def _truncated_store(name: str, size: int):
    def setup(tmp: Path) -> None:
        _fill(tmp / name, n=40)
        data = (tmp / name).read_bytes()
        (tmp / name).write_bytes(data[:size])
    return setup


def _garbage_after_header(name: str):
    def setup(tmp: Path) -> None:
        (tmp / name).write_bytes(b"SQLite format 3\x00" + bytes((i * 37 + 11) % 256 for i in range(8000)))
    return setup


def _bomb_spec_in_store(tmp: Path) -> None:
    _fill(tmp / "s.db")
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
              f"*a{i - 1}, *a{i - 1}]" for i in range(1, 9)]
    lines += ["name: sw", "description: *a8", "hwconfig: *a8", "baseline: *a8", "grid: {tile.crossbar_rows: *a8}",
              "points: *a8", "zip: *a8"]
    con = sqlite3.connect(tmp / "s.db")
    con.execute("UPDATE meta SET value = ? WHERE name = 'spec:sw'", ("\n".join(lines) + "\n",))
    con.commit()
    con.close()


def _no_wal_files(tmp: Path, outcome) -> None:
    leftovers = sorted(p.name for p in tmp.iterdir() if p.name.endswith(("-wal", "-shm", "-journal")))
    assert not leftovers, leftovers


def _immutable_folder(tmp: Path) -> None:
    (tmp / "locked").mkdir()
    _immutable_folder_only(tmp)


def _store_in_immutable_folder(tmp: Path) -> None:
    (tmp / "locked").mkdir()
    _fill(tmp / "locked" / "s.db", lifetime=False)
    _immutable_folder_only(tmp)


def _immutable_folder_only(tmp: Path) -> None:
    folder = tmp / "locked"
    (tmp / "s.yaml").write_text(BASE)
    os.chmod(folder, 0o555)
    if os.geteuid() == 0:
        chattr = shutil.which("chattr")
        if chattr is None or subprocess.run([chattr, "+i", str(folder)], capture_output=True).returncode != 0:
            os.chmod(folder, 0o755)
            pytest.skip("running as root, and the folder cannot be made immutable (chattr +i)")


def _unlock(tmp: Path, outcome) -> None:
    if os.geteuid() == 0 and shutil.which("chattr"):
        subprocess.run(["chattr", "-i", str(tmp / "locked")], capture_output=True)
    os.chmod(tmp / "locked", 0o755)


CASES = [
    # ---- no code from data: function names only registered point functions
    Case("fn-module-beside-spec", SWEEP, files={"s.yaml": BASE.replace("capacity_point", "evil_sweep_fn:run")},
         setup=_evil_module, names=("s.yaml:4", "function", "evil_sweep_fn:run", "--allow-code"), check=_pwned_absent),
    Case("fn-module-beside-spec-allowed", SWEEP + ["--allow-code"], rc=0,
         files={"s.yaml": BASE.replace("capacity_point", "evil_sweep_fn:run")}, setup=_evil_module,
         may_create=("s.db", "PWNED", "__pycache__", "__pycache__/*"), check=_pwned_present,
         stdout_names=("1 computed",)),
    spec("fn-os-system", "", ("s.yaml:4", "function", "os:system", "not a registered point function"),
         base=BASE.replace("capacity_point", "os:system")),
    spec("fn-sys-exit", "", ("s.yaml:4", "function", "sys:exit"), base=BASE.replace("capacity_point", "sys:exit")),
    spec("fn-builtins-eval", "", ("s.yaml:4", "function", "builtins:eval"),
         base=BASE.replace("capacity_point", "builtins:eval")),
    spec("fn-subprocess-run", "", ("s.yaml:4", "function", "subprocess:run"),
         base=BASE.replace("capacity_point", "subprocess:run")),
    spec("fn-expression", "", ("s.yaml:4", "function", "nor a dotted path"),
         base=BASE.replace("function: capacity_point", "function: \"__import__('os').system('id')\"")),
    spec("fn-attribute-walk", "", ("s.yaml:4", "function", "capacity_point.__globals__"),
         base=BASE.replace("capacity_point", "neurosim.sweep.points:capacity_point.__globals__")),
    spec("fn-three-colons", "", ("s.yaml:4", "function", "a:b:c"), base=BASE.replace("capacity_point", "a:b:c")),
    spec("fn-empty", "", ("s.yaml:4", "function", "registered point function"),
         base=BASE.replace("function: capacity_point", "function: ''")),
    spec("fn-not-a-string", "", ("s.yaml:4", "function", "valid string"),
         base=BASE.replace("function: capacity_point", "function: [os, system]")),
    spec("options-smuggle-function", "options: {function: 'os:system'}\n",
         ("s.yaml:5", "options.function", "unknown option")),
    spec("options-sleep-inf", "options: {sleep_s: .inf}\n", ("s.yaml:5", "options.sleep_s", "inf")),
    spec("options-sleep-year", "options: {sleep_s: 31536000}\n", ("s.yaml:5", "options.sleep_s", "seconds from 0")),
    spec("options-binary", "options: {blob: !!binary aGVsbG8=}\n", ("s.yaml:5", "options.blob", "plain data")),
    spec("options-not-a-mapping", "options: 5\n", ("s.yaml:5", "options", "valid dictionary")),
    spec("run-point-option-typo", "options: {idael: true}\n", ("s.yaml:5", "options.idael", "unknown option"),
         base=RUN_POINT_BASE),
    spec("run-point-placement-method", "options:\n  mapping_options: {placement_method: eval}\n",
         ("s.yaml:6", "options.mapping_options.placement_method", "pso+ls"), base=RUN_POINT_BASE),
    spec("run-point-ages-nan", "options: {ages_s: [0, .nan]}\n", ("s.yaml:5", "options.ages_s[1]", "finite"),
         base=RUN_POINT_BASE),

    # ---- bounded grids: counted before they are expanded
    spec("grid-ten-to-the-ten", "grid:\n" + "".join(
        f"  {k}: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n" for k in (
            "tile.crossbar_rows", "tile.crossbar_columns", "tile.crossbars_per_tile", "crossbar.read_voltage_v",
            "crossbar.program_voltage_v", "crossbar.wire_resistance_row_ohm", "crossbar.wire_resistance_col_ohm",
            "device.temperature.ambient_k", "device.levels", "tile.access_resistance_ohm")),
         ("s.yaml:5", "grid", "10,000,000,000 points", "NEUROSIM_MAX_SWEEP_POINTS", "--max-points"), max_mb=400),
    spec("seeds-over-the-limit", "seeds: [" + ", ".join(str(i) for i in range(20001)) + "]\n",
         ("seeds", "20,001 points", "limit of 20,000"), max_mb=400),
    spec("max-points-option", "seeds: [0, 1, 2, 3]\n", ("4 points", "limit of 3", "--max-points"),
         args=SWEEP + ["--max-points", "3"]),
    spec("max-points-env", "seeds: [0, 1, 2]\n", ("3 points", "limit of 2", "NEUROSIM_MAX_SWEEP_POINTS"),
         env={"NEUROSIM_MAX_SWEEP_POINTS": "2"}),
    spec("max-points-env-not-a-number", "", ("NEUROSIM_MAX_SWEEP_POINTS", "whole number"),
         env={"NEUROSIM_MAX_SWEEP_POINTS": "lots"}),
    spec("max-points-zero", "", ("--max-points", "0"), args=SWEEP + ["--max-points", "0"]),
    spec("max-points-raised", "seeds: [0, 1, 2]\n", (), args=SWEEP + ["--max-points", "3"], rc=0,
         may_create=("s.db",), stdout_names=("3 computed",)),

    # ---- every key checked before the first point, at its own line
    spec("strategy-unknown", "strategies: [sequential, bogus]\n", ("s.yaml:5", "strategies[1]", "bogus", "espine")),
    spec("strategy-twice", "strategies: [sequential, sequential]\n", ("s.yaml:5", "strategies[1]", "twice")),
    spec("baseline-not-a-strategy", "strategies: [sequential]\nbaseline: espine\n",
         ("s.yaml:6", "baseline", "espine", "not one of the strategies")),
    spec("seed-bool", "seeds: [true]\n", ("s.yaml:5", "seeds[0]", "valid integer")),
    spec("seed-negative", "seeds: [-1]\n", ("s.yaml:5", "seeds[0]", "4294967295")),
    spec("seed-too-large", "seeds: [4294967296]\n", ("s.yaml:5", "seeds[0]", "4294967296")),
    spec("seed-fraction", "seeds: [1.5]\n", ("s.yaml:5", "seeds[0]", "valid integer")),
    spec("seed-string", "seeds: ['7']\n", ("s.yaml:5", "seeds[0]", "valid integer")),
    spec("seed-twice", "seeds:\n  - 3\n  - 3\n", ("s.yaml:7", "seeds[1]", "listed twice")),
    spec("seeds-empty", "seeds: []\n", ("s.yaml:5", "seeds", "at least 1")),
    spec("ticks-zero", "ticks: 0\n", ("s.yaml:5", "ticks", "greater than 0")),
    spec("ticks-huge", "ticks: 100000000000\n", ("s.yaml:5", "ticks", "less than or equal")),
    spec("ticks-fraction", "ticks: 2.5\n", ("s.yaml:5", "ticks", "valid integer")),
    spec("workloads-empty", "", ("s.yaml:3", "workloads", "at least 1"),
         base=BASE.replace(f"[{DIGITS}]", "[]")),
    spec("workload-number", "", ("s.yaml:3", "workloads[0]", "valid string"),
         base=BASE.replace(f"[{DIGITS}]", "[42]")),
    spec("workload-empty-string", "", ("s.yaml:3", "workloads[0]", "is empty"),
         base=BASE.replace(f"[{DIGITS}]", "['']")),
    spec("workload-nul", "", ("s.yaml:3", "workloads[0]", "NUL"),
         base=BASE.replace(f"[{DIGITS}]", '["digits\\0/../x"]')),
    spec("workload-long-name", "", ("s.yaml:3", "workloads[0]", "characters long"),
         base=BASE.replace(f"[{DIGITS}]", "[" + "w" * 5000 + "]")),
    spec("workload-missing", "", ("s.yaml:3", "workloads[0]", "no such workload"),
         base=BASE.replace(f"[{DIGITS}]", "[nowhere]")),
    spec("hwconfig-nul", "", ("s.yaml:2", "hwconfig", "NUL"), base=BASE.replace("hwconfig: ideal", 'hwconfig: "a\\0b"')),
    spec("hwconfig-missing", "", ("s.yaml:2", "hwconfig", "no_chip"), base=BASE.replace("hwconfig: ideal", "hwconfig: no_chip")),
    spec("name-empty", "", ("s.yaml:1", "name", "at least 1"), base=BASE.replace("name: hostile", "name: ''")),
    spec("name-number", "", ("s.yaml:1", "name", "valid string"), base=BASE.replace("name: hostile", "name: 12")),
    spec("name-missing", "", ("name", "required key is missing"), base=BASE.replace("name: hostile\n", "")),
    spec("unknown-key", "colour: red\n", ("s.yaml:5", "colour", "unknown key")),
    spec("top-level-list", "", ("s.yaml", "top level", "list"), base="- name: hostile\n- hwconfig: ideal\n"),
    spec("zip-not-in-grid", "grid:\n  tile.crossbar_rows: [64]\nzip: [[tile.crossbar_rows, a.b]]\n",
         ("s.yaml:7", "zip[0]", "not in grid")),
    spec("zip-empty-group", "grid:\n  tile.crossbar_rows: [64]\nzip: [[]]\n", ("s.yaml:7", "zip[0]", "empty zip group")),
    spec("zip-key-twice", "grid:\n  tile.crossbar_rows: [64]\n  tile.crossbar_columns: [64]\n"
         "zip:\n  - [tile.crossbar_rows, tile.crossbar_columns]\n  - [tile.crossbar_rows]\n",
         ("s.yaml:10", "zip[1]", "more than one zip group")),
    spec("zip-unequal", "grid:\n  tile.crossbar_rows: [64, 128]\n  tile.crossbar_columns: [64]\n"
         "zip: [[tile.crossbar_rows, tile.crossbar_columns]]\n", ("s.yaml:8", "zip[0]", "equally many")),
    spec("grid-dict-for-number", "grid:\n  tile.crossbar_rows:\n    - 64\n    - {rows: 128}\n",
         ("s.yaml:8", "grid.tile.crossbar_rows", "valid integer")),
    spec("grid-list-for-number", "grid:\n  tile.crossbar_rows: [[64]]\n", ("s.yaml:6", "grid.tile.crossbar_rows", "valid integer")),
    spec("grid-date", "grid:\n  tile.crossbar_rows: [2024-01-01]\n", ("s.yaml:6", "grid.tile.crossbar_rows[0]", "date")),
    spec("grid-set", "grid:\n  tile.crossbar_rows: !!set {64, 128}\n", ("s.yaml:6", "grid.tile.crossbar_rows", "set")),
    spec("grid-huge-int", "grid:\n  tile.crossbar_rows: [1000000000000000000000000000000]\n",
         ("s.yaml:6", "grid.tile.crossbar_rows[0]", "out of range")),
    spec("grid-nan", "grid:\n  crossbar.read_voltage_v: [.nan]\n", ("s.yaml:6", "grid.crossbar.read_voltage_v", "finite")),
    spec("grid-key-number", "grid:\n  1: [2]\n", ("s.yaml:5", "grid", "string keys")),
    spec("grid-not-a-mapping", "grid: [tile.crossbar_rows, 64]\n", ("s.yaml:5", "grid", "valid dictionary")),
    spec("grid-unknown-key", "grid:\n  tile.crossbar_rowz: [64]\n", ("s.yaml:6", "grid.tile.crossbar_rowz", "crossbar_rows")),
    spec("grid-dunder-key", "grid:\n  __class__: [1]\n", ("s.yaml:6", "grid.__class__", "unknown key")),
    spec("points-not-mappings", "points: [5]\n", ("s.yaml:5", "points[0]", "valid dictionary")),
    spec("points-bad-value", "points:\n  - {tile.crossbar_rows: 64}\n  - {tile.crossbar_rows: -3}\n",
         ("s.yaml:7", "points[1].tile.crossbar_rows", "greater than 0")),
    spec("description-mapping", "description: {a: 1}\n", ("s.yaml:5", "description", "valid string")),

    # ---- result stores: anything that is not a neurosim store is refused untouched
    spec("db-foreign-sqlite", "", ("s.db", "not a neurosim sweep store"),
         setup=_foreign_sqlite("s.db"), check=_no_wal_files),
    spec("db-foreign-sqlite-wal", "", ("s.db", "not a neurosim sweep store"), setup=_foreign_sqlite("s.db", wal=True),
         check=_no_wal_files),
    Case("db-text-file", SWEEP, files={"s.yaml": BASE, "s.db": "name,value\nada,1\n" * 50},
         names=("s.db", "not an SQLite database")),
    Case("db-empty-file", SWEEP, files={"s.yaml": BASE, "s.db": b""}, names=("s.db", "empty file")),
    Case("db-is-the-spec", ["sweep", "s.yaml", "--db", "s.yaml"], files={"s.yaml": BASE},
         names=("s.yaml", "not an SQLite database")),
    Case("db-folder", ["sweep", "s.yaml", "--db", "box"], files={"s.yaml": BASE, "box/keep": "x"},
         names=("--db", "box", "directory")),
    Case("db-missing-parent", ["sweep", "s.yaml", "--db", "no/such/folder/s.db"], files={"s.yaml": BASE},
         names=("no/such/folder/s.db", "does not exist")),
    spec("db-newer-schema", "", ("s.db", "schema version 7", "newer neurosim"),
         setup=_edited_store("s.db", "UPDATE meta SET value = '7' WHERE name = 'schema_version'")),
    spec("db-no-schema-version", "", ("s.db", "not a neurosim sweep store", "schema version"),
         setup=_edited_store("s.db", "DELETE FROM meta WHERE name = 'schema_version'")),
    spec("db-other-format", "", ("s.db", "not a neurosim sweep store", "format"),
         setup=_edited_store("s.db", "UPDATE meta SET value = 'somebody-else' WHERE name = 'format'")),
    spec("db-truncated", "", ("s.db", "corrupt"), setup=_truncated_store("s.db", 8192)),
    spec("db-truncated-header", "", ("s.db", "corrupt"), setup=_truncated_store("s.db", 60)),
    spec("db-garbage-after-header", "", ("s.db",), setup=_garbage_after_header("s.db")),
    Case("db-read-only-folder", ["sweep", "s.yaml", "--db", "locked/s.db"], setup=_immutable_folder,
         names=("locked/s.db", "cannot create the result store"), check=_unlock, rc=2),
    Case("db-existing-in-read-only-folder", ["sweep", "s.yaml", "--db", "locked/s.db"], setup=_store_in_immutable_folder,
         names=("locked/s.db", "cannot open the result store for writing"), check=_unlock, rc=2),
    Case("report-store-in-read-only-folder-writes-nothing-beside-it", ["report", "locked/s.db", "--out", "out"],
         setup=_store_in_immutable_folder, names=("locked/s.db", "not computed by neurosim.sweep.study:run_point"),
         check=_unlock, rc=2),

    # ---- neurosim report: read only, never writes beside the store
    Case("report-foreign-sqlite", ["report", "s.db"], setup=_foreign_sqlite("s.db"),
         names=("s.db", "not a neurosim sweep store"), check=_no_wal_files),
    Case("report-foreign-sqlite-wal", ["report", "s.db"], setup=_foreign_sqlite("s.db", wal=True),
         names=("s.db", "not a neurosim sweep store"), check=_no_wal_files),
    Case("report-text-file", ["report", "s.db"], files={"s.db": "hello\n" * 100}, names=("s.db", "not an SQLite database")),
    Case("report-empty-file", ["report", "s.db"], files={"s.db": b""}, names=("s.db", "empty file")),
    Case("report-missing", ["report", "none.db"], names=("none.db", "no such result store")),
    Case("report-folder", ["report", "box"], files={"box/keep": "x"}, names=("box", "directory")),
    Case("report-newer-schema", ["report", "s.db"],
         setup=_edited_store("s.db", "UPDATE meta SET value = '2' WHERE name = 'schema_version'"),
         names=("s.db", "schema version 2", "newer neurosim"), check=_no_wal_files),
    Case("report-truncated", ["report", "s.db"], setup=_truncated_store("s.db", 8192), names=("s.db", "corrupt")),
    Case("report-garbage-after-header", ["report", "s.db"], setup=_garbage_after_header("s.db"), names=("s.db",)),
    Case("report-malformed-row", ["report", "s.db"],
         setup=_edited_store("s.db", "UPDATE points SET params = '{not json' WHERE rowid = 1"),
         names=("s.db", "corrupt")),
    Case("report-malformed-result", ["report", "s.db"],
         setup=_edited_store("s.db", "UPDATE points SET result = '{\"write_lifetime_inferences\": 1}' WHERE rowid = 1"),
         names=("s.db", "malformed", "write_lifetime_years")),
    Case("report-capacity-points", ["report", "s.db"], setup=_store(lifetime=False),
         names=("s.db", "not computed by neurosim.sweep.study:run_point")),
    Case("report-writes-nothing-beside-store", ["report", "s.db"], setup=_store(), rc=0,
         may_create=("s_report", "s_report/*"), check=_no_wal_files, stdout_names=("report.html",)),
    Case("report-alias-bomb-spec-in-store", ["report", "s.db"], setup=_bomb_spec_in_store, rc=0, max_mb=600,
         may_create=("s_report", "s_report/*"), check=_no_wal_files),
    Case("study-store-foreign", ["study", "espine", "--quick", "--store", "s.db", "--out", "out"],
         setup=_foreign_sqlite("s.db"), names=("s.db", "not a neurosim sweep store"), check=_no_wal_files),
    Case("study-store-text", ["study", "read-endurance", "--quick", "--store", "notes.txt", "--out", "out"],
         files={"notes.txt": "my notes\n"}, names=("notes.txt", "not an SQLite database")),

    # ---- Dask addresses
    spec("scheduler-port-out-of-range", "", ("tcp://127.0.0.1:99999", "Dask scheduler address"),
         args=SWEEP + ["--scheduler", "tcp://127.0.0.1:99999"]),
    spec("scheduler-not-tcp", "", ("http://example.invalid", "tcp://HOST:PORT"),
         args=SWEEP + ["--scheduler", "http://example.invalid"]),
]

CASES += [
    spec("grid-section-and-its-key", "grid:\n  tile: [null]\n  tile.crossbar_rows: [64]\n",
         ("s.yaml:7", "grid.tile.crossbar_rows", "lies inside grid key 'tile'")),
    spec("point-section-and-its-key", "points:\n  - {tile: 5, tile.crossbar_rows: 64}\n",
         ("s.yaml:6", "points[0].tile.crossbar_rows", "lies inside key 'tile'")),
]
