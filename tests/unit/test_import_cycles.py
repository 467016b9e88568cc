"""No module under ``app/`` imports another that imports it back, however far round.

A cycle hidden by a function-local import still ties the two modules together (neither can be
read, tested or moved alone), so every import counts: at module level and inside functions.
Imports under ``if TYPE_CHECKING:`` are ignored: they never run, and exist to name types.
A package's ``__init__`` that re-exports from its submodules imports them; a submodule does not
count as importing its own package (Python loads the parent first, but that is not a choice
the submodule made).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

# Cycles that remain only inside the web layer, which is being reshaped separately; each entry
# names the modules of one strongly connected group exactly. Remove an entry when its cycle is
# gone (the test then insists it stays gone).
ALLOWED: frozenset[frozenset[str]] = frozenset()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(APP.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, except those under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield from _imports(ast.Module(body=[child], type_ignores=[]))
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _imports(node)


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of ``app`` that the module ``name`` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, *([base] if base else [])])
        for alias in node.names:
            # ``from app.domain import records`` imports the submodule; ``from x import name``
            # imports ``x`` itself.
            submodule = f"{base}.{alias.name}"
            found.add(submodule if submodule in known else base)
    return {module for module in found if module in known and module != name}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imported(name, path, known) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(frozenset(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def a_path(edges: dict[str, set[str]], group: frozenset[str]) -> list[str]:
    """One concrete loop through a group, to print: start, each import, back to start."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(edges[node] & group):
            if target == start:
                return [*paths[node], start]
            if target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    return sorted(group)


def test_the_walker_sees_function_local_imports_and_skips_type_checking(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import app.models\n"
        "def f():\n    from app.domain import notes\n",
        encoding="utf-8",
    )
    known = {"app.domain.notes": source, "app.models": source, "mod": source}
    assert imported("mod", source, known) == {"app.domain.notes"}


def test_the_cycle_finder_finds_a_loop_through_three_modules() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [frozenset({"a", "b", "c"})]
    assert a_path(edges, frozenset({"a", "b", "c"})) == ["a", "b", "c", "a"]


def test_no_module_of_the_app_imports_itself_round_a_cycle() -> None:
    edges = graph()
    assert "app.domain.notes" in edges["app.domain.clusters"]  # the walker reads real imports
    found = cycles(edges)
    unexpected = [group for group in found if group not in ALLOWED]
    assert not unexpected, "import cycles:\n" + "\n".join(
        " → ".join(a_path(edges, group)) for group in unexpected
    )
    stale = [sorted(group) for group in ALLOWED if group not in found]
    assert not stale, f"allowed cycles that are gone, remove them from ALLOWED: {stale}"
