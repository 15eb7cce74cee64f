"""Fuzzing the bot with generated updates (issue 17, point 10), shared by the CI test and the bench.

Hypothesis generates one user action per example — text (commands, questions, emergencies, receipt
codes, random Unicode with NUL and lone surrogates), button presses (real buttons of the last bot
message, or forged callback data), buttons under inline messages, edited messages, photos and
documents (valid images, random bytes), stickers, locations, inline queries, poll answers, and
updates the Telegram library cannot parse — and sends it through the Bot API emulator to the real
bot (``ankang.runner.running``). Each action is checked as it happens:

* no unhandled error: no record at ERROR or above from our code or the libraries (the bot's error
  handler logs every handler failure at ERROR);
* a reply where one is due: every private message gets a message back, every button press and
  inline query an answer;
* flat memory: the process's RSS after a warm-up and at the end.

``tests/bot/test_fuzz.py`` runs 2,000 actions; ``python -m bench.faults --only fuzz`` 20,000.
Only the generate phase runs (no shrinking): a failure is recorded with the action that caused it,
and the run goes on, so one report lists everything found.
"""
from __future__ import annotations

import asyncio
import io
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psutil
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from PIL import Image

from emulator import Emulator, buttons

USERS = 6  # workers, each a lane of its own; the admin is one more
REPLY_TIMEOUT_S = 15.0
WARM_UP_FRACTION = 0.1

COMMANDS = ["/start", "/help", "/report", "/status", "/cancel", "/laws", "/subscribe", "/lessons", "/score",
            "/rank", "/tips", "/duty", "/duty on", "/duty off", "/broadcasts", "/schedule", "/weblogin",
            "/unknown", "/start inline", "/status K7QF-2M9D-XR4T-PB6N", "/tips 紧急", "/"]
PHRASES = ["劳保用品要自己掏钱吗", "安全生产法第五十五条", "老板逼我冒险作业", "有人触电了", "仓库着火了", "煤气泄漏",
           "我要举报", "建筑施工", "消防安全", "城东3号工地", "脚手架没有挂安全网，工人高处作业不系安全带", "是", "否",
           "K7QF-2M9D-XR4T-PB6N", "明天 9:00", "每周一 09:00", "取消", "工伤认定需要什么材料", "职业病防治法 39条"]
FORGED_DATA = ["ta:o:²", "ta:o:①", "ta:s:1:closed", "ta:l:-:-:0:0", "qa|a|①|1", "qa|L", "qa|v|1|x", "bc:s:²",
               "bc:pause:1", "sc:k:once", "sc:lp:all.²", "ls:open", "ls:t:all", "ls:cn:1", "tr:ok", "tr:x",
               "tr:u:1", "tf:add", "tf:end", "", "\x00", "\ud800", "x" * 64]


@dataclass(frozen=True, slots=True)
class Action:
    kind: str
    user: int  # index into the users; USERS is the admin
    text: str = ""
    data: str = ""
    blob: bytes = b""
    index: int = 0  # which real button to press


def _image(kind: str, size: int) -> bytes:
    image = Image.new("RGB", (size, max(8, size * 3 // 4)), (size % 255, 80, 40))
    out = io.BytesIO()
    image.save(out, format=kind)
    return out.getvalue()


def _is_image(data: bytes) -> bool:
    """What Telegram would take as a photo (it refuses anything else with IMAGE_PROCESS_FAILED)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except Exception:
        return False
    return True


def actions() -> st.SearchStrategy[Action]:
    """One generated user action."""
    user = st.integers(0, 10_000)  # taken modulo the number of users
    wild_text = st.text(st.characters(codec=None, exclude_categories=()), min_size=1, max_size=300)
    text = st.one_of(
        st.sampled_from(COMMANDS), st.sampled_from(PHRASES), wild_text,
        st.builds(lambda c, t: f"{c} {t}", st.sampled_from(COMMANDS), st.sampled_from(PHRASES)),
        st.builds(lambda p, n: p * n, st.sampled_from(PHRASES), st.integers(2, 60)),
    )
    data = st.one_of(st.sampled_from(FORGED_DATA), st.text(max_size=64))
    blob = st.one_of(
        st.sampled_from([b"", b"\xff\xd8\xff", b"GIF89a", b"%PDF-1.4"]),
        st.binary(max_size=2048),
        st.builds(_image, st.sampled_from(["JPEG", "PNG", "WEBP"]), st.integers(8, 96)),
    )
    return st.one_of(
        st.builds(Action, st.just("text"), user, text=text),
        st.builds(Action, st.just("text"), user, text=text),
        st.builds(Action, st.just("text"), user, text=text),
        st.builds(Action, st.just("press"), user, data=st.one_of(st.just(""), data)),
        st.builds(Action, st.just("press"), user, data=st.just(""), index=st.integers(0, 30)),
        st.builds(Action, st.just("press_inline"), user, data=data),
        st.builds(Action, st.just("edit"), user, text=text),
        st.builds(Action, st.just("photo"), user, blob=blob),
        st.builds(Action, st.just("document"), user, blob=blob),
        st.builds(Action, st.just("sticker"), user),
        st.builds(Action, st.just("location"), user),
        st.builds(Action, st.just("inline_query"), user, text=text),
        st.builds(Action, st.just("poll_answer"), user, data=st.text(max_size=12)),
        st.builds(Action, st.just("unparsable"), user, data=st.sampled_from(["poll_answer", "message", "callback"])),
    )


@dataclass
class FuzzReport:
    updates: int = 0
    unhandled: list[str] = field(default_factory=list)
    missing_replies: list[str] = field(default_factory=list)
    rss_start_mb: float = 0.0
    rss_end_mb: float = 0.0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    seed: int = 0
    seconds_by_kind: dict[str, list[float]] = field(default_factory=dict)

    def rows(self) -> list[tuple[str, object]]:
        return [
            ("updates", f"{self.updates:,}"),
            ("unhandled errors", len(self.unhandled)),
            ("missing replies", len(self.missing_replies)),
            ("RSS after warm-up / at end", f"{self.rss_start_mb:.0f} MB / {self.rss_end_mb:.0f} MB"),
            ("updates per second", f"{self.updates / self.seconds:.0f}" if self.seconds else "-"),
            ("CPU / wall time", f"{self.cpu_seconds:.0f} s / {self.seconds:.0f} s"),
            ("slowest kinds (mean ms)", ", ".join(
                f"{kind} {total / n * 1000:.0f}" for kind, (n, total) in
                sorted(self.seconds_by_kind.items(), key=lambda kv: -kv[1][1] / kv[1][0])[:4])),
            ("seed", self.seed),
        ]


class _Errors(logging.Handler):
    """Every record at ERROR or above, the emulator's own aside."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith("emulator"):
            self.records.append(f"{record.name}: {record.getMessage()[:200]}")


class Fuzzer:
    """Performs actions against a running bot through ``emulator`` and records what went wrong."""

    def __init__(self, emulator: Emulator, admin_id: int, workers: int = USERS) -> None:
        self.emu = emulator
        # Each worker is a lane: replies to one chat are paced at about one a second (Telegram's limit,
        # kept by core.outgoing), so the lanes side by side set the pace of the run.
        self.users = [emulator.user(f"工友{n}", username=f"fuzz_worker_{n}") for n in range(workers)]
        self.users.append(emulator.user("管理员", id=admin_id))
        self.sent: dict[int, dict[str, Any]] = {}  # each user's last message, for edits
        self.report = FuzzReport()
        self._errors, self._seen = _Errors(), 0

    async def perform(self, action: Action) -> None:
        """Send one action and check that its reply, if one is due, arrives."""
        began = time.monotonic()
        try:
            due = await self._send(action)
            if due is not None:
                try:
                    await self.emu.wait_for(due, timeout=REPLY_TIMEOUT_S, what=action.kind)
                except Exception:
                    self.report.missing_replies.append(repr(action)[:300])
        except Exception as err:  # the emulator refused what we built: a fuzzer bug, reported as such
            self.report.unhandled.append(f"fuzzer: {type(err).__name__}: {err} for {action!r}"[:300])
        self.report.updates += 1
        spent = self.report.seconds_by_kind.setdefault(action.kind, [0, 0.0])
        spent[0] += 1
        spent[1] += time.monotonic() - began
        # Records logged since the last look, named with this action (with lanes side by side it may
        # be another lane's that caused them: the seed reproduces the run).
        new, self._seen = self._errors.records[self._seen:], len(self._errors.records)
        self.report.unhandled += [f"{record} during {action!r}"[:400] for record in new]

    async def _send(self, action: Action) -> Callable[[], object] | None:
        """Send ``action``; return the condition that says its reply arrived, or None if none is due."""
        emu, user = self.emu, self.users[action.user % len(self.users)]
        mark = emu.mark()

        def replied() -> bool:
            return emu.has_new_messages(user, mark)

        match action.kind:
            case "text":
                self.sent[user.id] = await emu.send_text(user, action.text)
                return replied
            case "photo" | "document":
                if action.kind == "photo" and _is_image(action.blob):
                    self.sent[user.id] = await emu.send_photo(user, action.blob)
                else:
                    self.sent[user.id] = await emu.send_document(user, action.blob or b"\x00", "x.jpg", "image/jpeg")
                return replied
            case "sticker":
                await emu.send_sticker(user)
                return replied
            case "location":
                await emu.send_location(user, 31.2, 121.5)
                return replied
            case "press":
                last = emu.last_message(user)
                if last is None:
                    return None
                data = action.data
                if not data:
                    datas = [b["callback_data"] for row in buttons(last) for b in row if "callback_data" in b]
                    if not datas:
                        return None
                    data = datas[action.index % len(datas)]
                qid = await emu.press(user, last, data=data)
                return lambda: qid in emu.callback_answers
            case "press_inline":
                qid = await emu.press_inline(user, action.data)
                return lambda: qid in emu.callback_answers
            case "edit":
                previous = self.sent.get(user.id)
                if previous is None or "text" not in previous:
                    return None
                edited = {**previous, "text": action.text, "edit_date": int(time.time())}
                edited.pop("entities", None)  # Telegram recomputes them for the new text
                await emu.send_update({"edited_message": edited})
                return None
            case "inline_query":
                qid = await emu.inline_query(user, action.text[:256])
                return lambda: qid in emu.inline_answers
            case "poll_answer":
                await emu.send_update({"poll_answer": {"poll_id": action.data or "0", "user": user.to_json(),
                                                       "option_ids": [0]}})
                return None
            case "unparsable":
                broken: dict[str, dict[str, Any]] = {
                    "poll_answer": {"poll_answer": {"poll_id": "5", "user": user.to_json()}},
                    "message": {"message": {"message_id": "x", "chat": {"id": user.id, "type": "private"}}},
                    "callback": {"callback_query": {"id": "1", "data": "qa|L"}},
                }
                await emu.send_update(broken[action.data])
                return None
        raise ValueError(action.kind)

    async def run(self, count: int, *, seed_value: int | None = None) -> FuzzReport:
        """Perform ``count`` generated actions; return the report."""
        loop = asyncio.get_running_loop()
        logging.getLogger().addHandler(self._errors)
        process = psutil.Process(os.getpid())
        chosen_seed = seed_value if seed_value is not None else int.from_bytes(os.urandom(4), "big")
        self.report.seed = chosen_seed
        warm_up = max(1, int(count * WARM_UP_FRACTION))
        started, cpu_started = time.monotonic(), time.process_time()

        # One lane per user: a user's actions go one after the other (a reply is attributed to the
        # action that asked for it), the users' lanes run side by side, as real chats do.
        lanes = [asyncio.Lock() for _ in self.users]
        in_flight = asyncio.Semaphore(len(self.users))
        tasks: set[asyncio.Task[None]] = set()

        async def in_lane(action: Action) -> None:
            try:
                async with lanes[action.user % len(self.users)]:
                    await self.perform(action)
            finally:
                in_flight.release()
            if self.report.updates == warm_up:
                self.report.rss_start_mb = process.memory_info().rss / 2**20

        async def admit(action: Action) -> None:
            await in_flight.acquire()
            task = asyncio.create_task(in_lane(action))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        @seed(chosen_seed)
        @settings(max_examples=count, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(actions())
        def one(action: Action) -> None:
            asyncio.run_coroutine_threadsafe(admit(action), loop).result(timeout=120)

        try:
            await asyncio.to_thread(one)
            while tasks:
                await asyncio.gather(*list(tasks))
            # Quiet again: every worker still gets an answer.
            for user in self.users:
                await self.perform(Action("text", self.users.index(user), text="/help"))
        finally:
            logging.getLogger().removeHandler(self._errors)
        self.report.seconds = time.monotonic() - started
        self.report.cpu_seconds = time.process_time() - cpu_started
        self.report.rss_end_mb = process.memory_info().rss / 2**20
        return self.report
