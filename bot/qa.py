"""Question answering in Telegram: free-text questions, article look-up, /laws browsing, inline mode.

Each handler parses the update, calls one knowledge function, and renders the reply.
"""
from __future__ import annotations

import contextlib
import logging
from uuid import uuid4

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot import handoff
from bot import qa_callbacks as cb
from bot import qa_messages as msg
from bot.context import AnkangContext
from bot.parts import chat_of, inline_query_of, message_of, query_message, query_of
from bot.render import edit_in_place, h, split_text
from core.models import utcnow
from knowledge import (
    AnswerReply,
    ArticleAnswerReply,
    ArticleChoiceReply,
    ArticleReply,
    CitedArticle,
    EmergencyReply,
    GlossaryEntry,
    KnowledgeBase,
    OutOfScopeReply,
    Reply,
    TermReply,
    UnsureReply,
)
from knowledge.errors import ArticleNotFound
from knowledge.messages import ENGLISH_NOTE
from knowledge.models import record_feedback, record_question, record_unanswered
from knowledge.statutes import Article, Law
from org import rollups

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
RELATED_MAX = 3
CHAPTERS_PER_PAGE = 8
ARTICLES_PER_PAGE = 12
INLINE_RESULTS = 10
BUTTON_LABEL_CHARS = 28
PAIRED_LAW_NAME_CHARS = 7  # longer law names get a whole keyboard row


# --- free-text questions -----------------------------------------------------------------------

async def ask(update: Update, context: AnkangContext) -> None:
    """Answer a question typed by a worker; emergencies first, whatever else the message holds."""
    message = message_of(update)
    text = message.text or ""
    kb = context.services.kb
    if kb is None:
        await message.reply_text(msg.KB_LOADING)
        return
    reply = kb.answer(text[:MAX_QUESTION_CHARS * 2])
    if reply.intent != "emergency" and len(text) > MAX_QUESTION_CHARS:
        await message.reply_text(msg.TOO_LONG.format(length=len(text), limit=MAX_QUESTION_CHARS))
        return
    # The answer first: counting it needs the database, answering does not (issue 17).
    await send_reply(update, context, reply)
    await _remember(context, reply, chat_of(update).id)


async def send_reply(update: Update, context: AnkangContext, reply: Reply) -> None:
    kb = context.services.kb  # loaded: the callers answered the question with it
    chunks = split_text(render_reply(reply))
    markup = reply_keyboard(kb, reply) if kb is not None else None
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        sent = await message_of(update).reply_html(
            chunk, reply_markup=markup if last else None, disable_web_page_preview=True
        )
    if isinstance(reply, AnswerReply | UnsureReply | OutOfScopeReply) and reply.question:
        # Its 🙋 问工会 button hands this question to a person.
        handoff.remember_question(context, sent.message_id, reply.question)


def render_reply(reply: Reply) -> str:
    """Telegram HTML for a knowledge reply."""
    match reply:
        case EmergencyReply():
            return "\n\n".join([f"<b>{h(reply.head)}</b>", *(h("\n".join(lines)) for lines in reply.guidance)])
        case ArticleReply() | ArticleAnswerReply():
            return render_article(reply.article)
        case AnswerReply():
            # A bare term ("停工留薪期") answered from the FAQ: its definition first, as in the text.
            definition = [_definition(reply.term)] if reply.term is not None else []
            note = [f"<i>{h(ENGLISH_NOTE)}</i>"] if reply.english else []
            return _with_basis([*definition, *note, h(reply.answer)], reply.citations)
        case TermReply():
            return _with_basis([_definition(reply.term)], reply.citations)
        case _:
            return h(reply.text)


def _definition(term: GlossaryEntry) -> str:
    return f"<b>{h(term.term)}</b>：{h(term.definition)}"


def _with_basis(parts: list[str], citations: tuple[CitedArticle, ...]) -> str:
    """The paragraphs of an answer, then its 法条依据 (when it has citations)."""
    if citations:
        lines = [f"<b>{msg.BASIS}</b>"]
        for c in citations:
            opening = f"：{h(c.opening)}" if c.opening else ""
            lines.append(f"• <b>{h(c.label)}</b>{opening}")
        parts = [*parts, "\n".join(lines)]
    return "\n\n".join(parts)


def render_article(article: Article) -> str:
    where = " · ".join(p for p in (article.chapter, article.section) if p)
    heading = f"<b>{h(article.label)}</b>" + (f"\n<i>{h(where)}</i>" if where else "")
    return f"{heading}\n{h(article.text)}"


def reply_keyboard(kb: KnowledgeBase, reply: Reply) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    match reply:
        case AnswerReply():
            rows += _article_buttons(kb, reply.citations)
            rows += [[_button(f"❓ {_short(s.question)}", cb.AskFaq(s.faq_id))] for s in reply.related[:RELATED_MAX]]
            rows.append([
                _button(msg.HELPFUL, cb.Feedback(reply.faq_id, True)),
                _button(msg.NOT_HELPFUL, cb.Feedback(reply.faq_id, False)),
            ])
            # Its own row: the 👍/👎 row goes once the worker has voted, this one stays.
            rows.append([_button(msg.ASK_UNION_BUTTON, cb.AskUnion())])
        case TermReply():
            rows += _article_buttons(kb, reply.citations)
        case UnsureReply():
            # The three best entries, and a way to ask a person when none of them is the question.
            rows += [[_button(f"❓ {_short(s.question)}", cb.AskFaq(s.faq_id))] for s in reply.suggestions[:3]]
            rows.append([_button(msg.ASK_UNION_BUTTON, cb.AskUnion())])
        case OutOfScopeReply():
            # Outside what the statutes answer (a housing fund, a pension's transfer…): the union's staff may still
            # know, or know whom to ask.
            rows.append([_button(msg.ASK_UNION_BUTTON, cb.AskUnion())])
        case ArticleChoiceReply():
            for short in reply.candidate_laws:
                law = _law_index(kb, short)
                if law is None or not reply.number:
                    continue
                if _article(kb, law, reply.number) is not None:
                    rows.append([_button(short, cb.ShowArticle(law, reply.number))])
                else:
                    # "安全生产法第999条": no such article, so offer the law's table of contents instead.
                    rows.append([_button(msg.BROWSE_LAW.format(law=short), cb.BrowseLaw(law, 0))])
    return InlineKeyboardMarkup(rows) if rows else None


def _article_buttons(kb: KnowledgeBase, citations: tuple[CitedArticle, ...]) -> list[list[InlineKeyboardButton]]:
    """A 📖 原文 button for each of the first three citations whose article the corpus has."""
    rows = []
    for c in citations[:3]:
        law = _law_index(kb, c.law)
        if law is not None and c.opening is not None:
            rows.append([_button(msg.SHOW_ARTICLE.format(label=c.label), cb.ShowArticle(law, c.article))])
    return rows


async def _remember(context: AnkangContext, reply: Reply, chat_id: int) -> None:
    """Count the question for the dashboard and for the asker's unit's rollups, and keep unanswered ones
    (their text, never who asked), after the reply: through the write-behind queue, so a database outage
    costs no answer."""
    services = context.services
    day = services.clock.now().astimezone(services.settings.tz).date()
    entry = services.kb.entry(reply.faq_id) if isinstance(reply, AnswerReply) and services.kb is not None else None
    topic = entry.tags[0] if entry is not None and entry.tags else ""
    intent, unanswered, asked_at = reply.intent, reply.question if reply.intent == "unsure" else None, utcnow()

    async def write(session) -> None:
        await record_question(session, day, intent, topic)
        await rollups.count_question(session, chat_id, day)
        if unanswered is not None:
            await record_unanswered(session, unanswered, now=asked_at)

    await services.writes.write("question statistic", write)


# --- buttons -------------------------------------------------------------------------------------

async def button(update: Update, context: AnkangContext) -> None:
    """Every QA button: show an article, answer a suggested question, record feedback, browse."""
    query = query_of(update)
    data = cb.parse(query.data)
    if isinstance(data, cb.AskUnion):  # normally taken by the handoff conversation's entry point
        await handoff.ask_union(update, context)
        return
    kb: KnowledgeBase | None = context.services.kb
    if data is None or kb is None:
        await query.answer(msg.ARTICLE_GONE if kb else msg.KB_LOADING)
        return
    match data:
        case cb.ShowArticle(law, number):
            article = _article(kb, law, number)
            if article is None:
                await query.answer(msg.ARTICLE_GONE, show_alert=True)
                return
            await query.answer()
            for chunk in split_text(render_article(article)):
                await query_message(query).reply_html(chunk)
        case cb.AskFaq(faq_id):
            picked = kb.answer_entry(faq_id)
            if picked is None:
                await query.answer(msg.QUESTION_GONE, show_alert=True)
                return
            await query.answer()
            await send_reply(update, context, picked)
        case cb.Feedback(faq_id, helpful):
            if kb.entry(faq_id) is None:
                await query.answer(msg.QUESTION_GONE)
                return
            # The question a 👎 answered is kept (its text, never who asked) to show beside the entry.
            asked = handoff.remembered_question(context, query.message.message_id) if query.message else None
            await query.answer(msg.THANKS_FEEDBACK)
            given_at = utcnow()

            async def write(session) -> None:
                await record_feedback(session, faq_id, helpful, None if helpful else asked, now=given_at)

            await context.services.writes.write("feedback", write)
            await _drop_feedback_row(query)
        case cb.BrowseLaws():
            await query.answer()
            await _edit(query, *laws_menu(kb))
        case cb.BrowseLaw(law, page):
            await _show_view(query, law_menu(kb, law, page))
        case cb.BrowseChapter(law, chapter, page):
            await _show_view(query, chapter_menu(kb, law, chapter, page))


async def _show_view(query, view: tuple[str, InlineKeyboardMarkup] | None) -> None:
    """Show a /laws screen in place, or say the button is out of date."""
    if view is None:
        await query.answer(msg.ARTICLE_GONE, show_alert=True)
        return
    await query.answer()
    await _edit(query, *view)


async def _drop_feedback_row(query) -> None:
    markup = query.message.reply_markup
    if markup is None:
        return
    rows = [row for row in markup.inline_keyboard if not any((b.callback_data or "").startswith("qa|v|") for b in row)]
    with contextlib.suppress(BadRequest):  # already edited by an earlier tap
        await query.edit_message_reply_markup(InlineKeyboardMarkup(rows) if rows else None)


async def _edit(query, text: str, markup: InlineKeyboardMarkup) -> None:
    await edit_in_place(query, text, reply_markup=markup)


# --- /laws ---------------------------------------------------------------------------------------

async def laws(update: Update, context: AnkangContext) -> None:
    kb = context.services.kb
    if kb is None or not kb.corpus:
        await message_of(update).reply_text(msg.LAWS_NONE)
        return
    text, markup = laws_menu(kb)
    await message_of(update).reply_html(text, reply_markup=markup)


def laws_menu(kb: KnowledgeBase) -> tuple[str, InlineKeyboardMarkup]:
    """Short names two to a row; a long one (生产安全事故报告和调查处理条例) gets a row of its own,
    so no name is cut off on a phone."""
    rows: list[list[InlineKeyboardButton]] = []
    open_pair: list[InlineKeyboardButton] | None = None  # a row with one short name, waiting for a second
    for i, law in enumerate(kb.corpus.laws):
        button = _button(law.short, cb.BrowseLaw(i, 0))
        if len(law.short) > PAIRED_LAW_NAME_CHARS:
            rows.append([button])
        elif open_pair is None:
            open_pair = [button]
            rows.append(open_pair)
        else:
            open_pair.append(button)
            open_pair = None
    return msg.LAWS_TITLE, InlineKeyboardMarkup(rows)


def _chapters(law: Law) -> list[tuple[str, list]]:
    """(title, articles or catalogue items) per browsable chapter of a law."""
    if law.kind == "catalog":
        groups: dict[str, list] = {}
        for item in law.items:
            groups.setdefault(item.chapter, []).append(item)
        return list(groups.items())
    chapters = [(c.title, c.articles) for c in law.chapters if c.articles]
    if law.preamble:
        chapters.insert(0, (msg.WHOLE_TEXT if not chapters else "总则前", law.preamble))
    return chapters


def law_menu(kb: KnowledgeBase, law_index: int, page: int) -> tuple[str, InlineKeyboardMarkup] | None:
    law = _law(kb, law_index)
    if law is None:
        return None
    chapters = _chapters(law)
    start = page * CHAPTERS_PER_PAGE
    rows = [[_button(_short(title), cb.BrowseChapter(law_index, i, 0))]
            for i, (title, _) in enumerate(chapters) if start <= i < start + CHAPTERS_PER_PAGE]
    rows.append(_pager(page, len(chapters), CHAPTERS_PER_PAGE, lambda p: cb.BrowseLaw(law_index, p), cb.BrowseLaws()))
    text = msg.LAW_CHAPTERS.format(title=h(law.title), version=h(law.version))
    return text, InlineKeyboardMarkup(rows)


def chapter_menu(kb: KnowledgeBase, law_index: int, chapter: int, page: int) -> tuple[str, InlineKeyboardMarkup] | None:
    law = _law(kb, law_index)
    chapters = _chapters(law) if law else []
    if law is None or not 0 <= chapter < len(chapters):
        return None
    title, entries = chapters[chapter]
    back = cb.BrowseLaw(law_index, chapter // CHAPTERS_PER_PAGE)
    if law.kind == "catalog":
        items = "\n".join(f"{i.number}. {h(i.name)}" for i in entries)
        text = msg.CATALOG_ITEMS.format(law=h(law.short), chapter=h(title), items=items)
        return split_text(text)[0], InlineKeyboardMarkup([[_button(msg.BACK, back)]])
    start = page * ARTICLES_PER_PAGE
    shown = entries[start:start + ARTICLES_PER_PAGE]
    buttons = [_button(f"第{a.number}条", cb.ShowArticle(law_index, a.number)) for a in shown]
    rows = [buttons[i:i + 4] for i in range(0, len(buttons), 4)]
    rows.append(_pager(page, len(entries), ARTICLES_PER_PAGE, lambda p: cb.BrowseChapter(law_index, chapter, p), back))
    text = msg.CHAPTER_ARTICLES.format(law=h(law.short), chapter=h(title))
    return text, InlineKeyboardMarkup(rows)


def _pager(page: int, total: int, per_page: int, to_page, back) -> list[InlineKeyboardButton]:
    row = [_button(msg.BACK, back)]
    if page > 0:
        row.append(_button(msg.PREV, to_page(page - 1)))
    if (page + 1) * per_page < total:
        row.append(_button(msg.NEXT, to_page(page + 1)))
    return row


# --- inline mode ---------------------------------------------------------------------------------

async def inline_query(update: Update, context: AnkangContext) -> None:
    """``@bot 关键词``: matching FAQ answers and articles to share into any chat."""
    query = inline_query_of(update)
    kb = context.services.kb
    text = (query.query or "").strip()[:MAX_QUESTION_CHARS]
    # With nothing typed (or nothing found) a button above the results says what to type.
    hint = InlineQueryResultsButton(text=msg.INLINE_EMPTY_HINT, start_parameter="inline")
    if kb is None or not text:
        await query.answer([], cache_time=5, is_personal=False, button=hint)
        return
    results = []
    for hit in kb.search(text, INLINE_RESULTS):
        if hit.kind == "article" and hit.article is not None:
            body = render_article(hit.article)
        else:
            cites = "、".join(_citation_label(kb, c.law, c.article) for c in hit.citations)
            body = f"<b>{h(hit.title)}</b>\n{h(hit.text)}" + (f"\n\n<b>{msg.BASIS}</b>：{h(cites)}" if cites else "")
        results.append(InlineQueryResultArticle(
            id=uuid4().hex,
            title=_short(hit.title, 60),
            description=_short(hit.text, 90),
            input_message_content=InputTextMessageContent(split_text(body)[0], parse_mode=ParseMode.HTML),
        ))
    try:
        await query.answer(results, cache_time=60, button=None if results else hint)
    except BadRequest as err:
        if "query is too old" not in str(err).lower():
            raise
        # Telegram waits about 10 s for inline results; under heavy load the answer can come too late.
        # Nobody is waiting for it any more: not a failure to report.
        log.info("inline query answered too late")


# --- helpers -------------------------------------------------------------------------------------

def _button(text: str, data: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=cb.build(data))


def _short(text: str, limit: int = BUTTON_LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _citation_label(kb: KnowledgeBase, law: str, number: int) -> str:
    """"安全生产法第四十五条", written as everywhere else in the bot."""
    try:
        return kb.corpus.article(law, number).label
    except ArticleNotFound:
        return f"{law}第{number}条"


def _law_index(kb: KnowledgeBase, short: str) -> int | None:
    for i, law in enumerate(kb.corpus.laws):
        if law.short == short:
            return i
    return None


def _law(kb: KnowledgeBase, index: int) -> Law | None:
    laws = kb.corpus.laws
    return laws[index] if 0 <= index < len(laws) else None


def _article(kb: KnowledgeBase, law_index: int, number: int) -> Article | None:
    law = _law(kb, law_index)
    if law is None:
        return None
    try:
        return kb.corpus.article(law.short, number)
    except ArticleNotFound:
        return None
