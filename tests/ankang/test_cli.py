"""The `ankang` command line lists every verb and fails cleanly on bad configuration."""
from click.testing import CliRunner

from ankang.cli import main


def test_help_lists_every_verb():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for verb in ("run", "demo", "emulator", "db", "ask", "kb", "laws", "lessons", "broadcast", "tips", "admin"):
        assert f"  {verb} " in result.output


def test_run_without_a_token_says_how_to_try_it(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANKANG_BOT_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 2
    assert "ANKANG_BOT_TOKEN" in result.output and "ankang demo" in result.output


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
    assert len(revisions) == 4 and {r[0] for r in revisions} == {"b", "k", "t", "w"}, current.output
