"""Tip domain: receipts, photos, submission, thread, triage and export — plain values, real database.

Receipts cost production's argon2 and refusal delay only in the two tests about them; the rest
pass the suite's cheap ``CHEAP_RECEIPTS``, as bot and web pass ``services.tips.receipt_cost``.
"""
from __future__ import annotations

import asyncio
import csv
import io
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import argon2
import pytest
from PIL import Image
from sqlalchemy import select

from core.models import AuditEntry
from tests.conftest import CHEAP_RECEIPTS
from tests.tips.helpers import black_png, has_metadata, photo_with_gps
from tips import receipts
from tips.models import AUTHOR_LABELS, EVENT_KIND_LABELS, STATUS_LABELS, Author, EventKind, TipStatus, parse_status
from tips.photos import PhotoRejected, sanitize
from tips.ratelimit import SlidingWindowLimiter, TokenBucket
from tips.receipts import PRODUCTION_COST
from tips.runtime import TipsRuntime
from tips.service import (
    ReceiptInvalid,
    TipDraft,
    TipInvalid,
    TransitionNotAllowed,
    add_followup,
    allowed_transitions,
    change_status,
    export_tips,
    find_by_receipt,
    get_tip,
    list_tips,
    reply,
    submit_tip,
)

NOW = datetime(2026, 1, 20, 9, 47, 13, tzinfo=UTC)


def draft(**overrides) -> TipDraft:
    values = dict(category="construction", place_type="site", location="某工地3号楼",
                  description="脚手架没有安全网，工人不系安全带高处作业", urgent=False, photos=[])
    values.update(overrides)
    return TipDraft(**values)


def test_receipt_code_shape_and_entropy():
    code = receipts.new_code()
    groups = code.split("-")
    assert [len(g) for g in groups] == [4, 4, 4, 4]
    assert set("".join(groups)) <= set(receipts.ALPHABET)
    assert len(set(receipts.ALPHABET)) ** receipts.CODE_LENGTH >= 2**80
    assert not set("01OI") & set(receipts.ALPHABET)
    assert len({receipts.new_code() for _ in range(200)}) == 200


@pytest.mark.parametrize("typed", ["k7qf 2m9d xr4t pb6n", "K7QF2M9DXR4TPB6N", "Ｋ７ＱＦ－２Ｍ９Ｄ－ＸＲ４Ｔ－ＰＢ６Ｎ"])
def test_receipt_normalisation_accepts_how_people_type_it(typed):
    assert receipts.normalize(typed) == "K7QF2M9DXR4TPB6N"


@pytest.mark.parametrize("bad", ["", "K7QF-2M9D", "K7QF-2M9D-XR4T-PB6O", "K7QF-2M9D-XR4T-PB6N-AAAA"])
def test_malformed_receipts_are_refused(bad):
    with pytest.raises(receipts.ReceiptInvalid):
        receipts.normalize(bad)


def test_receipt_hash_is_salted_argon2id():
    """At production's cost, which stays the default: argon2id, t=3, m=64 MiB, p=4."""
    assert TipsRuntime().receipt_cost == PRODUCTION_COST
    code = receipts.new_code()
    first, second = receipts.hash_code(code), receipts.hash_code(code)
    assert first.startswith("$argon2id$") and first != second
    assert argon2.extract_parameters(first) == argon2.Parameters(
        type=argon2.Type.ID, version=19, salt_len=16, hash_len=32, time_cost=3, memory_cost=64 * 1024, parallelism=4)
    assert receipts.verify(first, code) and receipts.verify(second, code.lower())
    assert not receipts.verify(first, receipts.new_code())


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_photos_are_reencoded_without_metadata(fmt):
    dirty = photo_with_gps(fmt=fmt)
    if fmt == "JPEG":
        assert "gps" in has_metadata(dirty)
    clean = sanitize(dirty)
    assert has_metadata(clean.data) == []
    assert Image.open(io.BytesIO(clean.data)).format == "JPEG"
    assert (clean.width, clean.height) == (64, 48)


@pytest.mark.parametrize("data, reason", [
    (b"", "not_image"),
    (b"%PDF-1.4 not an image at all", "not_image"),
    (b"\xff\xd8\xff" + b"\x00" * 100, "not_image"),
    (b"x" * (10 * 1024 * 1024 + 1), "too_large"),
])
def test_bad_uploads_are_rejected(data, reason):
    with pytest.raises(PhotoRejected) as err:
        sanitize(data)
    assert err.value.reason == reason


def test_decompression_bomb_is_rejected():
    with pytest.raises(PhotoRejected) as err:
        sanitize(black_png(20000, 20000))  # tiny file, 400 megapixels
    assert err.value.reason == "too_many_pixels"


def test_gif_is_not_accepted():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    with pytest.raises(PhotoRejected):
        sanitize(out.getvalue())


def test_sliding_window_and_bucket():
    t = [0.0]
    limiter = SlidingWindowLimiter(2, 60, now=lambda: t[0])
    assert limiter.hit("a") and limiter.hit("a") and not limiter.hit("a")
    assert limiter.hit("b")
    assert limiter.retry_after_s("a") == 60
    t[0] = 61
    assert limiter.hit("a")
    bucket = TokenBucket(2, 1, now=lambda: t[0])
    assert bucket.take() and bucket.take() and not bucket.take()
    t[0] += 1
    assert bucket.take()


async def test_submit_stores_coarse_time_and_only_a_hash(services):
    async with services.sessions() as s, s.begin():
        submitted = await submit_tip(s, draft(photos=[sanitize(photo_with_gps())]), now=NOW, cost=CHEAP_RECEIPTS)
    async with services.sessions() as s:
        tip = await get_tip(s, submitted.tip_id)
    assert tip.created_hour == datetime(2026, 1, 20, 9, tzinfo=UTC)
    assert tip.status == TipStatus.NEW and len(tip.photos) == 1 and len(tip.events) == 1
    assert submitted.receipt_code not in tip.receipt_hash
    assert receipts.normalize(submitted.receipt_code) not in tip.receipt_hash
    assert tip.receipt_hash.startswith("$argon2id$")


@pytest.mark.parametrize("field, value, error", [
    ("description", "太短了", "description_short"),
    ("description", "长" * 2001, "description_long"),
    ("category", "nope", "category"),
    ("place_type", "nope", "place_type"),
    ("urgent", None, "urgent"),
])
async def test_invalid_drafts_are_refused(services, field, value, error):
    async with services.sessions() as s, s.begin():
        with pytest.raises(TipInvalid) as err:
            await submit_tip(s, draft(**{field: value}), now=NOW, cost=CHEAP_RECEIPTS)
    assert err.value.field == error


async def test_receipt_finds_the_tip_and_wrong_codes_are_refused_alike(services):
    """Every wrong code — well-formed or not — is refused after production's fixed delay, 0.6 s."""
    async with services.sessions() as s, s.begin():
        first = await submit_tip(s, draft(), now=NOW, cost=CHEAP_RECEIPTS)
        second = await submit_tip(s, draft(description="配电箱门敞开，电线裸露在外面"), now=NOW, cost=CHEAP_RECEIPTS)
    async with services.sessions() as s:
        assert (await find_by_receipt(s, first.receipt_code)).id == first.tip_id
        assert (await find_by_receipt(s, second.receipt_code.lower().replace("-", " "))).id == second.tip_id

    async def refusal_takes(wrong: str) -> float:
        async with services.sessions() as s:
            started = time.monotonic()
            with pytest.raises(ReceiptInvalid):
                await find_by_receipt(s, wrong)  # production's delay: the default
            return time.monotonic() - started

    assert PRODUCTION_COST.refusal_s == 0.6
    waits = await asyncio.gather(*(refusal_takes(wrong) for wrong in (receipts.new_code(), "hello", "")))
    assert min(waits) >= 0.6


async def test_status_reply_followup_and_audit(services):
    async with services.sessions() as s, s.begin():
        tip_id = (await submit_tip(s, draft(urgent=True), now=NOW, cost=CHEAP_RECEIPTS)).tip_id
    assert allowed_transitions(TipStatus.NEW)[0] == TipStatus.ACCEPTED
    async with services.sessions() as s, s.begin():
        await change_status(s, tip_id, TipStatus.ACCEPTED, "已转交安监部门", admin_id=42, now=NOW)
        await reply(s, tip_id, "请问是哪个班组？", admin_id=42, now=NOW)
        await add_followup(s, tip_id, "是二班", [sanitize(photo_with_gps())], now=NOW)
    async with services.sessions() as s, s.begin():
        with pytest.raises(TransitionNotAllowed):
            await change_status(s, tip_id, TipStatus.NEW, "", admin_id=42, now=NOW)
        await change_status(s, tip_id, TipStatus.CLOSED, "已整改完毕", admin_id=42, now=NOW)
    async with services.sessions() as s, s.begin():
        with pytest.raises(TransitionNotAllowed):
            await change_status(s, tip_id, TipStatus.REJECTED, "", admin_id=42, now=NOW)
    async with services.sessions() as s:
        tip = await get_tip(s, tip_id)
        audit = (await s.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars().all()
    assert [e.text for e in tip.events] == ["", "已转交安监部门", "请问是哪个班组？", "是二班", "已整改完毕"]
    assert len(tip.events[3].photos) == 1 and tip.status == TipStatus.CLOSED
    assert [(a.admin_id, a.action, a.target) for a in audit] == [
        (42, "tip.status", f"tip:{tip_id}"), (42, "tip.reply", f"tip:{tip_id}"), (42, "tip.status", f"tip:{tip_id}"),
    ]


async def test_statuses_are_read_back_as_the_enum_with_one_label_each(services):
    async with services.sessions() as s, s.begin():
        tip_id = (await submit_tip(s, draft(), now=NOW)).tip_id
        await change_status(s, tip_id, "accepted", "已转交安监部门", admin_id=42, now=NOW)  # a code, as posted
        with pytest.raises(TransitionNotAllowed):
            await change_status(s, tip_id, "finished", "", admin_id=42, now=NOW)
    async with services.sessions() as s:
        tip = await get_tip(s, tip_id)
    assert tip.status is TipStatus.ACCEPTED and tip.status_label == tip.status.label == "已受理"
    assert [e.status for e in tip.events] == [TipStatus.NEW, TipStatus.ACCEPTED]
    assert [e.status_label for e in tip.events] == ["待受理", "已受理"]
    assert {s: s.label for s in TipStatus} == STATUS_LABELS and len(set(STATUS_LABELS.values())) == len(TipStatus)
    assert parse_status("closed") is TipStatus.CLOSED and parse_status("已办结") is None and parse_status(None) is None


async def test_thread_events_are_read_back_as_kinds_and_authors_with_one_label_each(services):
    async with services.sessions() as s, s.begin():
        tip_id = (await submit_tip(s, draft(), now=NOW)).tip_id
        await change_status(s, tip_id, TipStatus.ACCEPTED, "", admin_id=42, now=NOW)
    async with services.sessions() as s:
        tip = await get_tip(s, tip_id)
    assert all(isinstance(e.kind, EventKind) and isinstance(e.author, Author) for e in tip.events)
    assert [(e.kind, e.author) for e in tip.events] == [
        (EventKind.SUBMITTED, Author.TIPPER), (EventKind.STATUS, Author.UNION),
    ]
    assert [(e.kind.label, e.author.label) for e in tip.events] == [("提交举报", "举报人"), ("状态变更", "工会")]
    assert {k: k.label for k in EventKind} == EVENT_KIND_LABELS and {a: a.label for a in Author} == AUTHOR_LABELS
    assert len(set(EVENT_KIND_LABELS.values())) == len(EventKind)


def test_bot_and_web_never_spell_a_tip_status_code():
    """They compare TipStatus members and show ``status.label``: a raw 'closed' in a handler or template drifts."""
    repo = Path(__file__).resolve().parents[2]
    codes = "|".join(s.value for s in TipStatus)
    literal = re.compile(rf"""(['"])({codes})\1""")
    found = [
        f"{path.relative_to(repo)}: {match.group(0)}"
        for package in ("bot", "web", "ankang")
        for path in sorted((repo / package).rglob("*"))
        if path.suffix in (".py", ".html")
        for match in literal.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


async def test_list_filters_and_pages(services):
    async with services.sessions() as s, s.begin():
        for i in range(5):
            await submit_tip(s, draft(category="fire" if i % 2 else "construction", urgent=i == 3), now=NOW,
                             cost=CHEAP_RECEIPTS)
    async with services.sessions() as s, s.begin():
        page = await list_tips(s, limit=2)
        assert page.total == 5 and page.has_next and page.tips[0].urgent
        assert (await list_tips(s, category="fire")).total == 2
        assert (await list_tips(s, urgent=True)).total == 1
        await change_status(s, page.tips[0].id, TipStatus.REJECTED, "重复举报", admin_id=1, now=NOW,
                            reason="duplicate")
    async with services.sessions() as s:
        assert (await list_tips(s)).total == 4
        assert (await list_tips(s, status=TipStatus.REJECTED)).total == 1


async def test_export_writes_csv_and_clean_photos(services, tmp_path):
    async with services.sessions() as s, s.begin():
        tip_id = (await submit_tip(s, draft(photos=[sanitize(photo_with_gps()), sanitize(photo_with_gps())]),
                                   now=NOW, cost=CHEAP_RECEIPTS)).tip_id
    async with services.sessions() as s, s.begin():
        result = await export_tips(s, tmp_path / "out", admin_id=7)
    assert result.tips == 1 and result.photos == 2
    with open(result.csv_path, newline="", encoding="utf-8-sig") as exported_csv:
        rows = list(csv.reader(exported_csv))
    assert rows[1][0] == str(tip_id) and rows[1][2] == "建筑施工" and rows[1][3] == "建筑工地"
    for name in rows[1][8].split():
        assert has_metadata((tmp_path / "out" / "photos" / name).read_bytes()) == []
    async with services.sessions() as s:
        assert (await s.execute(select(AuditEntry.action))).scalars().all() == ["tip.export"]


async def test_migration_t001_matches_the_models(services):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from core.model_registry import metadata

    def diff(conn):
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)

    async with services.engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert [c for c in changes if "tip" in repr(c)] == []
