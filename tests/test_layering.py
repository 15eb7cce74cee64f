"""The house's layering, read from the source with ``ast``: who may import whom.

ankang/ (the composition root) sits above bot/ and web/, two peers that never import each other;
both sit above the domain packages (knowledge, broadcasts, tips) and core/, which know nothing of
Telegram or the delivery layers. The Bot API emulator is a test double: only tests, bench and the
root's demo may use it.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOMAIN = ("core", "knowledge", "broadcasts", "tips")

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
