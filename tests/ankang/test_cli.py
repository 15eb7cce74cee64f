"""The `ankang` command line lists every verb and fails cleanly on bad configuration."""
from pathlib import Path

import pytest
from click.testing import CliRunner

from ankang.cli import main
from tests.conftest import REPO


def test_help_lists_every_verb():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for verb in ("run", "demo", "emulator", "db", "ask", "kb", "laws", "lessons", "quiz", "broadcast", "tips", "admin"):
        assert f"  {verb} " in result.output


def test_run_without_a_token_says_how_to_try_it(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANKANG_BOT_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 2
    assert "ANKANG_BOT_TOKEN" in result.output and "ankang demo" in result.output


@pytest.mark.parametrize("secret", [None, "", "short-secret", "x" * 31, "has spaces but is long enough to count......"])
def test_run_refuses_a_webhook_without_a_long_secret_and_says_how_to_make_one(monkeypatch, tmp_path, secret):
    """Issue 17, row 3: without a secret anyone could POST forged updates as an admin."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANKANG_BOT_TOKEN", "123456:abcdefghijklmnopqrstuvwxyz")
    monkeypatch.setenv("ANKANG_WEBHOOK_URL", "https://bot.example.org/telegram/webhook")
    if secret is None:
        monkeypatch.delenv("ANKANG_WEBHOOK_SECRET", raising=False)
    else:
        monkeypatch.setenv("ANKANG_WEBHOOK_SECRET", secret)
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "ANKANG_WEBHOOK_SECRET" in result.output and "secrets.token_urlsafe(32)" in result.output
    assert "拒绝启动" in result.output


def test_demo_and_emulator_say_so_in_one_line_where_the_emulator_is_left_out(monkeypatch):
    """The production image has no emulator: a clear line and exit 2, not a traceback."""
    import sys

    monkeypatch.setitem(sys.modules, "emulator", None)  # importlib then finds no such module
    for verb in ("demo", "emulator"):
        result = CliRunner().invoke(main, [verb])
        assert result.exit_code == 2, result.output
        assert isinstance(result.exception, SystemExit)  # not an ImportError
        assert len(result.output.strip().splitlines()) == 1 and "emulator is not installed" in result.output


def test_a_bad_log_level_stops_the_demo_with_one_clear_line(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANKANG_LOG_LEVEL", "LOUD")
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # not a ValueError from logging
    assert len(result.output.strip().splitlines()) == 1 and "ANKANG_LOG_LEVEL" in result.output


def test_db_current_names_the_revision_of_every_area(monkeypatch, tmp_path):
    """Each area has its own migration branch, so a migrated database has one revision per area."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANKANG_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'ankang.sqlite3'}")
    empty = CliRunner().invoke(main, ["db", "current"])
    assert empty.exit_code == 0 and empty.output.strip() == "(empty database)", empty.output
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0
    current = CliRunner().invoke(main, ["db", "current"])
    assert current.exit_code == 0, current.output
    revisions = current.output.split()
    # The areas are the branches: each migration file's first letter (0 core, b broadcasts, k knowledge, …).
    areas = {path.name[0] for path in (REPO / "core" / "migrations" / "versions").glob("*.py")}
    assert {"0", "b", "k", "o", "t", "w"} <= areas
    assert len(revisions) == len(areas) and {r[0] for r in revisions} == areas, current.output


# Every verb that reads or writes the database, one per area CLI (and the root's schema verbs).
DATABASE_VERBS = [
    ["db", "current"], ["db", "upgrade"], ["kb", "unanswered"], ["tips", "list"], ["tips", "export", "--out", "x"],
    ["admin", "add", "5"], ["admin", "list"], ["admin", "remove", "5"],
    ["admin", "login-link", "900001"], ["broadcast", "list"], ["broadcast", "pause", "1"],
]


@pytest.mark.parametrize("verb", DATABASE_VERBS, ids=" ".join)
def test_every_database_verb_says_in_one_line_that_the_database_cannot_be_opened(verb, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env
    # Nothing listens on the discard port: the connection is refused at once.
    monkeypatch.setenv("ANKANG_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:9/ankang")
    monkeypatch.setenv("ANKANG_SECRET_KEY", "a-secret-key-for-login-links")
    result = CliRunner().invoke(main, verb)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # not a traceback
    assert len(result.output.strip().splitlines()) == 1 and "cannot open the database" in result.output


def test_cli_modules_open_the_database_only_through_the_one_helper():
    """``core.cli.run_with_database`` is the one way a verb gets an engine; no CLI builds its own."""
    repo = Path(__file__).resolve().parents[2]
    modules = sorted(set(repo.glob("*/cli*.py")) - {repo / "core" / "cli.py"})
    assert len(modules) >= 6  # ankang, broadcasts (two), knowledge, tips, web
    found = {
        str(path.relative_to(repo)): name
        for path in modules
        for name in ("create_engine", "create_sessionmaker", "opened(", "run_upgrade_sync")
        if name in path.read_text(encoding="utf-8")
    }
    assert found == {}
