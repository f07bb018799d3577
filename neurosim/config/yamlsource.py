"""YAML loading that remembers where every key came from.

Every value read from a hardware config keeps its source as ``(file, line)`` keyed by its key path
(a tuple such as ``("device", "write_endurance", "law")``), so that a validation error can name the
file, the line and the key. ``extends:`` chains merge files; each key keeps the location of the file
that set it last.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
import re

import yaml


class YamlLocationError(ValueError):
    """A YAML file could not be read or parsed; ``str()`` names the file and the line."""

    def __init__(self, file: str, line: int | None, message: str):
        self.file, self.line, self.message = str(file), line, message
        where = f"{file}:{line}" if line else str(file)
        super().__init__(f"{where}: {message}")


@dataclass
class SourceMap:
    """Where each key path was set: path tuple -> (file, 1-based line)."""

    locations: dict[tuple, tuple[str, int]] = field(default_factory=dict)

    def where(self, path: tuple) -> tuple[str, int] | None:
        """The location of ``path`` or, failing that, of its nearest ancestor that has one."""
        path = tuple(path)
        while True:
            if path in self.locations:
                return self.locations[path]
            if not path:
                return None
            path = path[:-1]

    def update(self, other: "SourceMap") -> None:
        self.locations.update(other.locations)


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (a common silent mistake in hand-written configs)."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"duplicate key {key!r} (first set on line {seen[key]})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

# YAML 1.2 floats: PyYAML (YAML 1.1) reads ``1e-9`` and ``1.0e9`` as strings; users write them all the time.
_Loader.yaml_implicit_resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def _record_children(node: yaml.Node, path: tuple, filename: str, out: dict) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[path + (key,)] = (filename, key_node.start_mark.line + 1)
            _record_children(value_node, path + (key,), filename, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[path + (i,)] = (filename, item.start_mark.line + 1)
            _record_children(item, path + (i,), filename, out)


def load_yaml_with_lines(path: str | Path) -> tuple[Any, SourceMap]:
    """Parse one YAML file; return ``(data, SourceMap)``.

    Raises :class:`YamlLocationError` naming the file and line for unreadable files, syntax
    errors and duplicate keys.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise YamlLocationError(path, None, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlLocationError(path, None, f"cannot be read ({exc})") from None
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlLocationError(path, line, f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlLocationError(path, None, f"YAML error: {exc}") from None
    locations: dict[tuple, tuple[str, int]] = {}
    if node is not None:
        locations[()] = (str(path), node.start_mark.line + 1)
        _record_children(node, (), str(path), locations)
    return data, SourceMap(locations)


def deep_merge(base: Any, override: Any) -> Any:
    """Recursively merge mappings; anything else in ``override`` replaces ``base``."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return override
