"""One-time login links to the web console: signed, short-lived tokens any process can issue.

A token carries ``user_id.issued_at.nonce.signature`` (HMAC-SHA256 over the first three parts with
``settings.effective_secret_key``). It is valid for ``LOGIN_LINK_TTL_S``; that it is used only once is
the web console's business (``web.auth.redeem_login_token``). Here so that the bot's /weblogin, the
CLI and the console issue and read the same links without importing one another.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from core.settings import Settings

LOGIN_LINK_TTL_S = 600
LOGIN_PATH = "/admin/login"
_PURPOSE = b"ankang-web-login:"


class LoginLinkError(Exception):
    """Base class: the link cannot log anyone in."""


class LinkInvalid(LoginLinkError):
    """Malformed or forged (bad signature)."""


class LinkExpired(LoginLinkError):
    """Older than LOGIN_LINK_TTL_S (or issued in the future)."""


class LinkUsed(LoginLinkError):
    """Already redeemed once."""


@dataclass(frozen=True, slots=True)
class LoginClaim:
    user_id: int
    issued_at: int  # Unix seconds
    nonce: str


def _sign(secret: str, payload: str) -> str:
    mac = hmac.new(secret.encode(), _PURPOSE + payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def make_login_token(secret: str, user_id: int, now: datetime, nonce: str | None = None) -> str:
    """Return a signed one-time token for ``user_id`` issued at ``now``."""
    nonce = nonce or secrets.token_hex(16)
    payload = f"{user_id}.{int(now.timestamp())}.{nonce}"
    return f"{payload}.{_sign(secret, payload)}"


def read_login_token(secret: str, token: str, now: datetime) -> LoginClaim:
    """Check the signature and age of a token (not whether it was used); raise LinkInvalid/LinkExpired."""
    parts = token.strip().split(".")
    if len(parts) != 4:
        raise LinkInvalid(token[:16])
    user_part, issued_part, nonce, signature = parts
    payload = f"{user_part}.{issued_part}.{nonce}"
    if not hmac.compare_digest(_sign(secret, payload), signature):
        raise LinkInvalid("bad signature")
    try:
        claim = LoginClaim(int(user_part), int(issued_part), nonce)
    except ValueError:
        raise LinkInvalid("bad payload") from None
    age_s = now.timestamp() - claim.issued_at
    if not -60 <= age_s <= LOGIN_LINK_TTL_S:  # a minute of clock skew between processes
        raise LinkExpired(f"age {age_s:.0f}s")
    return claim


def login_base_url(settings: Settings) -> str:
    """Where admins reach the console: ANKANG_PUBLIC_URL, else http://WEB_HOST:WEB_PORT."""
    return settings.public_url or f"http://{settings.web_host}:{settings.web_port}"


def login_link(settings: Settings, user_id: int, now: datetime, base_url: str | None = None) -> str:
    """Return the full one-time login URL for ``user_id``."""
    token = make_login_token(settings.effective_secret_key, user_id, now)
    return f"{(base_url or login_base_url(settings)).rstrip('/')}{LOGIN_PATH}?t={token}"
