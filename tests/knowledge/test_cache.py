"""Where derived data is cached between starts."""
import tempfile
from pathlib import Path

from knowledge.text import cache_dir


def test_cache_dir_follows_the_setting(tmp_path):
    assert cache_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b" and (tmp_path / "a" / "b").is_dir()


def test_cache_dir_reads_no_variable_of_ours_behind_the_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("ANKANG_CACHE_DIR", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "ankang"


def test_cache_dir_defaults_under_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "ankang"


def test_a_cache_dir_that_cannot_be_created_falls_back_to_the_temp_dir(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert cache_dir(blocker / "cache") == Path(tempfile.gettempdir())
