"""The FAQ console as a managed knowledge base: two-person review, the nearest-entries warning, bundled
entries edited and disabled here, the list's search and filters — over the real web server."""
from __future__ import annotations

import re

import pytest
from aiohttp import ClientSession, CookieJar

from core.admins import add_admin
from knowledge.faq_admin import bundled_entries
from tests.conftest import ADMIN_ID
from tests.web.conftest import http_log_in, log_in

SECOND_ADMIN = 900002
QUESTION = "叉车司机每天上班前要不要点检车辆"
ANSWER = "要检查。叉车属于特种设备，使用单位要经常性维护保养、定期自行检查并做好记录。"
BUNDLED_ID = "core-gap-001"


@pytest.fixture
def settings(make_settings, request):
    """Two-person review, unless a test asks for another (parametrize "settings" indirectly)."""
    return make_settings(faq_review=getattr(request, "param", "two-person"))


@pytest.fixture
def kb(services, own_fixture_kb):
    """A knowledge base of this test's own (these tests change it), with one bundled entry."""
    services.kb = kb = own_fixture_kb
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


async def _publish_as_second_admin(services, web_url, faq_id: str) -> None:
    async with services.sessions() as s, s.begin():
        await add_admin(s, SECOND_ADMIN, "审核员")
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        second = await http_log_in(http, web_url, services.settings, services.clock.now(), SECOND_ADMIN)
        async with await second.post(f"/admin/knowledge/faq/{faq_id}/revision/publish") as response:
            assert response.status == 303 and "faq_revision_published" in response.headers["Location"]


async def test_a_bundled_entry_is_edited_and_disabled_here_and_the_list_shows_it(services, kb, admin_http, web_url):
    bundled = bundled_entries()[BUNDLED_ID]
    async with await admin_http.get(f"/admin/knowledge/faq/{BUNDLED_ID}") as response:
        page = await response.text()
        assert response.status == 200 and bundled.q in page
    form = {"q": bundled.q, "a": "后台改写：单位不得关闭报警设备。", "alt": "\n".join(bundled.alt),
            "law": "安全生产法", "article": "36", "tags": list(bundled.tags)}
    async with await admin_http.post(f"/admin/knowledge/faq/{BUNDLED_ID}", form) as response:
        assert response.status == 303 and "faq_proposed" in response.headers["Location"], await response.text()
    assert "后台改写" not in kb.answer(bundled.q).text  # two-person review: waits for a second admin
    await _publish_as_second_admin(services, web_url, BUNDLED_ID)
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


async def test_excel_export_edited_and_imported_back_with_citations_checked(services, kb, admin_http, web_url):
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
        assert response.status == 200 and "新增草稿 1 条，修改待审核 1 条" in page
    # Two-person review: the new entry is a draft and the edit a pending revision; the old text answers.
    assert "从 Excel 改的回答" not in kb.answer(bundled_entries()[BUNDLED_ID].q).text
    assert kb.answer(QUESTION).intent != "answer"
    async with await admin_http.get("/admin/knowledge") as response:
        page = await response.text()
    assert "待审核的 FAQ 草稿" in page and "待审核的 FAQ 修改" in page and QUESTION in page
    await _publish_as_second_admin(services, web_url, BUNDLED_ID)
    assert "从 Excel 改的回答" in kb.answer(bundled_entries()[BUNDLED_ID].q).text
    for name, data in (("x.xlsx", b"PK\x03\x04 not really"), ("x.yaml", b"\x00\xff binary"), ("x.yaml", b"")):
        async with await _upload(admin_http, name, data) as response:
            assert response.status == 400 and ("读不懂" in await response.text() or "请选择" in await response.text())


async def test_similar_unanswered_questions_are_one_group_merged_into_the_nearest_entry(
        services, kb, admin_http, web_url):
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
        assert r.status == 303 and "questions_merge_proposed" in r.headers["Location"]
    # Two-person review: a pending revision; the questions wait with it, out of the groups.
    assert getattr(kb.answer("单位把报警器拔了电咋整"), "faq_id", None) != BUNDLED_ID
    assert kb.entry(BUNDLED_ID).alt == bundled.alt
    async with await admin_http.get("/admin/knowledge") as response:
        page = await response.text()
    assert "待审核的 FAQ 修改" in page and "单位把报警器拔了电咋整" not in page and "年假怎么休" in page
    await _publish_as_second_admin(services, web_url, BUNDLED_ID)
    merged = kb.entry(BUNDLED_ID)
    assert {"厂里把报警器的电拔了怎么办", "单位把报警器拔了电咋整"} <= set(merged.alt) and merged.a == bundled.a
    assert kb.answer("单位把报警器拔了电咋整").faq_id == BUNDLED_ID
    async with services.sessions() as s:
        left = (await s.execute(select(UnansweredQuestion.sample))).scalars().all()
    assert left == ["年假怎么休"]
    # A forged merge: a clear page, nothing changed.
    async with await admin_http.post("/admin/knowledge/unanswered/merge", {"faq_id": "no-such", "qids": "1"}) as r:
        assert r.status == 404


async def test_an_edit_under_two_person_review_waits_and_a_second_admin_publishes_or_returns_it(
        services, kb, admin_http, web_url):
    bundled = bundled_entries()[BUNDLED_ID]
    form = {"q": bundled.q, "a": "后台改写：单位不得关闭报警设备，可以向 12350 举报。", "alt": "\n".join(bundled.alt),
            "law": "安全生产法", "article": "36", "tags": list(bundled.tags)}
    async with await admin_http.post(f"/admin/knowledge/faq/{BUNDLED_ID}", form) as response:
        assert response.status == 303 and "faq_proposed" in response.headers["Location"]
    assert kb.answer(bundled.q).faq_id == BUNDLED_ID and "后台改写" not in kb.answer(bundled.q).text
    async with await admin_http.get(f"/admin/knowledge/faq/{BUNDLED_ID}/history") as response:
        page = await response.text()
    assert 'id="pending-revision"' in page and "等待另一位管理员审核" in page and "+ 后台改写" in page
    assert 'id="revision-publish"' not in page  # not offered to the editor ...
    async with await admin_http.post(f"/admin/knowledge/faq/{BUNDLED_ID}/revision/publish") as response:
        assert response.status == 403 and "另一位管理员" in await response.text()  # ... nor taken by a forged post
    async with await admin_http.get("/admin/knowledge") as response:
        assert "待审核的 FAQ 修改" in await response.text()
    async with services.sessions() as s, s.begin():
        await add_admin(s, SECOND_ADMIN, "审核员")
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        second = await http_log_in(http, web_url, services.settings, services.clock.now(), SECOND_ADMIN)
        async with await second.get(f"/admin/knowledge/faq/{BUNDLED_ID}/history") as response:
            page = await response.text()
        assert 'id="revision-publish"' in page and 'id="revision-reject"' in page and "等待另一位管理员" not in page
        async with await second.post(f"/admin/knowledge/faq/{BUNDLED_ID}/revision/reject") as response:
            assert response.status == 303 and "faq_revision_rejected" in response.headers["Location"]
        assert "后台改写" not in kb.answer(bundled.q).text
        async with await second.post(f"/admin/knowledge/faq/{BUNDLED_ID}/revision/publish") as response:
            assert response.status == 409 and "没有待审核的修改" in await response.text()  # returned already
        async with await admin_http.post(f"/admin/knowledge/faq/{BUNDLED_ID}", form) as response:  # proposed again
            assert response.status == 303
        async with await second.post(f"/admin/knowledge/faq/{BUNDLED_ID}/revision/publish") as response:
            assert response.status == 303 and "faq_revision_published" in response.headers["Location"]
    assert "后台改写" in kb.answer(bundled.q).text
    async with await admin_http.get(f"/admin/knowledge/faq/{BUNDLED_ID}/history") as response:
        page = await response.text()
    assert 'id="pending-revision"' not in page
    for label in ("提交修改（待审核）", "退回修改", "审核发布修改"):
        assert label in page
    assert f"管理员 {SECOND_ADMIN}" in page and f"管理员 {ADMIN_ID}" in page


async def test_the_form_offers_the_whole_taxonomy_and_keeps_a_subject_tag_when_edited(services, kb, admin_http):
    from core.topics import SUBJECTS, TOPICS

    subject = SUBJECTS[0]
    form = {"q": QUESTION, "a": ANSWER, "law": "特种设备安全法", "article": "39",
            "tags": [TOPICS[0].code, subject.code]}
    async with await admin_http.post("/admin/knowledge/faq", form) as response:
        faq_id = re.search(r"/faq/(web-[0-9a-f]{8})/history", response.headers["Location"]).group(1)
    async with await admin_http.get(f"/admin/knowledge/faq/{faq_id}") as response:
        page = await response.text()
    assert re.search(rf'value="{subject.code}" checked>{subject.label}', page)
    assert re.search(rf'value="{TOPICS[0].code}" checked>{TOPICS[0].label}', page)
    assert page.count('name="tags"') == len(TOPICS) + len(SUBJECTS)  # each code once, no hidden copies
    # Saved again as shown (both ticked): both kept.
    async with await admin_http.post(f"/admin/knowledge/faq/{faq_id}", dict(form, a=ANSWER + "并做好记录。")) as r:
        assert r.status == 303
    async with services.sessions() as s:
        from knowledge.models import FaqEntryRecord

        assert (await s.get(FaqEntryRecord, faq_id)).tags == [TOPICS[0].code, subject.code]


@pytest.mark.parametrize("settings", ["self"], indirect=True)
async def test_self_review_asks_the_author_to_confirm_before_publishing(services, kb, admin_http, web_url, page):
    form = {"q": QUESTION, "a": ANSWER, "law": "特种设备安全法", "article": "39"}
    # Without JavaScript: a confirm page showing what will go live; nothing published yet.
    async with await admin_http.post("/admin/knowledge/faq", form) as response:
        confirm = await response.text()
        assert response.status == 200 and 'id="confirm"' in confirm and ANSWER in confirm
        assert "特种设备安全法第39条" in confirm and 'name="confirmed" value="1"' in confirm
    assert kb.answer(QUESTION).intent != "answer"
    # With JavaScript: a dialog; dismissed, nothing is saved; accepted, the entry is live.
    await log_in(page, web_url, services.settings, services.clock.now())
    await page.goto(f"{web_url}/admin/knowledge/faq/new?q={QUESTION}")
    await page.fill("#a", ANSWER)
    citation = page.locator(".citation").first
    await citation.locator("select").select_option("特种设备安全法")
    await citation.locator("input").fill("39")
    questions: list[str] = []

    async def answer_dialog(dialog, accept: bool) -> None:
        questions.append(dialog.message)
        await (dialog.accept() if accept else dialog.dismiss())

    page.once("dialog", lambda d: answer_dialog(d, False))
    await page.click("#save-faq")
    assert "/faq/new" in page.url and await page.input_value("#a") == ANSWER  # not submitted
    assert kb.answer(QUESTION).intent != "answer"
    page.once("dialog", lambda d: answer_dialog(d, True))
    await page.click("#save-faq")
    await page.locator(".flash", has_text="立即用于机器人问答").wait_for()
    assert len(questions) == 2 and all("确认发布" in q for q in questions)
    assert kb.answer(QUESTION).intent == "answer" and ANSWER[:10] in kb.answer(QUESTION).text


@pytest.mark.parametrize("settings", ["self"], indirect=True)
async def test_self_review_shows_an_import_and_a_merge_before_they_go_live(services, kb, admin_http):
    from knowledge.models import record_unanswered

    bundled = bundled_entries()[BUNDLED_ID]
    data = (f"- id: {BUNDLED_ID}\n  q: {bundled.q}\n  a: 导入改的回答：单位不得关闭报警设备。\n"
            f"  cite: [安全生产法第36条]\n  alt: {list(bundled.alt)}\n  tags: {list(bundled.tags)}\n"
            f"- q: {QUESTION}\n  a: {ANSWER}\n  cite: [特种设备安全法第39条]\n").encode()
    async with await _upload(admin_http, "faq.yaml", data) as response:
        page = await response.text()
    assert response.status == 200 and 'id="import-confirm"' in page and "新增 1 条" in page and "修改 1 条" in page
    assert QUESTION in page and bundled.q in page
    assert "导入改的回答" not in kb.answer(bundled.q).text and kb.answer(QUESTION).intent != "answer"
    payload = re.search(r'name="payload" value="([^"]+)"', page).group(1)
    async with await admin_http.post("/admin/knowledge/faq/import",
                                     {"payload": payload, "name": "faq.yaml", "confirmed": "1"}) as response:
        page = await response.text()
    assert response.status == 200 and "新增 1 条，更新 1 条" in page and "立即用于机器人问答" in page
    assert "导入改的回答" in kb.answer(bundled.q).text and kb.answer(QUESTION).intent == "answer"
    # 合并到已有条目: a confirm page first, then live at once.
    async with services.sessions() as s, s.begin():
        qid = (await record_unanswered(s, "单位把报警器拔了电咋整", now=services.clock.now())).id
    merge = {"faq_id": BUNDLED_ID, "qids": str(qid)}
    async with await admin_http.post("/admin/knowledge/unanswered/merge", merge) as response:
        page = await response.text()
    assert response.status == 200 and 'id="confirm"' in page and "单位把报警器拔了电咋整" in page
    assert "单位把报警器拔了电咋整" not in kb.entry(BUNDLED_ID).alt
    async with await admin_http.post("/admin/knowledge/unanswered/merge", dict(merge, confirmed="1")) as response:
        assert response.status == 303 and "questions_merged" in response.headers["Location"]
    assert "单位把报警器拔了电咋整" in kb.entry(BUNDLED_ID).alt
    async with await admin_http.post("/admin/knowledge/unanswered/merge", merge) as response:  # a stale page
        assert response.status == 404
