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
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..config.loader import ConfigIssue, _format_key
from ..errors import InputError
from ..config.yamlsource import SourceMap, YamlLocationError, load_yaml_with_lines


class SweepSpecError(InputError):
    """A sweep spec is invalid; ``issues`` holds each problem with file, line and key."""

    def __init__(self, issues):
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class SweepSpec(BaseModel):
    """The validated content of a sweep YAML file."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Name of the sweep (used in reports).")
    description: str = Field("", description="Free text.")
    hwconfig: str = Field(description="Base hardware config: a preset name or a path relative to the spec file.")
    workloads: list[str] = Field(min_length=1, description="Workload trace directories (relative to the spec file) or shipped trace names.")
    strategies: list[str] = Field(["sequential"], min_length=1, description="Mapping strategies to run at every point.")
    baseline: Optional[str] = Field(None, description="Mapping strategy that lifetimes are normalised to (reports).")
    seeds: list[int] = Field([0], min_length=1, description="Seeds; every point runs once per seed.")
    ticks: Optional[int] = Field(None, gt=0, description="Ticks to simulate (null: the workload's length).")
    grid: dict[str, list[Any]] = Field(default_factory=dict, description="Dotted hwconfig key -> values; every combination is a point.")
    zip: list[list[str]] = Field(
        default_factory=list,
        description="Groups of grid keys whose values advance together instead of combining (equal lengths).",
    )
    points: list[dict[str, Any]] = Field(default_factory=list, description="Explicit override sets (dotted hwconfig keys), each a point.")
    function: str = Field(
        "neurosim.sweep.study:run_point",
        description="Dotted path `module:function` that evaluates one point (params dict -> result dict).",
    )
    options: dict[str, Any] = Field(default_factory=dict, description="Extra parameters passed to the point function.")

    @field_validator("grid")
    @classmethod
    def _non_empty_values(cls, grid):
        for key, values in grid.items():
            if not values:
                raise ValueError(f"grid key {key!r} has no values")
        return grid

    @field_validator("function")
    @classmethod
    def _dotted(cls, value):
        if ":" not in value:
            raise ValueError(f"expected 'module:function', got {value!r}")
        return value


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


def _resolve_ref(ref: str, base: Path, kind: str) -> str:
    """Paths in a spec are relative to the spec file; bare names fall back to shipped ones."""
    cand = base / ref
    if cand.exists():
        return str(cand.resolve())
    if kind == "workload":
        shipped = Path(__file__).resolve().parents[2] / "traces" / ref
        if shipped.exists():
            return str(shipped.resolve())
    return ref


def _hw_variants(spec: SweepSpec) -> list[dict]:
    keys = list(spec.grid)
    zipped = [group for group in spec.zip]
    in_zip = {k for group in zipped for k in group}
    axes: list[list[dict]] = []
    for group in zipped:
        lengths = {len(spec.grid[k]) for k in group}
        axes.append([dict(zip(group, vals)) for vals in zip(*(spec.grid[k] for k in group))] if len(lengths) == 1 else [])
    for k in keys:
        if k not in in_zip:
            axes.append([{k: v} for v in spec.grid[k]])
    variants = []
    if axes:
        for combo in itertools.product(*axes):
            merged: dict = {}
            for part in combo:
                merged.update(part)
            variants.append(merged)
    variants += [dict(p) for p in spec.points]
    return variants or [{}]


def expand(spec: SweepSpec, base_dir: Path) -> list[SweepPoint]:
    """Every point of the sweep, in a deterministic order."""
    hwconfig = _resolve_ref(spec.hwconfig, base_dir, "hwconfig")
    points = []
    for overrides in _hw_variants(spec):
        for workload in spec.workloads:
            for strategy in spec.strategies:
                for seed in spec.seeds:
                    points.append(SweepPoint(
                        hwconfig=hwconfig,
                        overrides=tuple(sorted(overrides.items())),
                        workload=_resolve_ref(workload, base_dir, "workload"),
                        strategy=strategy,
                        seed=int(seed),
                        ticks=spec.ticks,
                        function=spec.function,
                        options=tuple(sorted(spec.options.items())),
                    ))
    return points


def _issue(sources: SourceMap, path: tuple, filename: str, message: str) -> ConfigIssue:
    file, line = sources.where(path) or (filename, None)
    return ConfigIssue(file, line, _format_key(path), message)


def load_spec(path: str | Path) -> tuple[SweepSpec, list[SweepPoint]]:
    """Read, validate and expand a sweep spec. Raises :class:`SweepSpecError` naming file, line, key.

    Beyond the schema, every hwconfig override of every point is validated against the hardware
    schema before anything runs, and every workload must exist.
    """
    from ..config import HardwareConfigError, load_hardware, resolve_config_path

    path = Path(path)
    try:
        data, sources = load_yaml_with_lines(path)
    except YamlLocationError as exc:
        raise SweepSpecError([ConfigIssue(exc.file, exc.line, "", exc.message)]) from None
    if not isinstance(data, dict):
        raise SweepSpecError([ConfigIssue(str(path), 1, "", "expected a mapping at the top level")])
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = f"unknown key '{loc[-1]}'; expected one of: {', '.join(SweepSpec.model_fields)}"
            elif err["type"] == "missing":
                msg = "required key is missing"
            issues.append(_issue(sources, loc, str(path), msg))
        raise SweepSpecError(issues) from None

    issues = []
    for group_index, group in enumerate(spec.zip):
        missing = [k for k in group if k not in spec.grid]
        if missing:
            issues.append(_issue(sources, ("zip", group_index), str(path), f"zip names keys not in grid: {missing}"))
        elif len({len(spec.grid[k]) for k in group}) != 1:
            issues.append(_issue(sources, ("zip", group_index), str(path), "zipped grid keys must have equally many values"))
    hw_path = resolve_config_path(spec.hwconfig, relative_to=path.parent)
    if not hw_path.is_file():
        issues.append(_issue(sources, ("hwconfig",), str(path), f"no such hardware config or preset {spec.hwconfig!r}"))
    for i, wl in enumerate(spec.workloads):
        resolved = Path(_resolve_ref(wl, path.parent, "workload"))
        if not resolved.exists():
            issues.append(_issue(sources, ("workloads", i), str(path), f"no such workload {wl!r}"))
    if issues:
        raise SweepSpecError(issues)

    seen: set = set()
    for overrides in _hw_variants(spec):
        frozen = tuple(sorted(overrides.items()))
        if frozen in seen:
            continue
        seen.add(frozen)
        try:
            load_hardware(hw_path, overrides=overrides)
        except HardwareConfigError as exc:
            for hw_issue in exc.issues:
                key_path = ("grid", hw_issue.key) if hw_issue.key in spec.grid else ("points",)
                where = f" (at {dict(overrides)})" if overrides else ""
                issues.append(_issue(sources, key_path, str(path), f"{hw_issue.key}: {hw_issue.message}{where}"))
    if issues:
        raise SweepSpecError(issues)
    return spec, expand(spec, path.parent)
