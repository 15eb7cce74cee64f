"""Where derived data is cached between starts."""
import tempfile
from pathlib import Path

from knowledge.text import cache_dir


def test_cache_dir_follows_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("ANKANG_CACHE_DIR", str(tmp_path / "a" / "b"))
    assert cache_dir() == tmp_path / "a" / "b" and cache_dir().is_dir()


def test_cache_dir_defaults_under_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.delenv("ANKANG_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "ankang"


def test_a_cache_dir_that_cannot_be_created_falls_back_to_the_temp_dir(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("ANKANG_CACHE_DIR", str(blocker / "cache"))
    assert cache_dir() == Path(tempfile.gettempdir())
