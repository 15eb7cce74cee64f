"""Shared fixtures: a fresh migrated database per test (SQLite file, or PostgreSQL when configured),
opened services, the Bot API emulator, Ankang running against it, and one Chromium per session.

The suite is fast by construction (issue 9): migrations run once per session into a template that
every test's database is copied from; receipt codes are cheap (production's cost is asserted by the
tests about it); Chromium starts once per session and each test gets its own context. Under
pytest-xdist each worker is a session of its own, so none of this is shared between processes.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Dialect, Engine, make_url

from core import db
from core.outgoing import ChatPace
from core.settings import Settings, load_settings
from tests.postgres_copies import PostgresCopies, TemplateState, admin_dsn, without_waiting_for_the_disk
from tips.receipts import ReceiptCost
from tips.runtime import TipsRuntime

REPO = Path(__file__).resolve().parents[1]
TEST_TOKEN = "123456789:TEST-token-abcdefghijklmnopqrstuvwxyz"
ADMIN_ID = 900001
# argon2id at its minimum cost and no refusal delay: tests/tips/test_domain.py asserts production's.
CHEAP_RECEIPTS = ReceiptCost(argon2_time_cost=1, argon2_memory_kib=8, argon2_parallelism=1, refusal_s=0.0)
# Per-chat sending limits 50 times Telegram's, for flows that are not about pacing (a tip walk of
# 20 steps waited 20 s for Telegram's 1 message a second). The emulator counts but does not enforce
# them here; tests/core/test_outgoing.py and the broadcast tests pace at Telegram's (TELEGRAM_PACE).
QUICK_CHAT_PACE = ChatPace(private_interval_s=0.02, group_interval_s=0.06)


def laws_path() -> Path:
    configured = os.environ.get("ANKANG_LAWS_DIR")
    return Path(configured) if configured else REPO.parent / "shared" / "laws"


@pytest.fixture(scope="session")
def laws_dir() -> Path:
    path = laws_path()
    assert (path / "manifest.json").is_file(), f"statutes not found in {path} (set ANKANG_LAWS_DIR)"
    return path


@pytest.fixture(autouse=True)
async def _no_task_outlives_its_test() -> AsyncIterator[None]:
    """Cancel whatever a test left running, as closing a per-test event loop would.

    The suite runs on one event loop per session (pyproject.toml) because session resources —
    the browser, the PostgreSQL template — are bound to the loop that made them.
    """
    before = asyncio.all_tasks()
    yield
    leftovers = asyncio.all_tasks() - before - {asyncio.current_task()}
    for task in leftovers:
        task.cancel()
    await asyncio.gather(*leftovers, return_exceptions=True)


def pg_base_url() -> str | None:
    return os.environ.get("ANKANG_TEST_DATABASE_URL") or None


@asynccontextmanager
async def fresh_postgres_database(base: str) -> AsyncIterator[str]:
    """Create an empty PostgreSQL database next to ``base``'s, yield its URL, drop it afterwards.

    Its commits do not wait for the disk (``without_waiting_for_the_disk``)."""
    url = make_url(base)
    name = f"ankang_test_{uuid.uuid4().hex[:12]}"
    server = admin_dsn(base)
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.execute(without_waiting_for_the_disk(name))
    finally:
        await conn.close()
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        conn = await asyncpg.connect(server)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def _migrate(database_url: str) -> None:
    engine = db.create_engine(database_url)
    try:
        await db.upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
async def database_template(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """The database every test's is copied from, migrated once per session: a SQLite file, or a
    PostgreSQL template database when configured. Its URL; nothing may connect to it."""
    base = pg_base_url()
    if base is None:
        path = tmp_path_factory.mktemp("template") / "ankang.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
        await _migrate(url)  # disposing the engine checkpoints the WAL: the file alone is the database
        assert not path.with_name(path.name + "-wal").exists()
        yield url
        return
    async with fresh_postgres_database(base) as url:
        await _migrate(url)
        name = make_url(url).database
        conn = await asyncpg.connect(admin_dsn(url))
        try:
            _TEMPLATE_STATES[url] = await TemplateState.read(conn)
        finally:
            await conn.close()
        conn = await asyncpg.connect(admin_dsn(base))
        try:
            # A template must have no sessions while it is copied: refuse them outright.
            await conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        finally:
            await conn.close()
        yield url


# What the session's PostgreSQL template holds, read before it refused connections (by its URL).
_TEMPLATE_STATES: dict[str, TemplateState] = {}


@pytest.fixture(scope="session")
async def postgres_copies(database_template: str) -> AsyncIterator[PostgresCopies | None]:
    """This worker's copies of the PostgreSQL template, reset between tests (tests/postgres_copies.py);
    None on SQLite."""
    base = pg_base_url()
    if base is None:
        yield None
        return
    copies = PostgresCopies(base, make_url(database_template).database, _TEMPLATE_STATES[database_template])
    kept = copies.keep_connections()

    def through_kept_connections(dialect: Dialect, _record: object, _args: object, params: dict[str, Any]) -> None:
        if dialect.driver == "asyncpg":
            params.setdefault("async_creator_fn", kept.connect)

    # Every engine's new connections to this worker's copies come from those the last tests' engines closed.
    event.listen(Engine, "do_connect", through_kept_connections)
    try:
        yield copies
    finally:
        event.remove(Engine, "do_connect", through_kept_connections)
        await copies.close()


@pytest.fixture
async def database_url(database_template: str, postgres_copies: PostgresCopies | None,
                       tmp_path: Path) -> AsyncIterator[str]:
    """A database of this test's own, already migrated: a copy of the session's template (on
    PostgreSQL a copy the previous test used, put back to the template's state)."""
    if postgres_copies is None:
        path = tmp_path / "ankang.sqlite3"
        shutil.copyfile(make_url(database_template).database, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    name = await postgres_copies.take()
    try:
        yield make_url(database_template).set(database=name).render_as_string(hide_password=False)
    finally:
        postgres_copies.give_back(name)


@pytest.fixture
async def empty_database_url(tmp_path: Path) -> AsyncIterator[str]:
    """A brand-new empty database, for the tests of the migrations themselves."""
    base = pg_base_url()
    if base is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    async with fresh_postgres_database(base) as url:
        yield url


def postgres_server_url() -> str | None:
    """A PostgreSQL server for tests that need one whatever the suite's database (.ci/run sets it)."""
    configured = os.environ.get("ANKANG_TEST_POSTGRES_URL") or pg_base_url()
    return configured if configured and configured.startswith("postgresql") else None


@pytest.fixture
async def postgres_database_url() -> AsyncIterator[str]:
    """A fresh empty PostgreSQL database; skipped only on machines where no server is configured."""
    base = postgres_server_url()
    if base is None:
        pytest.skip("no PostgreSQL server configured (ANKANG_TEST_POSTGRES_URL)")
    async with fresh_postgres_database(base) as url:
        yield url


@pytest.fixture
def make_settings(database_url: str, laws_dir: Path) -> Callable[..., Settings]:
    """Build test settings; keyword arguments override fields."""

    def build(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": database_url,
            "laws_dir": laws_dir,
            "bot_token": TEST_TOKEN,
            "web_host": "127.0.0.1",
            "web_port": 0,
            "admin_ids": frozenset({ADMIN_ID}),
            "secret_key": "test-secret-key",
            "webhook_url": "",
            "webhook_secret": "",
            "public_url": "",
        }
        values.update(overrides)
        return load_settings(**values)

    return build


@pytest.fixture
def settings(make_settings) -> Settings:
    return make_settings()


@pytest.fixture
def tips_runtime() -> TipsRuntime:
    """The tips area's in-memory state for one test, with cheap receipt codes."""
    return TipsRuntime(CHEAP_RECEIPTS)


@pytest.fixture
async def services(settings: Settings, tips_runtime: TipsRuntime, bank):
    from ankang.services import open_services

    opened = await open_services(settings, tips=tips_runtime, chat_pace=QUICK_CHAT_PACE)
    opened.campaigns.bank = bank
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def emulator():
    """The project's Telegram Bot API emulator on a free local port."""
    from emulator import Emulator, RateLimits

    # Telegram's limits are counted (tests of pacing read the counters) but not enforced, so a
    # flow that sends three messages in a row is not slowed down; fault tests inject 429s.
    emu = Emulator(rate_limits=RateLimits.counting())
    await emu.start(host="127.0.0.1", port=0)
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture(scope="session")
def shared_kb(laws_dir):
    """The knowledge base built once per test session (building it takes seconds)."""
    from knowledge import KnowledgeBase

    return KnowledgeBase.load(laws_dir)


@pytest.fixture(scope="session")
def side_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache dir (ANKANG_CACHE_DIR) for knowledge bases other than the suite's (no statutes, the test FAQ).

    Storing a knowledge-base snapshot drops every other one in its cache dir (``knowledge.engine``), so one
    of these built in the user's cache dir dropped the suite's: each process started after it (``ankang
    run``, the demo, a worker's ``shared_kb``) built the indexes again, about 3 s of CPU each. The derived
    files the build reads (jieba's trimmed dictionary, its prefix cache, the readings) are linked from the
    user's cache dir, as ``make warm`` left them; the snapshots are not.
    """
    return with_derived_search_files(tmp_path_factory.mktemp("side-cache"))


def with_derived_search_files(directory: Path) -> Path:
    """Link into ``directory`` the derived files of the user's cache dir that building a knowledge base reads
    (jieba's trimmed dictionary, its prefix cache, the readings…), as ``make warm`` left them; not its
    knowledge-base snapshots. ``directory``, which is then a cache dir where a knowledge base is built
    without building these again."""
    from knowledge.text import cache_dir

    for kept in cache_dir().glob("ankang-*"):
        if kept.is_file() and not kept.name.startswith("ankang-kb-") and not kept.name.endswith(".tmp"):
            try:
                os.link(kept, directory / kept.name)  # the cache's files are replaced, never written in place
            except OSError:
                shutil.copyfile(kept, directory / kept.name)
    return directory


@pytest.fixture(scope="session")
def bank():
    """The bundled 安康杯 question bank, loaded once per test session (a test's first contest would load it)."""
    from broadcasts.quizbank import load_bank

    return load_bank()


@pytest.fixture(scope="session")
def _test_entries_kb_pickled(laws_dir) -> bytes:
    """A knowledge base over the statutes and the test FAQ (tests/knowledge/fixtures), as built, pickled."""
    import pickle

    from knowledge.statutes import load_corpus
    from tests.knowledge.conftest import FIXTURES, build_kb

    return pickle.dumps(build_kb(load_corpus(laws_dir), FIXTURES))


@pytest.fixture
def fixture_kb_copies(_test_entries_kb_pickled):
    """Make knowledge bases over the statutes and the test FAQ that are this test's own, to change: copies
    of the one built once per session, made as the start-up snapshot is read (``knowledge.engine``'s
    ``_read_snapshot``), 30 ms instead of the 700 ms of building one again."""
    import pickle

    return lambda: pickle.loads(_test_entries_kb_pickled)


@pytest.fixture
def own_fixture_kb(fixture_kb_copies):
    """A knowledge base over the statutes and the test FAQ that is this test's own (``fixture_kb_copies``)."""
    return fixture_kb_copies()


@pytest.fixture(scope="session")
def library():
    """The bundled lesson library, parsed once per test session (a bot start would parse it again)."""
    from broadcasts.library import load_library

    return load_library()


@pytest.fixture
async def ankang(make_settings, emulator, shared_kb, library, bank, tips_runtime):
    """Ankang running by long polling against the emulator; yields the runner's handle."""
    from ankang.runner import running

    async with running(make_settings(telegram_api_url=emulator.url), poll_timeout_s=1, kb=shared_kb,
                       library=library, bank=bank, tips=tips_runtime, chat_pace=QUICK_CHAT_PACE) as handle:
        yield handle


CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = REPO / "tests" / "_artifacts"


def chromium_executable() -> str:
    """Debian's headless shell (chromium-headless-shell, scripts/ensure-chromium.sh): the same Blink without the
    browser's own user interface, which Chromium's "new" headless mode runs and draws in every process."""
    if os.environ.get("ANKANG_TEST_FULL_CHROMIUM") != "1":
        shell = shutil.which("chromium-headless-shell")
        if shell:
            return shell
    return shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
async def chromium():
    """Debian's headless Chromium driven by Playwright (never a downloaded browser), launched once
    per session; tests reach it through ``browser`` or ``page``."""
    from playwright.async_api import async_playwright

    executable = chromium_executable()
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def browser(chromium):
    """The session's Chromium; contexts a test opens on it are closed when the test ends."""
    before = set(chromium.contexts)
    try:
        yield chromium
    finally:
        for context in set(chromium.contexts) - before:
            await context.close()


@pytest.fixture
async def page(browser):
    """A fresh browser context (own cookies and storage) and page, phone-sized."""
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = await context.new_page()
    try:
        yield page
    finally:
        await context.close()


def screenshot_path(name: str) -> Path:
    """Where tests save screenshots to look at (ignored by git)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


# The fixtures through which a test reaches the suite's configured database. A test without any of
# them runs the same whatever ANKANG_TEST_DATABASE_URL says (PostgreSQL-only tests take
# postgres_database_url, which is the same server in both runs).
SUITE_DATABASE_FIXTURES = frozenset({"database_url", "empty_database_url", "database_template"})


def uses_suite_database(item: pytest.Item) -> bool:
    return bool(SUITE_DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))


# The longest tests (real processes, Chromium, training, the fuzz), longest first, with what each took on the
# 2-core machine under load. They run first: with ``--dist worksteal`` (Makefile) the other worker takes the
# short tests meanwhile, instead of one of these starting last and ending the run alone on one core.
SLOW_FIRST = (
    "tests/ankang/test_cluster_takeover.py",  # 56 s
    "tests/bot/test_fuzz.py",  # 34 s
    "tests/knowledge/test_policy.py::test_the_stored_policy_is_what_training_on_the_repository_gives",  # 33 s
    "tests/ankang/test_laws_missing.py",  # 23 + 16 s
    "tests/tips/test_bot_kill.py",  # 19 + 17 s
    "tests/ankang/test_database_outage.py",  # 24 + 8 s
    "tests/broadcasts/test_kill.py",  # 23 s
    "tests/tips/test_debug_logs.py",  # 21 s
    "tests/web/test_roles_matrix.py",  # 21 s
    "tests/ankang/test_memory.py",  # 13 + 7 s
    "tests/knowledge/test_cache.py",  # 10 + 10 s
    "tests/broadcasts/test_engine.py::test_two_senders_on_postgresql_never_send_one_delivery_twice",  # 15 s
    "tests/bench/test_campaign_bench.py",  # 15 s
    "tests/bot/test_restarted.py",  # 13 s
    "tests/web/test_handoff_console.py",  # 10 s
    "tests/web/test_pages_look.py",  # 10 s
    "tests/web/test_org_console.py",  # 10 s
    "tests/tips/test_bot_bad_input.py::test_follow_up_timeout_says_so",  # 9 s
    "tests/ankang/test_demo.py",  # 6 × 3–7 s
)


def slow_first_rank(item: pytest.Item) -> int:
    """The place of ``item`` among ``SLOW_FIRST`` (after them all when not listed)."""
    return next((rank for rank, prefix in enumerate(SLOW_FIRST) if item.nodeid.startswith(prefix)), len(SLOW_FIRST))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest tests first (``SLOW_FIRST``; the rest keep their order), then
    ANKANG_TEST_DATABASE_ONLY=1 keeps only the tests that use the suite's database.

    CI runs the whole suite on SQLite, then again on PostgreSQL: in the second run the tests that
    never touch the configured database (the answering engine, the emulator, parsing, PostgreSQL-only
    cluster tests…) would repeat the first run exactly, so .ci/run sets this for it. Every test
    whose fixtures reach the database still runs on both.
    """
    items.sort(key=slow_first_rank)  # stable
    if os.environ.get("ANKANG_TEST_DATABASE_ONLY") != "1":
        return
    kept = [item for item in items if uses_suite_database(item)]
    dropped = [item for item in items if not uses_suite_database(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_sessionfinish(session, exitstatus):
    """In CI (ANKANG_REQUIRE_ALL_TESTS=1) a skipped test fails the run: CI must exercise everything.

    Under pytest-xdist the controller sees every worker's reports; the workers leave it to it.
    """
    if not os.environ.get("ANKANG_REQUIRE_ALL_TESTS") or hasattr(session.config, "workerinput"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped:
        names = ", ".join(r.nodeid for r in skipped[:10])
        print(f"\nCI requires every test to run, but {len(skipped)} were skipped: {names}")
        session.exitstatus = 1
