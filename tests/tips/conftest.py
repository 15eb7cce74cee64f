"""Fixtures for the tips tests: Ankang with a short draft timeout, and a tipper who walks the flow."""
from __future__ import annotations

import pytest

from bot import tip_messages as msg
from tests.conftest import QUICK_CHAT_PACE


@pytest.fixture
async def ankang_short_ttl(make_settings, emulator, shared_kb, library, bank, tips_runtime):
    """Ankang whose tip drafts expire after half a second of idleness."""
    from ankang.runner import running

    async with running(make_settings(telegram_api_url=emulator.url, tip_draft_ttl_s=0.5), poll_timeout_s=1,
                       kb=shared_kb, library=library, bank=bank, tips=tips_runtime,
                       chat_pace=QUICK_CHAT_PACE) as handle:
        yield handle


class Tipper:
    """Drives the report flow for one emulated user; each step waits for the bot's answer."""

    def __init__(self, emu, user) -> None:
        self.emu, self.user = emu, user
        self.last = None
        self.unit_question: dict | None = None

    async def say(self, text: str) -> dict:
        sent = await self.emu.send_text(self.user, text)
        self.last = await self.emu.wait_for_message(self.user, after=sent)
        return self.last

    async def press(self, button: str, message: dict | None = None) -> dict:
        mark = self.emu.mark()
        await self.emu.press(self.user, message or self.last, button)
        self.last = await self.emu.wait_for_message(self.user, since=mark)
        return self.last

    async def photo(self, data: bytes) -> dict:
        mark = self.emu.mark()
        await self.emu.send_photo(self.user, data)
        self.last = await self.emu.wait_for_message(self.user, since=mark)
        return self.last

    async def report(self, *, description: str, photos: list[bytes] = (), urgent: bool = False,
                     category: str = "建筑施工", place: str = "建筑工地", location: str | None = "城东3号工地",
                     unit: str | None = None, search: str | None = None) -> dict:
        """Walk the whole flow up to the preview; return the preview message.

        ``unit``: the union has units, so the flow asks which one the tip goes to: press the button
        with this text (after typing ``search``, when given, to find it)."""
        first = await self.say("/report")
        assert "匿名举报" in first["text"]
        await self.press(category)
        await self.press(place)
        if location is None:
            await self.press(msg.SKIP_BUTTON)
        else:
            await self.say(location)
        await self.say(description)
        for data in photos:
            await self.photo(data)
        await self.press(msg.DONE_BUTTON if photos else msg.SKIP_BUTTON)
        assert "紧急情况" in self.last["text"]
        await self.press(msg.YES_URGENT_BUTTON if urgent else msg.NOT_URGENT_BUTTON)
        if urgent:
            assert "119" in self.last["text"]
            wanted = "交给哪个工会" if unit is not None else "请核对"
            await self.emu.wait_for_message(self.user, lambda m: wanted in m.get("text", ""), after=self.last)
            self.last = self.emu.last_message(self.user)
        if unit is not None:
            assert "交给哪个工会" in self.last["text"], self.last["text"]
            if search is not None:
                await self.say(search)
            self.unit_question = dict(self.last)  # as asked: pressing a unit edits it into the answer
            await self.press(unit)
        assert "请核对" in self.last["text"]
        return self.last

    async def confirm(self) -> dict:
        """Press 确认提交 and return the receipt message."""
        mark = self.emu.mark()
        await self.emu.press(self.user, self.last, msg.CONFIRM_BUTTON)
        self.last = await self.emu.wait_for_message(self.user, lambda m: "回执码" in m.get("text", ""), since=mark)
        return self.last


@pytest.fixture
def make_tipper(emulator):
    def make(first_name: str = "李雷", username: str | None = "lilei_worker") -> Tipper:
        return Tipper(emulator, emulator.user(first_name, username=username))

    return make
