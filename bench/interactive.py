"""Interactive throughput (issue 14, point 7): workers asking questions at a steady offered rate, the whole
bot answering, against the Bot API emulator with Telegram's limits on or off.

    .venv/bin/python -m bench.interactive                       # the rows below (~5 min)
    .venv/bin/python -m bench.interactive --duration 20 --only open --rates 50

The emulator and the workers run in a child process (so the bot's event loop and RSS are its own);
Ankang (``ankang.runner.running``: handlers, knowledge base, outgoing path, SQLite) in this one.
Rows:

* **open**: open loop — question k goes at k / rate seconds to worker k mod ``--workers`` (200), whether
  or not earlier ones were answered (at 50/s each worker asks every 4 s, within 1 message/s per chat),
  for ``--duration`` (60) s, at each of ``--rates``, with the emulator enforcing 30 messages/s overall
  and 1/s per chat (429 beyond) and ANKANG_SEND_RATE at its default 25. Reply latency is measured in
  the emulator from the question's arrival to the reply's (the k-th reply in a chat answers its k-th
  question: one chat's updates are handled in order), p50/p99 over all questions; lost = questions
  with no reply 30 s after the last one; errors = 429s our sending caused.
* **ceiling**: closed loop with the emulator's limits off and ANKANG_SEND_RATE=1000: 200 workers each
  ask again as soon as answered, for ``--duration`` s — the most questions/s this process answers.
* **idle RSS**: ``bench.startup``'s reading of a real ``ankang run`` against ``ankang emulator``.

Every reply is one sendMessage, so with the limits on no offered rate above the bot's send budget
(25/s by default, Telegram's 30/s at most) can keep a bounded latency: the backlog grows by the
difference every second. The table says so next to the measured figures.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench.broadcast import QUESTIONS

WORKER_ID = 400000001
DRAIN_S = 30.0  # after the last question, how long a reply may still come


def _emulator_main(conn, config: dict) -> None:
    asyncio.run(_emulator_async(conn, config))


async def _emulator_async(conn, config: dict) -> None:
    from emulator import Emulator
    from emulator.limits import RateLimits

    limits = RateLimits.telegram() if config["limits"] else RateLimits.off()
    emu = Emulator(rate_limits=limits)
    await emu.start("127.0.0.1", 0)
    users = [emu.user(f"职工{i}", id=WORKER_ID + i) for i in range(config["workers"])]
    conn.send(emu.url)
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command == "stop":
            break
        conn.send(await _run(emu, users, command))
    await emu.stop()


async def _run(emu, users, command: dict) -> dict:
    """Offer questions (open loop at ``rate``, or closed loop), then match replies to questions."""
    ids = {u.id for u in users}
    asked: dict[int, list[float]] = defaultdict(list)  # chat → arrival time of each question
    replied: dict[int, list[float]] = defaultdict(list)  # chat → time of each reply sent to it
    seq = emu.mark()
    stop_watching = asyncio.Event()

    async def watch() -> None:
        """Read the emulator's event log (each event carries its own time) as it grows."""
        nonlocal seq
        while not stop_watching.is_set():
            for event in emu.events_since(seq):
                seq = event.seq
                if event.chat_id in ids:
                    if event.kind == "incoming":
                        asked[event.chat_id].append(event.at)
                    elif event.kind == "sent":
                        replied[event.chat_id].append(event.at)
            await asyncio.sleep(0.05)

    violations_before, sends_before = emu.stats.violations, emu.stats.sends
    watcher = asyncio.create_task(watch())
    duration, started = command["duration"], time.monotonic()
    sent = 0
    if command["mode"] == "open":
        rate = command["rate"]
        total = int(rate * duration)
        for k in range(total):
            delay = started + k / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            user = users[k % len(users)]
            await emu.send_text(user, QUESTIONS[(k // len(users) + k) % len(QUESTIONS)])
            sent += 1
    else:
        async def worker(n: int, user) -> None:
            nonlocal sent
            q = 0
            while time.monotonic() - started < duration:
                message = await emu.send_text(user, QUESTIONS[(n + q) % len(QUESTIONS)])
                sent += 1
                q += 1
                try:
                    await emu.wait_for_message(user, after=message, timeout=DRAIN_S)
                except AssertionError:
                    return
        await asyncio.gather(*(worker(n, u) for n, u in enumerate(users)))
    offered_s = time.monotonic() - started
    # Wait for the replies still due (each chat answered as often as it asked), at most DRAIN_S.
    deadline = time.monotonic() + DRAIN_S
    while time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        if sum(len(v) for v in replied.values()) >= sent:
            break
    await asyncio.sleep(0.3)
    stop_watching.set()
    await watcher
    latencies = []
    extra = 0
    for chat, questions in asked.items():
        replies = replied.get(chat, [])
        latencies += [r - q for q, r in zip(questions, replies, strict=False)]
        extra += max(0, len(replies) - len(questions))
    answered = len(latencies)
    latencies.sort()
    last_reply = max((max(v) for v in replied.values() if v), default=started)

    def pct(p: float) -> float:
        return 1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else float("nan")

    return {
        "questions": sent, "answered": answered, "lost": sent - answered, "extra_messages": extra,
        "offered_per_s": sent / offered_s, "served_per_s": answered / max(1e-9, last_reply - started),
        "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": 1000 * latencies[-1] if latencies else float("nan"),
        "violations": emu.stats.violations - violations_before, "sends": emu.stats.sends - sends_before,
    }


async def _bot_side(url: str, database_url: str, send_rate: float, conn, command: dict) -> dict:
    from ankang.runner import running
    from bench.broadcast import _settings
    from broadcasts.library import load_library

    settings = _settings(url, database_url, send_rate)
    async with running(settings, library=load_library(), poll_timeout_s=1) as handle:
        profile = None
        if os.environ.get("BENCH_PROFILE"):  # where the event loop's time goes while answering: a cProfile dump
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
        cpu = time.process_time()
        conn.send(command)
        result = await asyncio.to_thread(conn.recv)  # the bot answers meanwhile
        result["cpu_s"] = time.process_time() - cpu  # every thread of this process: the bot's CPU time
        result["commits"] = handle.services.writes.commits
        if profile is not None:
            profile.disable()
            profile.dump_stats(os.environ["BENCH_PROFILE"])
        stats = handle.services.outgoing.stats
        result["rate_limited_seen"] = stats.rate_limited
        result["longest_reply_wait_ms"] = 1000 * max(
            (w for p, w in stats.longest_wait_s.items() if p.name != "BROADCAST"), default=0.0)
    return result


def measure(*, limits: bool, send_rate: float, workers: int, command: dict) -> dict:
    ctx = mp.get_context("spawn")
    conn, child = ctx.Pipe()
    process = ctx.Process(target=_emulator_main, args=(child, {"limits": limits, "workers": workers}), daemon=True)
    process.start()
    url = conn.recv()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            database_url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
            result = asyncio.run(_bot_side(url, database_url, send_rate, conn, command))
        conn.send("stop")
    finally:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
    return result


def _table(title: str, rows: list[tuple[str, str]]) -> None:
    print(f"\n{title}")
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of offered load per row")
    parser.add_argument("--rates", default="50,20", help="offered questions/s of the open-loop rows")
    parser.add_argument("--send-rate", type=float, default=25.0, help="ANKANG_SEND_RATE with the limits on")
    parser.add_argument("--only", default="", help="comma-separated: open, ceiling, rss (default all)")
    parser.add_argument("--laws-dir", default=os.environ.get("ANKANG_LAWS_DIR", "../shared/laws"))
    args = parser.parse_args(argv)
    only = set(filter(None, args.only.split(","))) or {"open", "ceiling", "rss"}
    ok = lambda cond: "ok" if cond else "FAIL"  # noqa: E731
    summary: list[tuple[str, str]] = []
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")

    if "open" in only:
        for rate in (float(r) for r in args.rates.split(",")):
            r = measure(limits=True, send_rate=args.send_rate, workers=args.workers,
                        command={"mode": "open", "rate": rate, "duration": args.duration})
            bounded = rate <= args.send_rate
            _table(f"Open loop: {rate:g} questions/s for {args.duration:g} s from {args.workers} workers; emulator "
                   f"30 msg/s overall, 1/s per chat; ANKANG_SEND_RATE={args.send_rate:g}", [
                ("offered / served", f"{r['offered_per_s']:.1f} / {r['served_per_s']:.1f} questions/s"),
                ("answered / lost", f"{r['answered']} / {r['lost']} of {r['questions']} [{ok(r['lost'] == 0)}]"),
                ("reply latency p50 / p99 / max", f"{r['p50_ms']:.0f} / {r['p99_ms']:.0f} / {r['max_ms']:.0f} ms"
                                                  + (f" [{ok(r['p99_ms'] <= 300)}]" if bounded else
                                                     " (offered above the send budget: the queue grows)")),
                ("rate-limit errors caused", f"{r['violations']} of {r['sends']} sends"),
                ("longest wait of a reply for its turn", f"{r['longest_reply_wait_ms']:.0f} ms"),
                ("bot CPU per question", f"{1000 * r['cpu_s'] / max(1, r['answered']):.1f} ms "
                                         f"({r['commits']} statistics commits for {r['answered']} answers)"),
                ("extra messages", str(r["extra_messages"])),
            ])
            summary.append((f"open loop {rate:g} q/s, limits on",
                            f"p99 {r['p99_ms']:.0f} ms | served {r['served_per_s']:.1f}/s | lost {r['lost']} | "
                            f"errors {r['violations']}"))

    if "ceiling" in only:
        r = measure(limits=False, send_rate=1000.0, workers=args.workers,
                    command={"mode": "closed", "duration": args.duration})
        _table(f"Ceiling: {args.workers} workers asking again as soon as answered, {args.duration:g} s; "
               "emulator limits off, ANKANG_SEND_RATE=1000", [
            ("answered", f"{r['answered']} of {r['questions']} ({r['served_per_s']:.1f} questions/s)"),
            ("reply latency p50 / p99", f"{r['p50_ms']:.0f} / {r['p99_ms']:.0f} ms"),
            ("lost", f"{r['lost']} [{ok(r['lost'] == 0)}]"),
            ("bot CPU per question", f"{1000 * r['cpu_s'] / max(1, r['answered']):.1f} ms"),
        ])
        summary.append(("ceiling, limits off", f"{r['served_per_s']:.1f} questions/s | p99 {r['p99_ms']:.0f} ms"))

    if "rss" in only:
        from bench.startup import measure as startup

        r = startup(False, args.laws_dir)
        _table("Idle `ankang run` (long polling, after /start)", [
            ("idle RSS", f"{r['idle_rss_mb']:.1f} MB [{ok(r['idle_rss_mb'] <= 120)}]"),
            ("idle RSS after 50 questions answered", f"{r['asked_rss_mb']:.1f} MB"),
            ("/start answered after", f"{r['start_answered_s']:.1f} s"),
        ])
        summary.append(("idle RSS of ankang run", f"{r['idle_rss_mb']:.1f} MB"))

    print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if summary:
        _table("Summary", summary)


if __name__ == "__main__":
    main()
