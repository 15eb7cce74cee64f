"""What a running Ankang holds in memory (issue 14, point 7): libraries that only some requests use are
imported by those requests, not at start; nothing that only building the search needs stays behind."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ankang.services import open_services
from core import db
from tests.conftest import with_derived_search_files

REPO = Path(__file__).resolve().parents[2]
# Exports (openpyxl, with lxml), QR posters (segno, Pillow), tip photos (Pillow), PDF certificates
# (reportlab, fontTools), statute imports (python-docx, lxml), the speller's table builder (pypinyin)
# and PostgreSQL's driver on a process that may run on SQLite.
ON_DEMAND = ("openpyxl", "lxml", "segno", "PIL", "reportlab", "fontTools", "docx", "pypdf", "pypinyin", "asyncpg",
             # Page templates (the first page rendered), receipt hashes (the first tip), SQLAlchemy's
             # PostgreSQL dialect (a process on PostgreSQL).
             "jinja2", "aiohttp_jinja2", "argon2", "sqlalchemy.dialects.postgresql",
             # Never: settings are dataclasses, segmentation has jieba's tables of its own
             # (knowledge/segmenter.py), httpx's command-line tool is not imported (ankang/__init__.py).
             "pydantic", "pydantic_settings", "jieba", "pygments")


PACKAGES = ("ankang", "bot", "web", "core", "knowledge", "broadcasts", "tips", "org", "study", "campaigns")


def test_importing_ankang_imports_none_of_the_libraries_only_some_requests_use():
    """Every module of the application (what ``ankang run`` and the console's routes import, and more)."""
    code = (
        "import importlib, pkgutil, sys\n"
        f"for package in {PACKAGES!r}:\n"
        "    for module in pkgutil.walk_packages(importlib.import_module(package).__path__, package + '.'):\n"
        "        if '.migrations' not in module.name and not module.name.endswith('__main__'):\n"
        "            importlib.import_module(module.name)\n"
        f"print(' '.join(sorted(set(sys.modules) & set({ON_DEMAND!r}))))\n"
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


def test_a_cold_start_on_sqlite_leaves_none_of_them_behind(tmp_path, laws_dir):
    """A start on SQLite whose search must be built (no snapshot in the cache dir: a child process builds it), the
    services opened (migrations in a child process, as the runner does), a question answered and counted
    (an upsert), the campaigns' timeout watch run: none of the libraries above is imported, nor the quiz
    bank loaded."""
    code = f"""
import asyncio, sys
from datetime import date
import ankang.runner
from ankang.services import open_services
from campaigns.attempts import expire_due
from core.settings import load_settings
from knowledge import KnowledgeBase
from knowledge.models import record_question

async def main():
    settings = load_settings(database_url="sqlite+aiosqlite:///{tmp_path}/a.sqlite3", bot_token="1:x")
    services = await open_services(settings, migrate_apart=True)  # as the runner does
    try:
        kb = KnowledgeBase.load({str(laws_dir)!r}, cache_dir={str(tmp_path)!r}, build_apart=True)
        assert "工伤" in kb.answer("工伤认定申请时限是多久").text
        async with services.sessions() as session, session.begin():
            await record_question(session, date(2026, 1, 5), "faq", "工伤")
        assert await expire_due(services.sessions, lambda: services.campaigns.bank, now=services.clock.now()) == []
        assert services.campaigns._bank is None
    finally:
        await services.close()

asyncio.run(main())
print(' '.join(sorted(set(sys.modules) & set({ON_DEMAND!r}))))
"""
    # The files the build derives from jieba's dictionary and the readings are linked from the user's cache dir,
    # as `make warm` left them: built again here, the build in the child took twice as long (2.0 s of CPU, not 1.1).
    with_derived_search_files(tmp_path)
    assert not list(tmp_path.glob("ankang-kb-*.pickle"))
    loaded = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == []
    assert list(tmp_path.glob("ankang-kb-*.pickle")), "the child process stored the snapshot"
