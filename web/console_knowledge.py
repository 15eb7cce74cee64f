"""Console: improve the knowledge base — unanswered questions → FAQ entries with checked citations; feedback.

Entries are written through ``knowledge.faq_admin`` (``add_faq``, ``edit_faq``): stored in
``kb_faq_entries`` (loaded again at start-up) and put in the running ``KnowledgeBase`` at once, so
the bot answers with them from the next message on. This module reads the form and says what is
wrong with it in Chinese.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

from aiohttp import web
from sqlalchemy import select

from core.admins import audit
from core.topics import TOPICS
from knowledge.faq import MAX_ANSWER_CHARS, FaqEntry
from knowledge.faq_admin import (
    ALT_MAX_CHARS,
    QUESTION_MAX_CHARS,
    FaqDraft,
    FaqInvalid,
    FaqNotFound,
    FaqProblem,
    Flaw,
    add_faq,
    admin_faq,
    check_faq,
    edit_faq,
)
from web import messages
from web.console_pages import admin_of, error_page, redirect, render
from web.typedefs import SERVICES

CITATION_ROWS = 3
# An admin-written entry's id in a path (knowledge.faq_admin.ID_PREFIX + 8 hex digits).
FAQ_ID_PATH = r"{faq_id:web-[0-9a-f]{8}}"


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/admin/knowledge", knowledge_page)
    app.router.add_get("/admin/knowledge/faq/new", faq_form)
    app.router.add_post("/admin/knowledge/faq", faq_save)
    app.router.add_get(f"/admin/knowledge/faq/{FAQ_ID_PATH}", faq_edit_form)
    app.router.add_post(f"/admin/knowledge/faq/{FAQ_ID_PATH}", faq_update)
    app.router.add_post("/admin/knowledge/unanswered/{qid:\\d{1,9}}/dismiss", dismiss_question)
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
        unanswered = await list_unanswered(session, limit=100)
        summary = await feedback_summary(session)
        negative = list((await session.execute(
            select(Feedback).where(Feedback.helpful.is_(False)).order_by(Feedback.at.desc()).limit(20))).scalars())
        written_here = await load_db_faq(session)
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
    })


async def faq_form(request: web.Request) -> web.Response:
    from knowledge.models import UnansweredQuestion

    form = FaqForm()
    qid = request.query.get("unanswered", "")
    if _is_number(qid) and len(qid) <= 9:
        async with request.app[SERVICES].sessions() as session:
            row = await session.get(UnansweredQuestion, int(qid))
        if row is not None:
            form.q, form.unanswered_id = row.sample, qid
    form.q = request.query.get("q", form.q)
    return _render_form(request, form, [])


async def faq_edit_form(request: web.Request) -> web.Response:
    """An entry written here earlier, in the same form, to correct it."""
    async with request.app[SERVICES].sessions() as session:
        try:
            entry = await admin_faq(session, request.match_info["faq_id"])
        except FaqNotFound:
            return error_page(request, "找不到 FAQ 条目", messages.NOT_FOUND, 404)
    return _render_form(request, FaqForm.of(entry), [])


def _render_form(request: web.Request, form: FaqForm, errors: list[str], status: int = 200) -> web.Response:
    kb = _kb(request)
    cites = list(form.cites) + [("", "")] * max(0, CITATION_ROWS - len(form.cites))
    return render(request, "console/faq_form.html", {
        "title": "修改 FAQ" if form.faq_id else "新增 FAQ", "form": form, "errors": errors, "cites": cites,
        "laws": [(law.short, law.title) for law in kb.corpus.laws if law.kind == "statute"],
        "topics": TOPICS, "max_answer": MAX_ANSWER_CHARS, "max_question": QUESTION_MAX_CHARS,
    }, status=status)


def _is_number(text: str) -> bool:
    """ASCII digits only ("²" and "٣" pass str.isdigit but not int())."""
    return text.isascii() and text.isdigit()


def parse_faq_form(data, corpus) -> tuple[FaqForm, FaqDraft, list[str]]:
    """Read the posted form into a draft; return the form as typed, the draft and every problem, in Chinese."""
    form = FaqForm(
        q=str(data.get("q", "")).strip(), alt=str(data.get("alt", "")).strip(), a=str(data.get("a", "")).strip(),
        tags=[str(t) for t in data.getall("tags", [])], unanswered_id=str(data.get("unanswered_id", "")),
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
        form.tags = [t for t in form.tags if t in {topic.code for topic in TOPICS}]
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
    form, draft, errors = parse_faq_form(await request.post(), kb.corpus)
    if errors:
        return _render_form(request, form, errors, status=400)
    services = request.app[SERVICES]
    answers = int(form.unanswered_id) if _is_number(form.unanswered_id) and len(form.unanswered_id) <= 9 else None
    try:
        await add_faq(services.sessions, kb, draft, admin_id=admin_of(request).user_id, now=services.clock.now(),
                      answers=answers)
    except FaqInvalid as invalid:  # checked above; the corpus cannot change in between
        return _render_form(request, form, [_problem_text(p) for p in invalid.problems], status=400)
    raise redirect("/admin/knowledge", "faq_saved")


async def faq_update(request: web.Request) -> web.Response:
    """A corrected entry replaces the old one at once."""
    kb = _kb(request)
    form, draft, errors = parse_faq_form(await request.post(), kb.corpus)
    form.faq_id = request.match_info["faq_id"]
    if errors:
        return _render_form(request, form, errors, status=400)
    services = request.app[SERVICES]
    try:
        await edit_faq(services.sessions, kb, form.faq_id, draft, admin_id=admin_of(request).user_id)
    except FaqNotFound:
        return error_page(request, "找不到 FAQ 条目", messages.NOT_FOUND, 404)
    except FaqInvalid as invalid:
        return _render_form(request, form, [_problem_text(p) for p in invalid.problems], status=400)
    raise redirect("/admin/knowledge", "faq_edited")


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
