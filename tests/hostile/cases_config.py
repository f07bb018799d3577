"""Hostile and careless hardware configs (chip YAML) and chips too large for the machine: each must be
refused by ``neurosim validate`` with one line naming the file, the line and the key."""
from __future__ import annotations

import os

from .harness import Case

#: Keys and a line of YAML setting each to a hostile value, on top of ``extends: espine_pcm``.
_SECTION_KEY = {
    "noc.mesh_width": "noc:\n  mesh_width: {v}\n",
    "noc.buffer_depth_flits": "noc:\n  buffer_depth_flits: {v}\n",
    "tile.crossbar_rows": "tile:\n  crossbar_rows: {v}\n",
    "crossbar.read_voltage_v": "crossbar:\n  read_voltage_v: {v}\n",
    "device.g_max_s": "device:\n  g_max_s: {v}\n",
    "clock_hz": "clock_hz: {v}\n",
}


def _chip(body: str) -> dict:
    return {"chip.yaml": "extends: espine_pcm\n" + body}


def _validate(case_id: str, body: str, *names, **kw) -> Case:
    return Case(case_id, ["validate", "{tmp}/chip.yaml"], files=_chip(body), names=("{tmp}/chip.yaml", *names), **kw)


CASES: list[Case] = []

# ---- numbers: infinities, NaN, booleans, quoted numbers, fractions, absurd sizes, wrong types
_VALUES = {
    "inf": (".inf", "finite number"),
    "neg-inf": ("-.inf", "finite number"),
    "nan": (".nan", "finite number"),
    "bool": ("true", "not a boolean"),
    "quoted": ('"8"', "quoted string"),
    "list": ("[1, 2]", "got [1, 2]"),
    "map": ("{a: 1}", "got {'a': 1}"),
    "null": ("null", "got None"),
}
for key, template in _SECTION_KEY.items():
    for tag, (value, says) in _VALUES.items():
        line = 3 if "\n  " in template else 2
        CASES.append(_validate(f"number-{tag}-{key}", template.format(v=value), f"chip.yaml:{line}", key, says))
for key in ("noc.mesh_width", "noc.buffer_depth_flits", "tile.crossbar_rows"):
    CASES.append(_validate(f"int-fraction-{key}", _SECTION_KEY[key].format(v="8.5"), key, "fractional part"))
    CASES.append(_validate(f"int-huge-{key}", _SECTION_KEY[key].format(v="1" + "0" * 100), key, "less than or equal"))
CASES += [
    _validate("int-4301-digits", "noc:\n  mesh_width: " + "9" * 4400 + "\n", "chip.yaml:3", "digits is too long"),
    _validate("float-overflow-tick", "clock_hz: 1.0e300\ntick_period_s: 1.0e300\n", "tick_period_s", "clock cycles"),
    _validate("bool-key-not-bool", "learning:\n  enabled: 1\n", "chip.yaml:3", "learning.enabled", "valid boolean"),
    _validate("levels-bool", "device:\n  levels: true\n", "chip.yaml:3", "device.levels", "not a boolean"),
    _validate("name-number", "name: 12\n", "chip.yaml:2", "name", "valid string"),
    _validate("section-list", "noc: [1, 2]\n", "chip.yaml:2", "noc", "expected a section"),
    _validate("section-scalar", "device: pcm\n", "chip.yaml:2", "device", "expected a section"),
    _validate("literal-wrong", "crossbar:\n  ir_drop_method: exactly\n", "chip.yaml:3", "crossbar.ir_drop_method", "expected"),
]

# ---- keys: typos, discriminator typos, unhashable and non-string keys, duplicates
CASES += [
    _validate("key-typo", "noc:\n  mesh_widht: 4\n", "chip.yaml:3", "noc.mesh_widht", "did you mean 'mesh_width'"),
    _validate("section-typo", "devise:\n  type: pcm\n", "chip.yaml:2", "devise", "did you mean 'device'"),
    _validate("law-tag-typo-endurance",
              "device:\n  write_endurance:\n    law_typo: power_current\n    current_ref_a: 1.0e-4\n",
              "chip.yaml:4", "device.write_endurance.law_typo", "did you mean 'law'"),
    _validate("law-tag-typo-disturb", "device:\n  read_disturb:\n    lwa: jiang\n",
              "chip.yaml:4", "device.read_disturb.lwa", "did you mean 'law'"),
    _validate("law-unknown", "device:\n  write_endurance:\n    law: powr_current\n",
              "chip.yaml:4", "device.write_endurance.law", "unknown law"),
    _validate("law-int", "device:\n  read_disturb:\n    law: 3\n", "chip.yaml:4", "device.read_disturb.law", "unknown law"),
    _validate("law-section-list", "device:\n  write_endurance: [power_current]\n",
              "chip.yaml:3", "device.write_endurance", "expected a section"),
    _validate("key-unhashable-list", "noc:\n  ? [a, b]\n  : 1\n", "chip.yaml:3", "a key must be a plain value"),
    _validate("key-unhashable-flow", "noc: {[1]: 2}\n", "chip.yaml:2", "a key must be a plain value"),
    _validate("key-unhashable-map", "? {a: 1}\n: 2\n", "chip.yaml:2", "a key must be a plain value"),
    _validate("key-integer", "noc:\n  1: 2\n", "chip.yaml:3", "keys must be names"),
    _validate("key-duplicate", "noc:\n  mesh_width: 4\n  mesh_width: 5\n", "chip.yaml:4", "duplicate key 'mesh_width'"),
    _validate("python-object-tag", "name: !!python/object/apply:os.system [echo pwned]\n", "chip.yaml:2",
              "could not determine a constructor"),
    _validate("python-name-tag", "name: !!python/name:os.system\n", "chip.yaml:2", "could not determine a constructor"),
    Case("top-level-list", ["validate", "{tmp}/chip.yaml"], files={"chip.yaml": "- a\n- b\n"},
         names=("{tmp}/chip.yaml", "expected a mapping of sections")),
    Case("top-level-scalar", ["validate", "{tmp}/chip.yaml"], files={"chip.yaml": "just words\n"},
         names=("{tmp}/chip.yaml", "expected a mapping of sections")),
    Case("empty-file", ["validate", "{tmp}/chip.yaml"], files={"chip.yaml": ""},
         names=("{tmp}/chip.yaml", "is empty")),
]

# ---- YAML syntax, encoding, size, depth, alias bombs
_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9))
CASES += [
    Case("syntax-tab", ["validate", "{tmp}/chip.yaml"], files={"chip.yaml": "noc:\n\tmesh_width: 4\n"},
         names=("{tmp}/chip.yaml:2", "YAML syntax error")),
    Case("syntax-unclosed", ["validate", "{tmp}/chip.yaml"], files={"chip.yaml": "noc: [1, 2\nname: x\n"},
         names=("{tmp}/chip.yaml", "YAML syntax error")),
    Case("not-utf8", ["validate", "{tmp}/chip.yaml"], files={"chip.yaml": b"name: \xff\xfe\x00\n"},
         names=("{tmp}/chip.yaml:1", "not UTF-8")),
    Case("binary-garbage", ["validate", "{tmp}/chip.yaml"], files={"chip.yaml": bytes(range(256)) * 4},
         names=("{tmp}/chip.yaml",)),
    Case("alias-bomb", ["validate", "{tmp}/chip.yaml"], files={"chip.yaml": _BOMB},
         names=("{tmp}/chip.yaml:1", "NEUROSIM_MAX_YAML_NODES"), max_mb=300, timeout_s=20),
    Case("alias-bomb-in-value", ["validate", "{tmp}/chip.yaml"],
         files={"chip.yaml": "extends: espine_pcm\ndescription: " + _BOMB.replace("\n", "\n  ").replace("a: &a", "- a: &a", 1)},
         names=("{tmp}/chip.yaml",), max_mb=300, timeout_s=20),
    Case("alias-recursive", ["validate", "{tmp}/chip.yaml"], files={"chip.yaml": "a: &a [1, *a]\n"},
         names=("{tmp}/chip.yaml:1", "recursive")),
    Case("alias-undefined", ["validate", "{tmp}/chip.yaml"], files={"chip.yaml": "a: *nowhere\n"},
         names=("{tmp}/chip.yaml:1", "YAML syntax error")),
    Case("deep-flow-100k", ["validate", "{tmp}/chip.yaml"], files={"chip.yaml": "[" * 100_000 + "]" * 100_000},
         names=("{tmp}/chip.yaml:1", "NEUROSIM_MAX_YAML_DEPTH"), max_mb=300, timeout_s=20),
    Case("deep-block-maps", ["validate", "{tmp}/chip.yaml"],
         files={"chip.yaml": "".join("  " * i + f"k{i}:\n" for i in range(100)) + "  " * 100 + "v\n"},
         names=("{tmp}/chip.yaml:65", "NEUROSIM_MAX_YAML_DEPTH")),
    Case("too-big-file", ["validate", "{tmp}/chip.yaml"],
         setup=lambda tmp: (tmp / "chip.yaml").write_bytes(b"# padding\n" * 500_000),
         names=("{tmp}/chip.yaml", "NEUROSIM_MAX_YAML_BYTES")),
    Case("sparse-huge-file", ["validate", "{tmp}/chip.yaml"],
         setup=lambda tmp: os.truncate(_touch(tmp / "chip.yaml"), 64 << 20),
         names=("{tmp}/chip.yaml", "NEUROSIM_MAX_YAML_BYTES"), max_mb=300),
    Case("limit-lowered-by-env", ["validate", "espine_pcm"], env={"NEUROSIM_MAX_YAML_BYTES": "100"},
         names=("espine_pcm.yaml", "above the limit of 100 B", "NEUROSIM_MAX_YAML_BYTES")),
    Case("limit-env-garbage", ["validate", "espine_pcm"], env={"NEUROSIM_MAX_YAML_NODES": "lots"},
         names=("NEUROSIM_MAX_YAML_NODES", "whole number")),
    Case("config-is-folder", ["validate", "{tmp}/chip.yaml"], setup=lambda tmp: (tmp / "chip.yaml").mkdir(),
         names=("chip.yaml",)),
    Case("config-is-fifo", ["validate", "{tmp}/chip.yaml"], setup=lambda tmp: os.mkfifo(tmp / "chip.yaml"),
         names=("chip.yaml",), timeout_s=20),
    Case("config-dev-zero", ["validate", "/dev/zero"], names=("/dev/zero",), timeout_s=20),
]

# ---- extends chains
def _chain(tmp, depth: int, cycle: bool = False):
    for i in range(depth):
        parent = f"c{i + 1}" if i < depth - 1 else ("c0" if cycle else "espine_pcm")
        (tmp / f"c{i}.yaml").write_text(f"extends: {parent}\n", encoding="utf-8")


CASES += [
    Case("extends-20-deep-loads", ["validate", "{tmp}/c0.yaml"], setup=lambda tmp: _chain(tmp, 20), rc=0,
         stdout_names=("c0.yaml: OK",)),
    Case("extends-100-deep", ["validate", "{tmp}/c0.yaml"], setup=lambda tmp: _chain(tmp, 100),
         names=("extends", "more than 64 files deep")),
    Case("extends-cycle-3", ["validate", "{tmp}/c0.yaml"], setup=lambda tmp: _chain(tmp, 3, cycle=True),
         names=("extends", "circular", "c0.yaml -> ", "c1.yaml")),
    Case("extends-self", ["validate", "{tmp}/chip.yaml"], files={"chip.yaml": "extends: chip\n"},
         names=("{tmp}/chip.yaml:1", "extends", "circular")),
    Case("extends-missing", ["validate", "{tmp}/chip.yaml"], files={"chip.yaml": "extends: nowhere_chip\n"},
         names=("{tmp}/chip.yaml:1", "extends", "cannot find config 'nowhere_chip'")),
    Case("extends-list", ["validate", "{tmp}/chip.yaml"], files={"chip.yaml": "extends: [espine_pcm, ideal]\n"},
         names=("{tmp}/chip.yaml:1", "extends", "expected the name or path")),
    Case("extends-nul-byte", ["validate", "{tmp}/chip.yaml"], files={"chip.yaml": 'extends: "a\\0b"\n'},
         names=("{tmp}/chip.yaml:1", "extends", "cannot find config")),
    Case("extends-very-long-name", ["validate", "{tmp}/chip.yaml"], files={"chip.yaml": "extends: " + "x" * 5000 + "\n"},
         names=("{tmp}/chip.yaml:1", "extends", "cannot find config")),
    Case("extends-folder", ["validate", "{tmp}/chip.yaml"], files={"chip.yaml": "extends: sub\n", "sub/x": ""},
         names=("{tmp}/chip.yaml:1", "extends", "cannot find config 'sub'")),
    Case("extends-bomb-parent", ["validate", "{tmp}/chip.yaml"],
         files={"chip.yaml": "extends: bomb.yaml\n", "bomb.yaml": _BOMB},
         names=("{tmp}/bomb.yaml:1", "NEUROSIM_MAX_YAML_NODES"), max_mb=300),
    Case("extends-preset-copy", ["validate", "{tmp}/espine_pcm.yaml"],
         files={"espine_pcm.yaml": "extends: espine_pcm\nname: mine\n"}, rc=0, stdout_names=("OK",)),
]

# ---- chips and workloads too large for the machine (refused with the estimate, not attempted)
CASES += [
    _validate("mesh-1e5x1e5", "noc:\n  mesh_width: 100000\n  mesh_height: 100000\n",
              "needs about", "mapping tables", "NEUROSIM_MEMORY_LIMIT", max_mb=300),
    _validate("crossbar-1e6x1e6", "tile:\n  crossbar_rows: 1000000\n  crossbar_columns: 1000000\n",
              "needs about", "crossbar", "1000000x1000000", "NEUROSIM_MEMORY_LIMIT", max_mb=300),
    _validate("crossbars-per-tile-huge", "tile:\n  crossbars_per_tile: 2000000000\n",
              "needs about", "NEUROSIM_MEMORY_LIMIT", max_mb=300),
    Case("memory-limit-env", ["validate", "loihi_like"], env={"NEUROSIM_MEMORY_LIMIT": "50M"},
         names=("loihi_like.yaml", "needs about", "NEUROSIM_MEMORY_LIMIT=50M")),
    Case("memory-limit-workload", ["validate", "ideal", "--workload", "{root}/traces/cuba_4000"],
         env={"NEUROSIM_MEMORY_LIMIT": "1G"},
         names=("ideal.yaml", "running {root}/traces/cuba_4000", "needs about", "NEUROSIM_MEMORY_LIMIT=1G")),
    Case("memory-limit-garbage", ["validate", "ideal"], env={"NEUROSIM_MEMORY_LIMIT": "a lot"},
         names=("NEUROSIM_MEMORY_LIMIT", "whole number")),
    Case("validate-workload-missing", ["validate", "ideal", "--workload", "{tmp}/nowhere"],
         names=("{tmp}/nowhere",)),
    Case("validate-workload-is-chip", ["validate", "ideal", "--workload", "{root}/hwconfigs/ideal.yaml"],
         names=("ideal.yaml",)),
    Case("validate-with-workload-ok", ["validate", "espine_pcm", "--workload", "{root}/traces/digits"], rc=0,
         stdout_names=("memory with", "digits")),
]


def _touch(path):
    path.write_bytes(b"")
    return path
