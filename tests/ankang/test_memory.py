"""What a running Ankang holds in memory (issue 14, point 7): libraries that only some requests use are
imported by those requests, not at start."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Exports (openpyxl, with lxml), QR posters (segno, Pillow), tip photos (Pillow), PDF certificates
# (reportlab, fontTools), statute imports (python-docx, lxml), the speller's table builder (pypinyin)
# and PostgreSQL's driver on a process that may run on SQLite.
ON_DEMAND = ("openpyxl", "lxml", "segno", "PIL", "reportlab", "fontTools", "docx", "pypdf", "pypinyin", "asyncpg")


PACKAGES = ("ankang", "bot", "web", "core", "knowledge", "broadcasts", "tips", "org", "study", "campaigns")


def test_importing_ankang_imports_none_of_the_libraries_only_some_requests_use():
    """Every module of the application (what ``ankang run`` and the console's routes import, and more)."""
    code = (
        "import importlib, pkgutil, sys\n"
        f"for package in {PACKAGES!r}:\n"
        "    for module in pkgutil.walk_packages(importlib.import_module(package).__path__, package + '.'):\n"
        "        if '.migrations' not in module.name and not module.name.endswith('__main__'):\n"
        "            importlib.import_module(module.name)\n"
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({ON_DEMAND!r}))))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == []
