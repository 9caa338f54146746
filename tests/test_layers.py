"""The package's imports run one way: from the command down to the compiled module.

Every ``import`` of a sharecube module, at module level or inside a function (a lazy import),
type-checking imports included, is read from the source with ``ast``; an import of a module
in a higher layer fails the test. Same-layer imports are allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sharecube

PACKAGE = Path(sharecube.__file__).parent

# Lowest first. The compiled module and the contracts at the bottom; the facade (the package
# root) above the front ends and the labeled layer it re-exports; the command at the top.
LAYERS: list[set[str]] = [
    {"_core", "_contracts", "_errors", "_extreme", "_arith", "_parallel"},
    {"_cpp", "_numba", "_reference"},  # backends
    {"_dispatch"},
    {"_declare"},  # the declarations and the generic in-memory routes
    {"share", "indicators", "blocs"},  # the in-memory front ends, bloc data
    {"complexity", "bilateral"},  # economic complexity and bilateral trade, on the indicators
    {"_dask"},  # the dask engine, over the in-memory functions
    {"_frontends"},  # the public functions: in memory or dask
    {"tidy", "labeled", "datasets", "_io", "compat", "tradedata"},  # labeled data, files
    {"__init__"},  # the facade: ``import sharecube``
    {"cooperation"},
    {"report"},
    {"cli"},
    {"__main__"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def imported_modules(source: str) -> list[tuple[int, str]]:
    """(line, sharecube module) for every import of the package in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "sharecube":
                    found.append((node.lineno, parts[1] if len(parts) > 1 else "__init__"))
        elif isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[0] != "sharecube" or node.level:
                continue
            if len(parts) > 1:
                found.append((node.lineno, parts[1]))
            else:  # from sharecube import _dispatch, share: each name is a module
                for alias in node.names:
                    found.append((node.lineno, alias.name if alias.name in RANK else "__init__"))
    return found


def back_edges(name: str, source: str) -> list[str]:
    """Imports in module ``name`` of a module in a higher layer."""
    return [
        f"{name}.py:{line} imports {target} (layer {RANK[target]} above {RANK[name]})"
        for line, target in imported_modules(source)
        if RANK[target] > RANK[name]
    ]


def test_every_module_has_a_layer() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py")} | {"_core"}
    assert modules == set(RANK), modules ^ set(RANK)


@pytest.mark.parametrize("name", sorted(RANK.keys() - {"_core"}))
def test_imports_run_one_way(name: str) -> None:
    source = (PACKAGE / f"{name}.py").read_text(encoding="utf-8")
    assert back_edges(name, source) == []


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("share", "from sharecube import labeled\n"),  # module level
        ("indicators", "def f():\n    from sharecube import _dask\n"),  # the old dask route
        ("_dispatch", "def f():\n    from sharecube.share import shares\n"),  # lazy
        ("_cpp", "import sharecube\n"),  # the facade
        ("labeled", "import sharecube as _sc\n"),
        ("_reference", "if TYPE_CHECKING:\n    from sharecube import _dispatch\n"),
    ],
)
def test_the_check_sees_a_back_edge(name: str, source: str) -> None:
    """The rule is not vacuous: each of these (all once in the package) is reported."""
    assert len(back_edges(name, source)) == 1
