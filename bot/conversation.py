"""Declared conversations (ConversationHandler) built one way across the bot."""
from __future__ import annotations

import warnings
from typing import Any

from telegram.ext import ConversationHandler
from telegram.warnings import PTBUserWarning


def chat_conversation(**kwargs: Any) -> ConversationHandler:
    """A conversation keyed by chat and user, with its buttons tracked per chat.

    PTB warns that CallbackQueryHandlers are then not tracked per message: that is what we want —
    one flow per chat, and an old keyboard's press is answered by the stale-button handler.
    """
    kwargs.setdefault("per_chat", True)
    kwargs.setdefault("per_user", True)
    kwargs.setdefault("per_message", False)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False", category=PTBUserWarning)
        return ConversationHandler(**kwargs)
