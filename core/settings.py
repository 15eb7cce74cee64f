"""Typed settings read from ``ANKANG_*`` environment variables and an optional ``.env``."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
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


class Settings(BaseSettings):
    """Everything Ankang can be configured with; see .env.example for the meaning of each."""

    model_config = SettingsConfigDict(
        env_prefix="ANKANG_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: str = ""
    database_url: str = Field(default=DEFAULT_DATABASE_URL, repr=False)  # may carry a password
    # The database password apart from the URL (Docker secrets, compose): any characters, no URL escaping;
    # merged into ``database_url`` once, escaped. The URL must then carry no password of its own.
    database_password: str = Field(default="", repr=False)
    telegram_api_url: str = "https://api.telegram.org"
    webhook_url: str = ""
    webhook_secret: str = ""
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=0, le=65535)
    public_url: str = ""
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Asia/Shanghai"
    laws_dir: Path | None = None
    # `ankang run --require-laws` (the Docker image's command) refuses to start without usable
    # statutes unless this is set: answering from the FAQ alone is then a choice, not an accident.
    allow_no_laws: bool = False
    secret_key: str = ""
    send_rate: float = Field(default=25.0, gt=0, le=1000)
    missed_grace_s: int = Field(default=3600, ge=0)
    # Finished broadcasts keep per-recipient delivery rows this long, then only their counts.
    delivery_retention_days: int = Field(default=90, ge=1, le=3650)
    # SQLite: how long a write waits for a lock held by another connection before it counts as failed.
    sqlite_busy_timeout_s: float = Field(default=30.0, gt=0, le=600)
    tip_draft_ttl_s: float = Field(default=1800, gt=0)  # idle tip drafts are discarded after this
    # Tips as cases (issue 16): calendar days in ``timezone``; digest times are local "HH:MM".
    tip_ack_days: int = Field(default=3, ge=0, le=365)
    tip_feedback_days: int = Field(default=30, ge=0, le=3650)
    tip_review_days: int = Field(default=30, ge=0, le=3650)
    tip_retention_days: int = Field(default=365, ge=1, le=36500)
    tip_digest_times: Annotated[tuple[str, ...], NoDecode] = ("09:00", "16:00")
    # A tip routed to a unit with fewer known workers (org members) than this warns the tipper that
    # the unit narrows who sent it, and suggests the parent (issue 12, point 4).
    tip_min_unit_size: int = Field(default=30, ge=0, le=100000)
    # Addresses of the reverse proxies in front of the web server: only their X-Forwarded-For is
    # believed, to key the tip form's per-client limits (tips.ratelimit.ClientKeys).
    trusted_proxies: Annotated[frozenset[str], NoDecode] = frozenset()
    # Search caches kept between starts; None: $XDG_CACHE_HOME/ankang or ~/.cache/ankang.
    cache_dir: Path | None = None
    log_level: str = "INFO"
    # 问工会: a question waiting this many working hours (Mon–Fri 09:00–18:00, local time) reminds the
    # staff on duty; after this many hours (any hours) it goes to every admin; an answered question
    # the worker leaves alone is closed after this many hours (and its chat id deleted).
    handoff_remind_h: float = Field(default=4.0, gt=0, le=24 * 30)
    handoff_escalate_h: float = Field(default=24.0, gt=0, le=24 * 60)
    handoff_close_h: float = Field(default=72.0, gt=0, le=24 * 90)
    # Who publishes a new FAQ entry, or an edit of a published one, written in the console: its author
    # after confirming ("self"), or a second admin ("two-person"; not the author's own draft or edit).
    faq_review: Literal["self", "two-person"] = "self"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> frozenset[int]:
        if value is None or value == "":
            return frozenset()
        if isinstance(value, (set, frozenset, list, tuple)):
            items = list(value)
        else:
            items = [part.strip() for part in str(value).split(",") if part.strip()]
        ids = set()
        for item in items:
            try:
                ids.add(int(item))
            except (TypeError, ValueError):
                raise ValueError(f"“{item}” is not a numeric Telegram user id") from None
        return frozenset(ids)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _parse_proxies(cls, value: object) -> frozenset[str]:
        import ipaddress

        items = [str(v).strip() for v in value] if isinstance(value, (list, tuple, set, frozenset)) else \
            [part.strip() for part in str(value or "").split(",") if part.strip()]
        for item in items:
            try:
                ipaddress.ip_address(item)
            except ValueError:
                raise ValueError(f"“{item}” is not an IP address") from None
        return frozenset(items)

    @field_validator("tip_digest_times", mode="before")
    @classmethod
    def _parse_digest_times(cls, value: object) -> tuple[str, ...]:
        items = [str(v).strip() for v in value] if isinstance(value, (list, tuple)) else \
            [part.strip() for part in str(value or "").split(",") if part.strip()]
        times = set()
        for item in items:
            hour, sep, minute = item.partition(":")
            if not (sep and hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60
                    and len(minute) == 2):
                raise ValueError(f"“{item}” is not a time of day like 09:00")
            times.add(f"{int(hour):02d}:{minute}")
        return tuple(sorted(times))

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(f"cannot parse “{value}” as a database URL") from None
        if url.drivername not in SUPPORTED_DRIVERS:
            raise ValueError(
                f"driver “{url.drivername}” is not supported; use one of {', '.join(SUPPORTED_DRIVERS)}"
            )
        return value

    @field_validator("telegram_api_url", "webhook_url", "public_url")
    @classmethod
    def _check_http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"“{value}” must start with http:// or https://")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone “{value}”") from None
        return value

    @field_validator("laws_dir", "cache_dir", mode="before")
    @classmethod
    def _empty_path(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"“{value}” is not a log level; use one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("allow_no_laws", mode="before")
    @classmethod
    def _empty_is_false(cls, value: object) -> object:
        return False if value in ("", None) else value

    @model_validator(mode="after")
    def _password_into_url(self) -> Settings:
        if not self.database_password:
            return self
        url = make_url(self.database_url)
        if url.drivername.startswith("sqlite"):
            raise ValueError("ANKANG_DATABASE_PASSWORD is set, but SQLite (ANKANG_DATABASE_URL) has no password")
        if url.password is not None:
            raise ValueError("both ANKANG_DATABASE_URL and ANKANG_DATABASE_PASSWORD carry a password: keep one")
        # render_as_string escapes what a URL cannot carry as is (@ : / % # …).
        self.database_url = url.set(password=self.database_password).render_as_string(hide_password=False)
        return self

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


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment; raise SettingsError with one clear line if invalid.

    ``overrides`` (field name → value) win over the environment and are validated like it."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err.get("loc", ()))
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        # A check across fields has no field of its own: its message names the variables.
        raise SettingsError(f"ANKANG_{field.upper()}: {message}" if field else message) from None


def settings_or_exit(**overrides: Any) -> Settings:
    """Load settings for a command-line entry point, or stop with one clear line (no traceback)."""
    import sys

    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        print(f"配置错误 / configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
