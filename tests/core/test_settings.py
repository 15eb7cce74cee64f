"""Settings: typed, from ANKANG_* variables and .env, invalid values refused with one clear line."""
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for key in list(__import__("os").environ):
        if key.startswith("ANKANG_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_are_the_embedded_ones():
    s = load_settings()
    assert s.database_url.startswith("sqlite+aiosqlite:///data/")
    assert s.telegram_api_url == "https://api.telegram.org"
    assert s.bot_base_url == "https://api.telegram.org/bot"
    assert s.bot_file_url == "https://api.telegram.org/file/bot"
    assert s.web_port == 8080 and s.timezone == "Asia/Shanghai"
    assert s.laws_dir is None and s.admin_ids == frozenset()
    assert s.cache_dir is None and s.log_level == "INFO"


def test_environment_and_dotenv(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text(
        "ANKANG_WEB_PORT=9090\nANKANG_ADMIN_IDS=1, 2,3\nANKANG_CACHE_DIR=/var/cache/ankang\nANKANG_LOG_LEVEL=warning\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("ANKANG_TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    s = load_settings()
    assert s.web_port == 9090
    assert s.admin_ids == frozenset({1, 2, 3})
    assert s.bot_base_url == "http://127.0.0.1:8081/bot"
    assert s.cache_dir == Path("/var/cache/ankang") and s.log_level == "WARNING"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("ANKANG_ADMIN_IDS", "12,abc", "ANKANG_ADMIN_IDS"),
        ("ANKANG_DATABASE_URL", "not a url", "ANKANG_DATABASE_URL"),
        ("ANKANG_DATABASE_URL", "mysql://root@localhost/x", "not supported"),
        ("ANKANG_WEB_PORT", "eighty", "ANKANG_WEB_PORT"),
        ("ANKANG_TIMEZONE", "Mars/Olympus", "unknown time zone"),
        ("ANKANG_TELEGRAM_API_URL", "ftp://x", "http"),
        ("ANKANG_LOG_LEVEL", "LOUD", "DEBUG, INFO, WARNING, ERROR"),
    ],
)
def test_invalid_values_raise_one_line(monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert expected in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("variable", "value"),
    [("ANKANG_ADMIN_IDS", "boss"), ("ANKANG_DATABASE_URL", "postgres//oops"), ("ANKANG_LOG_LEVEL", "verbose")],
)
def test_cli_start_up_stops_with_one_clear_line(tmp_path, variable, value):
    env = {"PATH": "/usr/bin:/bin", variable: value, "ANKANG_BOT_TOKEN": "1:x"}
    result = subprocess.run(
        [sys.executable, "-m", "ankang", "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert "Traceback" not in result.stderr


def test_a_database_password_apart_from_the_url_is_merged_escaped(tmp_path):
    from sqlalchemy.engine import make_url

    password = "p@ss:w/rd%#?&= 密码"
    (tmp_path / ".env").write_text(f"ANKANG_DATABASE_URL=postgresql+asyncpg://ankang@db:5432/ankang\n"
                                   f"ANKANG_DATABASE_PASSWORD={password}\n", encoding="utf-8")
    url = make_url(load_settings().database_url)
    assert (url.username, url.password, url.host, url.database) == ("ankang", password, "db", "ankang")


@pytest.mark.parametrize(("url", "words"), [
    ("postgresql+asyncpg://ankang:other@db/ankang", "keep one"),
    ("sqlite+aiosqlite:///data/x.sqlite3", "SQLite"),
])
def test_a_database_password_that_cannot_apply_is_refused(url, words):
    with pytest.raises(SettingsError) as caught:
        load_settings(database_url=url, database_password="secret")
    assert words in str(caught.value) and "ANKANG_DATABASE_PASSWORD" in str(caught.value)
    assert "secret" not in str(caught.value).replace("ANKANG_DATABASE_PASSWORD", "")
