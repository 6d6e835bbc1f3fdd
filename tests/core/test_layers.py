"""Dependencies between Vigie's apps run one way (DESIGN.md): directory → declarations →
cases → later apps, with core and notifications beneath them and home (the loaders of
reference and demo data, the home page) and ops (probes, metrics, backups) on top,
neither importing the other. Every
import counts, at module level or inside a function; only imports for type checkers
(``if TYPE_CHECKING:``) are left out, since they never run."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "vigie"
# Each app may import the apps of earlier layers only (and its own modules).
LAYERS: list[set[str]] = [
    {"core"},
    {"notifications"},
    {"directory"},
    {"declarations"},
    {"oncall"},  # the FSSI and cell rota: told of declarations, read by cases and mailboxes
    {"cases"},
    {"actionplan", "retex", "insights", "inbox"},
    {"portal"},
    {"community"},
    {"alerts"},
    {"api"},
    {"home", "ops"},
    {"project"},  # settings, urls
]


def _app(path: Path) -> str:
    parts = path.relative_to(ROOT).parts
    return parts[0] if len(parts) > 1 else "project"


def _runtime_imports(tree: ast.AST) -> list[str]:
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "vigie":
                found.extend(alias.name for alias in node.names)
            elif node.module.startswith("vigie."):
                found.append(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.extend(
                alias.name.split(".")[1] for alias in node.names if alias.name.startswith("vigie.")
            )
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _edges() -> dict[str, dict[str, set[str]]]:
    edges: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        source = _app(path)
        for target in _runtime_imports(ast.parse(path.read_text())):
            if target != source:
                edges[source][target].add(str(path.relative_to(ROOT)))
    return edges


def test_apps_import_only_the_layers_beneath_them() -> None:
    layer_of = {app: index for index, apps in enumerate(LAYERS) for app in apps}
    apps = {_app(p) for p in ROOT.rglob("*.py") if "migrations" not in p.parts}
    assert apps - set(layer_of) == set(), "place every new app in LAYERS"
    upward = [
        f"{source} → {target} ({', '.join(sorted(files))})"
        for source, targets in _edges().items()
        for target, files in targets.items()
        if layer_of[target] >= layer_of[source]
    ]
    assert upward == []


def test_roles_import_no_models() -> None:
    """The roles enum is importable before the app registry is ready."""
    tree = ast.parse((ROOT / "core" / "roles.py").read_text())
    assert "vigie" not in {m.split(".")[0] for m in _modules(tree)}


def _modules(tree: ast.AST) -> list[str]:
    return [
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    ]
