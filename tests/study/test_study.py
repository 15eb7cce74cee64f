"""学时 credits, the hours report and its Excel export, and certificates (domain, real database)."""
from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from broadcasts.library import load_library
from broadcasts.quiz import anonymous_name, set_name_consent
from core import users
from org import service as org
from study import certificates as certs
from study import service as study
from study.excel import hours_xlsx
from study.models import Certificate, StudyCredit, StudySource

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 00:30 on 1 December in Shanghai, still November in UTC


async def test_a_double_press_counts_once(services):
    async with services.sessions() as s, s.begin():
        await users.record_user(s, 501)
        first = await study.credit(s, 501, StudySource.LESSON, "fire-extinguisher", 4, title="灭火器")
        again = await study.credit(s, 501, StudySource.LESSON, "fire-extinguisher", 4, title="灭火器")
        quiz = await study.credit(s, 501, StudySource.QUIZ, "fire-extinguisher", 1)
    assert (first.minutes, first.total, first.new) == (4, 4, True)
    assert (again.minutes, again.total, again.new) == (0, 4, False)
    assert quiz.total == 5
    async with services.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(StudyCredit)) == 2


async def test_two_concurrent_credits_of_the_same_thing_count_once(services):
    async with services.sessions() as s, s.begin():
        await users.record_user(s, 502)

    async def press() -> int:
        async with services.sessions() as s, s.begin():
            return (await study.credit(s, 502, StudySource.LESSON, "height-work", 3)).minutes

    results = []
    for outcome in await asyncio.gather(press(), press(), return_exceptions=True):
        # On SQLite one writer waits for the other; on PostgreSQL the loser's insert meets the unique key.
        results.append(outcome if isinstance(outcome, int) else 0)
    async with services.sessions() as s:
        assert await study.total_minutes(s, 502) == 3
    assert sorted(results) == [0, 3]


@pytest.mark.parametrize("minutes, ref", [(0, "x"), (-5, "x"), (601, "x"), (3, ""), (3, "r" * 65)])
async def test_nonsense_credits_are_refused(services, minutes, ref):
    async with services.sessions() as s, s.begin():
        await users.record_user(s, 503)
        with pytest.raises(study.StudyError):
            await study.credit(s, 503, StudySource.LESSON, ref, minutes)


async def test_campaigns_credit_an_attempt_once_and_a_milestone_issues_one_certificate(services):
    async with services.sessions() as s, s.begin():
        await users.record_user(s, 504)
        await set_name_consent(s, 504, "李师傅")
        done = await study.credit_attempt(s, 504, "attempt:17", 45, title="安全生产月知识竞赛")
        assert done.certificate is None
        crossed = await study.credit_attempt(s, 504, "attempt:18", 20)
        assert crossed.total == 65 and crossed.certificate is not None
        again = await study.credit_attempt(s, 504, "attempt:18", 20)
        assert again.minutes == 0 and again.certificate is None
        cert = crossed.certificate
        assert cert.holder_name == "李师傅" and cert.chat_id == 504 and "60 分钟" in cert.title
        # The same reason again gives back the same certificate.
        same = await certs.issue_certificate(s, "李师傅", None, cert.title, cert.reason_ref, chat_id=504)
        assert same.id == cert.id
    async with services.sessions() as s:
        mine = await study.my_study(s, 504, SHANGHAI)
        assert mine.total == 65 and [c.code for c in mine.certificates] == [cert.code]
        assert mine.next_milestone == 180


async def test_my_study_sums_by_month_in_local_time(services):
    async with services.sessions() as s, s.begin():
        await users.record_user(s, 505)
        await study.credit(s, 505, StudySource.LESSON, "a", 3, now=T0 - timedelta(days=40))
        await study.credit(s, 505, StudySource.LESSON, "b", 4, now=T0)  # 2026-12-01 in Shanghai
        await study.credit(s, 505, StudySource.QUIZ, "b", 1, now=T0 + timedelta(hours=1))
    async with services.sessions() as s:
        mine = await study.my_study(s, 505, SHANGHAI)
    assert [(m.month, m.minutes) for m in mine.months] == [("2026-12", 5), ("2026-10", 3)]
    assert [r.ref for r in mine.recent][:2] == ["b", "b"] and mine.total == 8


async def _tree_with_learners(services):
    async with services.sessions() as s, s.begin():
        city = await org.add_unit(s, "city", "示范市总工会", "市")
        plant = await org.add_unit(s, "plant", "机械厂工会", "基层", parent_code="city")
        team = await org.add_unit(s, "team1", "一车间班组", "班组", parent_code="plant")
        other = await org.add_unit(s, "other", "另一个区", "区县")
        for chat_id, unit, name in ((601, plant, "王师傅"), (602, team, None), (603, other, "=HYPERLINK(1)"),
                                    (604, team, None)):
            await users.record_user(s, chat_id)
            await org.join(s, chat_id, unit)
            if name:
                await set_name_consent(s, chat_id, name)
        await study.credit(s, 601, StudySource.LESSON, "a", 5, now=T0)
        await study.credit(s, 602, StudySource.LESSON, "a", 3, now=T0)
        await study.credit(s, 602, StudySource.QUIZ, "a", 1, now=T0)
        await study.credit(s, 603, StudySource.LESSON, "a", 7, now=T0)
        await study.credit(s, 601, StudySource.LESSON, "old", 9, now=T0 - timedelta(days=90))  # outside the period
        return city, plant, team, other


async def test_hours_report_by_worker_and_unit_within_a_subtree(services):
    city, plant, team, other = await _tree_with_learners(services)
    async with services.sessions() as s:
        report = await study.hours_report(s, T0 - timedelta(days=7), T0 + timedelta(days=1), city.id)
    assert [(w.name, w.unit_name, w.minutes, w.items) for w in report.workers] == [
        ("王师傅", "机械厂工会", 5, 1), (anonymous_name(602), "一车间班组", 4, 2)]
    assert [(u.name, u.depth, u.members, u.learners, u.minutes, u.rollup_minutes) for u in report.units] == [
        ("示范市总工会", 0, 0, 0, 0, 9), ("机械厂工会", 1, 1, 1, 5, 9), ("一车间班组", 2, 2, 1, 4, 4)]
    assert report.total_minutes == 9


async def test_the_excel_export_holds_display_names_only(services):
    await _tree_with_learners(services)
    async with services.sessions() as s:
        report = await study.hours_report(s, T0 - timedelta(days=7), T0 + timedelta(days=1))
    book = load_workbook(io.BytesIO(hours_xlsx(report, SHANGHAI)))
    assert book.sheetnames == ["个人学时", "单位学时"]
    people = [[c.value for c in row] for row in book["个人学时"].iter_rows()]
    assert people[1] == ["姓名", "所属单位", "学时（分钟）", "学习次数", "最近学习"]
    assert [row[:4] for row in people[2:]] == [
        ["=HYPERLINK(1)", "另一个区", 7, 1], ["王师傅", "机械厂工会", 5, 1], [anonymous_name(602), "一车间班组", 4, 2]]
    assert book["个人学时"]["A3"].data_type == "s"  # a name typed as a formula stays text
    units = [[c.value for c in row] for row in book["单位学时"].iter_rows(min_row=3)]
    assert [row[0].strip("　") for row in units] == ["示范市总工会", "机械厂工会", "一车间班组", "另一个区"]
    everything = " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None)
    for chat_id in (601, 602, 603, 604):
        assert str(chat_id) not in everything


@pytest.mark.parametrize("typed, expected", [
    ("ABCDE-FGHJK", "ABCDEFGHJK"), (" abcde fghjk ", "ABCDEFGHJK"), ("0OIL1-23456", "0011123456"),
    ("", None), (None, None), ("ABCDEFGHJ", None), ("ABCDE-FGHJU", None), ("X" * 5000, None),
    ("ABCDE\x00FGHJK", None), ("'; DROP TABLE certificates; --", None), ("证书证书证书证书证书", None),
])
def test_typed_codes_are_normalised_or_refused(typed, expected):
    assert certs.normalise_code(typed) == expected


def test_codes_are_random_and_typable():
    codes = {certs.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 10 and set(c) <= set(certs.CODE_ALPHABET) for c in codes)
    assert not set("ILOU") & set(certs.CODE_ALPHABET)


async def test_a_unit_certificate_is_verified_by_its_code_and_renders_with_the_font_embedded(services):
    async with services.sessions() as s, s.begin():
        unit = await org.add_unit(s, "plant", "机械厂工会", "基层")
        cert = await certs.issue_certificate(s, "机械厂工会", unit.id, "2026年安全生产月知识竞赛 团体一等奖",
                                             "campaign:1:unit", now=T0)
        assert cert.chat_id is None
    async with services.sessions() as s:
        found = await certs.verify(s, certs.format_code(cert.code).lower())
        assert found.valid and found.certificate.holder_name == "机械厂工会"
        assert not (await certs.verify(s, "ZZZZZ-ZZZZZ")).valid
    pdf = await asyncio.to_thread(certs.render_pdf, cert, verify_url="https://ankang.example/verify", tz=SHANGHAI)
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    for expected in ("机械厂工会", "团体一等奖", certs.format_code(cert.code), "2026年12月01日",
                     "https://ankang.example/verify"):
        assert expected in text
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = [f.get_object() for f in fonts.values() if "NotoSansCJK" in str(f.get_object()["/BaseFont"])]
    assert embedded, fonts
    descendant = embedded[0]["/DescendantFonts"][0].get_object() if "/DescendantFonts" in embedded[0] else embedded[0]
    assert "/FontFile2" in descendant["/FontDescriptor"]  # the glyphs travel with the file


async def test_certificates_refuse_empty_or_overlong_names(services):
    async with services.sessions() as s, s.begin():
        for name, title in (("", "x"), ("  ", "x"), ("名" * 65, "x"), ("某人", ""), ("某人", "长" * 101)):
            with pytest.raises(certs.CertificateError):
                await certs.issue_certificate(s, name, None, title)
        assert await s.scalar(select(func.count()).select_from(Certificate)) == 0


def test_lessons_give_study_minutes_defaulting_to_their_reading_time():
    library = load_library()
    newhire = library.get("newhire-01-company")
    assert newhire.minutes == 5 and newhire.study_minutes == 5
    plain = library.get("fire-extinguisher")
    assert plain.minutes == 0 and plain.study_minutes == plain.reading_minutes


def test_each_render_embeds_the_glyphs_of_its_own_text():
    """reportlab keeps the first font registered under a name: a second certificate must not be drawn
    with the first one's subset (its characters came out blank)."""
    first = Certificate(code="AAAAA11111", holder_name="甲乙丙", unit_id=None, chat_id=None, title="第一张",
                        issued_at=T0)
    second = Certificate(code="BBBBB22222", holder_name="赵钱孙李", unit_id=None, chat_id=None, title="完全不同的字",
                         issued_at=T0)
    for cert in (first, second, first):
        text = PdfReader(io.BytesIO(certs.render_pdf(cert, tz=SHANGHAI))).pages[0].extract_text()
        assert cert.holder_name in text and cert.title in text and "\x00" not in text


async def test_a_milestone_reached_by_two_credits_at_once_is_still_certified(services):
    """Each credit sees only its own minutes when both run at once (50 + 5 + 5 on two devices): the next
    credit notices the milestone that was passed and issues its certificate, once."""
    async with services.sessions() as s, s.begin():
        await users.record_user(s, 506)
        await study.credit(s, 506, StudySource.ATTEMPT, "base", 50)
        # What two concurrent credits leave behind: rows past the milestone and no certificate.
        s.add_all([StudyCredit(chat_id=506, source=StudySource.LESSON, ref=ref, minutes=5) for ref in ("a", "b")])
    async with services.sessions() as s, s.begin():
        late = await study.credit(s, 506, StudySource.QUIZ, "a", 1)
        again = await study.credit(s, 506, StudySource.QUIZ, "b", 1)
    assert late.total == 61 and late.certificate is not None and "60 分钟" in late.certificate.title
    assert again.certificate is None


class RecordingNotifier:
    """Records the news sent; slow enough that two sweeps at once overlap."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send_certificate(self, chat_id: int, cert: Certificate) -> None:
        await asyncio.sleep(0)
        self.sent.append((chat_id, cert.title))


async def test_issued_certificates_are_told_once_and_offered_ones_not_again(services):
    """A person's certificate nobody offered (a campaign's award, a milestone reached by a campaign attempt) is
    told by the sweep once, even by two sweeps at once; a milestone offered by the bot at once, a unit's and a
    name-only one are never told by it."""
    async with services.sessions() as s, s.begin():
        for chat in (601, 602, 603):
            await users.record_user(s, chat)
        unit = await org.add_unit(s, "plant", "一厂工会")
        await certs.issue_certificate(s, "工友甲", None, "「竞赛」参赛证书", "campaign:1:finish", chat_id=601, now=T0)
        await certs.issue_certificate(s, "一厂工会", unit.id, "「竞赛」优胜单位", "campaign:1:unit:1", now=T0)
        await certs.issue_certificate(s, "某人", None, "手工颁发", None, now=T0)
        offered = await study.credit(s, 602, StudySource.LESSON, "big", 60, now=T0)  # the bot offers it
        by_attempt = await study.credit_attempt(s, 603, "attempt:9", 60, title="竞赛", now=T0)
    assert offered.certificate is not None and by_attempt.certificate is not None
    notifier = RecordingNotifier()
    told = await asyncio.gather(*(certs.notify_issued(services.sessions, notifier, now=T0) for _ in range(2)))
    assert sorted(notifier.sent) == [(601, "「竞赛」参赛证书"), (603, by_attempt.certificate.title)]
    assert sorted(told[0] + told[1]) == sorted({i for ids in told for i in ids})  # no id told by both
    assert await certs.notify_issued(services.sessions, notifier, now=T0) == []  # nothing left
