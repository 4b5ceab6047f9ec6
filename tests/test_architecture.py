"""The package's shape: no import cycles, click only in the CLI, kinds registered, one home per fact."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from campaign_kit.build import kinds

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


# Top to bottom, as the data flows: a module may import from its own folder and from the
# layers below it, never from a layer above (docs/architecture.md draws the same picture).
LAYERS = (
    ("__main__",),  # python -m campaign_kit
    ("cli",),
    ("review",),  # the review page after the build: status frame, approve from the page, serve
    ("publish", "email"),  # what leaves the machine: the social accounts, the email platform
    ("build",),  # the loop, the kinds, the manifest, validate
    ("render",),  # roster + campaign -> bytes: cards, posts, appeal, newsletter, review page
    ("campaign",),  # campaign.toml, languages, Jinja, typography, schedule, appeals and their facts
    ("roster",),  # roster.json: the records, their checks, names, imports and edits
    ("output",),  # safe writes under out/
    ("platforms", "model"),  # the platform table; the typed products
    ("project", "clock", "paths", "jsonstrict"),
    ("errors",),
    ("__init__",),  # the package itself: its version
)


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    return next(i for i, names in enumerate(LAYERS) if top in names)


def test_every_module_has_a_layer() -> None:
    for name in _modules():
        _layer(name)  # StopIteration names a module no layer holds


def test_every_import_points_down() -> None:
    mods = _modules()
    upward = sorted(
        f"{name} imports {target}"
        for name, path in mods.items()
        for target in _imports(path, set(mods))
        if name.split(".")[:2] != target.split(".")[:2] and _layer(target) <= _layer(name)
    )
    assert upward == []


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
    modules = {p.stem for p in (SRC / "build" / "kinds").glob("*.py")} - {"__init__", "base"}
    assert modules == {k.__class__.__module__.rsplit(".", 1)[1] for k in kinds.REGISTRY}


# --- one home per fact ---------------------------------------------------------------------


def _trees() -> dict[str, ast.AST]:
    return {name: ast.parse(path.read_text("utf-8")) for name, path in _modules().items()}


def _calls(tree: ast.AST, owner: str, names: set[str]) -> bool:
    """Whether ``tree`` calls ``owner.<one of names>`` (``json.loads``, ``os.replace``)."""
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in names
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == owner
        for node in ast.walk(tree)
    )


POST_LIMIT_NAME = re.compile(r"MAX_(CHARS|GRAPHEMES|BYTES|ALT|DESCRIPTION|CAPTION|MESSAGE|TEXT)|LIMIT")


def _limit_constants(tree: ast.AST) -> bool:
    """A module-level post or upload limit typed in (``MAX_CHARS = 500``, ``MEDIA_LIMIT = 16 << 20``)."""
    for node in getattr(tree, "body", []):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            named = any(isinstance(t, ast.Name) and POST_LIMIT_NAME.search(t.id) for t in targets)
            value = node.value
            literal = value is not None and all(
                isinstance(n, ast.Constant | ast.BinOp | ast.operator) for n in ast.walk(value)
            )
            if named and literal:
                return True
    return False


def _card_format_table(tree: ast.AST) -> bool:
    """A dict literal of card formats and pixel sizes (``{"square": (1080, 1080), ...}``)."""
    return any(
        isinstance(node, ast.Dict)
        and any(isinstance(k, ast.Constant) and k.value == "square" for k in node.keys)
        and all(isinstance(v, ast.Tuple) for v in node.values)
        for node in ast.walk(tree)
    )


def _defines(tree: ast.AST, pattern: str) -> bool:
    return any(
        isinstance(node, ast.FunctionDef | ast.ClassDef) and re.fullmatch(pattern, node.name)
        for node in getattr(tree, "body", [])
    )


def test_each_fact_has_one_home() -> None:
    trees = _trees()
    publishing = ("campaign_kit.publish", "campaign_kit.email.esp", "campaign_kit.render.posts")
    homes = {
        # Platform limits: the publishers and the posts read platforms.PLATFORMS.
        "platform limits": {
            name
            for name, tree in trees.items()
            if (name.startswith(publishing) and _limit_constants(tree))
            or _defines(tree, r"\w+_length|x_weighted_length")
        },
        "card formats": {name for name, tree in trees.items() if _card_format_table(tree)},
        "totals": {name for name, tree in trees.items() if _defines(tree, r"Totals|\w*totals|sentence_band")},
        "JSON reading": {name for name, tree in trees.items() if _calls(tree, "json", {"loads", "load"})},
        "atomic writing": {name for name, tree in trees.items() if _calls(tree, "os", {"replace", "rename"})},
        "locking": {name for name, tree in trees.items() if _calls(tree, "fcntl", {"flock", "lockf"})},
    }
    assert homes == {
        "platform limits": {"campaign_kit.platforms"},
        "card formats": {"campaign_kit.render.card_layout"},
        "totals": {"campaign_kit.campaign.facts"},
        "JSON reading": {"campaign_kit.jsonstrict"},
        "atomic writing": {"campaign_kit.output"},
        "locking": {"campaign_kit.output"},
    }
