"""The FAQ console as a managed knowledge base: two-person review, the nearest-entries warning, bundled
entries edited and disabled here, the list's search and filters — over the real web server."""
from __future__ import annotations

import re

import pytest
from aiohttp import ClientSession, CookieJar

from core.admins import add_admin
from knowledge.faq_admin import bundled_entries
from knowledge.statutes import load_corpus
from tests.conftest import ADMIN_ID
from tests.knowledge.conftest import FIXTURES, build_kb
from tests.web.conftest import http_log_in, log_in

SECOND_ADMIN = 900002
QUESTION = "叉车司机每天上班前要不要点检车辆"
ANSWER = "要检查。叉车属于特种设备，使用单位要经常性维护保养、定期自行检查并做好记录。"
BUNDLED_ID = "core-gap-001"


@pytest.fixture
def settings(make_settings):
    return make_settings(faq_review="two-person")


@pytest.fixture
def kb(services, laws_dir):
    """A knowledge base of this test's own (these tests change it), with one bundled entry."""
    services.kb = kb = build_kb(load_corpus(laws_dir), FIXTURES)
    kb.add_faq(bundled_entries()[BUNDLED_ID])
    return kb


async def test_a_draft_is_published_by_a_second_admin_only(services, kb, admin_http, web_url):
    async with services.sessions() as s, s.begin():
        await add_admin(s, SECOND_ADMIN, "审核员")
    form = {"q": QUESTION, "a": ANSWER, "law": "特种设备安全法", "article": "39"}
    async with await admin_http.post("/admin/knowledge/faq", form) as response:
        assert response.status == 303 and "faq_drafted" in response.headers["Location"]
        faq_id = re.search(r"/faq/(web-[0-9a-f]{8})/history", response.headers["Location"]).group(1)
    assert kb.entry(faq_id) is None
    async with await admin_http.get("/admin/knowledge") as response:
        assert "待审核的 FAQ 草稿" in await response.text()
    async with await admin_http.post(f"/admin/knowledge/faq/{faq_id}/publish") as response:
        assert response.status == 403 and "另一位管理员" in await response.text()
    assert kb.entry(faq_id) is None
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        second = await http_log_in(http, web_url, services.settings, services.clock.now(), SECOND_ADMIN)
        async with await second.post(f"/admin/knowledge/faq/{faq_id}/publish") as response:
            assert response.status == 303 and "faq_publish" in response.headers["Location"]
        async with await second.post(f"/admin/knowledge/faq/{faq_id}/publish") as response:  # pressed twice
            assert response.status == 409 and "已发布" in await response.text()
    assert kb.answer(QUESTION).faq_id == faq_id
    async with await admin_http.get(f"/admin/knowledge/faq/{faq_id}/history") as response:
        history = await response.text()
    assert "审核发布" in history and f"管理员 {SECOND_ADMIN}" in history and f"管理员 {ADMIN_ID}" in history


async def test_a_bundled_entry_is_edited_and_disabled_here_and_the_list_shows_it(services, kb, admin_http):
    bundled = bundled_entries()[BUNDLED_ID]
    async with await admin_http.get(f"/admin/knowledge/faq/{BUNDLED_ID}") as response:
        page = await response.text()
        assert response.status == 200 and bundled.q in page
    form = {"q": bundled.q, "a": "后台改写：单位不得关闭报警设备。", "alt": "\n".join(bundled.alt),
            "law": "安全生产法", "article": "36", "tags": list(bundled.tags)}
    async with await admin_http.post(f"/admin/knowledge/faq/{BUNDLED_ID}", form) as response:
        assert response.status == 303, await response.text()
    assert "后台改写" in kb.answer(bundled.q).text
    async with await admin_http.get("/admin/knowledge/faq?source=bundled&q=" + bundled.q) as response:
        listed = await response.text()
    assert f'data-id="{BUNDLED_ID}"' in listed and "后台改过" in listed
    async with await admin_http.post(f"/admin/knowledge/faq/{BUNDLED_ID}/disable") as response:
        assert response.status == 303
    assert kb.entry(BUNDLED_ID) is None
    async with await admin_http.get("/admin/knowledge/faq?status=disabled") as response:
        assert f'data-id="{BUNDLED_ID}"' in await response.text()
    async with await admin_http.post(f"/admin/knowledge/faq/{BUNDLED_ID}/delete") as response:
        assert response.status == 303
    async with await admin_http.get("/admin/knowledge/faq") as response:
        assert f'data-id="{BUNDLED_ID}"' not in await response.text()  # in the recycle bin only
    async with await admin_http.get("/admin/knowledge/faq?status=deleted") as response:
        assert f'data-id="{BUNDLED_ID}"' in await response.text()


async def test_the_form_warns_of_the_nearest_entries_before_a_new_one_is_saved(services, kb, web_url, page):
    near = next(e for e in kb.faq if e.source != "db" and e.cite)
    await log_in(page, web_url, services.settings, services.clock.now())
    await page.goto(f"{web_url}/admin/knowledge/faq/new?q={near.q}")
    warning = page.locator("#nearest")
    await warning.wait_for()
    assert near.q in await warning.text_content()
    assert "审核" in await page.text_content("#save-faq")  # two-person review: the author saves a draft
    # Typed from a blank form: the warning follows the question as it is typed.
    await page.goto(f"{web_url}/admin/knowledge/faq/new")
    assert await warning.is_hidden()
    await page.fill("#q", near.q)
    await page.locator("#nearest li", has_text=near.q).wait_for()
    await page.fill("#q", "")  # cleared: the warning goes
    await warning.wait_for(state="hidden")


async def _upload(admin_http, name: str, data: bytes):
    from aiohttp import FormData

    form = FormData()
    form.add_field("csrf_token", admin_http.csrf_token)
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    return await admin_http.http.post(admin_http.url("/admin/knowledge/faq/import"), data=form,
                                      allow_redirects=False)


async def test_excel_export_edited_and_imported_back_with_citations_checked(services, kb, admin_http):
    import io

    from openpyxl import load_workbook

    async with await admin_http.get("/admin/knowledge/faq/export?format=xlsx") as response:
        assert response.status == 200 and "ankang-faq.xlsx" in response.headers["Content-Disposition"]
        book = load_workbook(io.BytesIO(await response.read()))
    sheet = book.active
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == BUNDLED_ID)
    row[3].value = "从 Excel 改的回答：单位不得关闭报警设备。"
    sheet.append(["", QUESTION, "", ANSWER, "特种设备安全法第999条", "", ""])  # a citation that does not exist
    out = io.BytesIO()
    book.save(out)
    async with await _upload(admin_http, "faq.xlsx", out.getvalue()) as response:
        page = await response.text()
        assert response.status == 400 and "没有第 999 条" in page and "全部不导入" in page
    assert "从 Excel 改的回答" not in kb.answer(bundled_entries()[BUNDLED_ID].q).text  # nothing imported
    sheet.cell(row=sheet.max_row, column=5).value = "特种设备安全法第39条"
    out = io.BytesIO()
    book.save(out)
    async with await _upload(admin_http, "faq.xlsx", out.getvalue()) as response:
        page = await response.text()
        assert response.status == 200 and "新增 1 条，更新 1 条" in page
    assert "从 Excel 改的回答" in kb.answer(bundled_entries()[BUNDLED_ID].q).text
    for name, data in (("x.xlsx", b"PK\x03\x04 not really"), ("x.yaml", b"\x00\xff binary"), ("x.yaml", b"")):
        async with await _upload(admin_http, name, data) as response:
            assert response.status == 400 and ("读不懂" in await response.text() or "请选择" in await response.text())


async def test_similar_unanswered_questions_are_one_group_merged_into_the_nearest_entry(services, kb, admin_http):
    from sqlalchemy import select

    from knowledge.models import UnansweredQuestion, record_unanswered

    bundled = bundled_entries()[BUNDLED_ID]
    async with services.sessions() as s, s.begin():
        for text, times in (("厂里把报警器的电拔了怎么办", 2), ("单位把报警器拔了电咋整", 1), ("年假怎么休", 1)):
            for _ in range(times):
                await record_unanswered(s, text, now=services.clock.now())
    async with await admin_http.get("/admin/knowledge") as response:
        page = await response.text()
    groups = re.findall(r'<li class="unanswered" data-ids="([\d,]+)"', page)
    assert sorted(len(g.split(",")) for g in groups) == [1, 2]
    pair = next(g for g in groups if "," in g)
    assert "3 次" in page and "2 种问法" in page
    async with await admin_http.post("/admin/knowledge/unanswered/merge", {"faq_id": BUNDLED_ID, "qids": pair}) as r:
        assert r.status == 303 and "questions_merged" in r.headers["Location"]
    merged = kb.entry(BUNDLED_ID)
    assert {"厂里把报警器的电拔了怎么办", "单位把报警器拔了电咋整"} <= set(merged.alt) and merged.a == bundled.a
    assert kb.answer("单位把报警器拔了电咋整").faq_id == BUNDLED_ID
    async with services.sessions() as s:
        left = (await s.execute(select(UnansweredQuestion.sample))).scalars().all()
    assert left == ["年假怎么休"]
    # A forged merge: a clear page, nothing changed.
    async with await admin_http.post("/admin/knowledge/unanswered/merge", {"faq_id": "no-such", "qids": "1"}) as r:
        assert r.status == 404
