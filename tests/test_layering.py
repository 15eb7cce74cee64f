"""The house's layering, read from the source with ``ast``: who may import whom.

ankang/ (the composition root) sits above bot/ and web/, two peers that never import each other;
both sit above the domain packages (knowledge, broadcasts, tips) and core/, which know nothing of
Telegram or the delivery layers. The Bot API emulator is a test double: only tests, bench and the
root's demo may use it. Within and across packages, no module imports itself round a circle.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOMAIN = ("core", "knowledge", "broadcasts", "tips", "org", "study", "campaigns")

# package -> top-level packages it must not import
FORBIDDEN = {
    "bot": {"web", "ankang"},
    "web": {"bot", "ankang"},
    **{domain: {"telegram", "bot", "web", "ankang"} for domain in DOMAIN},
}
# Who may use the emulator.
EMULATOR_USERS = {"tests", "bench", "ankang", "emulator"}


def modules(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


def imported_packages(path: Path) -> set[str]:
    """The top-level package of every absolute import in the module, function-local ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_what_lies_below_it(package):
    offenders = {
        str(path.relative_to(REPO)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in modules(package)
    }
    assert {path: bad for path, bad in offenders.items() if bad} == {}


def test_only_tests_bench_and_the_demo_use_the_emulator():
    packages = {p.name for p in REPO.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    users = {
        str(path.relative_to(REPO))
        for package in packages - EMULATOR_USERS
        for path in modules(package)
        if "emulator" in imported_packages(path)
    }
    assert users == set()


def test_the_checker_sees_function_local_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from web.app import create_web_app\n    import telegram.ext\n")
    assert imported_packages(module) == {"web", "telegram"}


# Import circles tolerated for now, each a set of modules; a circle found must lie inside one of
# them. Empty since issue 9 removed the last ones; the list only shrinks (CONTRIBUTING.md).
KNOWN_CIRCLES: list[frozenset[str]] = []


def our_modules(root: Path = REPO) -> dict[str, Path]:
    """Dotted name -> file of every module in our packages (tests/ aside)."""
    found = {}
    for package in sorted(p for p in root.iterdir() if (p / "__init__.py").exists() and p.name != "tests"):
        for path in sorted(package.rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported_modules(name: str, path: Path, modules: Mapping[str, Path]) -> set[str]:
    """Our modules that ``name`` imports: every import statement counts, function-local and
    ``if TYPE_CHECKING:`` ones too; ``from pkg import submodule`` imports ``pkg.submodule`` only."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                if f"{source}.{alias.name}" in modules:
                    found.add(f"{source}.{alias.name}")
                elif source in modules:
                    found.add(source)
    found.discard(name)
    return found


def import_graph(root: Path = REPO) -> dict[str, set[str]]:
    modules = our_modules(root)
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def circles(graph: Mapping[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(start: str) -> None:
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = lowlink[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = lowlink[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    lowlink[node] = min(lowlink[node], index[successor])
            else:
                work.pop()
                if work:
                    lowlink[work[-1][0]] = min(lowlink[work[-1][0]], lowlink[node])
                if lowlink[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(frozenset(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return found


def test_no_module_imports_itself_round_a_circle():
    unknown = [sorted(c) for c in circles(import_graph()) if not any(c <= known for known in KNOWN_CIRCLES)]
    assert unknown == []


def test_the_known_circles_are_still_there():
    """A circle that is gone leaves the allow-list, so it cannot come back unnoticed."""
    found = circles(import_graph())
    assert [sorted(known) for known in KNOWN_CIRCLES if not any(c <= known for c in found)] == []


def test_the_circle_finder_follows_the_rules(tmp_path):
    files = {
        "pkg/__init__.py": "from pkg.a import A\n",
        # a <-> b through a function-local import; c -> a only.
        "pkg/a.py": "from pkg import b\nA = 1\n",
        "pkg/b.py": "def f():\n    from .a import A\n",
        "pkg/c.py": "import pkg.a\n",
        # A type-only import closes a circle too: d <-> e.
        "pkg/d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.e import E\n",
        "pkg/e.py": "from . import d\nE = 1\n",
        # Importing a submodule from the package is not importing the package: no circle with pkg.
        "pkg/f.py": "from pkg import a\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = import_graph(tmp_path)
    assert graph["pkg.b"] == {"pkg.a"} and graph["pkg.f"] == {"pkg.a"} and graph["pkg"] == {"pkg.a"}
    assert sorted(sorted(c) for c in circles(graph)) == [["pkg.a", "pkg.b"], ["pkg.d", "pkg.e"]]
