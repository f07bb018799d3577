"""Fuzzing the sweep spec check: a mutated spec is accepted or refused with an InputError, nothing else.

Starting from a valid spec, hypothesis replaces values by random ones (wrong types, inf and nan,
huge integers, NUL bytes, long or nested lists), deletes keys, adds unknown ones, writes odd
``function:`` strings, and mangles the YAML text itself. :func:`neurosim.sweep.load_spec` must return
(at most the point limit, every function a registered one) or raise
:class:`~neurosim.errors.InputError` (a :class:`~neurosim.sweep.SweepSpecError`, a
:class:`~neurosim.errors.ResourceLimitError`): never a TypeError, a crash, or code run.
"""
from __future__ import annotations

import copy
import tempfile
from pathlib import Path

import pytest
import yaml

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from neurosim.errors import InputError  # noqa: E402
from neurosim.sweep import load_spec  # noqa: E402
from neurosim.sweep.functions import SHIPPED  # noqa: E402

from .docpaths import del_path, set_path  # noqa: E402
from .harness import ROOT  # noqa: E402

LIMIT = 200
VALID = {
    "name": "fuzz",
    "description": "fuzzed",
    "hwconfig": "ideal",
    "workloads": [str(ROOT / "traces" / "digits")],
    "strategies": ["sequential", "spinemap"],
    "baseline": "sequential",
    "seeds": [0, 1],
    "ticks": 20,
    "grid": {"tile.crossbar_rows": [64, 128], "tile.crossbar_columns": [64, 128]},
    "zip": [["tile.crossbar_rows", "tile.crossbar_columns"]],
    "points": [{"crossbar.read_voltage_v": 0.2}],
    "function": "capacity_point",
    "options": {"sleep_s": 0},
}
FAST = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(2 ** 80), max_value=2 ** 80),
    st.floats(allow_nan=True, allow_infinity=True), text,
    st.sampled_from(["", "\x00", "a" * 5000, "../../etc/passwd", "os:system", "ideal", "sequential"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=6),
                                                       st.dictionaries(text, inner, max_size=4)), max_leaves=12)
functions = st.one_of(
    st.sampled_from(["os:system", "sys:exit", "builtins:eval", "evil_sweep_fn:run", "subprocess:Popen",
                     "neurosim.sweep.points:capacity_point.__globals__", "a:b:c", ":", "x:", ":y", " capacity_point",
                     "capacity_point ", "CAPACITY_POINT", "__import__('os')", "run_point\x00", "neurosim:__init__"]
                    + list(SHIPPED) + list(SHIPPED.values())),
    text, st.from_regex(r"[a-z_.]{1,20}:[a-z_.]{1,20}", fullmatch=True))
KEY_PATHS = [("name",), ("description",), ("hwconfig",), ("workloads",), ("workloads", 0), ("strategies",),
             ("strategies", 1), ("baseline",), ("seeds",), ("seeds", 0), ("ticks",), ("grid",),
             ("grid", "tile.crossbar_rows"), ("grid", "tile.crossbar_rows", 0), ("zip",), ("zip", 0), ("zip", 0, 1),
             ("points",), ("points", 0), ("points", 0, "crossbar.read_voltage_v"), ("function",), ("options",),
             ("options", "sleep_s")]


def _check(text_or_doc, monkeypatch) -> None:
    monkeypatch.setenv("NEUROSIM_MAX_SWEEP_POINTS", str(LIMIT))
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fuzz.yaml"
        if isinstance(text_or_doc, (str, bytes)):
            path.write_bytes(text_or_doc if isinstance(text_or_doc, bytes) else text_or_doc.encode("utf-8", "replace"))
        else:
            path.write_text(yaml.safe_dump(text_or_doc, allow_unicode=True), encoding="utf-8")
        try:
            spec, points = load_spec(path)
        except InputError as exc:
            assert str(exc).strip(), "an error without a message"
            return
        assert len(points) <= LIMIT
        assert {p.function for p in points} <= set(SHIPPED.values())
        assert not (Path(d) / "PWNED").exists()


@FAST
@given(changes=st.lists(st.tuples(st.sampled_from(KEY_PATHS), values), min_size=1, max_size=4))
def test_random_values(changes, monkeypatch):
    doc = copy.deepcopy(VALID)
    for path, value in changes:
        try:
            set_path(doc, path, value)
        except (KeyError, IndexError, TypeError):
            pass  # an earlier change replaced the container
    _check(doc, monkeypatch)


@FAST
@given(deleted=st.lists(st.sampled_from(KEY_PATHS), min_size=1, max_size=4),
       added=st.dictionaries(text, values, max_size=3))
def test_deleted_and_unknown_keys(deleted, added, monkeypatch):
    doc = copy.deepcopy(VALID)
    for path in deleted:
        try:
            del_path(doc, path)
        except (KeyError, IndexError, TypeError):
            pass
    doc.update(added)
    _check(doc, monkeypatch)


@FAST
@given(function=functions, options=st.dictionaries(text, values, max_size=3))
def test_weird_functions_and_options(function, options, monkeypatch):
    doc = copy.deepcopy(VALID)
    doc["function"] = function
    doc["options"] = options
    _check(doc, monkeypatch)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from([("seeds",), ("workloads",), ("strategies",), ("grid", "tile.crossbar_rows"),
                            ("grid", "device.temperature.ambient_k"), ("points",), ("zip",)]),
       size=st.integers(min_value=300, max_value=30000), item=scalars)
def test_huge_lists(key, size, item, monkeypatch):
    doc = copy.deepcopy(VALID)
    if key == ("seeds",):
        value = list(range(size))
    elif key == ("points",):
        value = [{"crossbar.read_voltage_v": 0.2}] * size
    else:
        value = [item] * size
    set_path(doc, key, value)
    if key[0] == "grid":
        doc["zip"] = []
    _check(doc, monkeypatch)


MANGLERS = st.sampled_from(["insert", "delete", "replace", "duplicate"])


@FAST
@given(ops=st.lists(st.tuples(MANGLERS, st.integers(min_value=0, max_value=10 ** 6),
                              st.text(alphabet="{}[]:,-&*!|>'\"#% \n\t?@`\\0123456789abcxyz.~", max_size=8)),
                    min_size=1, max_size=5))
def test_mangled_yaml_text(ops, monkeypatch):
    doc = yaml.safe_dump(VALID)
    for op, where, chunk in ops:
        i = where % (len(doc) + 1)
        if op == "insert":
            doc = doc[:i] + chunk + doc[i:]
        elif op == "delete":
            doc = doc[:i] + doc[i + len(chunk) + 1:]
        elif op == "replace":
            doc = doc[:i] + chunk + doc[i + len(chunk):]
        else:
            doc = doc[:i] + doc[i:i + 40] * 3 + doc[i + 40:]
    _check(doc, monkeypatch)


HW_WORDS = ["tile", "crossbar_rows", "crossbars_per_tile", "device", "type", "levels", "write_endurance", "law",
            "crossbar", "read_voltage_v", "noc", "learning", "enabled", "extends", "name", "0", "", "__class__",
            "temperature", "ambient_k", "weight_encoding", "x"]
hw_keys = st.lists(st.sampled_from(HW_WORDS), min_size=1, max_size=4).map(".".join)


@FAST
@given(grid=st.dictionaries(hw_keys, st.lists(values, min_size=1, max_size=3), max_size=3),
       points=st.lists(st.dictionaries(hw_keys, values, max_size=3), max_size=3))
def test_random_overrides(grid, points, monkeypatch):
    """Grid keys and point overrides built from real hardware-config words and garbage: every one is
    checked against the hardware schema before the first point, and refused with an InputError."""
    doc = copy.deepcopy(VALID)
    doc["grid"], doc["zip"], doc["points"] = grid, [], points
    _check(doc, monkeypatch)
