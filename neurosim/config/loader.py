"""Load and validate hardware configs; turn every problem into a message with file, line and key."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from pydantic import BaseModel, ValidationError

from ..errors import InputError
from .schema import HardwareConfig
from .yamlsource import SourceMap, YamlLocationError, deep_merge, load_yaml_with_lines

#: Shipped presets live inside the package so that an installed neurosim finds them by name.
PRESET_DIR = Path(__file__).resolve().parent.parent / "hwconfigs"
_MAX_EXTENDS_DEPTH = 16


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a config: where it is and what was expected."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.message}"


class HardwareConfigError(InputError):
    """A hardware config is invalid. ``issues`` lists every problem found; ``str()`` prints them."""

    def __init__(self, issues: Iterable[ConfigIssue]):
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


def preset_names() -> list[str]:
    """Names of the shipped hardware configs (usable with ``load_hardware(name)`` and ``extends:``)."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def resolve_config_path(ref: str | Path, relative_to: Path | None = None) -> Path:
    """Find a config given a path, or the name of a preset (``espine_pcm``)."""
    ref_path = Path(ref)
    candidates = []
    if relative_to is not None and not ref_path.is_absolute():
        candidates += [relative_to / ref_path, relative_to / f"{ref}.yaml"]
    candidates += [ref_path, PRESET_DIR / ref_path, PRESET_DIR / f"{ref}.yaml"]
    for cand in candidates:
        if cand.is_file():
            return cand
    return ref_path


def _format_key(path: Iterable) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _read_chain(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict, SourceMap]:
    """Read a config and everything it ``extends:``, base first, each key located where it was set last."""
    data, sources = load_yaml_with_lines(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise HardwareConfigError([ConfigIssue(str(path), 1, "", f"expected a mapping of sections at the top level, got {type(data).__name__}")])
    parent = data.pop("extends", None)
    if parent is None:
        return data, sources
    file, line = sources.where(("extends",)) or (str(path), None)
    if not isinstance(parent, str):
        raise HardwareConfigError([ConfigIssue(file, line, "extends", f"expected the name or path of another config, got {parent!r}")])
    parent_path = resolve_config_path(parent, relative_to=path.parent)
    if not parent_path.is_file():
        raise HardwareConfigError([ConfigIssue(
            file, line, "extends",
            f"cannot find config {parent!r} (looked beside this file and among the presets: {', '.join(preset_names())})",
        )])
    resolved = parent_path.resolve()
    if resolved in chain or resolved == path.resolve() or len(chain) > _MAX_EXTENDS_DEPTH:
        raise HardwareConfigError([ConfigIssue(file, line, "extends", f"circular 'extends' chain through {parent_path}")])
    base, base_sources = _read_chain(parent_path, chain + (path.resolve(),))
    merged = deep_merge(base, data)
    base_sources.update(sources)
    base_sources.locations.pop(("extends",), None)
    return merged, base_sources


def _model_for_path(loc: tuple) -> type[BaseModel] | None:
    """The pydantic model class that owns the field at key path ``loc[:-1]`` (for suggestions)."""
    model: Any = HardwareConfig
    for part in loc[:-1]:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = field.annotation
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _data_path(loc: tuple, data: Any) -> tuple:
    """Map a pydantic error location onto the key path in the YAML data (drops union tags)."""
    path: list = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and "law" in node:
            continue  # the discriminator tag pydantic inserts into the location
        else:
            path.append(part)
            node = None
    return tuple(path)


def _message(err: dict, path: tuple, data: Any) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        known = []
        owner = _owner_model(path, data)
        if owner is not None:
            known = list(owner.model_fields)
        close = difflib.get_close_matches(str(path[-1]), known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else (f"; expected one of: {', '.join(known)}" if known else "")
        return f"unknown key '{path[-1]}'{hint}"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        return f"unknown law {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "missing key 'law' (which law to use)"
    if kind.startswith("literal_error"):
        return f"got {err.get('input')!r}; expected {err['ctx']['expected']}"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    inp = err.get("input")
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "int_parsing",
                "float_parsing", "int_type", "float_type", "bool_parsing", "bool_type", "string_type",
                "int_from_float", "model_type", "dict_type"}:
        return f"{msg[0].lower()}{msg[1:]}, got {inp!r}"
    return msg


def _owner_model(path: tuple, data: Any) -> type[BaseModel] | None:
    """The model owning the key at ``path``, following ``law`` tags of discriminated unions."""
    from .schema import JiangReadDisturb, NoEndurance, NoReadDisturb
    from .schema import ExponentialVoltage, PowerLawCurrent, ThermalActivated

    laws = {
        "write_endurance": {"none": NoEndurance, "power_current": PowerLawCurrent,
                            "exp_voltage": ExponentialVoltage, "thermal": ThermalActivated},
        "read_disturb": {"none": NoReadDisturb, "jiang": JiangReadDisturb},
    }
    model: Any = HardwareConfig
    node = data
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
        if part in laws and isinstance(node, dict):
            model = laws[part].get(node.get("law"))
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part)
        model = field.annotation if field is not None else None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


_KEYED_MESSAGE = re.compile(r"^([A-Za-z_][\w.]*): (.*)$", re.S)


def validate_data(data: dict, sources: SourceMap | None = None, filename: str = "<config>") -> HardwareConfig:
    """Validate a merged config dict; raise :class:`HardwareConfigError` listing every problem."""
    sources = sources or SourceMap()
    try:
        return HardwareConfig.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            path = _data_path(tuple(err["loc"]), data)
            message = _message(err, path, data)
            if err["type"] == "union_tag_invalid":
                path = path + ("law",)
            keyed = _KEYED_MESSAGE.match(message) if err["type"] == "value_error" else None
            if keyed:
                path = path + tuple(keyed.group(1).split("."))
                message = keyed.group(2)
            file, line = sources.where(path) or (filename, None)
            issues.append(ConfigIssue(file, line, _format_key(path), message))
        raise HardwareConfigError(issues) from None


def load_hardware(source: str | Path, overrides: dict | None = None) -> HardwareConfig:
    """Load a hardware config from a YAML file or a preset name, following ``extends:``.

    Parameters
    ----------
    source : path to a YAML file, or the name of a shipped preset (see :func:`preset_names`).
    overrides : optional nested dict merged on top (e.g. ``{"crossbar": {"read_voltage_v": 0.3}}``);
        dotted keys (``{"crossbar.read_voltage_v": 0.3}``) are accepted too.

    Returns
    -------
    HardwareConfig — validated; ``hw.source_file`` is the file it came from.

    Raises
    ------
    HardwareConfigError — every problem, each with file, line and key path.

    Examples
    --------
    >>> hw = load_hardware("espine_pcm")
    >>> hw.tile.crossbar_rows
    128
    """
    path = resolve_config_path(source)
    if not path.is_file():
        raise HardwareConfigError([ConfigIssue(
            str(source), None, "",
            f"no such config file or preset (presets: {', '.join(preset_names())})",
        )])
    try:
        data, sources = _read_chain(path)
    except YamlLocationError as exc:
        raise HardwareConfigError([ConfigIssue(exc.file, exc.line, "", exc.message)]) from None
    if overrides:
        data = deep_merge(data, expand_dotted(overrides))
    hw = validate_data(data, sources, str(path))
    hw._source_file = str(path)
    return hw


def expand_dotted(flat: dict) -> dict:
    """``{"a.b": 1, "c": {"d": 2}}`` -> ``{"a": {"b": 1}, "c": {"d": 2}}``."""
    out: dict = {}
    for key, value in flat.items():
        parts = str(key).split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if isinstance(value, dict):
            node[parts[-1]] = deep_merge(node.get(parts[-1], {}), expand_dotted(value))
        else:
            node[parts[-1]] = value
    return out
