"""Console: improve the knowledge base — unanswered questions → FAQ entries with checked citations; feedback.

Entries are written through ``knowledge.faq_admin`` (``add_faq``, ``edit_faq``): stored in
``kb_faq_entries`` (loaded again at start-up) and put in the running ``KnowledgeBase`` at once, so
the bot answers with them from the next message on. This module reads the form and says what is
wrong with it in Chinese.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TypedDict

from aiohttp import web
from sqlalchemy import select

from core.admins import audit
from core.topics import EVERY, SUBJECTS, TOPICS, words
from knowledge import Hit, KnowledgeBase
from knowledge.faq import MAX_ANSWER_CHARS, FaqEntry
from knowledge.faq_admin import (
    ALT_MAX_CHARS,
    QUESTION_MAX_CHARS,
    FaqDraft,
    FaqInvalid,
    FaqNotFound,
    FaqProblem,
    FaqReview,
    FaqTransition,
    Flaw,
    NoPendingRevision,
    ReviewRefused,
    TransitionRefused,
    acknowledge_bundled,
    add_faq,
    admin_faq,
    admin_faq_records,
    bundled_entries,
    bundled_tags,
    change_faq_status,
    check_faq,
    edit_faq,
    edit_waits_for_review,
    faq_history,
    merge_questions,
    overrides_to_review,
    pending_revision,
    pending_revisions,
    publish_revision,
    reject_revision,
)
from knowledge.models import FaqStatus
from knowledge.unanswered_groups import group_unanswered
from web import messages
from web.console_pages import admin_of, audited, error_page, redirect, render
from web.typedefs import SERVICES

CITATION_ROWS = 3
UNANSWERED_SHOWN = 60  # grouping searches once per question: keep the page fast
NEAREST_SHOWN = 3
# An entry's id in a path: written here (knowledge.faq_admin.ID_PREFIX + 8 hex digits) or bundled.
FAQ_ID_PATH = r"{faq_id:[A-Za-z0-9_-]{1,64}}"


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/admin/knowledge", knowledge_page)
    app.router.add_get("/admin/knowledge/faq/new", faq_form)
    # Before the routes with an entry id, which would take "export" and "import" for ids.
    app.router.add_get("/admin/knowledge/faq/export", faq_export)
    app.router.add_get("/admin/knowledge/faq/import", faq_import_form)
    app.router.add_get("/admin/knowledge/faq/nearest", faq_nearest_json)
    app.router.add_post("/admin/knowledge/faq/import", faq_import)
    app.router.add_post("/admin/knowledge/faq", faq_save)
    app.router.add_get(f"/admin/knowledge/faq/{FAQ_ID_PATH}", faq_edit_form)
    app.router.add_post(f"/admin/knowledge/faq/{FAQ_ID_PATH}", faq_update)
    app.router.add_get("/admin/knowledge/faq", faq_list)
    app.router.add_post(f"/admin/knowledge/faq/{FAQ_ID_PATH}/publish", faq_publish)
    app.router.add_post(f"/admin/knowledge/faq/{FAQ_ID_PATH}/disable", faq_disable)
    app.router.add_post(f"/admin/knowledge/faq/{FAQ_ID_PATH}/enable", faq_enable)
    app.router.add_post(f"/admin/knowledge/faq/{FAQ_ID_PATH}/delete", faq_delete)
    app.router.add_post(f"/admin/knowledge/faq/{FAQ_ID_PATH}/restore", faq_restore)
    app.router.add_post(f"/admin/knowledge/faq/{FAQ_ID_PATH}/keep", faq_keep_override)
    app.router.add_post(f"/admin/knowledge/faq/{FAQ_ID_PATH}/revision/publish", faq_revision_publish)
    app.router.add_post(f"/admin/knowledge/faq/{FAQ_ID_PATH}/revision/reject", faq_revision_reject)
    app.router.add_get(f"/admin/knowledge/faq/{FAQ_ID_PATH}/history", faq_history_page)
    app.router.add_post("/admin/knowledge/unanswered/{qid:\\d{1,9}}/dismiss", dismiss_question)
    app.router.add_post("/admin/knowledge/unanswered/merge", merge_questions_into)
    app.router.add_get("/admin/knowledge/article", article_json)


class FeedbackRow(TypedDict):
    """A line of the feedback table: an answer's 👍 and 👎 counts."""

    faq_id: str | None
    q: str
    good: int
    bad: int


@dataclass
class FaqForm:
    q: str = ""
    alt: str = ""
    a: str = ""
    tags: list[str] = field(default_factory=list)
    cites: list[tuple[str, str]] = field(default_factory=list)  # (law short name, article number as typed)
    unanswered_id: str = ""
    handoff_id: str = ""  # the 问工会 question this entry is made from (转为FAQ)
    faq_id: str = ""  # set when editing an entry written here earlier

    @classmethod
    def of(cls, entry: FaqEntry) -> FaqForm:
        return cls(q=entry.q, alt="\n".join(entry.alt), a=entry.a, tags=list(entry.tags),
                   cites=[(c.law, str(c.article)) for c in entry.cite], faq_id=entry.id)


def _kb(request: web.Request):
    kb = request.app[SERVICES].kb
    if kb is None:
        raise web.HTTPServiceUnavailable(text=messages.KB_NOT_LOADED)
    return kb


async def knowledge_page(request: web.Request) -> web.Response:
    from knowledge.models import Feedback, feedback_summary, list_unanswered, load_db_faq

    services = request.app[SERVICES]
    async with services.sessions() as session:
        unanswered = await list_unanswered(session, limit=UNANSWERED_SHOWN)
        summary = await feedback_summary(session)
        negative = list((await session.execute(
            select(Feedback).where(Feedback.helpful.is_(False)).order_by(Feedback.at.desc()).limit(20))).scalars())
        written_here = await load_db_faq(session, include_disabled=True)
        pending = [r for r in await admin_faq_records(session) if r.status is FaqStatus.PENDING]
        revisions = await pending_revisions(session)
    # Questions merged into an entry whose edit awaits review, or written into a draft (写FAQ), stay out
    # of the groups (the edit or draft is listed above); they come back if it is returned or deleted and
    # leave the list when it is published.
    awaiting = {str(phrasing) for rev in revisions for phrasing in rev.snapshot.get("alt") or []}
    awaiting |= {question for draft in pending for question in draft.to_entry().questions}
    unanswered = [q for q in unanswered if q.sample not in awaiting]
    kb = services.kb
    feedback_rows: list[FeedbackRow] = []
    for faq_id, (good, bad) in summary.items():
        entry = kb.entry(faq_id) if kb is not None and faq_id else None
        feedback_rows.append({"faq_id": faq_id, "q": entry.q if entry else "（非 FAQ 回答）", "good": good, "bad": bad})
    feedback_rows.sort(key=lambda r: (-r["bad"], r["good"]))
    return render(request, "console/knowledge.html", {
        "title": "知识库", "unanswered": unanswered, "feedback": feedback_rows, "negative": negative,
        # kb.faq keeps a replaced entry's old version (retired, never answered): count ids.
        "faq_count": len({e.id for e in kb.faq}) if kb is not None else 0, "written_here": written_here[::-1],
        "pending": pending, "revisions": revisions,
        "groups": group_unanswered(kb, unanswered) if kb is not None else [],
        "merge_confirm_js": messages.MERGE_CONFIRM_JS if services.settings.faq_review == FaqReview.SELF else "",
    })


async def faq_form(request: web.Request) -> web.Response:
    from knowledge.models import UnansweredQuestion

    form = FaqForm()
    qids = _question_ids(request.query.get("unanswered", ""))
    if qids:
        async with request.app[SERVICES].sessions() as session:
            found = {r.id: r for r in (await session.execute(
                select(UnansweredQuestion).where(UnansweredQuestion.id.in_(qids)))).scalars()}
        rows = [found[i] for i in qids if i in found]
        if rows:
            # A group of similar questions: the most asked is the question, the others its phrasings.
            form.q, form.unanswered_id = rows[0].sample, ",".join(str(r.id) for r in rows)
            form.alt = "\n".join(r.sample for r in rows[1:])
    hid = request.query.get("handoff", "")
    if _is_number(hid) and len(hid) <= 9:
        await _prefill_from_handoff(request, form, int(hid))
    form.q = request.query.get("q", form.q)
    return _render_form(request, form, [])


async def _prefill_from_handoff(request: web.Request, form: FaqForm, handoff_id: int) -> None:
    """转为FAQ: the worker's question (kept as an alternative phrasing too) and the staff's answer."""
    from knowledge.handoff import HandoffNotFound, get_handoff, latest_answer

    async with request.app[SERVICES].sessions() as session:
        try:
            handoff = await get_handoff(session, handoff_id)
        except HandoffNotFound:
            return
    question = handoff.question[:QUESTION_MAX_CHARS]
    form.q, form.a, form.handoff_id = question, latest_answer(handoff), str(handoff_id)
    # The worker's own words stay an alternative phrasing even if the standard question is tidied up.
    form.alt = handoff.question


def _nearest(kb: KnowledgeBase, question: str) -> list[Hit]:
    """The existing entries nearest to ``question`` (the engine's search), for the duplicate warning."""
    if not question.strip():
        return []
    return [hit for hit in kb.search(question[:QUESTION_MAX_CHARS], NEAREST_SHOWN * 2) if hit.kind == "faq"][
        :NEAREST_SHOWN]


async def faq_nearest_json(request: web.Request) -> web.Response:
    """The nearest entries to a question being typed in the form (progressive enhancement)."""
    hits = _nearest(_kb(request), request.query.get("q", ""))
    return web.json_response([{"id": h.faq_id, "q": h.title, "score": round(h.score, 2)} for h in hits])


async def faq_edit_form(request: web.Request) -> web.Response:
    """An entry written here earlier, in the same form, to correct it."""
    async with request.app[SERVICES].sessions() as session:
        try:
            entry = await admin_faq(session, request.match_info["faq_id"])
        except FaqNotFound:
            return error_page(request, "找不到 FAQ 条目", messages.NOT_FOUND, 404)
    return _render_form(request, FaqForm.of(entry), [])


# The FAQ form's tag checkboxes: the one taxonomy of core.topics, grouped (topics by kind, then subjects).
TAG_GROUPS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    *((title, tuple((t.code, t.label) for t in TOPICS if t.kind == kind))
      for kind, title in (("industry", "行业"), ("place", "场所"), ("general", "安全主题"))),
    ("法律事项", tuple((t.code, t.label) for t in SUBJECTS)),
)


def _tag_groups(tags: list[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The checkbox groups, plus the tags ``tags`` carries beyond the taxonomy (a bundled entry's), so
    editing an entry keeps every tag it has unless the admin unticks it."""
    groups = [(title, list(items)) for title, items in TAG_GROUPS]
    others = [(tag, words(tag)) for tag in dict.fromkeys(tags) if tag not in EVERY]
    if others:
        groups.append(("其他", others))
    return groups


def _goes_live(request: web.Request, form: FaqForm) -> bool:
    """Saving this form publishes at once (self review, a new entry or an edit of a published one):
    the author confirms first."""
    if request.app[SERVICES].settings.faq_review == FaqReview.TWO_PERSON:
        return False
    return not form.faq_id or _kb(request).entry(form.faq_id) is not None


def _render_form(request: web.Request, form: FaqForm, errors: list[str], status: int = 200) -> web.Response:
    kb = _kb(request)
    cites = list(form.cites) + [("", "")] * max(0, CITATION_ROWS - len(form.cites))
    # Before a new entry is saved: the existing entries nearest to its question, by the engine's search.
    nearest = _nearest(kb, form.q) if not form.faq_id else []
    return render(request, "console/faq_form.html", {
        "title": "修改 FAQ" if form.faq_id else "新增 FAQ", "form": form, "errors": errors, "cites": cites,
        "laws": [(law.short, law.title) for law in kb.corpus.laws if law.kind == "statute"],
        "tag_groups": _tag_groups(form.tags), "max_answer": MAX_ANSWER_CHARS, "max_question": QUESTION_MAX_CHARS,
        "nearest": nearest, "two_person": request.app[SERVICES].settings.faq_review == FaqReview.TWO_PERSON,
        "confirm_js": messages.FAQ_CONFIRM_JS if _goes_live(request, form) else "",
    }, status=status)


MAX_GROUP = 50


def _question_ids(text: str) -> list[int]:
    """"3,5,8" → [3, 5, 8]: unanswered question ids from a link or form; anything else is ignored."""
    parts = [p for p in text.split(",")[:MAX_GROUP] if _is_number(p) and len(p) <= 9]
    return list(dict.fromkeys(int(p) for p in parts))


def _is_number(text: str) -> bool:
    """ASCII digits only ("²" and "٣" pass str.isdigit but not int())."""
    return text.isascii() and text.isdigit()


def parse_faq_form(data, corpus) -> tuple[FaqForm, FaqDraft, list[str]]:
    """Read the posted form into a draft; return the form as typed, the draft and every problem, in Chinese."""
    form = FaqForm(
        q=str(data.get("q", "")).strip(), alt=str(data.get("alt", "")).strip(), a=str(data.get("a", "")).strip(),
        tags=[str(t) for t in data.getall("tags", [])], unanswered_id=str(data.get("unanswered_id", "")),
        handoff_id=str(data.get("handoff_id", "")),
    )
    errors = []
    cite = []
    for law, number in zip(data.getall("law", []), data.getall("article", []), strict=False):
        law, number = str(law).strip(), str(number).strip()
        if not law and not number:
            continue
        form.cites.append((law, number))
        if not law or not _is_number(number):
            errors.append(f"引用“{law} {number}”不完整：请选择法规并填写条号（数字）。")
        else:
            cite.append((law, int(number)))
    draft = FaqDraft(q=form.q, a=form.a, cite=tuple(cite), alt=tuple(form.alt.splitlines()), tags=tuple(form.tags))
    problems = check_faq(draft, corpus)
    if any(p.flaw is Flaw.TAG_UNKNOWN for p in problems):
        form.tags = [t for t in form.tags if t in EVERY.keys() | bundled_tags()]
    if errors:  # an incomplete citation is not "no citation at all"
        problems = [p for p in problems if p.flaw is not Flaw.NO_CITATION]
    return form, draft, errors + [_problem_text(p) for p in problems]


def _problem_text(problem: FaqProblem) -> str:
    match problem.flaw:
        case Flaw.QUESTION_MISSING:
            return "请填写标准问题。"
        case Flaw.QUESTION_TOO_LONG:
            return f"标准问题不能超过 {QUESTION_MAX_CHARS} 字（现在 {problem.length} 字）。"
        case Flaw.ALT_TOO_LONG:
            return f"其他问法不能超过 {ALT_MAX_CHARS} 字（现在 {problem.length} 字）。"
        case Flaw.ANSWER_MISSING:
            return "请填写回答。"
        case Flaw.ANSWER_TOO_LONG:
            return f"回答不能超过 {MAX_ANSWER_CHARS} 字（现在 {problem.length} 字）。"
        case Flaw.TAG_UNKNOWN:
            return "主题无效，请从列表中选择。"
        case Flaw.NO_CITATION:
            return "至少需要一条法条引用：每个回答都必须有出处。"
        case Flaw.NO_SUCH_ARTICLE:
            return f"《{problem.law}》没有第 {problem.article} 条，请核对条号。"


async def faq_save(request: web.Request) -> web.Response:
    """A new entry (possibly answering an unanswered question), live at once."""
    kb = _kb(request)
    data = await request.post()
    form, draft, errors = parse_faq_form(data, kb.corpus)
    if errors:
        return _render_form(request, form, errors, status=400)
    if _goes_live(request, form) and data.get("confirmed") != "1":
        return _confirm_page(request, form, draft, data)
    services = request.app[SERVICES]
    answers = _question_ids(form.unanswered_id) or None
    handoff = int(form.handoff_id) if _is_number(form.handoff_id) and len(form.handoff_id) <= 9 else None
    review = FaqReview(services.settings.faq_review)
    try:
        entry = await add_faq(services.sessions, kb, draft, admin_id=admin_of(request).user_id,
                              now=services.clock.now(), answers=answers, handoff=handoff, review=review)
    except FaqInvalid as invalid:  # checked above; the corpus cannot change in between
        return _render_form(request, form, [_problem_text(p) for p in invalid.problems], status=400)
    if review is FaqReview.TWO_PERSON:
        raise redirect(f"/admin/knowledge/faq/{entry.id}/history", "faq_drafted")
    raise redirect("/admin/knowledge", "faq_saved")


def _confirm_page(request: web.Request, form: FaqForm, draft: FaqDraft, data) -> web.Response:
    """Self review without JavaScript: what will go live, and a button that posts the same form confirmed."""
    details = [("标准问题", draft.q), ("其他问法", "；".join(line.strip() for line in draft.alt if line.strip())),
               ("回答", draft.a), ("法条依据", "、".join(f"{law}第{number}条" for law, number in draft.cite)),
               ("主题", "、".join(words(t) for t in draft.tags))]
    fields = [(str(name), str(value)) for name, value in data.items()
              if name not in ("csrf_token", "confirmed") and isinstance(value, str)]
    path = f"/admin/knowledge/faq/{form.faq_id}" if form.faq_id else "/admin/knowledge/faq"
    return render(request, "console/confirm.html", {
        "title": messages.FAQ_CONFIRM_TITLE, "question": messages.FAQ_CONFIRM_QUESTION,
        "details": [(label, value) for label, value in details if value], "action": path, "fields": fields,
        "confirm_label": messages.FAQ_CONFIRM_LABEL,
        "cancel_href": path if form.faq_id else "/admin/knowledge/faq/new",
    })


async def faq_update(request: web.Request) -> web.Response:
    """A corrected entry replaces the old one at once (self review, after the author confirms), or, under
    two-person review, waits as a pending revision for a second admin while the published text answers."""
    kb = _kb(request)
    data = await request.post()
    form, draft, errors = parse_faq_form(data, kb.corpus)
    form.faq_id = request.match_info["faq_id"]
    if errors:
        return _render_form(request, form, errors, status=400)
    if _goes_live(request, form) and data.get("confirmed") != "1":
        return _confirm_page(request, form, draft, data)
    services = request.app[SERVICES]
    review = FaqReview(services.settings.faq_review)
    proposed = await _waits_for_review(request, form.faq_id, review)
    try:
        await edit_faq(services.sessions, kb, form.faq_id, draft, admin_id=admin_of(request).user_id,
                       now=services.clock.now(), review=review)
    except FaqNotFound:
        return error_page(request, "找不到 FAQ 条目", messages.NOT_FOUND, 404)
    except FaqInvalid as invalid:
        return _render_form(request, form, [_problem_text(p) for p in invalid.problems], status=400)
    if proposed:
        raise redirect(f"/admin/knowledge/faq/{form.faq_id}/history", "faq_proposed")
    raise redirect("/admin/knowledge", "faq_edited")


async def _waits_for_review(request: web.Request, faq_id: str, review: FaqReview) -> bool:
    """Whether an edit of ``faq_id`` will be a pending revision (two-person review; any entry but a draft)."""
    from knowledge.models import FaqEntryRecord

    async with request.app[SERVICES].sessions() as session:
        return edit_waits_for_review(await session.get(FaqEntryRecord, faq_id), review)


async def _settle_revision(request: web.Request, publish: bool) -> web.Response:
    """发布 or 退回 the pending edit of an entry: a second admin only."""
    kb = _kb(request)
    services = request.app[SERVICES]
    faq_id = request.match_info["faq_id"]
    admin_id, now = admin_of(request).user_id, services.clock.now()
    try:
        if publish:
            await publish_revision(services.sessions, kb, faq_id, admin_id=admin_id, now=now)
        else:
            await reject_revision(services.sessions, faq_id, admin_id=admin_id, now=now)
    except NoPendingRevision:
        return error_page(request, "无法操作", messages.FAQ_NO_PENDING_REVISION, 409)
    except ReviewRefused:
        return error_page(request, "需要另一位管理员", messages.FAQ_REVIEW_OWN, 403)
    except FaqInvalid as invalid:
        return error_page(request, "无法发布", "；".join(_problem_text(p) for p in invalid.problems), 400)
    raise redirect(f"/admin/knowledge/faq/{faq_id}/history",
                   "faq_revision_published" if publish else "faq_revision_rejected")


async def faq_revision_publish(request: web.Request) -> web.Response:
    return await _settle_revision(request, publish=True)


async def faq_revision_reject(request: web.Request) -> web.Response:
    return await _settle_revision(request, publish=False)


async def merge_questions_into(request: web.Request) -> web.Response:
    """合并到已有条目: a group of unanswered questions becomes phrasings of the entry nearest to it — an edit
    through the review step: the author confirms (self review), or a second admin publishes it (two-person)."""
    kb = _kb(request)
    services = request.app[SERVICES]
    data = await request.post()
    faq_id, qids = str(data.get("faq_id", "")), _question_ids(str(data.get("qids", "")))
    if not qids or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", faq_id):
        return error_page(request, "无法合并", messages.NOT_FOUND, 404)
    review = FaqReview(services.settings.faq_review)
    if review is FaqReview.SELF and data.get("confirmed") != "1":
        return await _confirm_merge(request, kb, faq_id, qids)
    proposed = await _waits_for_review(request, faq_id, review)
    try:
        await merge_questions(services.sessions, kb, faq_id, qids, admin_id=admin_of(request).user_id,
                              now=services.clock.now(), review=review)
    except FaqNotFound:
        return error_page(request, "找不到 FAQ 条目", messages.NOT_FOUND, 404)
    except FaqInvalid as invalid:
        return error_page(request, "无法合并", "；".join(_problem_text(p) for p in invalid.problems), 400)
    if proposed:
        raise redirect(f"/admin/knowledge/faq/{faq_id}/history", "questions_merge_proposed")
    raise redirect("/admin/knowledge", "questions_merged")


async def _confirm_merge(request: web.Request, kb: KnowledgeBase, faq_id: str, qids: list[int]) -> web.Response:
    """Self review without JavaScript: the entry and the questions that will answer with it at once."""
    from knowledge.models import UnansweredQuestion

    async with request.app[SERVICES].sessions() as session:
        try:
            entry = kb.entry(faq_id) or await admin_faq(session, faq_id)
        except FaqNotFound:
            return error_page(request, "找不到 FAQ 条目", messages.NOT_FOUND, 404)
        samples = list((await session.execute(
            select(UnansweredQuestion.sample).where(UnansweredQuestion.id.in_(qids)))).scalars())
    if not samples:  # a stale page: the questions were merged, answered or removed meanwhile
        return error_page(request, "无法合并", messages.NOT_FOUND, 404)
    return render(request, "console/confirm.html", {
        "title": messages.MERGE_CONFIRM_TITLE, "question": messages.MERGE_CONFIRM_QUESTION,
        "details": [("已有条目", entry.q), ("并入的问法", "；".join(samples))],
        "action": "/admin/knowledge/unanswered/merge",
        "fields": [("faq_id", faq_id), ("qids", ",".join(str(q) for q in qids))],
        "confirm_label": messages.MERGE_CONFIRM_LABEL, "cancel_href": "/admin/knowledge",
    })


async def dismiss_question(request: web.Request) -> web.Response:
    from knowledge.models import UnansweredQuestion

    qid = int(request.match_info["qid"])
    services = request.app[SERVICES]
    async with services.sessions() as session, session.begin():
        row = await session.get(UnansweredQuestion, qid)
        if row is None:
            return error_page(request, "找不到问题", messages.NOT_FOUND, 404)
        await session.delete(row)
        await audit(session, admin_of(request).user_id, "kb.unanswered_dismiss", str(qid), row.sample[:200])
    raise redirect("/admin/knowledge", "question_dismissed")


async def article_json(request: web.Request) -> web.Response:
    """The text of one article, for the citation picker's live preview (progressive enhancement)."""
    from knowledge.errors import ArticleNotFound

    kb = _kb(request)
    law, number = request.query.get("law", ""), request.query.get("n", "")
    if not _is_number(number) or len(number) > 6:
        return web.json_response({"found": False})
    try:
        article = kb.corpus.article(law, int(number))
    except ArticleNotFound:
        return web.json_response({"found": False})
    return web.json_response({"found": True, "label": article.label, "text": article.text[:600]})


# --- the FAQ as a managed knowledge base --------------------------------------------------------------

FAQ_LIST_LIMIT = 200
SEARCH_LIMIT = 30
NEGATIVE_SHOWN = 10


@dataclass
class FaqRow:
    id: str
    q: str
    a: str
    source: str  # "bundled" or "db" (written here)
    status: FaqStatus
    tags: list[str]
    laws: list[str]
    overridden: bool = False  # a bundled entry changed here
    to_review: bool = False  # ... whose bundled text has changed since
    good: int = 0
    bad: int = 0


async def faq_list(request: web.Request) -> web.Response:
    """Every entry, bundled and written here: search through the engine, filters by source, status,
    topic, law and 👎; each with its 👍/👎 counts. Deleted entries show only under 回收站."""
    from knowledge.models import feedback_summary

    kb = _kb(request)
    services = request.app[SERVICES]
    query = request.query.get("q", "").strip()[:200]
    source = request.query.get("source", "")
    status = request.query.get("status", "")
    topic = request.query.get("topic", "")
    law = request.query.get("law", "")
    async with services.sessions() as session:
        records = await admin_faq_records(session)
        summary = await feedback_summary(session)
    rows = _faq_rows(kb, records)
    if query:
        order = [hit.faq_id for hit in kb.search(query, SEARCH_LIMIT) if hit.kind == "faq" and hit.faq_id]
        # Entries that do not answer are not in the engine: a plain text match finds them.
        order += [r.id for r in rows.values() if r.status is not FaqStatus.PUBLISHED and (query in r.q or query in r.a)]
        shown = [rows[i] for i in dict.fromkeys(order) if i in rows]
    else:
        shown = sorted(rows.values(), key=lambda r: (not r.to_review, r.source != "db", r.id))
    for row in shown:
        row.good, row.bad = summary.get(row.id, (0, 0))
    if source in ("bundled", "db"):
        shown = [r for r in shown if r.source == source]
    wanted = parse_faq_status(status)
    if wanted:
        shown = [r for r in shown if r.status is wanted]
    else:
        shown = [r for r in shown if r.status is not FaqStatus.DELETED]
    if status == "review":
        shown = [r for r in rows.values() if r.to_review]
    if topic:
        shown = [r for r in shown if topic in r.tags]
    if law:
        shown = [r for r in shown if law in r.laws]
    if request.query.get("sort") == "bad":
        shown = sorted((r for r in shown if r.bad), key=lambda r: -r.bad)
    return render(request, "console/faq_list.html", {
        "title": "FAQ 条目", "rows": shown[:FAQ_LIST_LIMIT], "total": len(shown), "query": query, "source": source,
        "status": status, "topic": topic, "law": law, "topics": TOPICS, "sort": request.query.get("sort", ""),
        "laws": [x.short for x in kb.corpus.laws if x.kind == "statute"], "statuses": list(FaqStatus),
        "Status": FaqStatus,
    })


def parse_faq_status(value: str) -> FaqStatus | None:
    try:
        return FaqStatus(value)
    except ValueError:
        return None


def _faq_rows(kb, records) -> dict[str, FaqRow]:
    """Every entry by id: the live ones in the engine, then the stored ones (whatever their status)."""
    bundled = bundled_entries()
    review = overrides_to_review(records)
    rows: dict[str, FaqRow] = {}
    for entry in kb.faq:
        if kb.entry(entry.id) is entry and not entry.id.startswith("selfhelp-"):
            rows[entry.id] = _row(entry, "db" if entry.source == "db" and entry.id not in bundled else "bundled",
                                  FaqStatus.PUBLISHED)
    for record in records:
        row = _row(record.to_entry(), "bundled" if record.id in bundled else "db", record.status)
        row.overridden = record.id in bundled
        row.to_review = record.id in review
        rows[record.id] = row
    return rows


def _row(entry: FaqEntry, source: str, status: FaqStatus) -> FaqRow:
    return FaqRow(entry.id, entry.q, entry.a, source, status, list(entry.tags), sorted({c.law for c in entry.cite}))


async def _change_status(request: web.Request, action: FaqTransition) -> web.Response:
    kb = _kb(request)
    services = request.app[SERVICES]
    faq_id = request.match_info["faq_id"]
    try:
        await change_faq_status(services.sessions, kb, faq_id, action, admin_id=admin_of(request).user_id,
                                now=services.clock.now(), review=FaqReview(services.settings.faq_review))
    except FaqNotFound:
        return error_page(request, "找不到 FAQ 条目", messages.NOT_FOUND, 404)
    except TransitionRefused as refused:
        problem = messages.FAQ_TRANSITION_REFUSED.format(status=refused.current.label)
        return error_page(request, "无法操作", problem, 409)
    except ReviewRefused:
        return error_page(request, "需要另一位管理员", messages.FAQ_REVIEW_OWN, 403)
    raise redirect(f"/admin/knowledge/faq/{faq_id}/history", f"faq_{action.value}")


async def faq_publish(request: web.Request) -> web.Response:
    return await _change_status(request, FaqTransition.PUBLISH)


async def faq_disable(request: web.Request) -> web.Response:
    return await _change_status(request, FaqTransition.DISABLE)


async def faq_enable(request: web.Request) -> web.Response:
    return await _change_status(request, FaqTransition.ENABLE)


async def faq_delete(request: web.Request) -> web.Response:
    return await _change_status(request, FaqTransition.DELETE)


async def faq_restore(request: web.Request) -> web.Response:
    return await _change_status(request, FaqTransition.RESTORE)


async def faq_keep_override(request: web.Request) -> web.Response:
    """Reviewed against the new bundled text: keep the version edited here."""
    services = request.app[SERVICES]
    faq_id = request.match_info["faq_id"]
    try:
        await acknowledge_bundled(services.sessions, faq_id, admin_id=admin_of(request).user_id,
                                  now=services.clock.now())
    except FaqNotFound:
        return error_page(request, "找不到 FAQ 条目", messages.NOT_FOUND, 404)
    raise redirect(f"/admin/knowledge/faq/{faq_id}/history", "faq_reviewed")


REVISION_LABELS = {"add": "新增", "draft": "草稿（待审核）", "edit": "修改", "publish": "审核发布", "disable": "停用",
                   "enable": "启用", "delete": "删除", "restore": "恢复", "propose": "提交修改（待审核）",
                   "accept": "审核发布修改", "reject": "退回修改"}
# Revisions whose snapshot is the text as changed (diffed against the text before); a proposed or returned
# edit never became the entry's text, so the next diff is still against the text before it.
_CHANGING = ("add", "draft", "edit", "propose", "accept")
_NOT_APPLIED = ("propose", "reject")
FIELD_LABELS = {"q": "标准问题", "alt": "其他问法", "a": "回答", "cite": "法条依据", "tags": "主题"}


async def faq_history_page(request: web.Request) -> web.Response:
    """Who changed the entry, when, and what changed (a line diff against the revision before); its
    status and actions; 👍/👎 and the questions that got 👎; for a bundled entry, the bundled text."""
    import difflib

    from knowledge.models import FaqEntryRecord, Feedback, feedback_summary

    faq_id = request.match_info["faq_id"]
    async with request.app[SERVICES].sessions() as session:
        try:
            entry = await admin_faq(session, faq_id)
        except FaqNotFound:
            return error_page(request, "找不到 FAQ 条目", messages.NOT_FOUND, 404)
        revisions = await faq_history(session, faq_id)
        pending = await pending_revision(session, faq_id)
        record = await session.get(FaqEntryRecord, faq_id)
        good, bad = (await feedback_summary(session)).get(faq_id, (0, 0))
        negative = list((await session.execute(
            select(Feedback)
            .where(Feedback.faq_id == faq_id, Feedback.helpful.is_(False), Feedback.question.is_not(None))
            .order_by(Feedback.at.desc()).limit(NEGATIVE_SHOWN))).scalars())
    bundled = bundled_entries().get(faq_id)
    items = []
    before: dict = dict(bundled and {"q": bundled.q, "alt": bundled.alt, "a": bundled.a,
                                     "cite": [c.to_dict() for c in bundled.cite], "tags": bundled.tags} or {})
    def changes(old_snapshot: dict, new_snapshot: dict) -> list[dict]:
        found = []
        for field_name, label in FIELD_LABELS.items():
            old, new = _lines(old_snapshot.get(field_name)), _lines(new_snapshot.get(field_name))
            if old != new:
                found.append({"label": label, "diff": [line for line in difflib.ndiff(old, new) if line[:1] in "+-"]})
        return found

    for rev in revisions:
        shown = changes(before, rev.snapshot) if rev.action in _CHANGING else []
        items.append({"rev": rev, "label": REVISION_LABELS.get(rev.action, rev.action), "changes": shown})
        if rev.action not in _NOT_APPLIED:
            before = rev.snapshot
    published = {"q": entry.q, "alt": entry.alt, "a": entry.a, "cite": [c.to_dict() for c in entry.cite],
                 "tags": entry.tags}
    status = record.status if record is not None else FaqStatus.PUBLISHED
    return render(request, "console/faq_history.html", {
        "title": "FAQ 修改记录", "entry": entry, "items": items[::-1], "status": status, "Status": FaqStatus,
        "bundled": bundled, "to_review": record is not None and faq_id in overrides_to_review([record]),
        "good": good, "bad": bad, "negative": negative, "pending": pending,
        "pending_changes": changes(published, pending.snapshot) if pending is not None else [],
        "own_pending": pending is not None and pending.admin_id == admin_of(request).user_id,
    })


def _lines(value: object) -> list[str]:
    """A snapshot field as lines to compare: text by line, lists one item a line."""
    if value is None:
        return []
    if isinstance(value, str):
        return value.splitlines()
    if isinstance(value, list):
        return [f"{v['law']}第{v['article']}条" if isinstance(v, dict) and "law" in v else str(v) for v in value]
    return [str(value)]


# --- import and export ----------------------------------------------------------------------------------

IMPORT_MAX_BYTES = 5 * 1024 * 1024


async def faq_export(request: web.Request) -> web.Response:
    """Every entry (bundled and written here, whatever its status, the recycle bin aside) as YAML or Excel."""
    from knowledge.faq_transfer import entry_rows, to_xlsx, to_yaml

    kb = _kb(request)
    async with request.app[SERVICES].sessions() as session:
        records = await admin_faq_records(session)
    rows = _faq_rows(kb, records)
    entries = {e.id: e for e in kb.faq if kb.entry(e.id) is e}
    entries |= {r.id: r.to_entry() for r in records}
    chosen = [entries[i] for i in sorted(rows) if rows[i].status is not FaqStatus.DELETED and i in entries]
    data = entry_rows(chosen, {i: rows[i].status.value for i in rows})
    await audited(request, "kb.faq_export", request.query.get("format", "yaml"), f"{len(data)} 条")
    if request.query.get("format") == "xlsx":
        return web.Response(body=to_xlsx(data), headers={
            "Content-Disposition": 'attachment; filename="ankang-faq.xlsx"',
            "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    return web.Response(body=to_yaml(data), headers={
        "Content-Disposition": 'attachment; filename="ankang-faq.yaml"', "Content-Type": "text/yaml; charset=utf-8"})


async def faq_import_form(request: web.Request) -> web.Response:
    two_person = request.app[SERVICES].settings.faq_review == FaqReview.TWO_PERSON
    return render(request, "console/faq_import.html", {"title": "导入 FAQ", "report": None, "errors": [],
                                                       "preview": None, "two_person": two_person})


async def faq_import(request: web.Request) -> web.Response:
    """Read an uploaded YAML or .xlsx file; all rows are checked before any is stored. Through the review
    step: under self review the author sees what will go live and confirms (the file comes back with the
    confirmation, base64 in the form); under two-person review entries become drafts and pending edits."""
    import base64
    import binascii

    from knowledge.faq_transfer import ImportUnreadable, RowAction, import_entries, parse_xlsx, parse_yaml, plan_import

    kb = _kb(request)
    services = request.app[SERVICES]
    review = FaqReview(services.settings.faq_review)
    form = await request.post()
    upload = form.get("file")
    confirmed = form.get("confirmed") == "1" and isinstance(form.get("payload"), str)
    if confirmed:
        try:
            data = base64.b64decode(str(form["payload"]), validate=True)
        except (binascii.Error, ValueError):
            data = b""
        name = str(form.get("name", ""))[:100].lower()
    else:
        data = upload.file.read(IMPORT_MAX_BYTES + 1) if isinstance(upload, web.FileField) else b""
        name = upload.filename[:100].lower() if isinstance(upload, web.FileField) and upload.filename else ""
    errors = []
    report = None
    if not data:
        errors.append(messages.IMPORT_EMPTY)
    elif len(data) > IMPORT_MAX_BYTES:
        errors.append(messages.IMPORT_TOO_LARGE)
    else:
        try:
            rows = parse_xlsx(data) if name.endswith(".xlsx") or data[:2] == b"PK" else parse_yaml(data)
        except ImportUnreadable:
            errors.append(messages.IMPORT_UNREADABLE)
        else:
            if not rows:
                errors.append(messages.IMPORT_EMPTY)
            elif review is FaqReview.SELF and not confirmed:
                report = await plan_import(services.sessions, kb, rows, review=review)
                if report.ok and any(action is not RowAction.UNCHANGED for _, action in report.planned):
                    return render(request, "console/faq_import.html", {
                        "title": "确认导入 FAQ", "report": None, "errors": [], "preview": report,
                        "to_add": [row.draft.q for row, action in report.planned if action is RowAction.ADD],
                        "to_update": [row.draft.q for row, action in report.planned if action is RowAction.UPDATE],
                        "payload": base64.b64encode(data).decode(), "name": name})
            else:
                report = await import_entries(services.sessions, kb, rows, admin_id=admin_of(request).user_id,
                                              now=services.clock.now(), review=review)
                if report.ok:
                    await audited(request, "kb.faq_import", name,
                                  f"新增 {len(report.added)} 条，更新 {len(report.updated)} 条，"
                                  f"待审核修改 {len(report.proposed)} 条，未变 {len(report.unchanged)} 条")
    problems = []
    if report is not None and not report.ok:
        for number in report.bad_ids:
            problems.append(f"第 {number} 行：id 只能由字母、数字、-、_ 组成。")
        for number, pieces in report.unreadable_cites.items():
            problems.append(f"第 {number} 行：看不懂的法条依据“{'、'.join(pieces)}”，请写成“安全生产法第45条”。")
        for number, found in report.problems.items():
            problems += [f"第 {number} 行：{_problem_text(p)}" for p in found]
    status = 200 if report is not None and report.ok else 400
    return render(request, "console/faq_import.html", {
        "title": "导入 FAQ", "report": report, "errors": errors + problems, "preview": None,
        "two_person": review is FaqReview.TWO_PERSON}, status=status)
