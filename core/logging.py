"""Logging set-up: one format, and redaction of secrets (the bot token sits in request URLs)."""
from __future__ import annotations

import logging
import re

TOKEN_RE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")


class RedactingFilter(logging.Filter):
    """Replace bot tokens and given secrets in every record's final message."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s and len(s) >= 4)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = TOKEN_RE.sub("[token]", message)
        for secret in self._secrets:
            redacted = redacted.replace(secret, "[secret]")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure_logging(level: str = "INFO", secrets: tuple[str, ...] = ()) -> None:
    """Configure the root logger once; quiet chatty HTTP clients whose lines carry URLs."""
    root = logging.getLogger()
    root.setLevel(level.upper())
    handler = logging.StreamHandler()
    # The handler carries the level too: some loggers (PTB's) get an explicit level of their own.
    handler.setLevel(level.upper())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    install_redaction(secrets)


def install_redaction(secrets: tuple[str, ...] = ()) -> None:
    """Add the redacting filter to every handler of the root logger and quiet URL-logging clients."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter(secrets))
    for noisy in ("httpx", "httpcore", "apscheduler.executors", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)
