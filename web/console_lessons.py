"""Console: the 微课堂 lesson library — browse, preview as a worker sees it, send a test to oneself."""
from __future__ import annotations

import logging
import re

from aiohttp import web
from markupsafe import Markup, escape

from broadcasts.library import Library
from core.topics import BY_CODE
from web import messages
from web.console_pages import admin_of, audited, error_page, redirect, render
from web.typedefs import BOT_SENDER, LIBRARY, SERVICES

log = logging.getLogger(__name__)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/admin/lessons", lessons_page)
    app.router.add_get("/admin/lessons/{lesson_id}", lesson_page)
    app.router.add_post("/admin/lessons/{lesson_id}/test", send_test)


async def lesson_library(app: web.Application) -> Library:
    """The running broadcast engine's library, else the bundled files."""
    engine = app[SERVICES].broadcasts
    return await app[LIBRARY].get(engine.library if engine is not None else None)


def body_html(body: str) -> Markup:
    """Lesson Markdown as the bot sends it: **bold**, "- " list items as bullets, line breaks kept."""
    lines = []
    for line in str(escape(body)).split("\n"):
        if line.startswith("- "):
            line = "• " + line[2:]
        lines.append(re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", line))
    return Markup("\n".join(lines))


def citation_label(citation) -> str:
    from knowledge.numerals import int_to_cn

    return f"《{citation.law}》第{int_to_cn(citation.article)}条"


async def lessons_page(request: web.Request) -> web.Response:
    library = await lesson_library(request.app)
    topic = request.query.get("topic", "")
    lessons = [lesson for lesson in library if not topic or topic in lesson.topics]
    groups: dict[str, list] = {}
    for lesson in lessons:
        groups.setdefault(lesson.series or "单篇课程", []).append(lesson)
    topics = [(code, BY_CODE[code].label) for code in library.topics_covered()]
    return render(request, "console/lessons.html", {
        "title": "微课堂", "groups": groups, "topics": topics, "topic": topic, "count": len(lessons),
        "topic_labels": {code: t.label for code, t in BY_CODE.items()},
    })


async def lesson_page(request: web.Request) -> web.Response:
    from broadcasts.library import LessonNotFound

    library = await lesson_library(request.app)
    try:
        lesson = library.get(request.match_info["lesson_id"])
    except LessonNotFound:
        return error_page(request, "找不到课程", messages.NOT_FOUND, 404)
    return render(request, "console/lesson.html", {
        "title": lesson.title, "lesson": lesson, "body": body_html(lesson.body),
        "citations": [citation_label(c) for c in lesson.citations],
        "topic_labels": {code: t.label for code, t in BY_CODE.items()},
        "can_send": BOT_SENDER in request.app,
    })


async def send_test(request: web.Request) -> web.Response:
    from broadcasts.library import LessonNotFound

    library = await lesson_library(request.app)
    lesson_id = request.match_info["lesson_id"]
    try:
        library.get(lesson_id)
    except LessonNotFound:
        return error_page(request, "找不到课程", messages.NOT_FOUND, 404)
    sender = request.app.get(BOT_SENDER)
    if sender is None:
        return error_page(request, "无法发送", messages.BOT_UNAVAILABLE, 503)
    admin = admin_of(request)
    try:
        await sender.send_lesson(admin.user_id, lesson_id)
    except Exception:
        log.exception("sending a test lesson failed")
        return error_page(request, "发送失败", messages.TEST_SEND_FAILED, 502)
    await audited(request, "web.lesson_test", lesson_id)
    raise redirect(f"/admin/lessons/{lesson_id}", "test_sent")
