"""What a running process keeps for campaigns: the question bank, the templates and the time-out watch (which
also freezes ended campaigns and tells the workers of the certificates that issued)."""
from __future__ import annotations

import asyncio
import logging
from typing import Protocol
from zoneinfo import ZoneInfo

from broadcasts.quizbank import QuestionBank, load_bank
from campaigns.arrivals import Arrivals
from campaigns.attempts import QuestionSender, RulesOfTheDay, TimedOut, deliver, expire_due
from campaigns.rankings import freeze_ended
from campaigns.service import local_day
from campaigns.templates import Template, load_templates
from core.clock import Clock
from core.db import SessionMaker
from core.supervision import Loops
from study.certificates import CertificateNotifier, notify_issued

log = logging.getLogger(__name__)

WATCH_LOOP = "campaign-timeouts"  # its name in services.loops and on /healthz
# Questions time out within this of their open period's end (plus attempts.ANSWER_GRACE_S).
WATCH_INTERVAL_S = 1.0


class CampaignRuntime:
    """``services.campaigns``: the bank and templates loaded once (tests hand in their own bank), and the
    watch that sends the next question when one times out, run by the leader while the bot is up."""

    def __init__(self, bank: QuestionBank | None = None, templates: dict[str, Template] | None = None) -> None:
        self._bank = bank
        self._templates = templates
        self.watch: CampaignWatch | None = None
        # Poll answers received and not yet handled, with their receipt times (the bot stamps them).
        self.arrivals = Arrivals()
        # Today's rules of the campaigns under way, read at their first start of the day.
        self.rules = RulesOfTheDay()

    @property
    def bank(self) -> QuestionBank:
        if self._bank is None:
            self._bank = load_bank()
        return self._bank

    @bank.setter
    def bank(self, bank: QuestionBank) -> None:
        self._bank = bank

    @property
    def templates(self) -> dict[str, Template]:
        if self._templates is None:
            self._templates = load_templates()
        return self._templates


class Sender(QuestionSender, CertificateNotifier, Protocol):
    """What the watch sends: an attempt's next steps and the news of a certificate; the bot implements both."""


class CampaignWatch:
    """Runs ``tick`` every ``interval_s``; ``tick()`` once (tests move the clock and call it)."""

    def __init__(self, sessions: SessionMaker, runtime: CampaignRuntime, sender: Sender, clock: Clock,
                 tz: ZoneInfo, *, loops: Loops, interval_s: float = WATCH_INTERVAL_S) -> None:
        self._sessions, self._runtime, self._sender, self._clock = sessions, runtime, sender, clock
        self._tz, self._loops, self._interval_s = tz, loops, interval_s
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> list[TimedOut]:
        """Time out the questions whose open period is over and send each attempt's next step."""
        now = self._clock.now()
        timed_out = await expire_due(self._sessions, lambda: self._runtime.bank, now=now,
                                     answers_since=self._runtime.arrivals.oldest())
        try:  # a campaign whose last day is over: final results and certificates, once
            async with self._sessions() as session, session.begin():
                await freeze_ended(session, local_day(now, self._tz))
        except Exception:
            log.exception("could not freeze the results of an ended campaign")
        for item in timed_out:
            try:
                await self._sender.send_timeout(item.chat_id, item.number)
                await deliver(self._sessions, self._sender, item.chat_id, item.next, clock=self._clock)
            except Exception:  # one worker's failed send must not hold up the others
                log.exception("could not send the next step of an attempt after a time-out")
        # After the attempts' next steps (those are on a clock): the certificates a freeze issued (here, or
        # when a ranking was shown in the console or the bot) are told to their holders, once.
        try:
            await notify_issued(self._sessions, self._sender, now=now)
        except Exception:
            log.exception("could not tell the workers of their certificates")
        return timed_out

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(
                self._loops.every(WATCH_LOOP, self._interval_s, self.tick, wait_first=True), name=WATCH_LOOP)

    async def stop(self) -> None:
        if self._task is not None:  # a tick under way finishes first (``Loops.every``)
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
