"""Certificates: issued once per holder and reason, with a short verification code anyone can check,
rendered as a PDF with the system's Noto CJK font embedded.

reportlab embeds TrueType outlines only, and Debian's Noto Sans CJK (fonts-noto-cjk) has PostScript
(CFF) ones: so each render subsets the font to the characters the certificate uses and converts that
subset's outlines to TrueType quadratics (fontTools), a few dozen glyphs, which reportlab then embeds.
"""
from __future__ import annotations

import functools
import io
import logging
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.cleantext import without_unstorable
from core.db import SessionMaker, rows_matched
from core.models import utcnow
from study import messages as msg
from study.models import CODE_MAX, HOLDER_MAX, REF_MAX, TITLE_MAX, Certificate

log = logging.getLogger(__name__)

# Crockford's base32: no I, L, O or U, so a code read aloud or typed from paper is not misread.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_CHARS = 10  # 50 random bits: hopeless to guess at the public page's rate limit
CODE_GROUP = 5  # shown as XXXXX-XXXXX
# What a person may type or paste: anything longer is not a code (and is not looked up).
CODE_INPUT_MAX_CHARS = 40
_TYPED_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.·—]+")

CJK_FONT_CANDIDATES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf"),
)
CJK_SC_INDEX = 2  # in Noto's .ttc collections: JP, KR, SC, TC, HK
PDF_FONT_NAME = "NotoSansCJKsc"


class CertificateError(ValueError):
    """A certificate that cannot be issued as asked; ``str(error)`` is the reason."""


class FontMissing(LookupError):
    """The system has no Noto CJK font to embed; ``str(error)`` says how to install it (Chinese)."""

    def __init__(self) -> None:
        super().__init__(msg.FONT_MISSING)


@dataclass(frozen=True, slots=True)
class Verification:
    """What the public page shows for a code: None fields when the code is unknown."""

    code: str  # as normalised (shown back to the visitor)
    certificate: Certificate | None

    @property
    def valid(self) -> bool:
        return self.certificate is not None


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_CHARS))


def format_code(code: str) -> str:
    """XXXXX-XXXXX, as printed and shown."""
    return "-".join(code[i:i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def normalise_code(typed: str | None) -> str | None:
    """The stored form of a typed code (case, spaces, hyphens, O/I/L mistaken for 0/1), or None if it cannot be one."""
    if not typed or len(typed) > CODE_INPUT_MAX_CHARS:
        return None
    code = _SEPARATORS.sub("", typed).upper().translate(_TYPED_AS)
    if len(code) != CODE_CHARS or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def _clean(value: str, limit: int, what: str) -> str:
    cleaned = " ".join(without_unstorable(value).split())
    if not cleaned:
        raise CertificateError(f"{what}不能为空")
    if len(cleaned) > limit:
        raise CertificateError(f"{what}不能超过 {limit} 个字")
    return cleaned


async def issue_certificate(
    session: AsyncSession, holder_name: str, unit_id: int | None, title: str, reason_ref: str | None = None, *,
    chat_id: int | None = None, now: datetime | None = None, told: bool = False,
) -> Certificate:
    """Issue a certificate to a person (``chat_id`` when they have one, so they can download it in the bot)
    or a unit (``unit_id``); the same holder and ``reason_ref`` give back the certificate already issued.
    ``told``: the caller tells the holder itself (a milestone offered at once); otherwise a person's
    certificate waits for ``notify_issued`` to tell them."""
    holder = _clean(holder_name, HOLDER_MAX, "获奖者名称")
    what = _clean(title, TITLE_MAX, "证书内容")
    if reason_ref is not None and not 0 < len(reason_ref) <= REF_MAX:
        raise CertificateError(f"reason_ref must have 1-{REF_MAX} characters")
    if reason_ref is not None and (chat_id is not None or unit_id is not None):
        existing = await _existing(session, chat_id, unit_id, reason_ref)
        if existing is not None:
            return existing
    for _ in range(5):  # a clash of 50-bit codes is all but impossible; try again if it happens
        cert = Certificate(code=new_code(), holder_name=holder, unit_id=unit_id,
                           chat_id=chat_id if unit_id is None else None, title=what, reason_ref=reason_ref,
                           issued_at=now or utcnow(), notified_at=(now or utcnow()) if told else None)
        try:
            async with session.begin_nested():
                session.add(cert)
            return cert
        except IntegrityError:
            if reason_ref is not None:
                existing = await _existing(session, chat_id, unit_id, reason_ref)
                if existing is not None:  # issued concurrently for the same reason
                    return existing
    raise CertificateError("could not draw a unique certificate code")


async def _existing(session: AsyncSession, chat_id: int | None, unit_id: int | None,
                    reason_ref: str) -> Certificate | None:
    query = select(Certificate).where(Certificate.reason_ref == reason_ref)
    if unit_id is not None:
        query = query.where(Certificate.unit_id == unit_id)
    else:
        query = query.where(Certificate.chat_id == chat_id, Certificate.unit_id.is_(None))
    return (await session.scalars(query)).first()


async def verify(session: AsyncSession, typed: str | None) -> Verification:
    """Look a typed code up; a malformed one is answered as unknown without a query."""
    code = normalise_code(typed)
    if code is None:
        return Verification("", None)
    cert = (await session.scalars(select(Certificate).where(Certificate.code == code))).first()
    return Verification(code, cert)


async def certificates_of(session: AsyncSession, chat_id: int) -> list[Certificate]:
    """A worker's own certificates, newest first."""
    rows = await session.scalars(
        select(Certificate).where(Certificate.chat_id == chat_id).order_by(Certificate.issued_at.desc(),
                                                                             Certificate.id.desc()))
    return list(rows.all())


async def certificate_of(session: AsyncSession, chat_id: int, certificate_id: int) -> Certificate | None:
    """The worker's certificate with this id; None for someone else's or an unknown one."""
    cert = await session.get(Certificate, certificate_id)
    return cert if cert is not None and cert.chat_id == chat_id else None


class CertificateNotifier(Protocol):
    """How a worker is told of a certificate issued to them; the bot implements it (a message with the
    download button, /mystudy and the verification link)."""

    async def send_certificate(self, chat_id: int, cert: Certificate) -> None: ...


# Certificates told per sweep, the rest in the next ones: the campaign watch's tick (which also times out
# questions) is held for about a second at most at Telegram's ~30 messages/s, and 10,000 awards go in minutes.
NOTIFY_BATCH = 20


async def notify_issued(sessions: SessionMaker, notifier: CertificateNotifier, *, now: datetime,
                        limit: int = NOTIFY_BATCH) -> list[int]:
    """Tell each worker of the certificates issued to them and not told yet (a campaign's awards); the ids told.

    Each is claimed by a conditional UPDATE before it is sent, so two processes or two sweeps never send it
    twice; a send that fails is not tried again (the certificate is in /mystudy regardless)."""
    async with sessions() as session:
        due = list((await session.scalars(
            select(Certificate).where(Certificate.chat_id.is_not(None), Certificate.unit_id.is_(None),
                                      Certificate.notified_at.is_(None))
            .order_by(Certificate.id).limit(limit))).all())
    told: list[int] = []
    for cert in due:
        async with sessions() as session, session.begin():
            claimed = await session.execute(update(Certificate).where(
                Certificate.id == cert.id, Certificate.notified_at.is_(None)).values(notified_at=now))
            if rows_matched(claimed) != 1:
                continue
        assert cert.chat_id is not None
        try:
            await notifier.send_certificate(cert.chat_id, cert)
        except Exception:  # one worker's failed message must not hold up the others
            log.exception("could not tell a worker of their certificate")
            continue
        told.append(cert.id)
    return told


async def recent_certificates(session: AsyncSession, limit: int = 50) -> list[Certificate]:
    rows = await session.scalars(select(Certificate).order_by(Certificate.id.desc()).limit(limit))
    return list(rows.all())


# --- the PDF ------------------------------------------------------------------------------------------


def cjk_font_path() -> Path | None:
    """The first Noto Sans CJK font installed, or None."""
    return next((path for path in CJK_FONT_CANDIDATES if path.is_file()), None)


def pdf_filename(cert: Certificate) -> str:
    return f"certificate-{cert.code}.pdf"


# reportlab keeps registered fonts in a process-wide table: one render at a time registers its subset.
_RENDER_LOCK = threading.Lock()


def render_pdf(cert: Certificate, *, verify_url: str | None = None, tz: tzinfo | None = None) -> bytes:
    """The certificate as an A4 landscape PDF (blocking: call it in a thread); raise FontMissing without Noto CJK."""
    issued = cert.issued_at.astimezone(tz) if tz is not None else cert.issued_at
    holder_line = (msg.CERTIFICATE_UNIT_LINE if cert.unit_id is not None else msg.CERTIFICATE_PERSON_LINE).format(
        holder=cert.holder_name)
    lines = (
        ("heading", msg.CERTIFICATE_HEADING),
        ("holder", holder_line),
        ("title", msg.CERTIFICATE_BODY.format(title=cert.title)),
        ("suffix", msg.CERTIFICATE_SUFFIX),
        ("issuer", msg.CERTIFICATE_ISSUER),
        ("date", msg.CERTIFICATE_DATE.format(date=issued)),
        ("code", msg.CERTIFICATE_CODE.format(code=format_code(cert.code))),
        ("verify", msg.CERTIFICATE_VERIFY.format(url=verify_url) if verify_url else ""),
    )
    return _render(lines, f"{cert.title} — {cert.holder_name}")


# A render costs about a second of CPU (reading and cutting the font): a certificate downloaded again
# is served from memory, and at most RENDERS_AT_ONCE are drawn at a time, however often a button is pressed.
RENDER_CACHE_SIZE = 64
RENDERS_AT_ONCE = 2
_RENDERS = threading.BoundedSemaphore(RENDERS_AT_ONCE)


@functools.lru_cache(maxsize=RENDER_CACHE_SIZE)
def _render(items: tuple[tuple[str, str], ...], document_title: str) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    path = cjk_font_path()
    if path is None:
        raise FontMissing()
    lines = dict(items)
    with _RENDERS:
        font_bytes = _truetype_subset(path, "".join(lines.values()))
    width, height = landscape(A4)
    out = io.BytesIO()
    with _RENDER_LOCK:
        _register(font_bytes)
        pdf = canvas.Canvas(out, pagesize=(width, height), pageCompression=1)
        pdf.setTitle(document_title)
        pdf.setAuthor(msg.CERTIFICATE_ISSUER)
        red = colors.HexColor("#b71c1c")
        pdf.setStrokeColor(red)
        pdf.setLineWidth(6)
        pdf.rect(28, 28, width - 56, height - 56)
        pdf.setLineWidth(1.5)
        pdf.rect(40, 40, width - 80, height - 80)
        pdf.setFillColor(red)
        pdf.setFont(PDF_FONT_NAME, 48)
        pdf.drawCentredString(width / 2, height - 140, lines["heading"])
        pdf.setFillColor(colors.black)
        # Long names and titles (64 and 100 characters at most) wrap, each line below the last.
        y = height - 220
        pdf.setFont(PDF_FONT_NAME, 24)
        for part in _wrap(lines["holder"], 30):
            pdf.drawCentredString(width / 2, y, part)
            y -= 34
        y -= 16
        pdf.setFont(PDF_FONT_NAME, 22)
        for part in _wrap(lines["title"], 30):
            pdf.drawCentredString(width / 2, y, part)
            y -= 32
        pdf.setFont(PDF_FONT_NAME, 18)
        pdf.drawCentredString(width / 2, min(height - 350, y - 24), lines["suffix"])
        pdf.setFont(PDF_FONT_NAME, 16)
        pdf.drawRightString(width - 110, 150, lines["issuer"])
        pdf.drawRightString(width - 110, 124, lines["date"])
        pdf.setFont(PDF_FONT_NAME, 12)
        pdf.drawString(70, 80, lines["code"])
        if lines["verify"]:
            pdf.drawString(70, 62, lines["verify"])
        pdf.showPage()
        pdf.save()
    return out.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def _register(font_bytes: bytes) -> None:
    """Register this render's subset under PDF_FONT_NAME (the caller holds _RENDER_LOCK).

    ``registerFont`` keeps the first font registered under a name, and under a face name, for the life
    of the process; each certificate has a subset of its own, so the previous one is dropped first.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    font = TTFont(PDF_FONT_NAME, io.BytesIO(font_bytes))
    pdfmetrics._fonts.pop(PDF_FONT_NAME, None)  # type: ignore[attr-defined]  # private registry, not in the stubs
    pdfmetrics._dynFaceNames.pop(font.face.name, None)  # type: ignore[attr-defined]  # likewise
    pdfmetrics.registerFont(font)


def _truetype_subset(path: Path, text: str) -> bytes:
    """The Simplified Chinese face of ``path`` cut down to ``text``'s characters, with TrueType outlines."""
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(str(path), fontNumber=CJK_SC_INDEX if path.suffix == ".ttc" else -1, lazy=True)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text + " ")
    subsetter.subset(font)
    if "glyf" not in font:  # CFF outlines: convert to quadratic TrueType ones
        order = font.getGlyphOrder()
        glyphs = font.getGlyphSet()
        glyf = newTable("glyf")
        glyf.glyphOrder = order
        glyf.glyphs = {}
        for name in order:
            pen = TTGlyphPen(glyphs)
            glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
            glyf.glyphs[name] = pen.glyph()
        font["glyf"] = glyf
        font["loca"] = newTable("loca")
        maxp = font["maxp"]
        maxp.tableVersion = 0x00010000
        for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                     "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
            setattr(maxp, attr, 0)
        maxp.maxZones = 1
        font["head"].glyphDataFormat = 0
        del font["CFF "]
        if "VORG" in font:
            del font["VORG"]
        font.sfntVersion = "\x00\x01\x00\x00"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


__all__ = [
    "CODE_ALPHABET", "CODE_CHARS", "CODE_MAX", "CertificateError", "FontMissing", "Verification", "certificate_of",
    "certificates_of", "cjk_font_path", "format_code", "issue_certificate", "new_code", "normalise_code",
    "notify_issued", "pdf_filename", "recent_certificates", "render_pdf", "verify",
]
