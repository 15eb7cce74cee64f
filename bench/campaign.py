"""A campaign at scale (issue 13, Scale): N workers each run one attempt of a campaign through the Bot API
emulator, the real bot stack and a real database, and the table says whether every answer was recorded once.

    .venv/bin/python -m bench.campaign                     # 5,000 workers over a 10-minute window
    .venv/bin/python -m bench.campaign --workers 300 --window 30
    .venv/bin/python -m bench.campaign --units 13          # the workers in a tree of 13 units (org tallies' cost)
    .venv/bin/python -m bench.campaign --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_campaign

The emulator and the N simulated workers run in a child process; Ankang (``ankang.runner.running``: handlers,
outgoing path, watch, database) in this one, so the CPU, the SQL statements and the event loop measured are
the bot's own (as ``bench.interactive`` does). Two phases on one database (SQLite in a temporary directory
unless ``--database-url``; give PostgreSQL an empty database of its own):

1. **Invitation**: N subscribers (with ``--units K``, each a member of one of the leaves of a tree of K units:
   a root, districts under it, workplaces under those); a campaign made from the 安全生产月 template (5
   questions of 30 s) is created and its invitation queued and sent as the console does (``queue_invitation``
   + ``BroadcastEngine.send_now``), with the emulator enforcing Telegram's limits (30 messages/s, 1/s per
   chat, 429 beyond) and ANKANG_SEND_RATE at ``--send-rate`` (25, the default). invitations/s = N over the
   time from the first invitation's arrival to the last's.
2. **Attempts**: Ankang restarted on the same database with ANKANG_SEND_RATE=1000 and the emulator counting
   Telegram's limits without enforcing them (the per-chat pace stays Telegram's): Telegram's 30/s cannot
   carry 6 messages per attempt (5 polls and the result) for thousands of workers in minutes, so this phase
   measures the bot, not Telegram, and the table says how far the load went past Telegram's limits (the
   sends the emulator would have refused). ``--telegram-limits`` enforces them instead (429 beyond 30/s) with
   ANKANG_SEND_RATE at ``--send-rate``: then the table shows what the ceiling does to the attempts. Worker k
   presses 开始答题 under its invitation at a random moment within ``--window`` seconds and answers each poll
   as it arrives: a third of the workers answer one question wrong; one worker in 50 sends its first answer
   twice (the replay must count once). None is left to time out: the clock is the real one and a time-out
   costs the poll's 30 s (the end-to-end test covers time-outs on a virtual clock).

Answers sent are the emulator's poll answers (distinct polls, replays apart); recorded are the attempts'
question rows with an answer, and the attempts' ``answered`` totals; lost = sent but not recorded, extra =
recorded but not sent. Attempt-start latency runs from the press to the first poll's arrival in the worker's
chat (the rules come as the button's notice, before it), both on the emulator's clock. msg/s is the messages
the emulator took in phase 2 over the time from its first to its last. CPU and SQL statements per attempt are
this process's (every thread: the database driver's too) during phase 2 over the attempts; ``--sql-top N``
prints the N statements sent most often, ``BENCH_PROFILE=FILE`` dumps a cProfile of phase 2 (CPU time of the
event loop's thread) and ``BENCH_SQL_TRACE=FILE`` writes every statement of phase 2 in order. The leaderboard
is ``campaigns.rankings.standings`` (person and unit rankings) over the final data, median of 20.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from bot.campaign_messages import START_BUTTON

WORKER_ID = 500000001
# What one attempt of the bench sends: its 5 polls and the result (the rules go as the button's notice).
MESSAGES_PER_ATTEMPT = 6
TELEGRAM_RATE_PER_S = 30
# Workers recorded, subscribed and placed in units per transaction before the invitation.
SETUP_BATCH = 250


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")


# --- the child: the emulator and the workers ------------------------------------------------------------------


class Mailboxes:
    """Each worker's messages from the bot, as the emulator records them, in one queue per chat.

    One task follows the emulator's events and hands each new bot message to its chat's queue, stamped with
    the emulator's time of arrival. (Thousands of workers each in ``emu.wait_for_message`` would all wake on
    every event of every chat.)"""

    def __init__(self, emu) -> None:
        self.emu = emu
        self.queues: dict[int, asyncio.Queue] = {}
        self.missed = 0  # events that left the emulator's log before they were read (should stay 0)
        self.sent_at: list[float] = []  # every bot message's arrival (the emulator keeps only its last events)
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._follow())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def queue(self, chat_id: int) -> asyncio.Queue:
        return self.queues.setdefault(chat_id, asyncio.Queue())

    async def next(self, chat_id: int, predicate, timeout: float) -> tuple[dict, float]:
        """The chat's next bot message that satisfies ``predicate``, and when it arrived (monotonic s)."""
        queue = self.queue(chat_id)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout} s waiting for a bot message in chat {chat_id}")
            try:
                data, at = await asyncio.wait_for(queue.get(), remaining)
            except TimeoutError:
                continue
            if predicate(data):
                return data, at

    async def _follow(self) -> None:
        emu, seq = self.emu, self.emu.mark()
        while True:
            await emu.wait_for(lambda after=seq: emu.mark() > after, timeout=3600)
            events = emu.events_since(seq)
            if events and events[0].seq > seq + 1:
                self.missed += events[0].seq - seq - 1
            for event in events:
                if event.kind == "sent":
                    self.sent_at.append(event.at)
                if event.kind == "sent" and event.chat_id is not None and event.chat_id > 0:
                    stored = emu.message(event.chat_id, event.message_id)
                    self.queue(event.chat_id).put_nowait((stored.data, event.at))
            if events:
                seq = events[-1].seq


def _options(bank, poll: dict, right: bool) -> list[int]:
    if poll["type"] == "quiz":
        correct = list(poll["correct_option_ids"])
    else:  # multiple choice: a regular poll; the bank says what is right
        [question] = [q for q in bank if poll["question"].endswith(q.stem)]
        correct = list(question.answer)
    if right:
        return correct
    return [next(i for i in range(len(poll["options"])) if i not in correct)]


def _child_main(conn, config: dict) -> None:
    asyncio.run(_child_async(conn, config))


async def _child_async(conn, config: dict) -> None:
    from emulator import Emulator

    emu = Emulator()
    await emu.start("127.0.0.1", 0)
    users = [emu.user(f"职工{i}", id=WORKER_ID + i) for i in range(config["workers"])]
    mailboxes = Mailboxes(emu)
    mailboxes.start()
    conn.send(emu.url)
    loop = asyncio.get_running_loop()
    invitations: dict[int, dict] = {}
    try:
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command == "stop":
                break
            if command["op"] == "limits":
                _set_limits(emu, command["telegram"])
                conn.send("ok")
            elif command["op"] == "invitations":
                conn.send(await _collect_invitations(emu, users, mailboxes, invitations, command["timeout_s"]))
            elif command["op"] == "attempts":
                conn.send(await _run_workers(emu, users, mailboxes, invitations, command))
    finally:
        mailboxes.stop()
        await emu.stop()


def _set_limits(emu, telegram: bool) -> None:
    from emulator.limits import RateLimits

    emu.set_rate_limits(RateLimits.telegram() if telegram else RateLimits.counting())


async def _collect_invitations(emu, users, mailboxes: Mailboxes, invitations: dict, timeout_s: float) -> dict:
    """Wait until every worker has its invitation (or ``timeout_s``); their arrivals and the rate-limit errors."""
    violations = emu.stats.violations
    first = len(mailboxes.sent_at)
    arrivals: list[float] = []

    async def one(user) -> None:
        message, at = await mailboxes.next(user.id, lambda m: START_BUTTON in str(m.get("reply_markup")),
                                           timeout=timeout_s)
        invitations[user.id] = message
        arrivals.append(at)

    await asyncio.gather(*(one(u) for u in users), return_exceptions=True)
    span = (max(arrivals) - min(arrivals)) if len(arrivals) > 1 else float("nan")
    return {"invited": len(invitations), "invite_s": span, "invite_violations": emu.stats.violations - violations,
            "invite_messages": len(mailboxes.sent_at) - first}


async def _run_workers(emu, users, mailboxes: Mailboxes, invitations: dict, command: dict) -> dict:
    """Every worker runs one attempt: press, answer each poll as it arrives, wait for the result."""
    from broadcasts.quizbank import load_bank

    bank = load_bank()
    window_s, wait_s = command["window_s"], command["wait_s"]
    rng = random.Random(command["seed"])
    before = (emu.stats.violations, emu.stats.global_violations, emu.stats.rejected_429)
    first_sent = len(mailboxes.sent_at)
    start_latency: list[float] = []
    answered: list[str] = []
    replays = 0
    failures: list[str] = []
    began = time.monotonic()

    async def worker(k: int, user) -> None:
        nonlocal replays
        await asyncio.sleep(rng.random() * window_s)
        wrong_at = k % 5 if k % 3 == 0 else -1
        pressed = time.monotonic()
        await emu.press(user, invitations[user.id], START_BUTTON)
        seen: set[str] = set()
        try:
            for number in range(5):
                message, arrived = await mailboxes.next(
                    user.id, lambda m: "poll" in m and m["poll"]["id"] not in seen, timeout=wait_s)
                if number == 0:
                    start_latency.append(arrived - pressed)
                poll = message["poll"]
                seen.add(poll["id"])
                options = _options(bank, poll, number != wrong_at)
                await emu.answer_poll(user, poll["id"], options)
                answered.append(poll["id"])
                if number == 0 and k % 50 == 0:  # a replayed answer: must count once
                    await emu.send_update({"poll_answer": {
                        "poll_id": poll["id"], "user": user.to_json(), "option_ids": options,
                        "option_persistent_ids": [poll["options"][o]["persistent_id"] for o in options]}})
                    replays += 1
            await mailboxes.next(user.id, lambda m: "答题结束" in m.get("text", ""), timeout=wait_s)
        except AssertionError as exc:
            failures.append(f"{user.id}: {exc}")

    await asyncio.gather(*(worker(k, u) for k, u in enumerate(users) if u.id in invitations))
    after = (emu.stats.violations, emu.stats.global_violations, emu.stats.rejected_429)
    sent_at = mailboxes.sent_at[first_sent:]
    return {
        "answered": answered, "replays": replays, "failures": failures, "start_latency": start_latency,
        "finished_s": time.monotonic() - began, "messages": len(sent_at),
        "sent_span_s": (max(sent_at) - min(sent_at)) if len(sent_at) > 1 else float("nan"),
        "over_limits": after[0] - before[0], "over_global": after[1] - before[1],
        "rejected_429": after[2] - before[2], "missed_events": mailboxes.missed,
    }


# --- this process: the bot --------------------------------------------------------------------------------------


class Child:
    """The emulator's process; ``ask`` sends a command and waits (in a thread) for its answer."""

    def __init__(self, workers: int) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_child_main, args=(child, {"workers": workers}), daemon=True)
        self.process.start()
        self.url: str = self.conn.recv()

    def send(self, command: object) -> None:
        self.conn.send(command)

    async def reply(self):
        return await asyncio.to_thread(self.conn.recv)

    async def ask(self, command: object):
        self.send(command)
        return await self.reply()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send("stop")
        self.process.join(timeout=20)
        if self.process.is_alive():
            self.process.kill()


def unit_tree(count: int) -> list[tuple[str, str, str, str | None]]:
    """A small tree of ``count`` units (code, name, level, parent code): a root, up to 3 districts under it and
    the rest as workplaces spread over the districts. Workers join the leaves."""
    tree: list[tuple[str, str, str, str | None]] = [("U0", "市总工会", "市", None)]
    districts = min(3, max(0, count - 1))
    tree += [(f"U{d}", f"第{d}区工会", "区", "U0") for d in range(1, districts + 1)]
    for n in range(count - 1 - districts):
        tree.append((f"W{n}", f"第{n}车间", "车间", f"U{1 + n % districts}"))
    return tree


async def _setup(services, ids: list[int], units: int) -> None:
    """Record and subscribe the workers; with units, a tree and each worker in one of its leaves (through the
    Session, so that the organisation's tallies count them)."""
    from broadcasts import subscriptions
    from core import users as core_users
    from core.db import writing
    from org.models import Membership
    from org.service import add_unit

    # In batches through the write gate, as the bot's own writes go: one transaction of 5,000 workers held
    # SQLite's write lock for over 30 s, and the delivery engine's first claim, waiting in SQLite's busy handler,
    # failed with "database is locked" (retried, the sender down for ~29 s).
    for batch in range(0, len(ids), SETUP_BATCH):
        async with writing(services.sessions) as session:
            for chat_id in ids[batch:batch + SETUP_BATCH]:
                await core_users.record_user(session, chat_id)
                await subscriptions.set_topics(session, chat_id, {"all"})
    if units:
        tree = unit_tree(units)
        async with writing(services.sessions) as session:
            made = {code: await add_unit(session, code, name, level, parent) for code, name, level, parent in tree}
        parents = {parent for *_, parent in tree}
        leaves = [made[code].id for code, *_ in tree if code not in parents]
        for batch in range(0, len(ids), SETUP_BATCH):
            async with writing(services.sessions) as session:
                session.add_all(Membership(chat_id=chat_id, unit_id=leaves[k % len(leaves)])
                                for k, chat_id in enumerate(ids[batch:batch + SETUP_BATCH], start=batch))


async def _invite(child: Child, ids: list[int], database_url: str, send_rate: float, units: int) -> dict:
    """Phase 1: subscribe, create the campaign, send its invitation through the delivery engine."""
    from ankang.runner import running
    from bench.broadcast import _settings
    from broadcasts.library import load_library
    from campaigns.service import create_campaign, draft_from_template, local_day, queue_invitation
    from campaigns.templates import load_templates

    await child.ask({"op": "limits", "telegram": True})
    settings = _settings(child.url, database_url, send_rate)
    async with running(settings, library=load_library(), poll_timeout_s=1) as handle:
        services = handle.services
        await _setup(services, ids, units)
        now = services.clock.now()
        template = load_templates()["safety_month"]
        draft = draft_from_template(template, local_day(now, services.settings.tz))
        draft = replace(draft, rules=replace(draft.rules, questions_per_attempt=5, seconds_per_question=30))
        async with services.sessions() as session, session.begin():
            campaign = await create_campaign(session, draft, services.campaigns.bank, now=now)
            # Before 09:00 of the first day (local time) the invitation waits for 09:00: the bench sends it now,
            # as an admin's 立即发送 would, so that it runs at any hour.
            schedule, _ = await queue_invitation(session, campaign, draft.invitation, now=now, tz=services.settings.tz)
        assert services.broadcasts is not None
        child.send({"op": "invitations", "timeout_s": len(ids) / send_rate * 3 + 60})
        started = time.monotonic()
        await services.broadcasts.send_now(schedule.id, admin_id=None)
        invited = await child.reply()
        invited.update({"campaign_id": campaign.id, "kb": services.kb, "invite_wall_s": time.monotonic() - started})
        return invited


async def _attempts(child: Child, database_url: str, invited: dict, window_s: float, seed: int,
                    telegram_limits: bool, send_rate: float, sql_top: int) -> dict:
    """Phase 2: every worker runs one attempt; then compare what was sent with what was recorded."""
    from sqlalchemy import event, func, select

    from ankang.runner import running
    from bench.broadcast import _settings
    from broadcasts.library import load_library
    from campaigns.models import Attempt, AttemptQuestion, Campaign
    from campaigns.rankings import standings
    from campaigns.service import local_day

    await child.ask({"op": "limits", "telegram": telegram_limits})
    settings = _settings(child.url, database_url, send_rate if telegram_limits else 1000.0)
    wait_s = 1800 if telegram_limits else 120  # under the ceiling an attempt's questions queue for minutes
    async with running(settings, library=load_library(), poll_timeout_s=1, kb=invited["kb"]) as handle:
        services = handle.services
        statements: Counter[str] = Counter()

        trace = os.environ.get("BENCH_SQL_TRACE")
        traced: list[str] = []

        def count(_conn, _cursor, statement: str, parameters, *_args) -> None:
            key = " ".join(statement.split())[:160]
            if trace:
                traced.append(f"{time.monotonic():.3f} {' '.join(statement.split())[:400]} {str(parameters)[:200]}")
            statements[key] += 1

        event.listen(services.engine.sync_engine, "before_cursor_execute", count)
        profile = None
        if os.environ.get("BENCH_PROFILE"):  # where the bot's CPU goes in phase 2: a cProfile dump (its loop's thread)
            import cProfile

            profile = cProfile.Profile(time.thread_time)
            profile.enable()
        # How many updates are handled at once (of the application's limit) and how many wait for a turn: sampled.
        processor = handle.application.update_processor
        semaphore = getattr(processor, "_semaphore", None)
        slots: list[tuple[int, int]] = []

        def waiting() -> int:
            if hasattr(processor, "waiting_updates"):  # bot.updates: its own turns, presses first
                return int(processor.waiting_updates)
            return len(semaphore._waiters or ()) if semaphore is not None else 0

        async def sample() -> None:
            while True:
                slots.append((processor.current_concurrent_updates, waiting()))
                await asyncio.sleep(0.25)

        sampler = asyncio.create_task(sample())
        cpu = time.process_time()
        r = await child.ask({"op": "attempts", "window_s": window_s, "seed": seed, "wait_s": wait_s})
        cpu = time.process_time() - cpu
        sampler.cancel()
        r["slots"] = (processor.max_concurrent_updates,
                      statistics.median(b for b, _ in slots) if slots else float("nan"),
                      sum(b == processor.max_concurrent_updates for b, _ in slots) / max(1, len(slots)),
                      max((w for _, w in slots), default=0))
        if profile is not None:
            profile.disable()
            profile.dump_stats(os.environ["BENCH_PROFILE"])
        event.remove(services.engine.sync_engine, "before_cursor_execute", count)
        if trace:
            Path(trace).write_text("\n".join(traced))
        async with services.sessions() as session:
            rows = (await session.execute(select(AttemptQuestion.poll_id).where(
                AttemptQuestion.chosen.is_not(None)))).scalars().all()
            totals = (await session.execute(select(func.count(), func.coalesce(func.sum(Attempt.answered), 0))
                                            .where(Attempt.campaign_id == invited["campaign_id"]))).one()
            campaign = await session.get(Campaign, invited["campaign_id"])
            assert campaign is not None
            today = local_day(services.clock.now(), services.settings.tz)
            timings = []
            for _ in range(20):
                t = time.perf_counter()
                ranked = await standings(session, campaign, today)
                timings.append(time.perf_counter() - t)
    answered = set(r["answered"])
    recorded = set(rows)
    r.update({
        "sent": len(answered), "recorded_rows": len(rows), "attempts": totals[0],
        "attempts_answered": int(totals[1]), "lost": len(answered - recorded), "extra": len(recorded - answered),
        "duplicate_rows": len(rows) - len(recorded), "start_p50_ms": 1000 * _pct(r["start_latency"], 0.5),
        "start_p99_ms": 1000 * _pct(r["start_latency"], 0.99), "started": len(r["start_latency"]),
        "ranking_ms": 1000 * statistics.median(timings), "ranked": len(ranked.persons),
        "ranked_units": len(ranked.units), "cpu_s": cpu, "statements": sum(statements.values()),
        "statement_top": statements.most_common(sql_top),
    })
    return r


async def run(workers: int, window_s: float, database_url: str, send_rate: float, seed: int,
              telegram_limits: bool = False, units: int = 0, sql_top: int = 0) -> dict:
    child = Child(workers)
    try:
        ids = [WORKER_ID + i for i in range(workers)]
        invited = await _invite(child, ids, database_url, send_rate, units)
        result = await _attempts(child, database_url, invited, window_s, seed, telegram_limits, send_rate, sql_top)
        result.update({k: v for k, v in invited.items() if k != "kb"})
        return result
    finally:
        child.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=5000)
    parser.add_argument("--window", type=float, default=600.0, help="seconds over which the attempts start")
    parser.add_argument("--database-url", default="", help="an empty database (default: SQLite in a temp dir)")
    parser.add_argument("--send-rate", type=float, default=25.0, help="ANKANG_SEND_RATE for the invitation")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--telegram-limits", action="store_true",
                        help="attempts under Telegram's limits (429 beyond 30/s) at --send-rate, not counted only")
    parser.add_argument("--units", type=int, default=0,
                        help="put the workers into the leaves of a tree of this many units (0: in none)")
    parser.add_argument("--sql-top", type=int, default=0, help="print the N SQL statements sent most often")
    args = parser.parse_args(argv)
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        database_url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        r = asyncio.run(run(args.workers, args.window, database_url, args.send_rate, args.seed, args.telegram_limits,
                            args.units, args.sql_top))
    ok = lambda cond: "ok" if cond else "FAIL"  # noqa: E731
    exact = r["lost"] == r["extra"] == r["duplicate_rows"] == 0 and r["attempts_answered"] == r["sent"]
    backend = database_url.split("+")[0].split(":")[0]
    attempts = max(1, r["attempts"])
    rows = [
        ("database", backend),
        ("workers / invited / attempts", f"{args.workers} / {r['invited']} / {r['attempts']}"),
        ("units (workers in the leaves)", f"{args.units}" if args.units else "none"),
        ("invitation: invitations/s", f"{args.workers / r['invite_s']:.1f}/s (ANKANG_SEND_RATE {args.send_rate:g}, "
                                      f"emulator 30/s; {r['invite_violations']} rate-limit errors)"),
        ("attempts started within", f"{args.window:g} s; all done after {r['finished_s']:.0f} s"),
        ("offered load (attempts)", f"{args.workers} × {MESSAGES_PER_ATTEMPT} messages / {args.window:g} s = "
                                    f"{args.workers * MESSAGES_PER_ATTEMPT / args.window:.1f} msg/s against Telegram's "
                                    f"{TELEGRAM_RATE_PER_S}/s (ANKANG_SEND_RATE {args.send_rate:g})"),
        ("messages sent / msg/s", f"{r['messages']} / {r['messages'] / r['sent_span_s']:.1f} msg/s over "
                                  f"{r['sent_span_s']:.0f} s"),
        ("429s" if args.telegram_limits else "past Telegram's limits (counted, not refused)",
         f"{r['rejected_429']} answered 429" if args.telegram_limits else
         f"{r['over_limits']} sends ({r['over_global']} over the 30/s)"),
        ("answers sent (distinct polls) / replays", f"{r['sent']} / {r['replays']}"),
        ("recorded rows / attempts' answered", f"{r['recorded_rows']} / {r['attempts_answered']}"),
        ("lost / extra / double-counted", f"{r['lost']} / {r['extra']} / {r['duplicate_rows']} [{ok(exact)}]"),
        ("attempt start p50 / p99", f"{r['start_p50_ms']:.0f} / {r['start_p99_ms']:.0f} ms "
                                    f"[{ok(r['start_p99_ms'] <= 300)}]"),
        ("leaderboard (standings), median of 20", f"{r['ranking_ms']:.1f} ms over {r['ranked']} persons, "
                                                  f"{r['ranked_units']} units [{ok(r['ranking_ms'] <= 100)}]"),
        ("SQL statements per attempt", f"{r['statements'] / attempts:.1f} (start, 5 answers, result; "
                                       f"every handler's, background loops' too)"),
        ("bot CPU per attempt", f"{1000 * r['cpu_s'] / attempts:.1f} ms ({r['cpu_s']:.0f} s in all; "
                                f"emulator and workers in a child process)"),
        ("updates handled at once (sampled)", "median {1:g} of {0}; all {0} busy {2:.0%} of the time; at most {3} "
                                              "waiting for a turn".format(*r["slots"])),
        ("workers who did not finish", str(len(r["failures"]))
         + (f" ({r['missed_events']} emulator events missed by the harness)" if r["missed_events"] else "")),
    ]
    print(f"\nCampaign at scale: {args.workers} workers, one attempt of 5 polls each")
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    for failure in r["failures"][:5]:
        print(f"  ! {failure}")
    if r["statement_top"]:
        print(f"\nSQL statements sent most often (per attempt, of {r['attempts']}):")
        for statement, n in r["statement_top"]:
            print(f"  {n / attempts:6.2f}  {statement}")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
