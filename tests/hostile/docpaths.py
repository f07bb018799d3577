"""Set and delete values at key paths of nested YAML documents (dicts and lists), for the fuzz tests."""
from __future__ import annotations


def _parent(doc, path):
    node = doc
    for part in path[:-1]:
        node = node[part]
    return node


def set_path(doc, path: tuple, value) -> None:
    """``doc[path[0]]...[path[-1]] = value``."""
    _parent(doc, path)[path[-1]] = value


def del_path(doc, path: tuple) -> None:
    """``del doc[path[0]]...[path[-1]]``."""
    del _parent(doc, path)[path[-1]]
