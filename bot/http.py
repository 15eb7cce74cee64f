"""HTTP clients for the Bot API, sharing one TLS context per process.

httpx loads the CA bundle again for every client it builds (~50 ms of CPU), and one bot start
builds four (the application's requests and getUpdates, the broadcast sender's two). The
context is the one httpx would build itself (certifi, or SSL_CERT_FILE/SSL_CERT_DIR), made once.
"""
from __future__ import annotations

import ssl
from functools import cache
from typing import Any

import httpx
from telegram.request import HTTPXRequest


@cache
def _tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def bot_request(*, kind: type[HTTPXRequest] = HTTPXRequest, **kwargs: Any) -> HTTPXRequest:
    """A PTB ``HTTPXRequest`` (same keyword arguments), or a subclass ``kind`` of it, that verifies
    TLS with the shared context."""
    return kind(httpx_kwargs={"verify": _tls_context()}, **kwargs)
