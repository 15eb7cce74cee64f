"""Characters no store can keep: U+0000 (PostgreSQL text refuses it) and lone UTF-16 surrogates
(U+D800–U+DFFF, which JSON can carry as "\\ud800" but UTF-8 cannot encode). Checked at the edges:
the bot's guard, the web tip form, and names kept for the leaderboard."""
from __future__ import annotations

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def has_unstorable(text: str | None) -> bool:
    """True when ``text`` holds a NUL or a lone surrogate."""
    return text is not None and _UNSTORABLE.search(text) is not None


def without_unstorable(text: str) -> str:
    """``text`` with every NUL and lone surrogate removed."""
    return _UNSTORABLE.sub("", text)
