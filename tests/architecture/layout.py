"""The house's rules, derived from its folders: which package may import what.

Each module's place follows from its path alone:

- ``gateway/core/``: the consent core. Imports no framework, no SQL, no HTTP client, and
  nothing of the gateway outside ``core``.
- ``gateway/store/`` (and ``gateway/migrations/``): the only place that speaks SQL.
- ``gateway/<area>/`` for every other package: an area. Its edge modules (``api.py``,
  ``cli.py``) may import Flask and click and the shared ``gateway.http``; the rest of the
  area is framework-free. An area imports ``core`` and itself, never another area, the
  store, a door or the composition root.
- ``channels/`` and ``gateway/admin/``: doors (customers', staff's). They may use the areas,
  never the store, SQL, the outbox, the container or each other.
- ``gateway/*.py``: the app (``app``, ``cli``, ``http``, ``api`` are edges; ``container``
  wires the services; nothing but the command line imports ``app``).

Everything here reads source text with :mod:`ast`; nothing of the project is imported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

FRAMEWORK = frozenset({"flask", "werkzeug", "flask_wtf", "wtforms", "click", "itsdangerous",
                       "jinja2", "gunicorn"})
SQL = frozenset({"sqlalchemy", "psycopg", "psycopg2", "alembic", "sqlite3"})
HTTP_CLIENTS = frozenset({"requests", "urllib3", "httpx", "aiohttp"})
EDGE_NAMES = frozenset({"api", "cli", "app", "http"})  # modules that face HTTP or a shell
SPECIAL = {"core": "core", "store": "store", "migrations": "migrations", "admin": "door"}
MAX_LINES = 400


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, dotted
    target: str  # the imported module, dotted (an internal module when one matches)
    line: int
    eager: bool  # runs when ``source`` is imported (module level, not in a function)
    typing_only: bool  # under ``if TYPE_CHECKING:``

    @property
    def top(self) -> str:
        return self.target.split(".")[0]


@dataclass(frozen=True)
class Place:
    layer: str  # core, store, migrations, area, door, top
    area: str  # the package (areas and doors), else the layer
    edge: bool  # faces HTTP or the command line


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


class _Collector(ast.NodeVisitor):
    def __init__(self, tree: Tree, source: str, package: str):
        self.tree = tree
        self.source = source
        self.package = package
        self.lazy = False
        self.typing = False
        self.found: list[Import] = []

    def _add(self, target: str, node: ast.AST) -> None:
        self.found.append(Import(self.source, target, getattr(node, "lineno", 0),
                                 eager=not self.lazy and not self.typing,
                                 typing_only=self.typing))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            anchor = self.package.split(".")[: len(self.package.split(".")) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            candidate = f"{base}.{alias.name}"
            self._add(candidate if candidate in self.tree.modules else base, node)

    def _nested(self, node: ast.AST, *, lazy: bool = False, typing: bool = False) -> None:
        was = self.lazy, self.typing
        self.lazy, self.typing = self.lazy or lazy, self.typing or typing
        self.generic_visit(node)
        self.lazy, self.typing = was

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._nested(node, lazy=True)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._nested(node, lazy=True)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._nested(node, lazy=True)

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
                isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"):
            for child in node.body:
                self._nested(ast.Module(body=[child], type_ignores=[]), typing=True)
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)


class Tree:
    """The modules of ``gateway/`` and ``channels/`` under ``root`` and their imports."""

    def __init__(self, root: Path, packages: Iterable[str] = ("gateway", "channels")):
        self.root = root
        self.paths: dict[str, Path] = {}
        for package in packages:
            for path in sorted((root / package).rglob("*.py")):
                self.paths[module_name(root, path)] = path
        self.modules = frozenset(self.paths)
        self.packages = frozenset(m for m, p in self.paths.items() if p.name == "__init__.py")
        self.imports: list[Import] = []
        for module, path in self.paths.items():
            package = module if path.name == "__init__.py" else module.rpartition(".")[0]
            collector = _Collector(self, module, package)
            collector.visit(ast.parse(path.read_text(), str(path)))
            self.imports.extend(collector.found)

    def place(self, module: str) -> Place:
        """Where a module belongs, from its path alone."""
        parts = module.split(".")
        if parts[0] == "channels":
            return Place("door", "channels", True)
        if len(parts) == 1:
            return Place("top", "gateway", False)
        if len(parts) == 2 and module not in self.packages:
            return Place("top", "gateway", parts[1] in EDGE_NAMES)
        layer = SPECIAL.get(parts[1], "area")
        return Place(layer, parts[1], layer == "door" or parts[-1] in EDGE_NAMES)

    def internal(self, imp: Import) -> bool:
        return imp.target in self.modules

    def imports_of(self, module: str) -> list[Import]:
        return [i for i in self.imports if i.source == module]

    def loaded_by(self, module: str) -> set[str]:
        """Every module importing ``module`` runs, with parent packages (external ones by
        their top-level name): a static stand-in for ``sys.modules`` after the import."""
        seen: set[str] = set()
        todo = [module]
        while todo:
            current = todo.pop()
            for name in _with_parents(current):
                if name in seen:
                    continue
                seen.add(name)
                if name in self.modules:
                    todo.extend(i.target if i.target in self.modules else i.top
                                for i in self.imports_of(name) if i.eager)
        return seen


def _with_parents(module: str) -> Iterator[str]:
    parts = module.split(".")
    for n in range(1, len(parts) + 1):
        yield ".".join(parts[:n])


# -- the rules: each returns what breaks it, as readable lines --------------------------------

def _say(imp: Import, why: str) -> str:
    return f"{imp.source} (line {imp.line}) imports {imp.target}: {why}"


def core_rule(tree: Tree) -> list[str]:
    """core/ imports no framework, SQL or HTTP client, and nothing outside core."""
    out = []
    for imp in tree.imports:
        if tree.place(imp.source).layer != "core":
            continue
        if imp.top in FRAMEWORK | SQL | HTTP_CLIENTS:
            out.append(_say(imp, "the core is pure Python"))
        elif tree.internal(imp) and tree.place(imp.target).layer != "core":
            out.append(_say(imp, "the core imports only the core"))
    return out


def framework_rule(tree: Tree) -> list[str]:
    """Only edge modules (api.py, cli.py, app/http, the doors) import a web or CLI framework."""
    return [_say(imp, "only api.py / cli.py-style edge modules use Flask or click")
            for imp in tree.imports
            if imp.top in FRAMEWORK and not imp.typing_only and not tree.place(imp.source).edge]


def sql_rule(tree: Tree) -> list[str]:
    """Only store/ (and its migrations) speaks SQL."""
    return [_say(imp, "only gateway/store/ speaks SQL") for imp in tree.imports
            if imp.top in SQL and tree.place(imp.source).layer not in ("store", "migrations")]


def sideways_rule(tree: Tree) -> list[str]:
    """Areas import core and themselves (edges also gateway.http); never another area."""
    out = []
    for imp in tree.imports:
        here = tree.place(imp.source)
        if here.layer != "area" or not tree.internal(imp):
            continue
        there = tree.place(imp.target)
        if there.layer == "core" or (there.layer == "area" and there.area == here.area):
            continue
        if imp.target == "gateway.http" and here.edge:
            continue
        if imp.target == "gateway.registry" and imp.typing_only:
            continue  # the area hook's parameter type
        out.append(_say(imp, f"area {here.area} reaches {there.layer} {there.area}: areas "
                             "meet through core or the container"))
    return out


FORBIDDEN_TO_DOORS = ("gateway.store", "gateway.core.outbox", "gateway.container",
                      "gateway.app", "gateway.cli", "gateway.areas")


def doors_rule(tree: Tree) -> list[str]:
    """Channels and the dashboard use services: never the store, the outbox, the container,
    an area's api/cli module or each other."""
    out = []
    for imp in tree.imports:
        here = tree.place(imp.source)
        if here.layer != "door" or not tree.internal(imp):
            continue
        there = tree.place(imp.target)
        if imp.target.startswith(FORBIDDEN_TO_DOORS):
            out.append(_say(imp, "doors call services, never the store, outbox or wiring"))
        elif there.layer == "door" and there.area != here.area:
            out.append(_say(imp, "the dashboard and the channels do not import each other"))
        elif there.layer == "area" and there.edge:
            out.append(_say(imp, "another package's api/cli module is its own edge"))
    return out


def store_rule(tree: Tree) -> list[str]:
    """The store implements ports: what importing it loads holds no service and no web
    framework (it may load the core's and the areas' plain records)."""
    out = []
    for module in sorted(tree.modules):
        if tree.place(module).layer != "store":
            continue
        for loaded in sorted(tree.loaded_by(module)):
            where = tree.place(loaded) if loaded in tree.modules else None
            if loaded in FRAMEWORK:
                out.append(f"{module} loads {loaded}: the store knows no web framework")
            elif where is not None and where.layer != "store" and \
                    loaded.rpartition(".")[2] == "service":
                out.append(f"{module} loads {loaded}: the store implements ports and never "
                           "imports a service")
    return out


def app_rule(tree: Tree) -> list[str]:
    """Nothing imports the Flask app but the command line that starts it."""
    return [_say(imp, "only gateway.cli (the entry point) may import the app")
            for imp in tree.imports if imp.target == "gateway.app"
            and imp.source != "gateway.cli"]


def channels_rule(tree: Tree) -> list[str]:
    """The adapters are mounted by the app alone; the gateway never learns a channel's name."""
    return [_say(imp, "only gateway.app mounts the channel adapters") for imp in tree.imports
            if imp.top == "channels" and imp.source.startswith("gateway")
            and imp.source != "gateway.app"]


def circles(tree: Tree) -> list[list[str]]:
    """Import circles among the project's modules (every import counts, lazy ones too)."""
    graph: dict[str, set[str]] = {m: set() for m in tree.modules}
    for imp in tree.imports:
        if tree.internal(imp) and imp.target != imp.source:
            graph[imp.source].add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
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


def long_files(root: Path, folders: Iterable[str] = ("gateway", "channels", "tests", "bench"),
               limit: int = MAX_LINES) -> list[str]:
    out = []
    for folder in folders:
        for path in sorted((root / folder).rglob("*.py")):
            lines = len(path.read_text().splitlines())
            if lines > limit:
                out.append(f"{path.relative_to(root)}: {lines} lines (at most {limit})")
    return out


def container_uses(path: Path) -> list[tuple[str, int]]:
    """Every ``gw().<name>`` in a module: what it takes from the container."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Call) and \
                isinstance(node.value.func, ast.Name) and node.value.func.id == "gw":
            found.append((node.attr, node.lineno))
    return found
