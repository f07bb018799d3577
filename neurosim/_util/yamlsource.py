"""YAML loading that remembers where every key came from.

Used by the hardware-config loader (:mod:`neurosim.config`), workload manifests
(:mod:`neurosim.workload.io`) and sweep specs (:mod:`neurosim.sweep.spec`). Every value read keeps its source as ``(file, line)`` keyed by its key path
(a tuple such as ``("device", "write_endurance", "law")``), so that a validation error can name the
file, the line and the key. ``extends:`` chains merge files; each key keeps the location of the file
that set it last.

Reading is bounded (:mod:`neurosim.limits`): a file larger than ``NEUROSIM_MAX_YAML_BYTES`` is refused
before it is read, nesting deeper than ``NEUROSIM_MAX_YAML_DEPTH`` is refused while the document is
composed (before Python's recursion limit could be reached), and a document whose nodes, counted with
every alias followed, exceed ``NEUROSIM_MAX_YAML_NODES`` is refused before its data are built, so a
500-byte alias bomb ("billion laughs") costs microseconds, not gigabytes.
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import limits
from ..errors import InputError, ResourceLimitError


class YamlLocationError(InputError):
    """A YAML file could not be read or parsed; ``str()`` names the file and the line."""

    def __init__(self, file: str, line: int | None, message: str):
        self.file, self.line, self.message = str(file), line, message
        where = f"{file}:{line}" if line else str(file)
        super().__init__(f"{where}: {message}")


class YamlLimitError(YamlLocationError, ResourceLimitError):
    """A YAML file is larger, deeper or expands to more nodes than a limit of :mod:`neurosim.limits` allows."""


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
    """SafeLoader that refuses duplicate and unhashable keys (a common silent mistake in hand-written
    configs, and a TypeError waiting to happen) and nesting deeper than ``max_depth`` levels."""

    def __init__(self, stream, filename: str = "<yaml>", max_depth: int = 64):
        super().__init__(stream)
        self._filename = filename
        self._max_depth = max_depth
        self._depth = 0

    def compose_node(self, parent, index):
        # Composer.compose_node recurses once per level of nesting: count mappings and sequences and
        # stop at the limit, long before the interpreter's recursion limit
        nested = self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent)
        if nested:
            self._depth += 1
            if self._depth > self._max_depth:
                mark = self.peek_event().start_mark
                raise YamlLimitError(self._filename, mark.line + 1, limits.YAML_DEPTH.exceeded(
                    self._depth, "this document's nesting of mappings and lists"))
        try:
            return super().compose_node(parent, index)
        finally:
            if nested:
                self._depth -= 1


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", set: "a set"}.get(type(value), type(value).__name__)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue                          # ``<<: *base``: merged by construct_mapping, may be overridden
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be a plain value (a name or a number), got {_type_name(key)}",
                key_node.start_mark,
            ) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"duplicate key {key!r} (first set on line {seen[key]})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _construct_int(loader: _Loader, node: yaml.ScalarNode):
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    except ValueError:
        # Python refuses to convert integers of more than sys.get_int_max_str_digits() digits
        raise yaml.constructor.ConstructorError(
            None, None, f"an integer of {len(node.value):,} digits is too long to read", node.start_mark) from None


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)

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
            if not isinstance(key_node, yaml.ScalarNode):
                continue                      # refused when constructed (an unhashable key)
            key = key_node.value
            out[path + (key,)] = (filename, key_node.start_mark.line + 1)
            _record_children(value_node, path + (key,), filename, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[path + (i,)] = (filename, item.start_mark.line + 1)
            _record_children(item, path + (i,), filename, out)


def expanded_node_count(root: yaml.Node) -> int:
    """Nodes the document under ``root`` expands to with every alias followed, counted without
    expanding anything: each distinct node's expanded size is computed once (an alias is the same
    node object as its anchor), so the cost is linear in the size of the file. Raises
    ``ValueError(line)`` for a node that contains itself (a recursive alias, ``&a [*a]``)."""
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            if isinstance(node, yaml.MappingNode):
                total = 1 + sum(size[id(k)] + size[id(v)] for k, v in node.value)
            else:
                total = 1 + sum(size[id(c)] for c in node.value)
            size[key] = total
            continue
        if key in size:
            continue
        if key in on_path:
            raise ValueError(node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            size[key] = 1
            continue
        on_path.add(key)
        stack.append((node, True))
        children = [c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode) else node.value
        for child in children:
            if id(child) in on_path:
                raise ValueError(child.start_mark.line + 1)
            if id(child) not in size:
                stack.append((child, False))
    return size[id(root)]


def _read_bounded(path: Path) -> str:
    """The text of ``path``, refusing anything but a regular UTF-8 file within ``limits.YAML_BYTES``."""
    cap = limits.YAML_BYTES.value()
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise YamlLocationError(path, None, "no such file") from None
    except OSError as exc:
        raise YamlLocationError(path, None, f"cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise YamlLocationError(path, None, "is a folder, expected a YAML file")
    if not stat.S_ISREG(st.st_mode):
        raise YamlLocationError(path, None, "is not a regular file (a device, pipe or socket), expected a YAML file")
    if st.st_size > cap:
        raise YamlLimitError(path, None, limits.YAML_BYTES.exceeded(st.st_size, "this YAML file"))
    try:
        with open(path, "rb") as f:
            raw = f.read(cap + 1)              # the file may have grown since stat
    except OSError as exc:
        raise YamlLocationError(path, None, f"cannot be read ({exc.strerror or exc})") from None
    if len(raw) > cap:
        raise YamlLimitError(path, None, limits.YAML_BYTES.exceeded(len(raw), "this YAML file"))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlLocationError(path, line, f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None


def load_yaml_with_lines(path: str | Path) -> tuple[Any, SourceMap]:
    """Parse one YAML file; return ``(data, SourceMap)``.

    The file is read, composed and constructed once, within the limits of :mod:`neurosim.limits`:
    ``YAML_BYTES`` (file size, bytes), ``YAML_DEPTH`` (levels of nested mappings and lists) and
    ``YAML_NODES`` (nodes with aliases expanded).

    Raises :class:`YamlLocationError` naming the file and line for unreadable files, syntax
    errors, duplicate or unhashable keys and unsafe tags; :class:`YamlLimitError` (also a
    :class:`~neurosim.errors.ResourceLimitError`) for a file beyond a limit.
    """
    path = Path(path)
    text = _read_bounded(path)
    depth = limits.YAML_DEPTH.value()
    try:
        loader = _Loader(text, str(path), depth)
    except yaml.reader.ReaderError as exc:      # the reader checks every character up front
        line = text[: max(exc.position, 0)].count("\n") + 1
        raise YamlLocationError(path, line, f"contains a character YAML does not allow (#x{exc.character:04x})") from None
    try:
        node = loader.get_single_node()
        if node is not None:
            cap = limits.YAML_NODES.value()
            try:
                count = expanded_node_count(node)
            except ValueError as exc:
                raise YamlLocationError(path, exc.args[0], "an alias refers to a node that contains it "
                                        "(a recursive structure, which a config cannot use)") from None
            if count > cap:
                raise YamlLimitError(path, node.start_mark.line + 1, limits.YAML_NODES.exceeded(
                    count, "this YAML document (aliases expanded)"))
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        kind = "YAML error" if isinstance(exc, yaml.constructor.ConstructorError) else "YAML syntax error"
        raise YamlLocationError(path, line, f"{kind}: {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlLocationError(path, None, f"YAML error: {exc}") from None
    except RecursionError:
        raise YamlLocationError(path, None, f"nested too deeply to read (lower {limits.YAML_DEPTH.env})") from None
    except ValueError as exc:
        if isinstance(exc, YamlLocationError):
            raise
        # e.g. an integer of more digits than Python converts (sys.get_int_max_str_digits)
        raise YamlLocationError(path, None, f"a value cannot be read: {exc}") from None
    finally:
        loader.dispose()
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
