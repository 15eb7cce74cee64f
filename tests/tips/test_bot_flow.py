"""The tip flow through the real python-telegram-bot stack against the Bot API emulator."""
from __future__ import annotations

import io
import logging
import re

from PIL import Image
from sqlalchemy import select, text

from bot import tip_messages as msg
from core.model_registry import metadata
from org import service as org
from tests.tips.helpers import has_metadata, photo_with_gps
from tips.models import Tip, TipPhoto

CODE_RE = re.compile(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}")
DESCRIPTION = "三号楼脚手架没有挂安全网，工人在十米高处作业也不系安全带"


async def all_table_text(services, prefix: str = "") -> str:
    """Every column of every row of every table (whose name starts with ``prefix``), stringified
    (bytes decoded leniently)."""
    chunks = []
    async with services.engine.connect() as conn:
        for table in metadata.sorted_tables:
            if not table.name.startswith(prefix):
                continue
            exists = await conn.run_sync(lambda c, name=table.name: c.dialect.has_table(c, name))
            if not exists:
                continue
            for row in (await conn.execute(select(table))).all():
                for value in row:
                    chunks.append(value.decode("latin-1") if isinstance(value, bytes) else str(value))
    return "\n".join(chunks)


async def test_full_flow_is_anonymous_and_strips_photo_metadata(ankang, emulator, make_tipper, caplog):
    caplog.set_level(logging.DEBUG)
    tipper = make_tipper("韩梅梅", username="hanmeimei_1988")
    photos = [photo_with_gps((200, 30, 30)), photo_with_gps((30, 200, 30), size=(80, 60))]
    assert all("gps" in has_metadata(p) for p in photos)
    # The union has units, so the tipper routes the tip to one (issue 12, point 4): the choice is stored,
    # nothing about who made it.
    async with ankang.services.sessions() as session, session.begin():
        unit = await org.add_unit(session, "site3", "城东三号工地项目工会", "基层")

    await tipper.report(description=DESCRIPTION, photos=photos, unit="城东三号工地项目工会（基层）", search="三号工地")
    receipt = await tipper.confirm()
    code = CODE_RE.search(receipt["text"]).group(0)

    async with ankang.services.sessions() as session:
        tip = (await session.execute(select(Tip))).scalar_one()
        stored = (await session.execute(select(TipPhoto).order_by(TipPhoto.id))).scalars().all()
    assert tip.description == DESCRIPTION and tip.category == "construction" and tip.place_type == "site"
    assert tip.location == "城东3号工地" and not tip.urgent and tip.unit_id == unit.id
    assert tip.created_hour.minute == 0 and tip.created_hour.second == 0
    assert [(p.width, p.height) for p in stored] == [(64, 48), (80, 60)]
    for photo in stored:
        assert has_metadata(photo.data) == []
        assert Image.open(io.BytesIO(photo.data)).format == "JPEG"

    # Neither the database nor the logs hold anything that identifies the sender.
    everything = await all_table_text(ankang.services)
    ours = [r for r in caplog.records if not r.name.startswith("emulator")]
    logs = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in ours)
    user = tipper.user
    for trace in (str(user.id), user.username, user.first_name):
        assert trace not in everything, f"{trace!r} found in the database"
        assert trace not in logs, f"{trace!r} found in the logs"
    assert code not in everything and code.replace("-", "") not in everything
    assert any(f"tip {tip.id} submitted" in r.getMessage() for r in ours)


async def test_cancel_leaves_nothing_behind(ankang, emulator, make_tipper):
    tipper = make_tipper()
    await tipper.report(description=DESCRIPTION, photos=[photo_with_gps()])
    reply = await tipper.say("/cancel")
    assert reply["text"] == msg.CANCELLED
    async with ankang.services.sessions() as session:
        assert (await session.execute(text("SELECT COUNT(*) FROM tips"))).scalar_one() == 0
        assert (await session.execute(text("SELECT COUNT(*) FROM tip_photos"))).scalar_one() == 0
    # The draft is gone from memory too: the old confirm button no longer submits anything.
    assert not any("tip_draft" in data for data in ankang.application.user_data.values())


async def test_cancel_button_mid_flow(ankang, emulator, make_tipper):
    tipper = make_tipper()
    await tipper.say("我要举报一个隐患")
    reply = await tipper.press(msg.CANCEL_BUTTON)
    assert reply["text"] == msg.CANCELLED
    assert not any("tip_draft" in data for data in ankang.application.user_data.values())


async def test_idle_draft_is_discarded_with_a_message(ankang_short_ttl, emulator, make_tipper):
    tipper = make_tipper()
    await tipper.say("/report")
    await tipper.press("消防安全")
    await tipper.say("某商场后门")  # a location: now waiting for the description
    notice = await emulator.wait_for_message(tipper.user, lambda m: m.get("text") == msg.TIMED_OUT, timeout=10)
    assert notice["text"] == msg.TIMED_OUT
    assert not any("tip_draft" in data for data in ankang_short_ttl.application.user_data.values())
    async with ankang_short_ttl.services.sessions() as session:
        assert (await session.execute(text("SELECT COUNT(*) FROM tips"))).scalar_one() == 0
