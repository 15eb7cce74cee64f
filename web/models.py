"""Tables of the web console: server-side admin sessions and the nonces of used login links."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, UTCDateTime, utcnow


class LoginNonce(Base):
    """A one-time login link that has been used; its primary key makes a second use fail."""

    __tablename__ = "web_login_nonces"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AdminSession(Base):
    """A logged-in browser. Only the SHA-256 of the cookie value is stored, so a database leak logs nobody in."""

    __tablename__ = "web_admin_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
