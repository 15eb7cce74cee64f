"""Typed settings read from ``ANKANG_*`` environment variables and an optional ``.env``.

A plain dataclass and a few parsers, not pydantic-settings: pydantic's core and models cost a running
bot about 9 MB of memory for these thirty values (issue 14, point 7)."""
from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/ankang.sqlite3"
SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Telegram accepts 1–256 characters of A-Z, a-z, 0-9, _ and -; we require enough of them to be unguessable.
WEBHOOK_SECRET_MIN_CHARS = 32
WEBHOOK_SECRET_RE = re.compile(rf"[A-Za-z0-9_-]{{{WEBHOOK_SECRET_MIN_CHARS},256}}")
_N = WEBHOOK_SECRET_MIN_CHARS
WEBHOOK_SECRET_REQUIRED = (
    f"拒绝启动：Webhook 模式必须设置 ANKANG_WEBHOOK_SECRET（至少 {_N} 个字符，只含字母、数字、_ 和 -），"
    "否则任何人都能伪造 Telegram 更新、冒充管理员操作。生成一个：\n"
    "    python -c \"import secrets;print(secrets.token_urlsafe(32))\"\n"
    f"refusing to start: webhook mode (ANKANG_WEBHOOK_URL) needs ANKANG_WEBHOOK_SECRET of at least {_N} "
    "characters (letters, digits, _ and -); without it anyone can forge updates. Generate one with the "
    "command above, or unset ANKANG_WEBHOOK_URL to use long polling."
)


class SettingsError(Exception):
    """Raised with one human-readable line when the configuration is invalid."""


@dataclass
class Settings:
    """Everything Ankang can be configured with; see .env.example for the meaning of each.

    Built by ``load_settings``, which reads and checks every value; ``dataclasses.replace`` copies one
    with some fields changed (unchecked, like the values a test passes on purpose)."""

    bot_token: str = ""
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)  # may carry a password
    # The database password apart from the URL (Docker secrets, compose): any characters, no URL escaping;
    # merged into ``database_url`` once, escaped. The URL must then carry no password of its own.
    database_password: str = field(default="", repr=False)
    telegram_api_url: str = "https://api.telegram.org"
    webhook_url: str = ""
    webhook_secret: str = ""
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    public_url: str = ""
    admin_ids: frozenset[int] = frozenset()
    timezone: str = "Asia/Shanghai"
    laws_dir: Path | None = None
    # `ankang run --require-laws` (the Docker image's command) refuses to start without usable
    # statutes unless this is set: answering from the FAQ alone is then a choice, not an accident.
    allow_no_laws: bool = False
    secret_key: str = ""
    send_rate: float = 25.0
    missed_grace_s: int = 3600
    # Finished broadcasts keep per-recipient delivery rows this long, then only their counts.
    delivery_retention_days: int = 90
    # SQLite: how long a write waits for a lock held by another connection before it counts as failed.
    sqlite_busy_timeout_s: float = 30.0
    tip_draft_ttl_s: float = 1800  # idle tip drafts are discarded after this
    # Tips as cases (issue 16): calendar days in ``timezone``; digest times are local "HH:MM".
    tip_ack_days: int = 3
    tip_feedback_days: int = 30
    tip_review_days: int = 30
    tip_retention_days: int = 365
    tip_digest_times: tuple[str, ...] = ("09:00", "16:00")
    # A tip routed to a unit with fewer known workers (org members) than this warns the tipper that
    # the unit narrows who sent it, and suggests the parent (issue 12, point 4).
    tip_min_unit_size: int = 30
    # Addresses of the reverse proxies in front of the web server: only their X-Forwarded-For is
    # believed, to key the tip form's per-client limits (tips.ratelimit.ClientKeys).
    trusted_proxies: frozenset[str] = frozenset()
    # Search caches kept between starts; None: $XDG_CACHE_HOME/ankang or ~/.cache/ankang.
    cache_dir: Path | None = None
    log_level: str = "INFO"
    # 问工会: a question waiting this many working hours (Mon–Fri 09:00–18:00, local time) reminds the
    # staff on duty; after this many hours (any hours) it goes to every admin; an answered question
    # the worker leaves alone is closed after this many hours (and its chat id deleted).
    handoff_remind_h: float = 4.0
    handoff_escalate_h: float = 24.0
    handoff_close_h: float = 72.0
    # Who publishes a new FAQ entry, or an edit of a published one, written in the console: its author
    # after confirming ("self"), or a second admin ("two-person"; not the author's own draft or edit).
    faq_review: Literal["self", "two-person"] = "self"
    # The fields the environment, .env or the caller set (the others kept their defaults).
    fields_set: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def webhook_secret_problem(self) -> str | None:
        """Why this configuration must not serve a webhook, or None (long polling needs no secret)."""
        if self.webhook_url and not WEBHOOK_SECRET_RE.fullmatch(self.webhook_secret):
            return WEBHOOK_SECRET_REQUIRED
        return None

    @property
    def bot_base_url(self) -> str:
        """Bot API method root, e.g. https://api.telegram.org/bot (PTB appends the token)."""
        return f"{self.telegram_api_url}/bot"

    @property
    def bot_file_url(self) -> str:
        return f"{self.telegram_api_url}/file/bot"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def effective_secret_key(self) -> str:
        """The signing key; without one configured, a per-process random key (links die on restart)."""
        if not self.secret_key:
            import secrets

            object.__setattr__(self, "secret_key", secrets.token_urlsafe(32))
        return self.secret_key


# --- reading and checking values ------------------------------------------------------------
def _items(value: object) -> list[str]:
    """A comma-separated string, or a collection given by a caller, as stripped non-empty strings."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return [str(v).strip() for v in value]
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def _admin_ids(value: object) -> frozenset[int]:
    ids = set()
    for item in _items(value):
        try:
            ids.add(int(item))
        except (TypeError, ValueError):
            raise ValueError(f"“{item}” is not a numeric Telegram user id") from None
    return frozenset(ids)


def _proxies(value: object) -> frozenset[str]:
    import ipaddress

    items = _items(value)
    for item in items:
        try:
            ipaddress.ip_address(item)
        except ValueError:
            raise ValueError(f"“{item}” is not an IP address") from None
    return frozenset(items)


def _digest_times(value: object) -> tuple[str, ...]:
    times = set()
    for item in _items(value):
        hour, sep, minute = item.partition(":")
        if not (sep and hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60
                and len(minute) == 2):
            raise ValueError(f"“{item}” is not a time of day like 09:00")
        times.add(f"{int(hour):02d}:{minute}")
    return tuple(sorted(times))


def _database_url(value: object) -> str:
    text = _text(value)
    try:
        url = make_url(text)
    except ArgumentError:
        raise ValueError(f"cannot parse “{text}” as a database URL") from None
    if url.drivername not in SUPPORTED_DRIVERS:
        raise ValueError(f"driver “{url.drivername}” is not supported; use one of {', '.join(SUPPORTED_DRIVERS)}")
    return text


def _http_url(value: object) -> str:
    text = _text(value).strip().rstrip("/")
    if text and not text.startswith(("http://", "https://")):
        raise ValueError(f"“{text}” must start with http:// or https://")
    return text


def _timezone(value: object) -> str:
    text = _text(value)
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone “{text}”") from None
    return text


def _log_level(value: object) -> str:
    level = _text(value).strip().upper()
    if level not in LOG_LEVELS:
        raise ValueError(f"“{value}” is not a log level; use one of {', '.join(LOG_LEVELS)}")
    return level


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("Input should be a valid string")
    return value


def _path(value: object) -> Path | None:
    if value in ("", None):
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise ValueError("Input should be a valid path")
    return Path(value)


_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no", ""})


def _bool(value: object) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError("Input should be a valid boolean, unable to interpret input")


def _number(kind: type[int] | type[float], low: float | None = None, high: float | None = None,
            low_open: bool = False) -> Callable[[object], object]:
    """A parser of an int or a float within bounds (``low_open``: strictly greater than ``low``)."""
    noun = "an integer" if kind is int else "a number"

    def parse(value: object) -> object:
        if isinstance(value, bool):
            raise ValueError(f"Input should be a valid {noun.split()[-1]}")
        try:
            number = kind(value.strip() if isinstance(value, str) else cast(Any, value))
        except (TypeError, ValueError):
            raise ValueError(f"Input should be {noun}, unable to parse “{value}”") from None
        if kind is int and isinstance(value, float) and value != number:
            raise ValueError(f"Input should be {noun}, got a fractional number")
        if low is not None and (number <= low if low_open else number < low):
            raise ValueError(f"Input should be greater than {'' if low_open else 'or equal to '}{low:g}")
        if high is not None and number > high:
            raise ValueError(f"Input should be less than or equal to {high:g}")
        return number

    return parse


def _choice(*choices: str) -> Callable[[object], object]:
    def parse(value: object) -> object:
        if value not in choices:
            raise ValueError(f"Input should be {' or '.join(repr(c) for c in choices)}")
        return value

    return parse


# How each field is read (from the environment's text or a caller's value) and checked; fields absent
# here are plain strings.
_PARSERS: dict[str, Callable[[object], object]] = {
    "database_url": _database_url,
    "telegram_api_url": _http_url,
    "webhook_url": _http_url,
    "public_url": _http_url,
    "web_port": _number(int, 0, 65535),
    "admin_ids": _admin_ids,
    "timezone": _timezone,
    "laws_dir": _path,
    "allow_no_laws": _bool,
    "send_rate": _number(float, 0, 1000, low_open=True),
    "missed_grace_s": _number(int, 0),
    "delivery_retention_days": _number(int, 1, 3650),
    "sqlite_busy_timeout_s": _number(float, 0, 600, low_open=True),
    "tip_draft_ttl_s": _number(float, 0, low_open=True),
    "tip_ack_days": _number(int, 0, 365),
    "tip_feedback_days": _number(int, 0, 3650),
    "tip_review_days": _number(int, 0, 3650),
    "tip_retention_days": _number(int, 1, 36500),
    "tip_digest_times": _digest_times,
    "tip_min_unit_size": _number(int, 0, 100000),
    "trusted_proxies": _proxies,
    "cache_dir": _path,
    "log_level": _log_level,
    "handoff_remind_h": _number(float, 0, 24 * 30, low_open=True),
    "handoff_escalate_h": _number(float, 0, 24 * 60, low_open=True),
    "handoff_close_h": _number(float, 0, 24 * 90, low_open=True),
    "faq_review": _choice("self", "two-person"),
}
_FIELDS = tuple(f.name for f in dataclasses.fields(Settings) if f.name != "fields_set")
ENV_PREFIX = "ANKANG_"
ENV_FILE = ".env"


def _environment() -> dict[str, str]:
    """Field name → text, from ``.env`` (in the working directory) overlaid by the environment.

    Variable names are read without regard to case, as pydantic-settings did."""
    found: dict[str, str] = {}
    sources: list[Mapping[str, str | None]] = []
    if os.path.isfile(ENV_FILE):
        from dotenv import dotenv_values

        sources.append(dotenv_values(ENV_FILE, encoding="utf-8"))
    sources.append(os.environ)
    names = set(_FIELDS)
    for source in sources:
        for key, value in source.items():
            if value is not None and key.upper().startswith(ENV_PREFIX):
                name = key[len(ENV_PREFIX):].lower()
                if name in names:
                    found[name] = value
    return found


def _password_into_url(values: dict[str, Any]) -> None:
    password = values.get("database_password")
    if not password:
        return
    url = make_url(values.get("database_url", DEFAULT_DATABASE_URL))
    if url.drivername.startswith("sqlite"):
        raise SettingsError("ANKANG_DATABASE_PASSWORD is set, but SQLite (ANKANG_DATABASE_URL) has no password")
    if url.password is not None:
        raise SettingsError("both ANKANG_DATABASE_URL and ANKANG_DATABASE_PASSWORD carry a password: keep one")
    # render_as_string escapes what a URL cannot carry as is (@ : / % # …).
    values["database_url"] = url.set(password=password).render_as_string(hide_password=False)


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment; raise SettingsError with one clear line if invalid.

    ``overrides`` (field name → value) win over the environment and are checked like it."""
    unknown = set(overrides) - set(_FIELDS)
    if unknown:
        raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
    given = {**_environment(), **overrides}
    values: dict[str, Any] = {}
    for name in _FIELDS:  # in declaration order: the first invalid field is the one reported
        if name not in given:
            continue
        parse = _PARSERS.get(name, _text)
        try:
            values[name] = parse(given[name])
        except ValueError as exc:
            raise SettingsError(f"{ENV_PREFIX}{name.upper()}: {exc}") from None
    # A check across fields has no field of its own: its message names the variables.
    _password_into_url(values)
    return Settings(**values, fields_set=frozenset(given))


def settings_or_exit(**overrides: Any) -> Settings:
    """Load settings for a command-line entry point, or stop with one clear line (no traceback)."""
    import sys

    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        print(f"配置错误 / configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
