"""Telegram quirks the bot's areas all meet are handled once, read from the source with ``ast``:
an edit that changes nothing ("message is not modified", bot/render.py) and the wait a 429 asks
for (``RetryAfter.retry_after``, an int or a timedelta by PTB version, bot/retry.py)."""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DELIVERY_LAYERS = ("bot", "web", "broadcasts", "ankang")


def _modules():
    for package in DELIVERY_LAYERS:
        for path in sorted((REPO / package).rglob("*.py")):
            yield str(path.relative_to(REPO)), ast.parse(path.read_text(encoding="utf-8"))


def test_message_not_modified_is_recognised_only_in_bot_render():
    found = {
        path for path, tree in _modules() for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "not modified" in node.value.lower()
    }
    assert found == {"bot/render.py"}


def test_telegram_retry_after_is_converted_only_in_bot_retry():
    found = {
        path for path, tree in _modules() if path.startswith("bot/") for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "retry_after"
    }
    assert found == {"bot/retry.py"}
