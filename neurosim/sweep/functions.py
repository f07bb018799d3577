"""The point functions a sweep spec may name: a registry, so that a spec is data and never code.

A sweep spec's ``function:`` picks the function every point runs. Were it any ``module:function``,
a spec (a file someone mailed, a spec beside a downloaded trace) could run anything: ``os:system``,
or a module placed beside the spec. So a spec may name only a *registered* point function:

* the shipped ones, by short name or by their dotted path (:data:`SHIPPED`);
* ones a user registers in Python with :func:`register_point_function` before calling
  :func:`neurosim.sweep.run_sweep`;
* ones an installed package declares in the entry-point group ``neurosim.point_functions``
  (``[project.entry-points."neurosim.point_functions"] my_point = "my_pkg.points:my_point"``).

Anything else is refused when the spec is checked, unless the caller passes ``allow_code=True``
(``neurosim sweep --allow-code``: "this spec runs code"), which accepts any well-formed
``module:function`` path.

A registered name resolves to a dotted path ``module:qualname``; the point stores that path (so a
point's key does not depend on the spelling in the spec) and the worker process imports exactly
that path, nothing the worker reads from elsewhere.
"""
from __future__ import annotations

import re
from typing import Callable, Union

from ..errors import InputError

__all__ = ["SHIPPED", "ENTRY_POINT_GROUP", "PointFunctionError", "register_point_function",
           "unregister_point_function", "registered_point_functions", "resolve_point_function",
           "is_dotted_path", "import_point_function"]

#: The shipped point functions: short name -> dotted path.
SHIPPED = {
    "run_point": "neurosim.sweep.study:run_point",
    "capacity_point": "neurosim.sweep.points:capacity_point",
    "study_point": "neurosim.studies.points:study_point",
}

#: Entry-point group through which an installed package registers point functions.
ENTRY_POINT_GROUP = "neurosim.point_functions"

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,99}$")
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = re.compile(rf"^{_IDENT}(?:\.{_IDENT})*:{_IDENT}(?:\.{_IDENT})*$")

#: Point functions registered in this process (:func:`register_point_function`): name -> dotted path.
_USER: dict[str, str] = {}


class PointFunctionError(InputError):
    """A point function cannot be registered or resolved."""


def is_dotted_path(text) -> bool:
    """Whether ``text`` is a well-formed ``package.module:function`` path (identifiers only)."""
    return isinstance(text, str) and len(text) <= 300 and bool(_DOTTED.match(text))


def _dotted_of(func: Callable) -> str:
    """``module:qualname`` of a function, checked to import back to the same object."""
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    if not callable(func) or not module or not qualname or "<" in qualname:
        raise PointFunctionError(
            f"cannot register {func!r} as a point function: expected a function defined at the top level "
            "of an importable module (worker processes import it by its module and name)")
    dotted = f"{module}:{qualname}"
    try:
        found = import_point_function(dotted)
    except Exception as exc:  # any import failure means the workers could not find it either
        raise PointFunctionError(f"cannot register {dotted}: it does not import back ({exc})") from None
    if found is not func:
        raise PointFunctionError(f"cannot register {dotted}: importing it gives another object than the one given")
    return dotted


def register_point_function(name: str, func: Union[Callable, str]) -> str:
    """Let sweep specs name ``func`` as ``function: NAME`` (or by its dotted path); returns that path.

    ``func`` is a function defined at the top level of an importable module (worker processes
    import it by name), or its dotted path ``module:function``. Registering is what a user does in
    Python, knowingly; a spec file can never register anything.
    """
    if not isinstance(name, str) or not _NAME.match(name) or ":" in name:
        raise PointFunctionError(f"point function name {name!r}: expected letters, digits, '_', '.', '-' "
                                 "(at most 100, no ':')")
    if name in SHIPPED:
        raise PointFunctionError(f"point function name {name!r} is taken by a shipped point function")
    if isinstance(func, str):
        if not is_dotted_path(func):
            raise PointFunctionError(f"point function {func!r}: expected a dotted path 'package.module:function'")
        dotted = func
    else:
        dotted = _dotted_of(func)
    _USER[name] = dotted
    return dotted


def unregister_point_function(name: str) -> None:
    """Forget a point function registered with :func:`register_point_function` (no error if absent)."""
    _USER.pop(name, None)


def _entry_points() -> dict[str, str]:
    """Point functions declared by installed packages: name -> dotted path (well-formed ones only)."""
    from importlib.metadata import entry_points

    found: dict[str, str] = {}
    try:
        eps = entry_points(group=ENTRY_POINT_GROUP)
    except Exception:  # a broken distribution's metadata must not stop a sweep that does not need it
        return found
    for ep in eps:
        value = ep.value.replace(" ", "")
        if ep.name not in SHIPPED and is_dotted_path(value):
            found[ep.name] = value
    return found


def registered_point_functions() -> dict[str, str]:
    """Every point function a spec may name: short name -> dotted path (shipped, entry points, user)."""
    out = dict(_entry_points())
    out.update(_USER)
    out.update(SHIPPED)
    return out


def resolve_point_function(value, *, allow_code: bool = False) -> str:
    """The dotted path a spec's ``function:`` stands for, or :class:`PointFunctionError` saying why not.

    A registered short name or the dotted path of a registered function resolves to that path. Any
    other well-formed ``module:function`` is accepted only with ``allow_code=True``.
    """
    registry = registered_point_functions()
    names = ", ".join(sorted(registry))
    if not isinstance(value, str) or not value:
        raise PointFunctionError(f"expected the name of a registered point function ({names}), got {value!r}")
    if value in registry:
        return registry[value]
    if value in registry.values():
        return value
    if not is_dotted_path(value):
        raise PointFunctionError(f"{value!r} is not a registered point function ({names}) nor a dotted path "
                                 "'package.module:function'")
    if allow_code:
        return value
    raise PointFunctionError(
        f"{value!r} is not a registered point function; a sweep spec may name only {names} "
        "(register others with neurosim.sweep.register_point_function or the entry-point group "
        f"{ENTRY_POINT_GROUP}), or pass --allow-code (allow_code=True) if you trust this spec: it then runs "
        "the code it names")


def import_point_function(dotted: str) -> Callable[[dict], dict]:
    """Import the function at a well-formed dotted path (what a worker does with a point's ``function``)."""
    import importlib

    if not is_dotted_path(dotted):
        raise PointFunctionError(f"point function {dotted!r}: expected a dotted path 'package.module:function'")
    module, _, qualname = dotted.partition(":")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise PointFunctionError(f"point function {dotted}: not callable")
    return obj


# ---- options of the shipped point functions ---------------------------------------------------------
#
# ``options:`` is data handed to the point function. For the shipped functions every key and value is
# checked when the spec is checked, so that a typo fails before the first point and nothing in
# ``options`` reaches code that does not expect it.

_PLACEMENT_METHODS = ("pso+ls", "ls", "random", "inorder")
_MAPPING_OPTIONS = ("passes", "placement", "placement_method", "cell_iterations", "wear_profile", "profile_ticks")
#: Longest ``sleep_s`` of :func:`neurosim.sweep.points.capacity_point` (an hour).
MAX_SLEEP_S = 3600.0


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _finite(v) -> bool:
    import math

    return _is_number(v) and math.isfinite(v)


def _is_count(v, low: int = 0) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and low <= v <= 2 ** 31 - 1


def _unknown(options: dict, allowed, where: tuple, owner: str) -> list:
    return [(where + (k,), f"unknown option {k!r} of {owner}; expected one of: {', '.join(allowed)}")
            for k in options if k not in allowed]


def _check_ages(value, where: tuple, what: str) -> list:
    if not isinstance(value, list):
        return [(where, f"expected a list of {what}, got {type(value).__name__}")]
    return [(where + (i,), f"expected a finite number >= 0 ({what}), got {v!r}")
            for i, v in enumerate(value) if not (_finite(v) and v >= 0)]


def _check_mapping_options(value, where: tuple) -> list:
    from ..mapping.placement import DEFAULT_PLACEMENT

    if value is None:
        return []
    if not isinstance(value, dict):
        return [(where, f"expected a mapping of mapping options, got {type(value).__name__}")]
    issues = _unknown(value, _MAPPING_OPTIONS, where, "mapping_options")
    for key in ("passes", "cell_iterations"):
        if key in value and not _is_count(value[key]):
            issues.append((where + (key,), f"expected a whole number >= 0, got {value[key]!r}"))
    if "profile_ticks" in value and value["profile_ticks"] is not None and not _is_count(value["profile_ticks"], 1):
        issues.append((where + ("profile_ticks",), f"expected a whole number > 0 or null, got {value['profile_ticks']!r}"))
    if "wear_profile" in value and not isinstance(value["wear_profile"], bool):
        issues.append((where + ("wear_profile",), f"expected true or false, got {value['wear_profile']!r}"))
    if "placement_method" in value and value["placement_method"] not in _PLACEMENT_METHODS:
        issues.append((where + ("placement_method",),
                       f"expected one of {', '.join(_PLACEMENT_METHODS)}, got {value['placement_method']!r}"))
    placement = value.get("placement")
    if placement is not None:
        if not isinstance(placement, dict):
            issues.append((where + ("placement",), f"expected a mapping, got {type(placement).__name__}"))
        else:
            issues += _unknown(placement, tuple(DEFAULT_PLACEMENT), where + ("placement",), "placement")
            for k, v in placement.items():
                default = DEFAULT_PLACEMENT.get(k)
                if isinstance(default, bool):
                    ok, want = isinstance(v, bool), "true or false"
                elif isinstance(default, int):
                    ok, want = _is_count(v), "a whole number >= 0"
                else:
                    ok, want = _finite(v), "a finite number"
                if k in DEFAULT_PLACEMENT and not ok:
                    issues.append((where + ("placement", k), f"expected {want}, got {v!r}"))
    return issues


def _check_run_point(options: dict, where: tuple) -> list:
    from .study import OPTIONS

    issues = _unknown(options, OPTIONS, where, "run_point")
    if "ideal" in options and not isinstance(options["ideal"], bool):
        issues.append((where + ("ideal",), f"expected true or false, got {options['ideal']!r}"))
    if "ages_s" in options and options["ages_s"] is not None:
        issues += _check_ages(options["ages_s"], where + ("ages_s",), "ages in seconds")
    if "mapping_options" in options:
        issues += _check_mapping_options(options["mapping_options"], where + ("mapping_options",))
    return issues


def _check_capacity_point(options: dict, where: tuple) -> list:
    issues = _unknown(options, ("sleep_s",), where, "capacity_point")
    if "sleep_s" in options and not (_finite(options["sleep_s"]) and 0 <= options["sleep_s"] <= MAX_SLEEP_S):
        issues.append((where + ("sleep_s",), f"expected a number of seconds from 0 to {MAX_SLEEP_S:g}, "
                                             f"got {options['sleep_s']!r}"))
    return issues


def _check_study_point(options: dict, where: tuple) -> list:
    from ..studies.points import OPTIONS

    issues = _unknown(options, OPTIONS, where, "study_point")
    plastic = options.get("plastic")
    if plastic is not None:
        if not isinstance(plastic, dict):
            issues.append((where + ("plastic",), f"expected a mapping (eta, ratio, tau) or null, got {plastic!r}"))
        else:
            issues += _unknown(plastic, ("eta", "ratio", "tau"), where + ("plastic",), "plastic")
            issues += [(where + ("plastic", k), f"expected a finite number, got {v!r}")
                       for k, v in plastic.items() if k in ("eta", "ratio", "tau") and not _finite(v)]
    if "maps" in options and not isinstance(options["maps"], bool):
        issues.append((where + ("maps",), f"expected true or false, got {options['maps']!r}"))
    if "kind" in options and options["kind"] not in (None, "write", "read"):
        issues.append((where + ("kind",), f"expected write, read or null, got {options['kind']!r}"))
    if "ages_rel" in options and options["ages_rel"] is not None:
        issues += _check_ages(options["ages_rel"], where + ("ages_rel",), "multiples of the lifetime")
    if "mapping_options" in options:
        issues += _check_mapping_options(options["mapping_options"], where + ("mapping_options",))
    return issues


_OPTION_CHECKS = {
    SHIPPED["run_point"]: _check_run_point,
    SHIPPED["capacity_point"]: _check_capacity_point,
    SHIPPED["study_point"]: _check_study_point,
}


def check_options(dotted: str, options: dict, where: tuple = ("options",)) -> list:
    """Problems of ``options`` for the point function at ``dotted``: ``[(key path, message)]``.

    The shipped functions' options are checked key by key; a user's function gets its options as
    they are (they are plain data either way: the spec check refuses anything else)."""
    check = _OPTION_CHECKS.get(dotted)
    return check(options, where) if check is not None else []
