"""``ankang demo``: chat with the real bot in this terminal, over the in-process Bot API emulator.

No token and no network: SQLite under ./data/, the bundled FAQ and lessons, the statutes from
ANKANG_LAWS_DIR. The same bot is reachable in a browser at /chat on the web server.
"""
from __future__ import annotations

import asyncio
import contextlib
import html
import os
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ankang.runner import running
from core.logging import configure_logging
from core.settings import Settings
from emulator import Emulator, RateLimits, buttons
from web.typedefs import CHAT

DEMO_TOKEN = "100000:demo-token-for-the-local-emulator-only"
DEMO_DATABASE_URL = "sqlite+aiosqlite:///data/demo.sqlite3"
WORKER_ID = 20001
ADMIN_ID = 20002
DEFAULT_LAWS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "laws"

BANNER = """\
──────────────── 安康助手 · 终端演示 ────────────────
直接输入问题，回车发送；按钮前的 [数字] 输入数字即可点击。
  /photo 路径    发送一张照片        /vote 序号   回答最近的答题
  /admin         切换为管理员身份    /worker      切换回工人身份
  /quit          退出
浏览器聊天页：{web_url}/chat
──────────────────────────────────────────────────"""
NO_LAWS = "⚠️  没有加载法条，只能用常见问题回答，查不了法条原文。\n    {message}"


def demo_settings() -> Settings:
    """Settings for the demo: the user's environment, with the demo's embedded defaults filled in."""
    from core.settings import settings_or_exit

    env = os.environ
    overrides: dict[str, object] = {"bot_token": DEMO_TOKEN}
    if "ANKANG_DATABASE_URL" not in env:
        overrides["database_url"] = DEMO_DATABASE_URL
    if "ANKANG_LAWS_DIR" not in env and DEFAULT_LAWS_DIR.is_dir():
        overrides["laws_dir"] = DEFAULT_LAWS_DIR
    if "ANKANG_LOG_LEVEL" not in env:
        overrides["log_level"] = "WARNING"  # the terminal is the chat: log lines only for problems
    base = settings_or_exit(**overrides)
    return settings_or_exit(**{**overrides, "admin_ids": base.admin_ids | {ADMIN_ID}})


@dataclass
class Terminal:
    """What the person sees: numbered buttons of the latest messages, the latest quiz."""

    emu: Emulator
    out: TextIO = sys.stdout
    button_map: dict[int, tuple[int, int, str]] = field(default_factory=dict)  # n -> (chat, msg id, data)
    next_button: int = 1
    last_poll: dict | None = None

    def show(self, who: str, message: dict, *, edited: bool = False) -> None:
        lines = [f"\n🤖 安康助手{' (已更新)' if edited else ''} → {who}"]
        if "photo" in message:
            lines.append("  [图片]")
        if "document" in message:
            lines.append(f"  [文件] {message['document'].get('file_name', '')}")
        body = message.get("text") or message.get("caption") or ""
        if body:
            lines += [f"  {line}" for line in body.splitlines()]
        if "poll" in message:
            poll = message["poll"]
            self.last_poll = poll
            lines.append(f"  📝 {poll['question']}")
            lines += [f"     {i + 1}. {o['text']}" for i, o in enumerate(poll["options"])]
            lines.append("     （输入 /vote 序号 作答）")
        rows = buttons(message)
        for row in rows:
            cells = []
            for b in row:
                if "callback_data" in b:
                    n = self.next_button
                    self.next_button += 1
                    self.button_map[n] = (message["chat"]["id"], message["message_id"], b["callback_data"])
                    cells.append(f"[{n}] {b['text']}")
                else:
                    cells.append(f"[链接] {b['text']}")
            lines.append("  " + "   ".join(cells))
        keyboard = (message.get("reply_markup") or {}).get("keyboard")
        if keyboard:
            labels = (b["text"] if isinstance(b, dict) else str(b) for row in keyboard for b in row)
            lines.append("  键盘：" + " | ".join(labels))
        print("\n".join(lines), file=self.out, flush=True)


async def watch(emu: Emulator, terminal: Terminal, names: dict[int, str]) -> None:
    """Print every message the bot sends or edits in the demo chats, as it happens."""

    def newer_than(mark: int) -> Callable[[], bool]:
        return lambda: emu.mark() > mark

    seen = emu.mark()
    while True:
        await emu.wait_for(newer_than(seen), timeout=365 * 24 * 3600)
        events = emu.events_since(seen)
        seen = events[-1].seq if events else emu.mark()
        for event in events:
            if event.chat_id not in names or event.message_id is None or event.kind not in ("sent", "edited"):
                continue
            stored = emu.message(event.chat_id, event.message_id)
            if not stored.deleted:
                terminal.show(names[event.chat_id], stored.snapshot(), edited=event.kind == "edited")


async def read_lines() -> asyncio.Queue[str | None]:
    """Read stdin in a thread so the bot keeps running while the person types."""
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def pump() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\n"))
        loop.call_soon_threadsafe(queue.put_nowait, None)

    # A daemon thread, not the loop's executor: asyncio.run would wait for a thread blocked on stdin.
    threading.Thread(target=pump, name="demo-stdin", daemon=True).start()
    return queue


async def demo_main(settings: Settings) -> None:
    emulator = Emulator(rate_limits=RateLimits.counting())
    await emulator.start()
    try:
        settings = settings.model_copy(update={"telegram_api_url": emulator.url})
        async with running(settings, poll_timeout_s=5) as handle:
            chat = handle.web_app[CHAT]
            chat.emulator_url, chat.worker_id, chat.admin_id = emulator.url, WORKER_ID, ADMIN_ID
            worker = emulator.user("演示工人", id=WORKER_ID, username="demo_worker")
            admin = emulator.user("演示管理员", id=ADMIN_ID, username="demo_admin")
            names = {worker.id: "工人", admin.id: "管理员"}
            terminal = Terminal(emulator)
            print(BANNER.format(web_url=handle.web_url), flush=True)
            if not handle.services.laws.ok:
                print(NO_LAWS.format(message=handle.services.laws.message), flush=True)
            watcher = asyncio.create_task(watch(emulator, terminal, names))
            current = worker
            await emulator.send_text(current, "/start")
            lines = await read_lines()
            try:
                while (line := await lines.get()) is not None:
                    current = await handle_line(line.strip(), emulator, terminal, current, worker, admin)
                    if current is None:
                        break
            finally:
                watcher.cancel()
    finally:
        await emulator.stop()


async def handle_line(line, emu, terminal, current, worker, admin):
    """Act on one line the person typed; return the user now typing, or None to quit."""
    if not line:
        return current
    if line in ("/quit", "/exit"):
        return None
    if line == "/admin":
        print("（现在以管理员身份发言；管理员命令见 /help）", flush=True)
        return admin
    if line == "/worker":
        print("（现在以工人身份发言）", flush=True)
        return worker
    if line.isdigit() and int(line) in terminal.button_map:
        chat_id, message_id, data = terminal.button_map[int(line)]
        user = worker if chat_id == worker.id else admin
        try:
            await emu.press(user, message_id, data=data)
        except LookupError:
            print("（这条消息已不存在）", flush=True)
        return current
    if match := re.fullmatch(r"/photo\s+(.+)", line):
        path = Path(match.group(1).strip()).expanduser()
        if not path.is_file():
            print(f"（找不到文件 {path}）", flush=True)
            return current
        await emu.send_photo(current, path.read_bytes())
        return current
    if match := re.fullmatch(r"/vote\s+(\d+)", line):
        poll = terminal.last_poll
        choice = int(match.group(1)) - 1
        if poll is None or not 0 <= choice < len(poll["options"]):
            print("（没有可以回答的题目，或序号不对）", flush=True)
            return current
        try:
            await emu.answer_poll(current, poll["id"], [choice])
            print("（已作答）", flush=True)
        except ValueError as exc:
            print(f"（{html.escape(str(exc))}）", flush=True)
        return current
    await emu.send_text(current, line)
    return current


def run_demo() -> None:
    settings = demo_settings()
    configure_logging(settings.log_level)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(demo_main(settings))
    print("\n再见，注意安全！", flush=True)
