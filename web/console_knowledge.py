"""Console: improve the knowledge base — unanswered questions → FAQ entries with checked citations; feedback.

An entry written here is stored in ``kb_faq_entries`` (loaded again at start-up) and added to the
running ``KnowledgeBase`` at once, so the bot answers with it from the next message on.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy import delete, select

from core.admins import audit
from core.topics import TOPICS
from web import messages
from web.console import admin_of, error_page, redirect, render
from web.typedefs import SERVICES

CITATION_ROWS = 3
QUESTION_MAX_CHARS = 200  # as the form's maxlength
ALT_MAX_CHARS = 2000
TOPIC_CODES = frozenset(t.code for t in TOPICS)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/admin/knowledge", knowledge_page)
    app.router.add_get("/admin/knowledge/faq/new", faq_form)
    app.router.add_post("/admin/knowledge/faq", faq_save)
    app.router.add_post("/admin/knowledge/unanswered/{qid:\\d{1,9}}/dismiss", dismiss_question)
    app.router.add_get("/admin/knowledge/article", article_json)


@dataclass
class FaqForm:
    q: str = ""
    alt: str = ""
    a: str = ""
    tags: list[str] = field(default_factory=list)
    cites: list[tuple[str, str]] = field(default_factory=list)  # (law short name, article number as typed)
    unanswered_id: str = ""


def _kb(request: web.Request):
    kb = request.app[SERVICES].kb
    if kb is None:
        raise web.HTTPServiceUnavailable(text=messages.KB_NOT_LOADED)
    return kb


async def knowledge_page(request: web.Request) -> web.Response:
    from knowledge.models import Feedback, feedback_summary, list_unanswered

    services = request.app[SERVICES]
    async with services.sessions() as session:
        unanswered = await list_unanswered(session, limit=100)
        summary = await feedback_summary(session)
        negative = list((await session.execute(
            select(Feedback).where(Feedback.helpful.is_(False)).order_by(Feedback.at.desc()).limit(20))).scalars())
    kb = services.kb
    feedback_rows = []
    for faq_id, (good, bad) in summary.items():
        entry = kb.entry(faq_id) if kb is not None and faq_id else None
        feedback_rows.append({"faq_id": faq_id, "q": entry.q if entry else "（非 FAQ 回答）", "good": good, "bad": bad})
    feedback_rows.sort(key=lambda r: (-r["bad"], r["good"]))
    return render(request, "console/knowledge.html", {
        "title": "知识库", "unanswered": unanswered, "feedback": feedback_rows, "negative": negative,
        "faq_count": len(kb.faq) if kb is not None else 0,
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


def _render_form(request: web.Request, form: FaqForm, errors: list[str], status: int = 200) -> web.Response:
    from knowledge.faq import MAX_ANSWER_CHARS

    kb = _kb(request)
    cites = list(form.cites) + [("", "")] * max(0, CITATION_ROWS - len(form.cites))
    return render(request, "console/faq_form.html", {
        "title": "新增 FAQ", "form": form, "errors": errors, "cites": cites,
        "laws": [(law.short, law.title) for law in kb.corpus.laws if law.kind == "statute"],
        "topics": TOPICS, "max_answer": MAX_ANSWER_CHARS,
    }, status=status)


def _is_number(text: str) -> bool:
    """ASCII digits only ("²" and "٣" pass str.isdigit but not int())."""
    return text.isascii() and text.isdigit()


def parse_faq_form(data, corpus) -> tuple[FaqForm, list[str]]:
    """Read the posted form; return it with every problem found (citations must resolve in the corpus)."""
    from knowledge.faq import MAX_ANSWER_CHARS

    form = FaqForm(
        q=str(data.get("q", "")).strip(), alt=str(data.get("alt", "")).strip(), a=str(data.get("a", "")).strip(),
        tags=[str(t) for t in data.getall("tags", [])], unanswered_id=str(data.get("unanswered_id", "")),
    )
    laws, numbers = data.getall("law", []), data.getall("article", [])
    errors = []
    if not form.q:
        errors.append("请填写标准问题。")
    elif len(form.q) > QUESTION_MAX_CHARS:
        errors.append(f"标准问题不能超过 {QUESTION_MAX_CHARS} 字（现在 {len(form.q)} 字）。")
    if len(form.alt) > ALT_MAX_CHARS:
        errors.append(f"其他问法不能超过 {ALT_MAX_CHARS} 字（现在 {len(form.alt)} 字）。")
    if not set(form.tags) <= TOPIC_CODES:
        errors.append("主题无效，请从列表中选择。")
        form.tags = [t for t in form.tags if t in TOPIC_CODES]
    if not form.a:
        errors.append("请填写回答。")
    elif len(form.a) > MAX_ANSWER_CHARS:
        errors.append(f"回答不能超过 {MAX_ANSWER_CHARS} 字（现在 {len(form.a)} 字）。")
    for law, number in zip(laws, numbers):
        law, number = str(law).strip(), str(number).strip()
        if not law and not number:
            continue
        form.cites.append((law, number))
        if not law or not _is_number(number):
            errors.append(f"引用“{law} {number}”不完整：请选择法规并填写条号（数字）。")
        elif not corpus.has(law, int(number)):
            errors.append(f"《{law}》没有第 {number} 条，请核对条号。")
    if not form.cites:
        errors.append("至少需要一条法条引用：每个回答都必须有出处。")
    return form, errors


async def faq_save(request: web.Request) -> web.Response:
    from knowledge.faq import faq_entry_from_dict
    from knowledge.models import FaqEntryRecord, UnansweredQuestion

    kb = _kb(request)
    data = await request.post()
    form, errors = parse_faq_form(data, kb.corpus)
    if errors:
        return _render_form(request, form, errors, status=400)
    services = request.app[SERVICES]
    admin = admin_of(request)
    cite = [{"law": kb.corpus.resolve_law(law) or law, "article": int(n)} for law, n in form.cites]
    alt = [line.strip() for line in form.alt.splitlines() if line.strip()]
    faq_id = f"web-{secrets.token_hex(4)}"
    # Writing the record ourselves: knowledge.models offers load_db_faq but no save function yet.
    record = FaqEntryRecord(id=faq_id, q=form.q, alt=alt, a=form.a, cite=cite, tags=form.tags,
                            created_at=services.clock.now(), created_by=admin.user_id)
    async with services.sessions() as session, session.begin():
        session.add(record)
        if _is_number(form.unanswered_id) and len(form.unanswered_id) <= 9:
            await session.execute(delete(UnansweredQuestion).where(UnansweredQuestion.id == int(form.unanswered_id)))
        await audit(session, admin.user_id, "kb.faq_add", faq_id, form.q[:200])
    kb.add_faq(faq_entry_from_dict(
        {"id": faq_id, "q": form.q, "alt": alt, "a": form.a, "cite": cite, "tags": form.tags}, "db"))
    raise redirect("/admin/knowledge", "faq_saved")


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
