"""What a running Ankang holds in memory (issue 14, point 7): libraries that only some requests use are
imported by those requests, not at start."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ankang.services import open_services
from core import db

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


async def test_a_database_that_needs_migrating_is_migrated_by_a_child_process(make_settings, empty_database_url):
    """alembic (with Mako, ~12 MB) stays out of the running process: ``ankang db upgrade`` migrates."""
    services = await open_services(make_settings(database_url=empty_database_url), migrate_apart=True)
    try:
        assert set(await db.current_revisions(services.engine)) == db.head_revisions()
        assert not await db.needs_upgrade(services.engine)
    finally:
        await services.close()
