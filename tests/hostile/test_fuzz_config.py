"""Fuzzing the hardware-config layer: whatever a chip file holds, ``load_hardware`` returns a config
or raises :class:`HardwareConfigError` (one located message per problem) and nothing else, and
``check_fits`` on any valid chip raises nothing but :class:`ResourceLimitError`."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from neurosim.config import HardwareConfigError, load_hardware  # noqa: E402
from neurosim.config.resources import check_fits  # noqa: E402
from neurosim._util.yamlsource import load_yaml_with_lines  # noqa: E402
from neurosim.errors import ResourceLimitError  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CHIPS = {p.stem: load_yaml_with_lines(p)[0] for p in sorted((ROOT / "hwconfigs").glob("*.yaml"))}
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])

_scalars = st.one_of(
    st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
    st.sampled_from([0, 1, -1, 2 ** 31, 2 ** 63, 10 ** 100, 0.5, -0.0, 1e308, 1e-320]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["8", "1e-9", ".inf", "none", "jiang", "power_current", "espine_pcm", "exact", "law"]),
)
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                          st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                       max_leaves=8)


def _paths(node, prefix=()):
    """Every key path of a nested dict."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.append(prefix + (k,))
            out += _paths(v, prefix + (k,))
    return out


def _typo(key: str, i: int) -> str:
    if not key:
        return "x"
    i %= len(key)
    return key[:i] + key[i + 1:] + ("_typo" if i == 0 else "")


@st.composite
def mutated_chips(draw):
    name = draw(st.sampled_from(sorted(CHIPS)))
    data = copy.deepcopy(CHIPS[name])
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "rename", "add", "extends"]))
        if action == "replace":
            parent[path[-1]] = draw(_values)
        elif action == "delete":
            del parent[path[-1]]
        elif action == "rename":
            parent[_typo(str(path[-1]), draw(st.integers(0, 20)))] = parent.pop(path[-1])
        elif action == "add":
            parent[draw(st.text(min_size=1, max_size=10))] = draw(_values)
        else:
            data["extends"] = draw(st.one_of(st.sampled_from(sorted(CHIPS) + ["self", "nowhere", ""]), _values))
    return data


def _load(tmp_path: Path, text: str | bytes):
    path = tmp_path / "self.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    try:
        return load_hardware(path)
    except HardwareConfigError as exc:
        assert exc.issues and all(str(i) for i in exc.issues)
        return None


@FUZZ
@given(data=mutated_chips())
def test_mutated_chips_load_or_fail_cleanly(tmp_path, data):
    try:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        return
    hw = _load(tmp_path, text)
    if hw is not None:
        try:
            check_fits(hw)
        except ResourceLimitError:
            pass


@FUZZ
@given(raw=st.binary(max_size=400))
def test_random_bytes_load_or_fail_cleanly(tmp_path, raw):
    _load(tmp_path, raw)


_yaml_bits = st.sampled_from(["noc:", "  mesh_width: 8", "extends: espine_pcm", "- ", "[", "]", "{", "}", "&a ", "*a",
                              "? ", ": ", "!!python/object:os.system", "!!binary", "<<: *a", "\t", "'", '"',
                              "%YAML 1.1", "---", "...", "#", "\n", "  ", "law: jiang", "device:", "1e400", ".nan"])


@FUZZ
@given(parts=st.lists(_yaml_bits, max_size=30))
def test_yaml_fragments_load_or_fail_cleanly(tmp_path, parts):
    _load(tmp_path, "".join(parts))


@FUZZ
@given(width=st.integers(1, 2 ** 31 - 1), height=st.integers(1, 2 ** 31 - 1), rows=st.integers(1, 2 ** 31 - 1),
       cols=st.integers(1, 2 ** 30 - 1).map(lambda c: 2 * c), per_tile=st.integers(1, 2 ** 31 - 1),
       chip=st.sampled_from(sorted(CHIPS)))
def test_check_fits_raises_only_resource_limit_errors(width, height, rows, cols, per_tile, chip):
    hw = load_hardware(chip, overrides={"noc.mesh_width": width, "noc.mesh_height": height,
                                        "tile.crossbar_rows": rows, "tile.crossbar_columns": cols,
                                        "tile.crossbars_per_tile": per_tile})
    try:
        check_fits(hw)
    except ResourceLimitError as exc:
        assert "needs about" in str(exc)
