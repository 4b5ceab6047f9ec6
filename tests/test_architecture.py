"""The package's shape: no import cycles, click only in the CLI, kinds registered, one home per fact."""

from __future__ import annotations

import ast
from pathlib import Path

from campaign_kit import kinds

SRC = Path(__file__).resolve().parents[1] / "src" / "campaign_kit"


def _modules() -> dict[str, Path]:
    out = {}
    for path in SRC.rglob("*.py"):
        name = ".".join(("campaign_kit", *path.relative_to(SRC).with_suffix("").parts))
        out[name.removesuffix(".__init__")] = path
    return out


def _imports(path: Path, known: set[str]) -> set[str]:
    """Every campaign_kit module ``path`` imports, at any depth (function-level imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and (node.module or "").startswith("campaign_kit")
        ):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in known else node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("campaign_kit")}
    return {m for m in found if m in known}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_in_the_package():
    mods = _modules()
    # A package imports its own modules to register them: that edge is not a cycle of code.
    graph = {
        name: {m for m in _imports(path, set(mods)) if not (name.startswith(m + ".") and m + "." in name)}
        for name, path in mods.items()
    }
    assert _cycles(graph) == []


def test_only_the_cli_imports_click():
    users = sorted(
        name
        for name, path in _modules().items()
        if any(
            isinstance(n, (ast.Import, ast.ImportFrom))
            and any((getattr(n, "module", None) or a.name).split(".")[0] == "click" for a in n.names)
            for n in ast.walk(ast.parse(path.read_text("utf-8")))
        )
    )
    assert users == ["campaign_kit.cli"]


def test_every_kind_module_is_registered():
    modules = {p.stem for p in (SRC / "kinds").glob("*.py")} - {"__init__", "base"}
    assert modules == {k.__class__.__module__.rsplit(".", 1)[1] for k in kinds.REGISTRY}
