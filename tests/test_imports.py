"""The package's modules import each other in layers: parsed from the source, no cycle allowed.

Every import inside the package counts, at module level or inside a function (a function-level
import of an upper layer is still a circle, only a slower one to fail), except the few late
bindings listed in ``LATE`` with their reason; imports under ``if TYPE_CHECKING:`` are for type
checkers and do not run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "tinygrad_ng"

# A lower module calling up into a higher one, inside a function, on purpose.
LATE: set[tuple[str, str]] = set()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, modules: set[str]) -> set[str]:
    """The package modules that ``module``'s code imports (TYPE_CHECKING blocks left out)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative, inside the flat package: from . import x, from .x import y
                target = f"tinygrad_ng.{node.module}" if node.module else "tinygrad_ng"
            else:
                target = node.module or ""
            if target.split(".")[0] == "tinygrad_ng":
                names = [f"{target}.{a.name}" for a in node.names]
                hits = [n for n in names if n in modules]
                found.update(hits if hits else [target])
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "tinygrad_ng")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {m for m in found if m in modules and m != module}


def import_graph(package: Path) -> dict[str, set[str]]:
    """Each module of the package (``tinygrad_ng.x``) and the package modules it imports."""
    files = {f: "tinygrad_ng" if f.name == "__init__.py" else f"tinygrad_ng.{f.stem}" for f in package.glob("*.py")}
    modules = set(files.values())
    return {name: _imports(ast.parse(f.read_text()), name, modules) for f, name in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of imports as a path ``[a, b, ..., a]``, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(graph):
        if state.get(start):
            continue
        path = [start]
        stack = [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph.get(nxt, ()))))
    return None


def test_the_package_imports_without_a_cycle() -> None:
    graph = {m: {d for d in deps if (m, d) not in LATE} for m, deps in import_graph(PACKAGE).items()}
    cycle = find_cycle(graph)
    assert cycle is None, "the package's modules import each other in a circle: " + " -> ".join(cycle or [])


def test_the_core_stands_on_the_floors_below_it() -> None:
    graph = import_graph(PACKAGE)
    assert graph["tinygrad_ng._mode"] == set() and graph["tinygrad_ng.errors"] == set()
    assert graph["tinygrad_ng._xp"] <= {"tinygrad_ng.errors"}  # array namespaces: a floor of their own
    assert graph["tinygrad_ng.ops"] <= {"tinygrad_ng.errors"}  # the registry needs no Tensor
    assert "tinygrad_ng.tensor" not in graph["tinygrad_ng.graph"] | graph["tinygrad_ng.viz"]
    assert all(d in graph[m] for m, d in LATE), "a late binding in LATE that the code no longer has"
    assert graph["tinygrad_ng.tensor"] <= {
        "tinygrad_ng.errors", "tinygrad_ng._mode", "tinygrad_ng._anomaly", "tinygrad_ng._inplace",
        "tinygrad_ng.graph", "tinygrad_ng.viz", "tinygrad_ng._random", "tinygrad_ng._xp",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("graph", "cycle"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
        ({"a": {"a"}}, ["a", "a"]),
    ],
)
def test_find_cycle_finds_circles(graph: dict[str, set[str]], cycle: list[str] | None) -> None:
    assert find_cycle(graph) == cycle


def test_imports_inside_functions_count_and_type_checking_ones_do_not(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "low.py").write_text("def f():\n    from .high import g\n")
    (tmp_path / "high.py").write_text(
        "from typing import TYPE_CHECKING\nfrom . import low\nif TYPE_CHECKING:\n    from .other import T\n"
    )
    (tmp_path / "other.py").write_text("from .high import x\n")
    graph = import_graph(tmp_path)
    assert graph["tinygrad_ng.low"] == {"tinygrad_ng.high"}
    assert graph["tinygrad_ng.high"] == {"tinygrad_ng.low"}
    assert find_cycle(graph) == ["tinygrad_ng.high", "tinygrad_ng.low", "tinygrad_ng.high"]
