"""Import rules between ampy's layers, read from the source with ``ast`` (lazy imports inside
functions count: they are dependencies all the same)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ampy"


def _module_name(path: Path) -> tuple[str, list[str]]:
    parts = ["ampy", *path.relative_to(PACKAGE).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
        return ".".join(parts), parts
    return ".".join(parts), parts[:-1]


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of import nodes under ``if TYPE_CHECKING:`` (never executed)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    return skip


def _imports() -> dict[str, set[str]]:
    """module -> every ampy module it imports (``from pkg import submodule`` names the submodule)."""
    raw: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name, package = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        skip = _type_checking_only(tree)
        targets: list[str] = []
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                module = ".".join(base + ([node.module] if node.module else []))
                targets.extend(f"{module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                targets.extend(alias.name for alias in node.names)
        raw[name] = [t for t in targets if t == "ampy" or t.startswith("ampy.")]

    def resolve(target: str) -> str:
        while target not in raw and "." in target:
            target = target.rpartition(".")[0]
        return target

    return {name: {resolve(t) for t in targets} - {name} for name, targets in raw.items()}


GRAPH = _imports()


def _reachable(start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in GRAPH.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _in_cycle_together(a: str, b: str) -> bool:
    return b in _reachable(a) and a in _reachable(b)


def test_the_graph_sees_the_package():
    assert {"ampy.template", "ampy.backends", "ampy.backends.local", "ampy.runtime.values",
            "ampy.commands._common"} <= set(GRAPH)
    assert "ampy.compiler" in GRAPH["ampy.template"]
    assert "ampy.backends.local" in GRAPH["ampy.backends"]  # lazy imports count


def test_only_the_command_line_imports_the_commands():
    offenders = sorted(name for name, targets in GRAPH.items()
                       if not name.startswith("ampy.commands") and name != "ampy.cli"
                       and any(t == "ampy.commands" or t.startswith("ampy.commands.") for t in targets))
    assert offenders == []


def test_dates_sit_below_values():
    assert "ampy.runtime.values" not in _reachable("ampy.runtime.dates")
    assert "ampy.runtime.dates" in GRAPH["ampy.runtime.values"]


@pytest.mark.parametrize("upper", ["ampy.backends", "ampy.backends.local", "ampy.backends.soap",
                                   "ampy.cloud.sends", "ampy.cloud.perform", "ampy.cloud.account"])
def test_the_engine_does_not_depend_on_the_backends_that_render_with_it(upper):
    assert not _in_cycle_together("ampy.template", upper)
    assert upper not in _reachable("ampy.template")
