"""The layers of docs/architecture.md, checked on every module's imports.

engine → store → domain → views / records / access → faces: a module may import its own layer
and the layers beneath it, never one above. Only the web app itself and the CLI (which serves
it) import ``anchorkit.web``, and no two top-level packages import each other, even through
others. Imports are read with ``ast`` (lazy imports inside functions and ``TYPE_CHECKING``
imports count too: they are dependencies all the same), so nothing is imported to check them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

#: every top-level module or package of anchorkit, by layer, lowest first
LAYERS: dict[str, tuple[str, ...]] = {
    # every layer raises anchorkit's errors (each with a message a person can act on)
    # and reports its progress; every CSV cell passes csv_safe (neither imports anchorkit)
    "errors": ("errors", "progress", "csv_safe"),
    "engine": ("engine",),
    "store": ("schema", "settings", "workspace", "derived", "data"),
    "domain": (
        "source_files",
        "ingest",
        "ocds",
        "resolve",
        "place",
        "classify",
        "analytics",
        # the other two levers (issue 14): their files' ledger, workforce counts, investments
        "lever_files",
        "workforce",
        "investment",
        "frameworks",
        "commitments",
    ),
    "views, records, access": ("views", "records", "access"),
    # `anchorkit` itself is the Python API's face (its __init__ re-exports the domain's entry
    # points); _docgen writes docs/cli.md from the CLI
    "faces": ("web", "cli", "reports", "portal", "demo", "_docgen", "anchorkit"),
}
RANK = {unit: rank for rank, units in enumerate(LAYERS.values()) for unit in units}
LAYER_OF = {unit: layer for layer, units in LAYERS.items() for unit in units}
WEB_IMPORTERS = ("web", "cli")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, name: str, is_package: bool, known: Iterable[str]) -> set[str]:
    """The anchorkit modules ``name`` imports (``from P import m`` is P.m when m is a module)."""
    modules = set(known)
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                parent = ".".join([*base, *([node.module] if node.module else [])])
            else:
                parent = node.module or ""
            for alias in node.names:
                child = f"{parent}.{alias.name}"
                found.add(child if child in modules else parent)
    return {m for m in found if m == "anchorkit" or m.startswith("anchorkit.")}


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module → the anchorkit modules it imports, for every module under ``root``."""
    paths = sorted(root.rglob("*.py"))
    names = {p: module_name(p, root) for p in paths}
    return {
        names[p]: imports_of(p.read_text(), names[p], p.name == "__init__.py", names.values())
        for p in paths
    }


def unit(module: str) -> str:
    """The top-level package (or module) of anchorkit a module belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def layer_problems(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Every import that breaks the layers, in words; empty when the graph keeps them."""
    problems = []
    for module, imported in sorted(graph.items()):
        own = unit(module)
        if own not in RANK:
            problems.append(f"{module}: {own!r} is in no layer (add it to LAYERS and the docs)")
            continue
        for target in sorted(imported):
            other = unit(target)
            if other == own:
                continue
            if other not in RANK:
                problems.append(f"{module} imports {target}: {other!r} is in no layer")
            elif other == "web" and own not in WEB_IMPORTERS:
                problems.append(f"{module} imports {target}: only web/ and the CLI import web/")
            elif RANK[other] > RANK[own]:
                problems.append(
                    f"{module} ({LAYER_OF[own]}) imports {target}, a layer above "
                    f"({LAYER_OF[other]})"
                )
    return problems


def package_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The groups of top-level packages that import each other, directly or through others."""
    edges: dict[str, set[str]] = {}
    for module, imported in graph.items():
        edges.setdefault(unit(module), set()).update(
            unit(t) for t in imported if unit(t) != unit(module)
        )
    # Tarjan's strongly connected components
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return cycles


def test_every_module_keeps_to_its_layer() -> None:
    graph = import_graph(SRC)
    assert "anchorkit.views.indicators" in graph and "anchorkit.cli.common" in graph
    assert layer_problems(graph) == []


def test_no_two_packages_import_each_other() -> None:
    assert package_cycles(import_graph(SRC)) == []


def test_the_checks_catch_what_they_are_for() -> None:
    """A planted graph: each rule must fire on its own breach (and the real tree passes)."""
    clean = {
        "anchorkit.engine.duckdb": {"anchorkit.errors"},
        "anchorkit.workspace": {"anchorkit.engine.duckdb"},
        "anchorkit.ingest.load": {"anchorkit.workspace", "anchorkit.ocds.read"},
        "anchorkit.ocds.read": set(),
        "anchorkit.views.lines": {"anchorkit.access.policy", "anchorkit.records.accounts"},
        "anchorkit.web.pages": {"anchorkit.views.lines", "anchorkit.web.deps"},
        "anchorkit.cli.web": {"anchorkit.web.app"},
    }
    assert layer_problems(clean) == [] and package_cycles(clean) == []

    def breach(module: str, target: str) -> list[str]:
        return layer_problems({**clean, module: {*clean.get(module, ()), target}})

    assert breach("anchorkit.reports.content", "anchorkit.web.charts") == [
        "anchorkit.reports.content imports anchorkit.web.charts: only web/ and the CLI import web/"
    ]
    assert breach("anchorkit.portal.claims", "anchorkit.web.appdb")
    assert breach("anchorkit.views.lines", "anchorkit.reports.content") == [
        "anchorkit.views.lines (views, records, access) imports anchorkit.reports.content, "
        "a layer above (faces)"
    ]
    assert breach("anchorkit.ingest.load", "anchorkit.views.store")
    assert breach("anchorkit.engine.duckdb", "anchorkit.workspace")
    assert breach("anchorkit.newthing", "anchorkit.errors")  # a package no layer holds
    cycle = {**clean, "anchorkit.ocds.read": {"anchorkit.ingest.load"}}
    assert layer_problems(cycle) == []  # same layer: allowed, but not in a circle
    assert package_cycles(cycle) == [["ingest", "ocds"]]
    longer = {**clean, "anchorkit.access.policy": {"anchorkit.views.paging"}}
    assert package_cycles(longer) == [["access", "views"]]


def test_imports_are_read_as_python_resolves_them(tmp_path: Path) -> None:
    """Relative, lazy and ``from package import module`` imports all count."""
    package = tmp_path / "anchorkit"
    (package / "views").mkdir(parents=True)
    (package / "web").mkdir()
    for name in ("__init__", "views/__init__", "views/lines", "web/__init__", "web/charts"):
        (package / f"{name}.py").write_text("")
    (package / "views" / "paging.py").write_text(
        "from . import lines\n"
        "from .lines import LINE_SORTS\n"
        "def later():\n"
        "    from anchorkit.web import charts\n"
    )
    graph = import_graph(tmp_path)
    assert graph["anchorkit.views.paging"] == {"anchorkit.views.lines", "anchorkit.web.charts"}
    assert layer_problems(graph) == [
        "anchorkit.views.paging imports anchorkit.web.charts: only web/ and the CLI import web/"
    ]


def test_the_docs_show_every_package_in_its_layer() -> None:
    """README's Layout and docs/architecture.md name every top-level package and module."""
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    layout = readme[readme.index("## Layout") :]
    architecture = (root / "docs" / "architecture.md").read_text()
    package = SRC / "anchorkit"
    units = {p.name for p in package.iterdir() if (p / "__init__.py").exists()}
    units |= {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
    assert units <= set(RANK), f"put in a layer: {sorted(units - set(RANK))}"
    shown = {u: f"{u}/" if (package / u).is_dir() else f"{u}.py" for u in units}
    assert [s for s in shown.values() if s not in architecture] == []
    assert [s for u, s in shown.items() if s not in layout and u != "_docgen"] == []
