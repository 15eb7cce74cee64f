"""The `ankang` command line lists every verb and fails cleanly on bad configuration."""
from click.testing import CliRunner

from bot.cli import main


def test_help_lists_every_verb():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for verb in ("run", "demo", "emulator", "db", "ask", "kb", "lessons", "broadcast", "tips", "admin"):
        assert f"  {verb} " in result.output


def test_run_without_a_token_says_how_to_try_it(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANKANG_BOT_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 2
    assert "ANKANG_BOT_TOKEN" in result.output and "ankang demo" in result.output
