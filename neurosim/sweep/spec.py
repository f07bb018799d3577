"""Sweep specifications: a YAML file that names a grid or a list of design points.

A sweep is the product of (hardware variants) × workloads × mapping strategies × seeds. Hardware
variants come from ``grid:`` (every combination of the listed values) and/or ``points:`` (explicit
override sets), each applied on top of ``hwconfig:`` with dotted hwconfig keys. Every point is a pure
function of its full parameters, so its result is keyed by a hash of them (see :mod:`.store`).

Example (docs/sweeps.md has the full reference)::

    name: crossbar_size
    hwconfig: espine_pcm
    workloads: [traces/digits]
    strategies: [spinemap, espine]
    seeds: [0]
    ticks: 100
    grid:
      tile.crossbar_rows: [64, 128, 256]
      tile.crossbar_columns: [64, 128, 256]
    zip: [[tile.crossbar_rows, tile.crossbar_columns]]

A spec is data, checked completely before the first point runs: every key and value (file, line
and key of each problem), the number of points it expands to (counted arithmetically, before
anything is expanded, against :data:`neurosim.limits.SWEEP_POINTS`), and its ``function:``, which
may only name a registered point function (:mod:`.functions`) unless the caller allows code.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError, field_validator

from ..config.loader import ConfigIssue, _format_key
from .._util.yamlsource import SourceMap, YamlLocationError, load_yaml_with_lines
from ..errors import InputError, ResourceLimitError
from .. import limits
from .functions import PointFunctionError, check_options, resolve_point_function

#: Largest seed (seeds seed NumPy generators and are stored as 32-bit values by some strategies).
MAX_SEED = 2 ** 32 - 1
#: Most ticks a sweep point may ask for (the engine counts ticks in 32-bit integers).
MAX_TICKS = 2 ** 31 - 1
#: Longest path or name string a spec may hold.
MAX_STRING = 4096
_MAX_INT = 2 ** 63


class SweepSpecError(InputError):
    """A sweep spec is invalid; ``issues`` holds each problem with file, line and key."""

    def __init__(self, issues):
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class SweepSpec(BaseModel):
    """The validated content of a sweep YAML file."""

    model_config = ConfigDict(extra="forbid")

    name: StrictStr = Field(min_length=1, max_length=200, description="Name of the sweep (used in reports).")
    description: StrictStr = Field("", description="Free text.")
    hwconfig: StrictStr = Field(min_length=1, max_length=MAX_STRING,
                                description="Base hardware config: a preset name or a path relative to the spec file.")
    workloads: list[StrictStr] = Field(min_length=1, description="Workload trace directories (relative to the spec file) or shipped trace names.")
    strategies: list[StrictStr] = Field(["sequential"], min_length=1, description="Mapping strategies to run at every point.")
    baseline: Optional[StrictStr] = Field(None, description="Mapping strategy that lifetimes are normalised to (reports).")
    seeds: list[StrictInt] = Field([0], min_length=1, description=f"Seeds (whole numbers 0 to {MAX_SEED}, no repeats); every point runs once per seed.")
    ticks: Optional[StrictInt] = Field(None, gt=0, le=MAX_TICKS, description="Ticks to simulate (null: the workload's length).")
    grid: dict[StrictStr, list[Any]] = Field(default_factory=dict, description="Dotted hwconfig key -> values; every combination is a point.")
    zip: list[list[StrictStr]] = Field(
        default_factory=list,
        description="Groups of grid keys whose values advance together instead of combining (equal lengths).",
    )
    points: list[dict[StrictStr, Any]] = Field(default_factory=list, description="Explicit override sets (dotted hwconfig keys), each a point.")
    function: StrictStr = Field(
        "neurosim.sweep.study:run_point",
        description="The registered point function that evaluates one point (params dict -> result dict): a short "
                    "name (run_point, capacity_point, study_point, or one registered by the user) or its dotted path.",
    )
    options: dict[StrictStr, Any] = Field(default_factory=dict, description="Extra parameters passed to the point function.")

    @field_validator("grid")
    @classmethod
    def _non_empty_values(cls, grid):
        for key, values in grid.items():
            if not values:
                raise ValueError(f"grid key {key!r} has no values")
        return grid


@dataclass(frozen=True)
class SweepPoint:
    """One design point: everything needed to compute it, and nothing else."""

    hwconfig: str
    overrides: tuple  # sorted ((dotted key, value), ...)
    workload: str
    strategy: str
    seed: int
    ticks: Optional[int]
    function: str
    options: tuple = field(default=())

    def params(self) -> dict:
        return {
            "hwconfig": self.hwconfig,
            "overrides": dict(self.overrides),
            "workload": self.workload,
            "strategy": self.strategy,
            "seed": self.seed,
            "ticks": self.ticks,
            "function": self.function,
            "options": dict(self.options),
        }


def _exists(path: Path) -> bool:
    """``path.exists()`` that answers False for names the OS refuses (too long, NUL bytes)."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _resolve_ref(ref: str, base: Path, kind: str) -> str:
    """Paths in a spec are relative to the spec file; bare names fall back to shipped ones (a
    hardware config also as ``NAME.yaml`` beside the spec, as :func:`neurosim.config.resolve_config_path`
    finds it)."""
    candidates = [base / ref, base / f"{ref}.yaml"] if kind == "hwconfig" else [base / ref]
    for cand in candidates:
        if _exists(cand) and (kind != "hwconfig" or cand.is_file()):
            return str(cand.resolve())
    if kind == "workload":
        shipped = Path(__file__).resolve().parents[2] / "traces" / ref
        if _exists(shipped):
            return str(shipped.resolve())
    return ref


def _axes(spec: SweepSpec) -> list[list[dict]]:
    """The grid's axes: one per zip group (its keys advance together), one per other key."""
    in_zip = {k for group in spec.zip for k in group}
    axes = [[dict(zip(group, vals)) for vals in zip(*(spec.grid[k] for k in group))] for group in spec.zip]
    axes += [[{k: v} for v in spec.grid[k]] for k in spec.grid if k not in in_zip]
    return axes


def count_variants(spec: SweepSpec) -> int:
    """How many hardware variants the spec names, computed from the list lengths alone."""
    in_zip = {k for group in spec.zip for k in group}
    n = 0
    if spec.grid:
        n = math.prod(min(len(spec.grid[k]) for k in group) for group in spec.zip if group)
        n *= math.prod(len(v) for k, v in spec.grid.items() if k not in in_zip)
    n += len(spec.points)
    return n or 1


def count_points(spec: SweepSpec) -> int:
    """How many points the spec expands to (hardware variants × workloads × strategies × seeds)."""
    return count_variants(spec) * len(spec.workloads) * len(spec.strategies) * len(spec.seeds)


def _hw_variants(spec: SweepSpec) -> list[dict]:
    axes = _axes(spec)
    variants = []
    if axes:
        for combo in itertools.product(*axes):
            merged: dict = {}
            for part in combo:
                merged.update(part)
            variants.append(merged)
    variants += [dict(p) for p in spec.points]
    return variants or [{}]


def expand(spec: SweepSpec, base_dir: Path, function: Optional[str] = None) -> list[SweepPoint]:
    """Every point of the sweep, in a deterministic order. ``function`` is the resolved dotted path
    of the point function (default: the spec's ``function`` as written)."""
    hwconfig = _resolve_ref(spec.hwconfig, base_dir, "hwconfig")
    workloads = [_resolve_ref(w, base_dir, "workload") for w in spec.workloads]
    options = tuple(sorted(spec.options.items()))
    points = []
    for overrides in _hw_variants(spec):
        frozen = tuple(sorted(overrides.items()))
        for workload in workloads:
            for strategy in spec.strategies:
                for seed in spec.seeds:
                    points.append(SweepPoint(hwconfig=hwconfig, overrides=frozen, workload=workload,
                                             strategy=strategy, seed=int(seed), ticks=spec.ticks,
                                             function=function or spec.function, options=options))
    return points


def _issue(sources: SourceMap, path: tuple, filename: str, message: str, line_path: tuple | None = None) -> ConfigIssue:
    """An issue at key ``path`` (its line: that of ``line_path`` when given, e.g. a list item)."""
    file, line = sources.where(line_path or path) or (filename, None)
    return ConfigIssue(file, line, _format_key(path), message)


def _plain_issues(value, path: tuple) -> list[tuple[tuple, str]]:
    """Where ``value`` holds something other than plain data (null, bool, int, float, string, list,
    mapping with string keys), e.g. a YAML ``!!binary``, ``!!set`` or timestamp, or an integer too
    large for the store. Iterative: the depth of a document is bounded by the YAML reader."""
    out = []
    stack = [(value, path)]
    while stack:
        v, p = stack.pop()
        if v is None or isinstance(v, (bool, float, str)):
            continue
        if isinstance(v, int):
            if not -_MAX_INT <= v < _MAX_INT:
                out.append((p, f"integer {v:.3e} is out of range (at most 64 bits)"))
        elif isinstance(v, list):
            stack.extend((item, p + (i,)) for i, item in enumerate(v))
        elif isinstance(v, dict):
            for k, item in v.items():
                if not isinstance(k, str):
                    out.append((p, f"expected string keys, got {type(k).__name__} key {k!r:.60}"))
                else:
                    stack.append((item, p + (k,)))
        else:
            out.append((p, f"expected plain data (number, string, true/false, null, list or mapping), "
                           f"got a YAML {type(v).__name__}"))
    return sorted(out, key=lambda item: [str(x) for x in item[0]])


def _string_issue(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character"
    if len(text) > MAX_STRING:
        return f"is {len(text):,} characters long (at most {MAX_STRING:,})"
    return None


def _overlapping(keys) -> list[tuple[str, str]]:
    """``(key, prefix)`` for every dotted key whose section is itself one of ``keys`` (``tile`` and
    ``tile.crossbar_rows`` in one override set: which value wins would be ambiguous)."""
    present = set(keys)
    out = []
    for key in keys:
        parts = key.split(".")
        prefix = next((".".join(parts[:n]) for n in range(1, len(parts)) if ".".join(parts[:n]) in present), None)
        if prefix is not None:
            out.append((key, prefix))
    return out


def _check_lists(spec: SweepSpec, at, issues: list) -> None:
    """Seeds, strategies, baseline, workloads, zip groups: each problem at its own key."""
    from ..mapping import STRATEGIES

    seen_seeds: dict = {}
    for i, seed in enumerate(spec.seeds):
        if not 0 <= seed <= MAX_SEED:
            issues.append(at(("seeds", i), f"expected a seed from 0 to {MAX_SEED}, got {seed}"))
        elif seed in seen_seeds:
            issues.append(at(("seeds", i), f"seed {seed} is listed twice (also seeds[{seen_seeds[seed]}])"))
        else:
            seen_seeds[seed] = i
    known = sorted(STRATEGIES)
    seen_strategies: dict = {}
    for i, strategy in enumerate(spec.strategies):
        if strategy not in STRATEGIES:
            issues.append(at(("strategies", i), f"unknown mapping strategy {strategy[:100]!r}; expected one of: {', '.join(known)}"))
        elif strategy in seen_strategies:
            issues.append(at(("strategies", i), f"strategy {strategy!r} is listed twice (also strategies[{seen_strategies[strategy]}])"))
        else:
            seen_strategies[strategy] = i
    if spec.baseline is not None and spec.baseline not in spec.strategies:
        issues.append(at(("baseline",), f"baseline {spec.baseline[:100]!r} is not one of the strategies "
                                        f"({', '.join(s[:100] for s in spec.strategies[:20])})"))
    bad = _string_issue(spec.hwconfig)
    if bad:
        issues.append(at(("hwconfig",), f"the hardware config name {bad}"))
    for i, wl in enumerate(spec.workloads):
        bad = "is empty" if not wl.strip() else _string_issue(wl)
        if bad:
            issues.append(at(("workloads", i), f"the workload name {bad}"))
    for key, prefix in _overlapping(list(spec.grid)):
        issues.append(at(("grid", key), f"grid key {key[:100]!r} lies inside grid key {prefix[:100]!r}; "
                                        "override either the section or its keys"))
    for i, point in enumerate(spec.points):
        for key, prefix in _overlapping(list(point)):
            issues.append(at(("points", i, key), f"key {key[:100]!r} lies inside key {prefix[:100]!r} of the same "
                                                 "point; override either the section or its keys"))
    in_group: dict = {}
    for g, group in enumerate(spec.zip):
        if not group:
            issues.append(at(("zip", g), "an empty zip group; expected a list of grid keys"))
            continue
        missing = [k for k in group if k not in spec.grid]
        if missing:
            issues.append(at(("zip", g), f"zip names keys not in grid: {missing}"))
            continue
        twice = sorted({k for k in group if group.count(k) > 1 or k in in_group})
        if twice:
            issues.append(at(("zip", g), f"grid key(s) {twice} appear in more than one zip group or twice in one"))
            continue
        for k in group:
            in_group[k] = g
        if len({len(spec.grid[k]) for k in group}) != 1:
            lengths = ", ".join(f"{k}: {len(spec.grid[k])}" for k in group)
            issues.append(at(("zip", g), f"zipped grid keys must have equally many values ({lengths})"))


def load_spec(path: str | Path, *, allow_code: bool = False, max_points: Optional[int] = None,
              hw_cache: Optional[dict] = None) -> tuple[SweepSpec, list[SweepPoint]]:
    """Read, check and expand a sweep spec. Raises :class:`SweepSpecError` naming file, line, key.

    Everything is checked before a point is expanded or run: the schema; seeds, strategies, baseline,
    zip groups; the point count against ``max_points`` (default: the limit
    :data:`neurosim.limits.SWEEP_POINTS`, raised by ``NEUROSIM_MAX_SWEEP_POINTS``;
    :class:`~neurosim.errors.ResourceLimitError` above it); ``function`` (a registered point function
    unless ``allow_code``); the options of a shipped function; that the hardware config and every
    workload exist; and every hwconfig override of every point against the hardware schema.

    ``hw_cache``, when given, receives the resolved hardware config of every variant, keyed as
    :func:`neurosim.sweep.runner.run_sweep` looks them up (spares loading each config twice).
    """
    from ..config import HardwareConfigError, load_hardware, resolve_config_path
    from .store import canonical_json

    path = Path(path)
    try:
        data, sources = load_yaml_with_lines(path)
    except YamlLocationError as exc:
        raise SweepSpecError([ConfigIssue(exc.file, exc.line, "", exc.message)]) from None
    if not isinstance(data, dict):
        raise SweepSpecError([ConfigIssue(str(path), 1, "", "expected a mapping of sweep keys (name, hwconfig, "
                                                            f"workloads, ...) at the top level, got {type(data).__name__}")])
    filename = str(path)

    def at(key_path: tuple, message: str, line_path: tuple | None = None) -> ConfigIssue:
        return _issue(sources, key_path, filename, message, line_path)

    plain = _plain_issues(data, ())
    if plain:  # YAML tags that construct dates, sets, bytes, or integers too large to store
        raise SweepSpecError([at(key_path, message) for key_path, message in plain[:50]])
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = f"unknown key '{str(loc[-1])[:100]}'; expected one of: {', '.join(SweepSpec.model_fields)}"
            elif err["type"] == "missing":
                msg = "required key is missing"
            elif "input" in err and err["type"] not in ("too_short", "string_too_short", "too_long"):
                shown = repr(err["input"])
                msg += f", got {shown if len(shown) <= 60 else shown[:57] + '...'}"
            issues.append(at(loc, msg))
            if len(issues) >= 50:
                issues.append(at((), f"... and {len(exc.errors()) - 50} more problems"))
                break
        raise SweepSpecError(issues) from None

    issues: list = []
    _check_lists(spec, at, issues)
    if issues:
        raise SweepSpecError(issues[:50])

    # count before anything is expanded
    needed = count_points(spec)
    cap = limits.SWEEP_POINTS.value() if max_points is None else int(max_points)
    if needed > cap:
        key = "grid" if spec.grid else ("points" if spec.points else "seeds")
        file, line = sources.where((key,)) or (filename, None)
        where = f"{file}:{line}: {key}:" if line else f"{file}: {key}:"
        raise ResourceLimitError(
            f"{where} the sweep expands to {needed:,} points ({count_variants(spec):,} chip variants x "
            f"{len(spec.workloads)} workloads x {len(spec.strategies)} strategies x {len(spec.seeds)} seeds), "
            f"above the limit of {cap:,} (raise it with --max-points N or the environment variable "
            f"{limits.SWEEP_POINTS.env})")

    try:
        function = resolve_point_function(spec.function, allow_code=allow_code)
    except PointFunctionError as exc:
        raise SweepSpecError([at(("function",), str(exc))]) from None
    issues += [at(key_path, message) for key_path, message in check_options(function, spec.options)]

    hw_path = resolve_config_path(spec.hwconfig, relative_to=path.parent)
    try:
        hw_found = hw_path.is_file()
    except OSError:
        hw_found = False
    if not hw_found:
        issues.append(at(("hwconfig",), f"no such hardware config or preset {spec.hwconfig[:200]!r}"))
    for i, wl in enumerate(spec.workloads):
        if not _exists(Path(_resolve_ref(wl, path.parent, "workload"))):
            issues.append(at(("workloads", i), f"no such workload {wl[:200]!r}"))
    if issues:
        raise SweepSpecError(issues)

    hwconfig_ref = _resolve_ref(spec.hwconfig, path.parent, "hwconfig")
    variants = _hw_variants(spec)
    n_grid = len(variants) - len(spec.points) if spec.grid else 0
    seen: set = set()
    for index, overrides in enumerate(variants):
        frozen = canonical_json(sorted(overrides.items()))
        if frozen in seen:
            continue
        seen.add(frozen)
        try:
            hw = load_hardware(hw_path, overrides=overrides)
        except HardwareConfigError as exc:
            if not overrides:  # the base config itself: its own file and line
                issues += exc.issues
                continue
            for hw_issue in exc.issues:
                if index >= n_grid:
                    p = index - n_grid
                    key_path = ("points", p, hw_issue.key) if hw_issue.key in overrides else ("points", p)
                    line_path = None
                elif hw_issue.key in spec.grid:
                    key_path = ("grid", hw_issue.key)
                    value = overrides[hw_issue.key]
                    j = next((j for j, v in enumerate(spec.grid[hw_issue.key])
                              if type(v) is type(value) and v == value), None)
                    line_path = None if j is None else key_path + (j,)
                else:
                    key_path, line_path = ("grid",), None
                where = f" (at {dict(overrides)})" if overrides else ""
                issues.append(at(key_path, f"{hw_issue.key}: {hw_issue.message}{where}", line_path))
            if len(issues) >= 50:
                break
            continue
        if hw_cache is not None:
            hw_cache[(hwconfig_ref, canonical_json(sorted(overrides.items())))] = hw.model_dump(mode="json")
    if issues:
        raise SweepSpecError(issues)
    return spec, expand(spec, path.parent, function)
