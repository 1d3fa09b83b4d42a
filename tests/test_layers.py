"""The house's layers import only downwards, and there is no import cycle at all.

core is the charger protocol; engine, sim and hub build on it; tui and commands sit on top.
Read from the source (every import, including those under TYPE_CHECKING or inside a
function), so a cycle that only a type checker or a late import would hit is found too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "twc_tui"

ALLOWED: dict[str, set[str]] = {
    "core": {"core"},
    "engine": {"core", "engine"},
    "sim": {"core", "sim"},
    "hub": {"core", "engine", "hub"},
    "tui": {"core", "engine", "hub", "tui"},
    "commands": {"core", "engine", "hub", "sim", "tui", "commands"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        name = _module_name(path)
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("twc_tui")}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("twc_tui"):
                base = node.module or ""
                found.add(base)
                found |= {f"{base}.{a.name}" for a in node.names}
        graph[name] = found
    return {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_layers_import_only_downwards() -> None:
    wrong = [
        f"{module} imports {dep}"
        for module, deps in _imports().items()
        if _layer(module) in ALLOWED
        for dep in deps
        if _layer(dep) and _layer(dep) not in ALLOWED[_layer(module)]
    ]
    assert not wrong, "\n".join(sorted(wrong))


def test_no_import_cycle() -> None:
    graph = _imports()
    # A package's __init__ importing nothing of ours is the norm; edges into a package mean
    # its __init__, which is fine as long as it does not import back.
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycles.append(" -> ".join([*stack[stack.index(dep):], dep]))
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert not cycles, "\n".join(cycles)


def test_the_check_can_fail() -> None:
    assert _layer("twc_tui.core.client") == "core"
    assert "twc_tui.core.parsing" in _imports()["twc_tui.engine.poller"]
