"""``ankang demo``: chat with the real bot in this terminal, over the in-process Bot API emulator.

No token and no network: SQLite under ./data/, the bundled FAQ and lessons, the statutes from
ANKANG_LAWS_DIR. The same bot is reachable in a browser at /chat on the web server.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import difflib
import gc
import html
import queue
import re
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url

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
PORT_BUSY = "（端口 {port} 已被占用，网页改用空闲端口 {free}）"
FRESH_DONE = "（已清空演示数据库，从头开始）"
FRESH_CUSTOM_DATABASE = ("--fresh 只清空演示自带的数据库 {path}；"
                         "已设置 ANKANG_DATABASE_URL，请自行清空那个数据库，或去掉这个变量再试。")
STALE_BUTTON = "（按钮 [{n}] 已经不在了：它所在的消息已更新或删除，请用最新消息下的按钮）"
TOAST = "  💬 {text}"
ALERT = "  ⚠️ 弹窗：{text}"
EDITED_HEADER = "✏️ 安康助手修改了消息#{label} → {who}"
TEXT_UNCHANGED = "  （文字未变）"
BUTTONS_GONE = "  （按钮已撤下：{buttons}）"
PROMPTS = {"worker": "工人> ", "admin": "管理员> "}


def demo_settings() -> Settings:
    """Settings for the demo: the user's environment and .env, with the demo's defaults where they say nothing."""
    from core.settings import settings_or_exit

    given = settings_or_exit().fields_set  # what the environment or .env set
    overrides: dict[str, object] = {"bot_token": DEMO_TOKEN}
    if "database_url" not in given and "database_password" not in given:
        overrides["database_url"] = DEMO_DATABASE_URL
    if "laws_dir" not in given and DEFAULT_LAWS_DIR.is_dir():
        overrides["laws_dir"] = DEFAULT_LAWS_DIR
    if "log_level" not in given:
        overrides["log_level"] = "WARNING"  # the terminal is the chat: log lines only for problems
    base = settings_or_exit(**overrides)
    return settings_or_exit(**{**overrides, "admin_ids": base.admin_ids | {ADMIN_ID}})


def start_fresh(settings: Settings) -> None:
    """``--fresh``: delete the demo's own SQLite database (never one the user configured)."""
    database = Path(make_url(DEMO_DATABASE_URL).database or "")
    if settings.database_url != DEMO_DATABASE_URL:
        print(FRESH_CUSTOM_DATABASE.format(path=database), file=sys.stderr, flush=True)
        raise SystemExit(2)
    for suffix in ("", "-wal", "-shm", "-journal"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    print(FRESH_DONE, flush=True)


def free_web_port(settings: Settings) -> Settings:
    """The configured web port if it is free, else a free one the system picks (said in one line)."""
    if settings.web_port == 0:
        return settings
    with socket.socket() as probe:
        try:
            probe.bind((settings.web_host, settings.web_port))
        except OSError:
            pass
        else:
            return settings
    with socket.socket() as probe:
        probe.bind((settings.web_host, 0))
        free = probe.getsockname()[1]
    print(PORT_BUSY.format(port=settings.web_port, free=free), flush=True)
    return dataclasses.replace(settings, web_port=free)


@dataclass
class Button:
    chat_id: int
    message_id: int
    data: str
    text: str = ""


@dataclass
class Terminal:
    """What the person sees: numbered messages and buttons, the latest quiz, pop-up replies.

    On a terminal (``interactive``) a prompt line waits at the bottom; what the bot sends meanwhile is
    printed above it and the prompt, with what was typed so far, drawn again below.
    """

    emu: Emulator
    out: TextIO = sys.stdout
    interactive: bool = False
    prompt: str = PROMPTS["worker"]
    prompting: bool = False  # the reader is waiting at the prompt
    button_map: dict[int, Button] = field(default_factory=dict)
    retired: set[int] = field(default_factory=set)  # numbers of buttons whose message changed or went
    next_button: int = 1
    labels: dict[tuple[int, int], int] = field(default_factory=dict)  # (chat, message id) -> shown number
    shown_text: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    next_label: int = 1
    pending_queries: list[str] = field(default_factory=list)  # pressed, pop-up reply not yet seen
    last_poll: dict | None = None

    def emit(self, text: str) -> None:
        """Print a block of lines; on a terminal keep the prompt line (and what was typed) below it."""
        if self.interactive and self.prompting:
            self.out.write("\r\x1b[K" + text + "\n" + self.prompt + _typed_so_far())
        else:
            self.out.write(text + "\n")
        self.out.flush()

    def show(self, who: str, message: dict) -> None:
        """A new message from the bot, with its number and its buttons."""
        key = (message["chat"]["id"], message["message_id"])
        self.labels[key] = label = self.next_label
        self.next_label += 1
        lines = [f"\n🤖 安康助手 → {who}  消息#{label}"]
        if "photo" in message:
            lines.append("  [图片]")
        if "document" in message:
            lines.append(f"  [文件] {message['document'].get('file_name', '')}")
        body = _body(message)
        self.shown_text[key] = body
        lines += [f"  {line}" for line in body]
        lines += self._poll_lines(message)
        lines += self._button_lines(message)
        self.emit("\n".join(lines))

    def show_edit(self, who: str, message: dict) -> None:
        """An edited message: what changed, named by the earlier message's number.

        Buttons that stay keep their numbers; those that went retire (typing one says it is gone);
        new ones get new numbers, shown with the keyboard as it is now.
        """
        key = (message["chat"]["id"], message["message_id"])
        if key not in self.labels:  # sent before the demo started watching
            self.show(who, message)
            return
        before, after = self.shown_text.get(key, []), _body(message)
        self.shown_text[key] = after
        lines = ["\n" + EDITED_HEADER.format(label=self.labels[key], who=who)]
        changes = [line for line in difflib.ndiff(before, after) if line[:1] in "+-"]
        if changes:
            lines += [f"  {'＋' if line[0] == '+' else '－'} {line[2:]}" for line in changes]
        else:
            lines.append(TEXT_UNCHANGED)
        lines += self._poll_lines(message)
        old = {b.data: (n, b.text) for n, b in self.button_map.items() if (b.chat_id, b.message_id) == key}
        new = [b["callback_data"] for row in buttons(message) for b in row if "callback_data" in b]
        gone = [(n, text) for data, (n, text) in old.items() if data not in new]
        for n, _ in gone:
            del self.button_map[n]
            self.retired.add(n)
        if any(data not in old for data in new):
            lines += self._button_lines(message, keep={data: n for data, (n, _) in old.items()})
        elif gone:
            lines.append(BUTTONS_GONE.format(buttons="  ".join(f"[{n}] {text}" for n, text in gone)))
        self.emit("\n".join(lines))

    def show_deleted(self, chat_id: int, message_id: int) -> None:
        self.retire((chat_id, message_id))

    def show_answers(self) -> None:
        """The bot's pop-up replies to button presses: a short toast, or an alert to acknowledge."""
        for qid in list(self.pending_queries):
            answer = self.emu.callback_answers.get(qid)
            if answer is None:
                continue
            self.pending_queries.remove(qid)
            if answer.get("text"):
                self.emit((ALERT if answer.get("show_alert") else TOAST).format(text=answer["text"]))

    def retire(self, key: tuple[int, int]) -> None:
        for n, button in list(self.button_map.items()):
            if (button.chat_id, button.message_id) == key:
                del self.button_map[n]
                self.retired.add(n)

    def _poll_lines(self, message: dict) -> list[str]:
        if "poll" not in message:
            return []
        poll = message["poll"]
        self.last_poll = poll
        return [f"  📝 {poll['question']}",
                *(f"     {i + 1}. {o['text']}" for i, o in enumerate(poll["options"])),
                "     （输入 /vote 序号 作答）"]

    def _button_lines(self, message: dict, keep: dict[str, int] | None = None) -> list[str]:
        """The keyboard, numbered: a button in ``keep`` (callback data → number) keeps its number."""
        lines = []
        for row in buttons(message):
            cells = []
            for b in row:
                if "callback_data" in b:
                    n = (keep or {}).get(b["callback_data"]) or self.next_button
                    if n == self.next_button:
                        self.next_button += 1
                    self.button_map[n] = Button(message["chat"]["id"], message["message_id"], b["callback_data"],
                                                b["text"])
                    cells.append(f"[{n}] {b['text']}")
                else:
                    cells.append(f"[链接] {b['text']}")
            lines.append("  " + "   ".join(cells))
        keyboard = (message.get("reply_markup") or {}).get("keyboard")
        if keyboard:
            labels = (b["text"] if isinstance(b, dict) else str(b) for row in keyboard for b in row)
            lines.append("  键盘：" + " | ".join(labels))
        return lines


def _body(message: dict) -> list[str]:
    return str(message.get("text") or message.get("caption") or "").splitlines()


def _typed_so_far() -> str:
    try:
        import readline
    except ImportError:  # pragma: no cover - every CPython on Linux has it
        return ""
    return readline.get_line_buffer()


async def watch(emu: Emulator, terminal: Terminal, names: dict[int, str]) -> None:
    """Print every message the bot sends or edits in the demo chats, and its pop-up replies, as they happen."""

    def newer_than(mark: int) -> Callable[[], bool]:
        return lambda: emu.mark() > mark

    seen = emu.mark()
    while True:
        await emu.wait_for(newer_than(seen), timeout=365 * 24 * 3600)
        events = emu.events_since(seen)
        seen = events[-1].seq if events else emu.mark()
        for event in events:
            if event.kind == "callback_answer":
                terminal.show_answers()
                continue
            if event.chat_id not in names or event.message_id is None:
                continue
            if event.kind == "deleted":
                terminal.show_deleted(event.chat_id, event.message_id)
                continue
            if event.kind not in ("sent", "edited"):
                continue
            stored = emu.message(event.chat_id, event.message_id)
            if stored.deleted:
                continue
            if event.kind == "edited":
                terminal.show_edit(names[event.chat_id], stored.snapshot())
            else:
                terminal.show(names[event.chat_id], stored.snapshot())


def read_lines(terminal: Terminal) -> tuple[asyncio.Queue[str | None], queue.SimpleQueue[str]]:
    """Read what the person types in a thread so the bot keeps running meanwhile.

    On a terminal each line is read with readline (``input``) after the loop hands over the prompt:
    line editing, and no 4 KiB cap on a line, which the terminal's own line editing has. Otherwise
    (a pipe, a file) plain lines. Returns the lines (None at the end) and the prompts' queue.
    """
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    prompts: queue.SimpleQueue[str] = queue.SimpleQueue()
    loop = asyncio.get_running_loop()

    def with_readline() -> None:
        import readline  # noqa: F401  imported for its effect: input() edits lines with it

        while True:
            prompt = prompts.get()
            terminal.prompting = True
            try:
                line = input(prompt)
            except EOFError:
                break
            finally:
                terminal.prompting = False
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    def plain() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line.rstrip("\n"))
        loop.call_soon_threadsafe(lines.put_nowait, None)

    # A daemon thread, not the loop's executor: asyncio.run would wait for a thread blocked on stdin.
    target = with_readline if terminal.interactive else plain
    threading.Thread(target=target, name="demo-stdin", daemon=True).start()
    return lines, prompts


async def demo_main(settings: Settings) -> None:
    emulator = Emulator(rate_limits=RateLimits.counting())
    await emulator.start()
    try:
        settings = free_web_port(dataclasses.replace(settings, telegram_api_url=emulator.url))
        # Migrated here, not in a child process: the demo runs for minutes, and the child was half its start.
        async with running(settings, poll_timeout_s=5, migrate_apart=False) as handle:
            # The collector was off while the demo started (``ankang.cli._no_collection_during_start``).
            gc.collect()
            gc.enable()
            chat = handle.web_app[CHAT]
            chat.emulator_url, chat.worker_id, chat.admin_id = emulator.url, WORKER_ID, ADMIN_ID
            worker = emulator.user("演示工人", id=WORKER_ID, username="demo_worker")
            admin = emulator.user("演示管理员", id=ADMIN_ID, username="demo_admin")
            names = {worker.id: "工人", admin.id: "管理员"}
            terminal = Terminal(emulator, interactive=sys.stdin.isatty() and sys.stdout.isatty())
            print(BANNER.format(web_url=handle.web_url), flush=True)
            if not handle.services.laws.ok:
                print(NO_LAWS.format(message=handle.services.laws.message), flush=True)
            watcher = asyncio.create_task(watch(emulator, terminal, names))
            current = worker
            await emulator.send_text(current, "/start")
            lines, prompts = read_lines(terminal)
            try:
                while True:
                    terminal.prompt = PROMPTS["worker" if current is worker else "admin"]
                    prompts.put(terminal.prompt)
                    line = await lines.get()
                    if line is None:
                        break
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
        terminal.emit("（现在以管理员身份发言；管理员命令见 /help）")
        return admin
    if line == "/worker":
        terminal.emit("（现在以工人身份发言）")
        return worker
    if line.isdigit() and int(line) in terminal.retired:
        terminal.emit(STALE_BUTTON.format(n=int(line)))
        return current
    if line.isdigit() and int(line) in terminal.button_map:
        button = terminal.button_map[int(line)]
        user = worker if button.chat_id == worker.id else admin
        try:
            # Pressed through the message's keyboard as it is now: a button that is gone is not sent.
            qid = await emu.press(user, button.message_id, button.data, chat=button.chat_id)
        except LookupError:
            terminal.retire((button.chat_id, button.message_id))
            terminal.emit(STALE_BUTTON.format(n=int(line)))
        else:
            terminal.pending_queries.append(qid)
        return current
    if match := re.fullmatch(r"/photo\s+(.+)", line):
        path = Path(match.group(1).strip()).expanduser()
        if not path.is_file():
            terminal.emit(f"（找不到文件 {path}）")
            return current
        await emu.send_photo(current, path.read_bytes())
        return current
    if match := re.fullmatch(r"/vote\s+(\d+)", line):
        poll = terminal.last_poll
        choice = int(match.group(1)) - 1
        if poll is None or not 0 <= choice < len(poll["options"]):
            terminal.emit("（没有可以回答的题目，或序号不对）")
            return current
        try:
            await emu.answer_poll(current, poll["id"], [choice])
            terminal.emit("（已作答）")
        except ValueError as exc:
            terminal.emit(f"（{html.escape(str(exc))}）")
        return current
    await emu.send_text(current, line)
    return current


def run_demo(*, fresh: bool = False) -> None:
    settings = demo_settings()
    if fresh:
        start_fresh(settings)
    configure_logging(settings.log_level)
    saved = _terminal_mode()
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(demo_main(settings))
    finally:
        _restore_terminal_mode(saved)
    print("\n再见，注意安全！", flush=True)


def _terminal_mode() -> list | None:
    """The terminal's settings: readline changes them while it reads, and Ctrl-C may stop it mid-line."""
    if not sys.stdin.isatty():
        return None
    import termios

    try:
        return termios.tcgetattr(sys.stdin.fileno())
    except termios.error:
        return None


def _restore_terminal_mode(saved: list | None) -> None:
    if saved is not None:
        import termios

        with contextlib.suppress(termios.error):
            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, saved)
