"""The layout docs/architecture.md describes: packages per product, no import cycles.

Read from the source, not imported: an import cycle that happens to work today (because of the
order modules load in) still fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2] / "custom_components" / "homelab"
PACKAGE = "custom_components.homelab"
PRODUCT_PREFIXES = ("app_", "backup_", "pipeline_", "probe_", "ollama_", "paperless_", "n8n_")


def _modules() -> dict[str, Path]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join([PACKAGE, *parts])] = path
    return modules


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(name: str, path: Path) -> set[str]:
    """The modules of this integration that `name` imports when it runs (type-only ones aside)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                if f"{target}.{alias.name}" in MODULES:
                    found.add(f"{target}.{alias.name}")
                elif target in MODULES:
                    found.add(target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in MODULES)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    found.discard(name)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_no_import_cycles() -> None:
    """No module imports one that imports it back (directly or around a loop)."""
    graph = {name: _runtime_imports(name, path) for name, path in MODULES.items()}
    # The package itself is the entry point HA loads; its submodules never import it.
    assert not any(PACKAGE in imports for imports in graph.values())
    assert _cycles(graph) == []


def test_the_cycle_check_sees_a_cycle() -> None:
    """The check itself finds a loop (so that an empty answer above means something)."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_root_module_carries_a_product_prefix() -> None:
    """Products live in packages (nas/, pipeline/, probes/, clients/), not in name prefixes."""
    root_modules = [path.stem for path in ROOT.glob("*.py")]
    assert [name for name in root_modules if name.startswith(PRODUCT_PREFIXES)] == []
    assert {path.name for path in ROOT.iterdir() if (path / "__init__.py").exists()} == {
        "clients",
        "nas",
        "pipeline",
        "probes",
    }


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "clients").rglob("*.py")),
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_clients_import_nothing_from_home_assistant(path: Path) -> None:
    """The API clients stand apart from the Home Assistant side (and could be a library)."""
    tree = ast.parse(path.read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0
    }
    assert not {name for name in imported if name.split(".")[0] == "homeassistant"}
    relative = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level]
    depth = len(path.relative_to(ROOT / "clients").parts)
    # Never above clients/ (that would be the Home Assistant side).
    assert all(node.level <= depth for node in relative)
