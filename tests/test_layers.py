"""Import layering of the package (issue 14, docs/architecture.md "Layers"), checked on the source.

Every ``.py`` module under neurosim/ is parsed with :mod:`ast`; nothing is imported. Each ``import``
and ``from ... import`` statement counts wherever it stands (module level, inside functions, under
``if TYPE_CHECKING``), as does ``importlib.import_module("...")`` with a literal name. Relative imports
are resolved against the importing module's package. ``from X import a`` imports ``X`` and, where
``a`` is a submodule, ``X.a``: both names are checked.

To add a rule, add a row to :data:`RULES`.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "neurosim"

#: Packages that depend on nothing but the bottom layer and each other.
UPPER = ("neurosim.engine", "neurosim.mapping", "neurosim.metrics", "neurosim.report", "neurosim.sweep",
         "neurosim.studies", "neurosim.reference", "neurosim.cli", "neurosim.profiling",
         "neurosim.experiment")


@dataclass(frozen=True)
class Rule:
    """Modules named by ``modules`` (a package covers its submodules), except those in ``exempt``,
    import nothing named by ``forbidden`` (a package covers its submodules) nor by ``forbidden_exact``
    (that module itself, not its submodules: ``"neurosim"`` is the package root, which
    ``import neurosim`` and ``from neurosim import x`` / ``from .. import x`` name). ``xfail``: the rule does
    not hold yet; the reason why (the test is an expected failure, strict: it fails once the rule holds,
    so that the row is promoted)."""
    name: str
    modules: tuple
    forbidden: tuple
    exempt: tuple = ()
    xfail: str = ""
    forbidden_exact: tuple = ()


RULES = [
    Rule("the oracle and the workloads are independent of the engine",
         ("neurosim.reference", "neurosim.workload"), ("neurosim.engine",)),
    Rule("the bottom layer imports no upper layer",
         ("neurosim._util", "neurosim.devices", "neurosim.crossbar", "neurosim.config"), UPPER),
    Rule("only the entry points import the command line",
         ("neurosim",), ("neurosim.cli",), exempt=("neurosim.cli", "neurosim.__main__")),
    # issue 14: profiles (spike counts, wear) come in as data from the run layer (neurosim.profiling)
    Rule("mapping is independent of the engine and of the package root",
         ("neurosim.mapping",), ("neurosim.engine", "neurosim.profiling"), forbidden_exact=("neurosim",)),
    # issue 14: the run layer (load → map → simulate → evaluate) sits above everything it runs
    Rule("nothing below the run layer imports it",
         ("neurosim.mapping", "neurosim.engine", "neurosim.metrics", "neurosim.workload", "neurosim.config",
          "neurosim.crossbar", "neurosim.devices", "neurosim._util"), ("neurosim.experiment",)),
]


def _under(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(module: str, is_package: bool, level: int, target: str | None) -> str:
    """Absolute name of ``from <level dots><target> import ...`` written in ``module``."""
    if level == 0:
        return target or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 > len(base) - 1:
        raise ValueError(f"{module}: relative import beyond the top-level package")
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def imports_of(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, imported module name) for every import in ``source``."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = resolve(module, is_package, node.level, node.module)
            out.append((node.lineno, base))
            out += [(node.lineno, f"{base}.{a.name}") for a in node.names if a.name != "*"]
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                   or (isinstance(node.func, ast.Name) and node.func.id == "import_module"))):
            name = node.args[0].value
            if name.startswith("."):
                pkg = node.args[1].value if (len(node.args) > 1 and isinstance(node.args[1], ast.Constant)) else module
                level = len(name) - len(name.lstrip("."))
                name = resolve(pkg, True, level, name.lstrip(".") or None)
            out.append((node.lineno, name))
    return out


def _all_imports():
    found = {}
    for path in sorted(PKG.rglob("*.py")):
        mod = module_name(path)
        found[mod] = (path.relative_to(ROOT), imports_of(path.read_text(encoding="utf-8"), mod,
                                                         path.name == "__init__.py"))
    return found


_IMPORTS = _all_imports()


def violations(rule: Rule) -> list[str]:
    bad = []
    for mod, (rel, imps) in _IMPORTS.items():
        if not _under(mod, rule.modules) or _under(mod, rule.exempt):
            continue
        for line, name in imps:
            if _under(name, rule.forbidden) or name in rule.forbidden_exact:
                bad.append(f"{rel}:{line}: imports {name}")
    return sorted(set(bad))


@pytest.mark.parametrize("rule", [
    pytest.param(r, id=r.name.replace(" ", "_"),
                 marks=[pytest.mark.xfail(reason=r.xfail, strict=True)] if r.xfail else [])
    for r in RULES])
def test_layer_rule(rule):
    bad = violations(rule)
    assert not bad, f"{rule.name}:\n" + "\n".join(bad)


def test_every_module_is_parsed_and_rules_name_real_packages():
    assert len(_IMPORTS) > 50 and "neurosim.engine.core" in _IMPORTS and "neurosim._util.yamlsource" in _IMPORTS
    for rule in RULES:
        for name in rule.modules + rule.forbidden + rule.exempt + rule.forbidden_exact:
            assert any(_under(m, (name,)) for m in _IMPORTS), f"{rule.name}: no module {name}"


def test_relative_imports_are_resolved():
    assert resolve("neurosim.engine.core", False, 2, "crossbar.state") == "neurosim.crossbar.state"
    assert resolve("neurosim.engine", True, 1, "core") == "neurosim.engine.core"
    assert resolve("neurosim.engine", True, 2, None) == "neurosim"
    src = ("from .. import engine\n"
           "def f():\n    from ..engine.core import simulate\n    import neurosim.cli as c\n"
           "import importlib\nimportlib.import_module('neurosim.report')\n")
    names = {n for _, n in imports_of(src, "neurosim.reference.x", False)}
    assert {"neurosim", "neurosim.engine", "neurosim.engine.core", "neurosim.engine.core.simulate",
            "neurosim.cli", "neurosim.report"} <= names
    # the package root is named by a relative import of one of its attributes
    assert "neurosim" in {n for _, n in imports_of("from .. import __version__\n", "neurosim.mapping.activity", False)}
    # the engine's own imports are seen (a function-level one included)
    engine = {n for _, n in _IMPORTS["neurosim.engine.core"][1]}
    assert {"neurosim.crossbar.state", "neurosim.crossbar.currents"} <= engine
