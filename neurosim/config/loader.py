"""Load and validate hardware configs; turn every problem into a message with file, line and key."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from pydantic import BaseModel, ValidationError

from ..errors import InputError
from .schema import DeviceConfig, HardwareConfig
from .._util.yamlsource import SourceMap, YamlLocationError, deep_merge, load_yaml_with_lines

#: Shipped presets live inside the package so that an installed neurosim finds them by name.
PRESET_DIR = Path(__file__).resolve().parent.parent / "hwconfigs"
#: The longest ``extends:`` chain followed (files, the first one included); a longer chain is refused
#: with its own message (a cycle is reported as circular, naming the files).
MAX_EXTENDS_DEPTH = 64


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


def _did_you_mean(ref) -> str:
    """``"; did you mean 'rram_inference'?"`` for a misspelt preset name, else ``""``."""
    close = difflib.get_close_matches(Path(str(ref)).stem, preset_names(), n=1, cutoff=0.75)
    return f"; did you mean '{close[0]}'?" if close else ""


def resolve_config_path(ref: str | Path, relative_to: Path | None = None) -> Path:
    """Find a config given a path, or the name of a preset (``espine_pcm``)."""
    ref_path = Path(ref)
    candidates = []
    if relative_to is not None and not ref_path.is_absolute():
        candidates += [relative_to / ref_path, relative_to / f"{ref}.yaml"]
    candidates += [ref_path, PRESET_DIR / ref_path, PRESET_DIR / f"{ref}.yaml"]
    for cand in candidates:
        if _is_file(cand):
            return cand
    return ref_path


def _is_file(path: Path) -> bool:
    """``path.is_file()``, False for names no file can have (a NUL byte, too long, ...)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _short(value: Any, width: int = 60) -> str:
    """``repr(value)`` cut to ``width`` characters (a message names a value, it does not dump it)."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _format_key(path: Iterable) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _read_chain(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict, SourceMap]:
    """Read a config and everything it ``extends:``, base first, each key located where it was set last."""
    data, sources = load_yaml_with_lines(path)
    if data is None:
        raise HardwareConfigError([ConfigIssue(str(path), None, "", "is empty; expected a chip: a mapping of "
                                               "sections, or 'extends: PRESET' and the keys to change")])
    if not isinstance(data, dict):
        raise HardwareConfigError([ConfigIssue(str(path), 1, "", f"expected a mapping of sections at the top level, got {type(data).__name__}")])
    parent = data.pop("extends", None)
    if parent is None:
        return data, sources
    file, line = sources.where(("extends",)) or (str(path), None)
    if not isinstance(parent, str):
        raise HardwareConfigError([ConfigIssue(file, line, "extends", f"expected the name or path of another config, got {_short(parent)}")])
    parent_path = resolve_config_path(parent, relative_to=path.parent)
    if _is_file(parent_path) and parent_path.resolve() == path.resolve() and _is_file(PRESET_DIR / f"{parent}.yaml"):
        parent_path = PRESET_DIR / f"{parent}.yaml"    # a copy of a preset that extends the preset of its name
    if not _is_file(parent_path):
        raise HardwareConfigError([ConfigIssue(
            file, line, "extends",
            f"cannot find config {_short(parent)} (looked beside this file and among the presets: {', '.join(preset_names())})",
        )])
    resolved = parent_path.resolve()
    here = path.resolve()
    visited = chain + (here,)
    if resolved in visited:
        loop = visited[visited.index(resolved):] + (resolved,)
        raise HardwareConfigError([ConfigIssue(
            file, line, "extends", "circular 'extends' chain: " + " -> ".join(str(p) for p in loop))])
    if len(visited) >= MAX_EXTENDS_DEPTH:
        raise HardwareConfigError([ConfigIssue(
            file, line, "extends",
            f"the 'extends' chain is more than {MAX_EXTENDS_DEPTH} files deep (it starts at {visited[0]}); "
            "merge some of its files")])
    base, base_sources = _read_chain(parent_path, visited)
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


def suggest(key: Any, known: Iterable[str]) -> str | None:
    """The known key ``key`` was most likely meant to be: the closest spelling, else a known key that
    ``key`` starts or ends with (``law_typo`` -> ``law``), else None."""
    known = list(known)
    close = difflib.get_close_matches(str(key), known, n=1)
    if close:
        return close[0]
    text = str(key).lower()
    inside = [k for k in known if len(k) >= 3 and (text.startswith(k) or text.endswith(k) or k.startswith(text) and len(text) >= 3)]
    return max(inside, key=len) if inside else None


def _unknown_key(key: Any, known: list[str]) -> str:
    close = suggest(key, known)
    hint = f"; did you mean '{close}'?" if close else (f"; expected one of: {', '.join(known)}" if known else "")
    return f"unknown key {_short(key) if not isinstance(key, str) else repr(key)}{hint}"


_TYPED = {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "int_parsing",
          "float_parsing", "int_type", "float_type", "bool_parsing", "bool_type", "string_type",
          "int_from_float", "finite_number", "literal_error"}
_SECTION = {"model_type", "dict_type", "model_attributes_type"}


def _message(err: dict, path: tuple, data: Any) -> str:
    kind = err["type"]
    inp = err.get("input")
    if kind == "extra_forbidden":
        owner = _owner_model(path, data)
        return _unknown_key(path[-1], list(owner.model_fields) if owner is not None else [])
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        return f"unknown law {_short(ctx.get('tag'))}; expected one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        laws = ", ".join(_law_variants(path[-1])) if path else ""
        return f"missing key 'law' (which law to use{': ' + laws if laws else ''})"
    if kind in _SECTION:
        return f"expected a section (a mapping of keys to values), got {_short(inp)}"
    if kind == "invalid_key":
        return f"keys must be names (strings), got {_short(path[-1]) if path else 'another type'}"
    if kind.startswith("literal_error"):
        return f"got {_short(inp)}; expected {err['ctx']['expected']}"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if kind in _TYPED:
        msg = f"{msg[0].lower()}{msg[1:]}"
        return f"{msg} ({_short(inp)})" if ", got " in msg else f"{msg}, got {_short(inp)}"
    return msg


def _law_variants(section: Any) -> dict[str, type[BaseModel]]:
    """Law name -> model of the discriminated-union section ``section`` of ``device`` (empty if none)."""
    from typing import get_args, get_origin
    from typing import Annotated, Union
    from .schema import DeviceConfig

    field = DeviceConfig.model_fields.get(section) if isinstance(section, str) else None
    if field is None:
        return {}
    ann = field.annotation
    if get_origin(ann) is Annotated:
        ann = get_args(ann)[0]
    if get_origin(ann) is not Union:
        return {}
    out = {}
    for variant in get_args(ann):
        tag = get_args(variant.model_fields["law"].annotation)
        if tag:
            out[tag[0]] = variant
    return out


def _tagless_keys(path: tuple, data: Any) -> list[tuple[tuple, str]]:
    """For a law section without a valid ``law:`` key: (key path, message) of every key no law knows
    (``law_typo: power_current``), so that a misspelt tag is reported at its own line."""
    node = data
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    variants = _law_variants(path[-1]) if path else {}
    if not isinstance(node, dict) or not variants:
        return []
    known: list[str] = []
    for model in variants.values():
        known += [k for k in model.model_fields if k not in known]
    return [(path + (key,), _unknown_key(key, known)) for key in node if key not in known]


def _owner_model(path: tuple, data: Any) -> type[BaseModel] | None:
    """The model owning the key at ``path``, following ``law`` tags of discriminated unions."""
    model: Any = HardwareConfig
    node = data
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
        variants = _law_variants(part) if model is DeviceConfig else {}
        if variants and isinstance(node, dict):
            law = node.get("law")
            model = variants.get(law) if isinstance(law, str) else None
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part) if isinstance(part, str) else None
        model = field.annotation if field is not None else None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _where(sources: SourceMap, path: tuple) -> tuple[str, int] | None:
    """The location of ``path``; a non-string mapping key (``1: 2``) is recorded by its text."""
    path = tuple(path)
    if path and path not in sources.locations and not isinstance(path[-1], str):
        alt = path[:-1] + (str(path[-1]),)
        if alt in sources.locations:
            return sources.locations[alt]
    return sources.where(path)


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
            if err["type"] == "union_tag_not_found":
                for key_path, text in _tagless_keys(path, data):
                    file, line = _where(sources, key_path) or (filename, None)
                    issues.append(ConfigIssue(file, line, _format_key(key_path), text))
            keyed = _KEYED_MESSAGE.match(message) if err["type"] == "value_error" else None
            if keyed:
                path = path + tuple(keyed.group(1).split("."))
                message = keyed.group(2)
            file, line = _where(sources, path) or (filename, None)
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
    if not _is_file(path):
        raise HardwareConfigError([ConfigIssue(
            str(source), None, "",
            f"no such config file or preset{_did_you_mean(source)} (presets: {', '.join(preset_names())})",
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
    """``{"a.b": 1, "c": {"d": 2}}`` -> ``{"a": {"b": 1}, "c": {"d": 2}}``.

    Raises :class:`HardwareConfigError` when one override set gives both a key and a value inside it
    (``{"tile": 5, "tile.crossbar_rows": 64}``): which of the two was meant cannot be told."""
    out: dict = {}
    for key, value in flat.items():
        parts = str(key).split(".")
        node = out
        for depth, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise HardwareConfigError([ConfigIssue(
                    "<overrides>", None, ".".join(parts[: depth + 1]),
                    f"set to {child!r} and also given the key {key!r} inside it; give one or the other")])
            node = child
        if isinstance(value, dict):
            node[parts[-1]] = deep_merge(node.get(parts[-1], {}), expand_dotted(value))
        elif isinstance(node.get(parts[-1]), dict):
            raise HardwareConfigError([ConfigIssue(
                "<overrides>", None, str(key),
                f"set to {value!r} and also given keys inside it; give one or the other")])
        else:
            node[parts[-1]] = value
    return out
