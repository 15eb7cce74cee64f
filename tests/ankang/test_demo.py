"""`ankang demo`: a person chats with the real bot in the terminal, with no token and no network."""
from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import pty
import re
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp


async def read_until(stream: asyncio.StreamReader, needle: str, timeout: float = 60) -> str:
    seen = ""
    async with asyncio.timeout(timeout):
        while needle not in seen:
            line = await stream.readline()
            if not line:
                raise AssertionError(f"demo ended before printing {needle!r}:\n{seen}")
            seen += line.decode()
    return seen


def demo_env(laws_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANKANG_")}
    env.update({"ANKANG_LAWS_DIR": str(laws_dir), "ANKANG_WEB_PORT": "0", "ANKANG_LOG_LEVEL": "WARNING", **extra})
    return env


class Demo:
    """The demo as a subprocess on pipes: what it printed, and lines to type."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        assert proc.stdout is not None and proc.stdin is not None
        self.stdout, self.stdin = proc.stdout, proc.stdin
        self.transcript = ""

    async def until(self, needle: str) -> str:
        seen = await read_until(self.stdout, needle)
        self.transcript += seen
        return seen

    async def type(self, line: str) -> None:
        self.stdin.write(f"{line}\n".encode())
        await self.stdin.drain()

    async def quit(self) -> None:
        await self.type("/quit")
        await self.until("再见")
        assert await asyncio.wait_for(self.proc.wait(), 30) == 0
        assert "Traceback" not in self.transcript


@contextlib.asynccontextmanager
async def demo(cwd: Path, env: dict[str, str], *args: str) -> AsyncIterator[Demo]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ankang", "demo", *args, cwd=cwd, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        yield Demo(proc)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def button_number(text: str, label: str) -> int:
    """The number the demo printed before the last button called ``label``."""
    found = re.findall(r"\[(\d+)\] " + re.escape(label), text)
    assert found, f"no button {label!r} in:\n{text}"
    return int(found[-1])


async def test_demo_greets_answers_and_presses_buttons(tmp_path, laws_dir):
    async with demo(tmp_path, demo_env(laws_dir)) as d:
        greeting = await d.until("订阅微课堂")
        assert "安康助手" in greeting and "[1]" in greeting
        await d.type("安全生产法第五十五条")
        answer = await d.until("第五十五条")
        assert "🤖" in answer
        await d.quit()
    assert (tmp_path / "data" / "demo.sqlite3").exists()


async def test_pop_up_reply_edit_in_place_and_stale_button(tmp_path, laws_dir):
    async with demo(tmp_path, demo_env(laws_dir)) as d:
        await d.until("订阅微课堂")
        await d.type("劳保用品要自己掏钱吗")
        answer = await d.until("没帮助")
        label = re.findall(r"🤖 安康助手 → 工人  消息#(\d+)", answer)[-1]
        helpful, not_helpful = button_number(answer, "👍 有帮助"), button_number(answer, "👎 没帮助")

        article = button_number(answer, "📖 原文：安全生产法第四十五条")

        await d.type(str(helpful))
        # The pop-up reply to the press is shown, and the answer is edited in place: named by its
        # number, the text kept, the feedback buttons taken down, the others keep their numbers.
        after = await d.until("谢谢反馈")
        edit = await d.until(f"修改了消息#{label}")
        edit += await d.until("按钮已撤下")
        assert "💬 谢谢反馈" in after + edit
        edited = edit.split(f"修改了消息#{label}")[1]
        assert "文字未变" in edited and "劳保" not in edited  # not the whole answer again
        assert f"[{helpful}] 👍 有帮助" in edited and f"[{not_helpful}] 👎 没帮助" in edited

        await d.type(str(not_helpful))  # that button went with the edit
        stale = await d.until("已经不在了")
        assert f"[{not_helpful}]" in stale
        await d.type(str(article))  # this one stayed, under its number
        await d.until("生产经营单位必须为从业人员提供符合国家标准")
        await d.quit()
    with sqlite3.connect(tmp_path / "data" / "demo.sqlite3") as db:
        votes = db.execute("SELECT helpful FROM kb_feedback").fetchall()
    assert votes == [(1,)]  # the stale press was neither sent nor counted


async def test_busy_port_picks_a_free_one_and_prints_the_url(tmp_path, laws_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        async with demo(tmp_path, demo_env(laws_dir, ANKANG_WEB_PORT=str(busy))) as d:
            banner = await d.until("订阅微课堂")
            url = re.search(r"浏览器聊天页：http://127\.0\.0\.1:(\d+)/chat", banner)
            assert url and int(url.group(1)) != busy
            assert f"端口 {busy} 已被占用" in banner
            async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{url.group(1)}/healthz") as resp:
                assert resp.status == 200
            await d.quit()


async def test_fresh_starts_with_an_empty_database(tmp_path, laws_dir):
    env = demo_env(laws_dir)
    async with demo(tmp_path, env) as d:
        await d.until("订阅微课堂")
        await d.quit()
    database = tmp_path / "data" / "demo.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE left_over (x)")
    async with demo(tmp_path, env, "--fresh") as d:
        await d.until("已清空演示数据库")
        await d.until("订阅微课堂")
        await d.quit()
    with sqlite3.connect(database) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "left_over" not in tables and "kb_feedback" in tables


async def test_fresh_refuses_a_database_it_does_not_own(tmp_path, laws_dir):
    own = tmp_path / "mine.sqlite3"
    own.write_bytes(b"")
    env = demo_env(laws_dir, ANKANG_DATABASE_URL=f"sqlite+aiosqlite:///{own}")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ankang", "demo", "--fresh", cwd=tmp_path, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2
    assert "ANKANG_DATABASE_URL" in out.decode() and "Traceback" not in out.decode()
    assert own.exists()


class Pty:
    """The demo on a pseudo-terminal, as a person runs it: prompt line, readline, a screen to read."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.screen = ""
        # Incremental: a character whose bytes arrive in two reads is still one character.
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._more = asyncio.Event()
        asyncio.get_running_loop().add_reader(master, self._read)

    def _read(self) -> None:
        try:
            data = os.read(self.master, 65536)
        except OSError:
            data = b""
        if not data:
            asyncio.get_running_loop().remove_reader(self.master)
        self.screen += self._decoder.decode(data, final=not data)
        self._more.set()

    async def until(self, needle: str, start: int = 0, timeout: float = 60) -> int:
        async with asyncio.timeout(timeout):
            while (at := self.screen.find(needle, start)) < 0:
                self._more.clear()
                await self._more.wait()
        return at

    async def type(self, text: str) -> None:
        data = text.encode()
        # The terminal takes the bytes as fast as the demo reads them: write from a thread.
        await asyncio.to_thread(self._write_all, data)

    def _write_all(self, data: bytes) -> None:
        while data:
            data = data[os.write(self.master, data):]

    def close(self) -> None:
        with contextlib.suppress(ValueError, OSError):
            asyncio.get_running_loop().remove_reader(self.master)
        os.close(self.master)


async def test_on_a_terminal_a_prompt_waits_and_long_lines_arrive_whole(tmp_path, laws_dir):
    length = 5000
    master, slave = pty.openpty()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ankang", "demo", cwd=tmp_path, env={**demo_env(laws_dir), "TERM": "dumb"},
        stdin=slave, stdout=slave, stderr=slave,
    )
    os.close(slave)
    term = Pty(master)
    try:
        greeted = await term.until("订阅微课堂")
        first_prompt = await term.until("工人> ", greeted)
        # A line longer than the terminal's own line buffer (4096 bytes) reaches the bot whole.
        await term.type("劳" * length + "\r")
        await term.until(f"您的消息有 {length} 字")
        # Type at the next prompt, as a person does: readline may drop what is typed before it is
        # reading (a busy machine can be that slow).
        await term.until("工人> ", first_prompt + 1)
        await term.type("/admin\r")
        await term.until("管理员> ")
        await term.type("/quit\r")
        await term.until("再见")
        assert await asyncio.wait_for(proc.wait(), 30) == 0
        assert "Traceback" not in term.screen
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        term.close()


def test_the_demo_keeps_what_env_file_says_and_fills_in_the_rest(tmp_path, monkeypatch, laws_dir):
    from ankang.demo import ADMIN_ID, DEMO_DATABASE_URL, demo_settings

    for key in list(os.environ):
        if key.startswith("ANKANG_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"ANKANG_LOG_LEVEL=debug\nANKANG_LAWS_DIR={laws_dir}\n"
                                   "ANKANG_DATABASE_URL=sqlite+aiosqlite:///mine.sqlite3\nANKANG_ADMIN_IDS=7\n")
    settings = demo_settings()
    assert settings.log_level == "DEBUG" and settings.laws_dir == laws_dir
    assert settings.database_url == "sqlite+aiosqlite:///mine.sqlite3" and settings.admin_ids == {7, ADMIN_ID}
    (tmp_path / ".env").unlink()
    settings = demo_settings()
    assert settings.log_level == "WARNING" and settings.database_url == DEMO_DATABASE_URL
