"""学时 in the bot: 读完了 under a lesson, minutes for a lesson's quiz, /mystudy and certificate downloads.

Each handler calls one function of the ``study`` domain and renders its result.
"""
from __future__ import annotations

import asyncio
import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import messages
from bot import study_callbacks as cb
from bot import study_messages as msg
from bot.context import AnkangContext
from bot.parts import chat_of, message_of, query_of
from broadcasts.library import Lesson
from core import users
from study import certificates as certs
from study import service as study
from study.models import Certificate, StudySource

log = logging.getLogger(__name__)


def download_keyboard(certificates: list[Certificate]) -> InlineKeyboardMarkup | None:
    rows = [[InlineKeyboardButton(msg.DOWNLOAD_BUTTON.format(title=c.title)[:60],
                                  callback_data=cb.build(cb.DownloadCertificate(c.id)))] for c in certificates[:10]]
    return InlineKeyboardMarkup(rows) if rows else None


async def finished_reading(update: Update, context: AnkangContext, lesson: Lesson) -> None:
    """读完了 pressed under a lesson: its minutes, once; a milestone's certificate is offered at once."""
    query = query_of(update)
    chat_id = chat_of(update).id
    async with context.session() as session, session.begin():
        await users.record_user(session, chat_id)
        credited = await study.credit(session, chat_id, StudySource.LESSON, lesson.id, lesson.study_minutes,
                                      title=lesson.title, now=context.services.clock.now())
    await query.answer(msg.read_credited(credited))
    await offer_certificate(context, chat_id, credited)


async def credit_quiz(context: AnkangContext, chat_id: int, lesson: Lesson) -> study.Credited:
    """A lesson's quiz answered (first answer only): its minutes, once per lesson; the caller offers a
    milestone's certificate after its feedback."""
    async with context.session() as session, session.begin():
        await users.record_user(session, chat_id)
        return await study.credit(session, chat_id, StudySource.QUIZ, lesson.id, study.QUIZ_MINUTES,
                                  title=lesson.title, now=context.services.clock.now())


async def offer_certificate(context: AnkangContext, chat_id: int, credited: study.Credited) -> None:
    cert = credited.certificate
    if cert is None:
        return
    await context.bot.send_message(chat_id, msg.certificate_earned(cert, certs.format_code(cert.code)),
                                   parse_mode="HTML", reply_markup=download_keyboard([cert]))


def verify_url_of(base: str, cert: Certificate) -> str | None:
    """The public page that checks ``cert`` (``/verify/CODE``), when the web's address is known."""
    return f"{base.rstrip('/')}/verify/{certs.format_code(cert.code)}" if base else None


async def tell_certificate(bot: Bot, chat_id: int, cert: Certificate, base_url: str) -> None:
    """Tell a worker of a certificate issued to them (a campaign's award): its code, the download button,
    /mystudy and the verification link. Through the bot's one outgoing path, like every message."""
    text = msg.certificate_issued(cert, certs.format_code(cert.code), verify_url_of(base_url, cert))
    await bot.send_message(chat_id, text, parse_mode="HTML", reply_markup=download_keyboard([cert]))


async def mystudy(update: Update, context: AnkangContext) -> None:
    """/mystudy: total minutes, by month, the last items and the certificates to download."""
    chat_id = chat_of(update).id
    tz = context.services.settings.tz
    async with context.session() as session:
        mine = await study.my_study(session, chat_id, tz)
    await message_of(update).reply_html(msg.my_study_text(mine, tz), reply_markup=download_keyboard(mine.certificates))


async def study_button(update: Update, context: AnkangContext) -> None:
    """Every "st:" button: a certificate's PDF, sent as a document (only to its holder)."""
    query = query_of(update)
    data = cb.parse(query.data)
    chat_id = chat_of(update).id
    if data is None:
        await query.answer(messages.STALE_BUTTON)
        return
    async with context.session() as session:
        cert = await certs.certificate_of(session, chat_id, data.certificate_id)
    if cert is None:
        await query.answer(msg.CERTIFICATE_GONE)
        return
    await query.answer()
    settings = context.services.settings
    verify_url = verify_url_of(settings.public_url or context.services.web_url, cert)
    try:
        pdf = await asyncio.to_thread(certs.render_pdf, cert, verify_url=verify_url, tz=settings.tz)
    except certs.FontMissing:
        log.error("certificate not rendered: the Noto CJK font is not installed (fonts-noto-cjk)")
        await context.bot.send_message(chat_id, msg.CERTIFICATE_UNAVAILABLE)
        return
    caption = msg.CERTIFICATE_CAPTION.format(title=cert.title, code=certs.format_code(cert.code))
    if verify_url:
        caption += msg.CERTIFICATE_VERIFY_AT.format(url=verify_url)
    await context.bot.send_document(chat_id, InputFile(pdf, filename=certs.pdf_filename(cert)), caption=caption)


def register(app: Application) -> None:
    """/mystudy and the st: buttons (called from bot.app.register_handlers)."""
    app.add_handler(CommandHandler("mystudy", mystudy))
    app.add_handler(CallbackQueryHandler(study_button, pattern=cb.PATTERN))
