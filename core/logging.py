"""Logging set-up: one format, redaction of secrets (the bot token sits in request URLs), and the
loggers pinned so no library writes who a worker is (tips are anonymous; see docs/threat-model-tips.md)."""
from __future__ import annotations

import asyncio
import logging
import re
import traceback

TOKEN_RE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")


class RedactingFilter(logging.Filter):
    """Replace bot tokens and given secrets in every record's final message."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s and len(s) >= 4)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # Tracebacks are formatted later by the handler: redact them here (httpx errors carry URLs).
            record.exc_text = self._redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        return True

    def _redact(self, text: str) -> str:
        text = TOKEN_RE.sub("[token]", text)
        for secret in self._secrets:
            text = text.replace(secret, "[secret]")
        return text


class _DropClientAddress(logging.Filter):
    """aiohttp logs "Error handling request from <client address>": keep the error, drop the address."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "%s" in record.msg and "request from" in record.msg:
            record.msg, record.args = record.msg.replace("from %s", "from [client]"), ()
        return True


# Loggers that would write who a worker is, or the bot token, at the levels below them:
# PTB logs whole updates and API payloads at DEBUG; Pillow logs every EXIF tag (GPS, owner) at
# DEBUG; httpx/httpcore log request URLs (with the token) at INFO; SQLAlchemy's engine logs
# statements with their parameters (chat ids, tip text) at INFO (its pool and ORM at DEBUG),
# aiosqlite every call it runs for SQLite, with the same parameters, at DEBUG, and asyncpg may
# log statements; APScheduler logs job details and a timeline of every conversation step;
# aiohttp's access log holds client addresses and user agents.
PINNED_LEVELS: dict[str, int] = {
    "telegram": logging.INFO,
    "PIL": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "sqlalchemy": logging.WARNING,
    "aiosqlite": logging.INFO,
    "asyncpg": logging.WARNING,
    "apscheduler": logging.WARNING,
    "aiohttp.access": logging.WARNING,
    "jieba": logging.WARNING,
}


def pinned_level(logger_name: str) -> int | None:
    """The pinned level of ``logger_name`` or of its nearest pinned ancestor; None if it has none."""
    name = logger_name
    while name:
        if name in PINNED_LEVELS:
            return PINNED_LEVELS[name]
        name = name.rpartition(".")[0]
    return None


class PinnedLevelFilter(logging.Filter):
    """Hold the pinned levels at the handler too, whatever a library later sets on its loggers.

    Logger levels alone do not hold: ``create_engine(echo=True)`` sets ``sqlalchemy.engine.Engine``
    to INFO, a library may set a child logger's level, and the root may be at DEBUG. This filter
    drops their records below the pinned level before any handler writes them."""

    def filter(self, record: logging.LogRecord) -> bool:
        level = pinned_level(record.name)
        return level is None or record.levelno >= level


class CancelledResetFilter(logging.Filter):
    """SQLAlchemy's pool logs "Exception during reset or similar" with a full traceback when a connection a
    cancelled task still held is reset as the process stops (the task's ``await`` of the rollback is cancelled
    too). Nothing is lost that the cancellation had not already lost — the server rolls the transaction back
    when the connection closes — so this is one warning line, not a traceback that reads like a crash."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if record.name.startswith("sqlalchemy.pool") and isinstance(error, asyncio.CancelledError):
            record.msg, record.args = "a connection was reset while its task was being cancelled (stopping)", ()
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True


# Loggers that are merely chatty: Alembic says at INFO how it will migrate, on every start, even when
# there is nothing to do. Their warnings still show.
CHATTY_LEVELS: dict[str, int] = {
    "alembic": logging.WARNING,
}


def quiet_identifying_loggers() -> None:
    """Pin library loggers so records that could identify a worker are never created (idempotent).

    An explicit level on a logger holds even when the root logger is set to DEBUG, so this holds
    for every entry point: ``ankang run`` and the demo (through configure_logging), and anything
    that builds the bot or the web app in-process (bot.app.register_handlers, web.tips.setup_routes).
    """
    for name, level in (PINNED_LEVELS | CHATTY_LEVELS).items():
        logger = logging.getLogger(name)
        if logger.level != level:  # setLevel empties every logger's cache, on each of the calls above
            logger.setLevel(level)
    server = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, _DropClientAddress) for f in server.filters):
        server.addFilter(_DropClientAddress())


def redacted_traceback(error: BaseException) -> str:
    """Where ``error`` happened — exception types and stack frames, chained ones too — without any
    exception message: messages can quote what a worker wrote or SQL parameters (chat ids, tip text)."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    blocks = []
    for exc in reversed(chain):  # oldest first, as Python prints them
        frames = traceback.format_list(traceback.extract_tb(exc.__traceback__))
        name = f"{type(exc).__module__}.{type(exc).__qualname__}"
        blocks.append("Traceback (most recent call last):\n" + "".join(frames) + f"{name}: [message redacted]")
    return "\n\nThe above exception led to the following one:\n\n".join(blocks)


def configure_logging(level: str = "INFO", secrets: tuple[str, ...] = ()) -> None:
    """Configure the root logger once; quiet chatty HTTP clients whose lines carry URLs."""
    root = logging.getLogger()
    root.setLevel(level.upper())
    handler = logging.StreamHandler()
    # The handler carries the level too: some loggers (PTB's) get an explicit level of their own.
    handler.setLevel(level.upper())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PinnedLevelFilter())
    handler.addFilter(CancelledResetFilter())
    handler.addFilter(RedactingFilter(secrets))
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    install_redaction(secrets)


def install_redaction(secrets: tuple[str, ...] = ()) -> None:
    """Add the redacting filter to every handler of the root logger and quiet URL-logging clients."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, PinnedLevelFilter) for f in handler.filters):
            handler.addFilter(PinnedLevelFilter())
        if not any(isinstance(f, CancelledResetFilter) for f in handler.filters):
            handler.addFilter(CancelledResetFilter())
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter(secrets))
    quiet_identifying_loggers()
