"""Validation the way Telegram does it: HTML entity parsing, length limits, keyboards, polls.

Every check raises :class:`ApiError` carrying the exact status code and description that the
real Bot API would answer with, so python-telegram-bot turns it into the same exception class.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MESSAGE_TEXT_MAX_CHARS = 4096
CAPTION_MAX_CHARS = 1024
CALLBACK_DATA_MAX_BYTES = 64
POLL_MIN_OPTIONS = 2
POLL_MAX_OPTIONS = 10  # the project's limit; Bot API 9.6 itself allows 12
POLL_QUESTION_MAX_CHARS = 300
POLL_OPTION_MAX_CHARS = 100
POLL_EXPLANATION_MAX_CHARS = 200
COMMAND_NAME_RE = re.compile(r"^[a-z0-9_]{1,32}$")
COMMAND_DESCRIPTION_MAX_CHARS = 256
INLINE_RESULTS_MAX = 50
# Telegram's own wording, for a button with nothing but text in an inline keyboard.
TEXT_BUTTONS_IN_INLINE_KEYBOARD = (
    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
)

CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note",
        "upload_video_note",
    }
)

# Inline keyboard button fields of which exactly one must be present.
INLINE_BUTTON_ACTIONS = (
    "callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "web_app", "login_url", "callback_game", "pay",
    "copy_text",
)


@dataclass
class ApiError(Exception):
    """A Bot API error response: ``{"ok": false, "error_code": status, "description": ...}``."""

    status: int
    description: str
    retry_after: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.description)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        parameters = dict(self.extra)
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if parameters:
            body["parameters"] = parameters
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def blocked() -> ApiError:
    return ApiError(403, "Forbidden: bot was blocked by the user")


def utf16_len(text: str) -> int:
    """Telegram measures entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------------
# HTML parse mode (the subset Telegram accepts; error texts follow tdlib's)
# --------------------------------------------------------------------------------------------

_SIMPLE_TAGS = {
    "b": "bold", "strong": "bold",
    "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_SUPPORTED_TAGS = set(_SIMPLE_TAGS) | {"a", "span", "blockquote", "tg-emoji"}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,8}));")


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    start: int  # UTF-16 offset in the output text
    language: str | None = None  # set by a nested <code class="language-x"> inside <pre>


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _parse_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


def _read_attributes(text: str, i: int, tag_start: int) -> tuple[dict[str, str], int]:
    """Read ``name=value`` pairs up to the closing ``>``; return them and the index after it."""
    attrs: dict[str, str] = {}
    n = len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise _parse_error(f"Can't find end of the tag at byte offset {_byte_offset(text, tag_start)}")
        if text[i] == ">":
            return attrs, i + 1
        if text[i] == "/" and i + 1 < n and text[i + 1] == ">":
            # Telegram has no self-closing tags; treat "<b/>" like "<b>" as tdlib does.
            return attrs, i + 2
        start = i
        while i < n and (text[i].isalnum() or text[i] in "-_"):
            i += 1
        name = text[start:i].lower()
        if not name:
            raise _parse_error("Expected equal sign in declaration of an attribute of the tag at byte offset "
                               f"{_byte_offset(text, tag_start)}")
        while i < n and text[i].isspace():
            i += 1
        if i < n and text[i] != "=":
            attrs[name] = ""  # a bare attribute such as <blockquote expandable>
            continue
        i += 1
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(text, tag_start)}")
        if text[i] in "'\"":
            quote = text[i]
            end = text.find(quote, i + 1)
            if end < 0:
                raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(text, tag_start)}")
            raw = text[i + 1:end]
            i = end + 1
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] != ">":
                i += 1
            raw = text[start:i]
        attrs[name] = _decode_entities(raw)


def _decode_entities(raw: str) -> str:
    def repl(match: re.Match[str]) -> str:
        dec, hexa, named = match.groups()
        if dec is not None:
            return chr(int(dec)) if int(dec) < 0x110000 else match.group(0)
        if hexa is not None:
            return chr(int(hexa, 16)) if int(hexa, 16) < 0x110000 else match.group(0)
        return _NAMED_ENTITIES.get(named.lower(), match.group(0))

    return _ENTITY_RE.sub(repl, raw)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Turn Telegram-flavoured HTML into ``(plain_text, entities)`` or raise a 400 ApiError."""
    out: list[str] = []
    offset = 0  # UTF-16 length of what is in ``out``
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    i, n = 0, len(text)

    def emit(chunk: str) -> None:
        nonlocal offset
        out.append(chunk)
        offset += utf16_len(chunk)

    while i < n:
        ch = text[i]
        if ch == "&":
            match = _ENTITY_RE.match(text, i)
            decoded = _decode_entities(match.group(0)) if match else None
            if match and decoded is not None and decoded != match.group(0):
                emit(decoded)
                i = match.end()
            else:
                emit("&")  # a bare ampersand is kept literally, as Telegram does
                i += 1
            continue
        if ch != "<":
            emit(ch)
            i += 1
            continue

        tag_start = i
        i += 1
        if i < n and text[i] == "/":
            end = text.find(">", i)
            if end < 0:
                raise _parse_error(f"Can't find end of the tag at byte offset {_byte_offset(text, tag_start)}")
            name = text[i + 1:end].strip().lower()
            i = end + 1
            if not stack:
                raise _parse_error(f"Unexpected end tag at byte offset {_byte_offset(text, tag_start)}")
            top = stack[-1]
            if name != top.name:
                raise _parse_error(
                    f'Unmatched end tag at byte offset {_byte_offset(text, tag_start)}, '
                    f'expected "</{top.name}>", found "</{name}>"'
                )
            stack.pop()
            _close_tag(top, offset, stack, entities)
            continue

        name_start = i
        while i < n and (text[i].isalnum() or text[i] == "-"):
            i += 1
        name = text[name_start:i].lower()
        if name not in _SUPPORTED_TAGS:
            raise _parse_error(f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, tag_start)}')
        attrs, i = _read_attributes(text, i, tag_start)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _parse_error('Tag "span" must have class "tg-spoiler"')
        if name == "tg-emoji" and not attrs.get("emoji-id"):
            raise _parse_error('Tag "tg-emoji" must have attribute "emoji-id"')
        stack.append(_OpenTag(name, attrs, offset))

    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _close_tag(tag: _OpenTag, end: int, stack: list[_OpenTag], entities: list[dict[str, Any]]) -> None:
    length = end - tag.start
    # <pre><code class="language-python"> becomes one pre entity with a language.
    if tag.name == "code" and stack and stack[-1].name == "pre":
        cls = tag.attrs.get("class", "")
        if cls.startswith("language-") and stack[-1].start == tag.start:
            stack[-1].language = cls.removeprefix("language-")
            return
    if length <= 0:
        return  # Telegram drops empty entities
    entity: dict[str, Any] = {"offset": tag.start, "length": length}
    if tag.name in _SIMPLE_TAGS:
        entity["type"] = _SIMPLE_TAGS[tag.name]
        if tag.name == "pre" and tag.language:
            entity["language"] = tag.language
    elif tag.name == "span":
        entity["type"] = "spoiler"
    elif tag.name == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
    elif tag.name == "tg-emoji":
        entity["type"] = "custom_emoji"
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    elif tag.name == "a":
        href = tag.attrs.get("href", "")
        if not href:
            return  # <a> without href is plain text
        entity["type"] = "text_link"
        entity["url"] = href
    entities.append(entity)


def formatted_text(
    text: str | None,
    parse_mode: str | None,
    entities: list[dict[str, Any]] | None,
    *,
    max_chars: int,
    caption: bool = False,
) -> tuple[str, list[dict[str, Any]]]:
    """Parse and length-check a message text or caption; return ``(text, entities)``."""
    text = text or ""
    mode = (parse_mode or "").strip().lower()
    if mode == "html":
        text, entities = parse_html(text)
    elif mode not in ("", "markdown", "markdownv2"):
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    # Markdown modes are accepted but not interpreted: the project speaks HTML.
    entities = list(entities or [])
    if not caption and not text.strip():
        raise bad_request("message text is empty")
    if len(text) > max_chars:
        raise bad_request("message caption is too long" if caption else "message is too long")
    return text, entities


# --------------------------------------------------------------------------------------------
# Keyboards
# --------------------------------------------------------------------------------------------

def reply_markup(markup: Any) -> dict[str, Any] | None:
    """Validate any reply_markup kind; return it normalised (or None when absent)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        return {"inline_keyboard": inline_keyboard(markup["inline_keyboard"])}
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request("field \"keyboard\" of the ReplyKeyboardMarkup must be an Array")
        norm = [[b if isinstance(b, dict) else {"text": str(b)} for b in row] for row in rows]
        for row in norm:
            for button in row:
                if not str(button.get("text", "")).strip():
                    raise bad_request("keyboard button text is empty")
        return {**markup, "keyboard": norm}
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def inline_keyboard(rows: Any) -> list[list[dict[str, Any]]]:
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad_request("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays")
    for row in rows:
        for button in row:
            if not isinstance(button, dict):
                raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
            if not str(button.get("text", "")).strip():
                raise bad_request(TEXT_BUTTONS_IN_INLINE_KEYBOARD)
            actions = [k for k in INLINE_BUTTON_ACTIONS if k in button]
            if not actions:
                raise bad_request(TEXT_BUTTONS_IN_INLINE_KEYBOARD)
            if len(actions) > 1:
                raise bad_request(
                    "can't parse inline keyboard button: exactly one of the optional fields must be used, "
                    f"found {', '.join(actions)}"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_MAX_BYTES:
                    raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button:
                url = button["url"]
                if not isinstance(url, str) or not re.match(r"^(https?|tg)://\S+$", url):
                    raise bad_request("BUTTON_URL_INVALID")
    return rows


# --------------------------------------------------------------------------------------------
# Polls, commands, inline results
# --------------------------------------------------------------------------------------------

def poll_options(options: Any) -> list[str]:
    if not isinstance(options, list):
        raise bad_request("can't parse options JSON object")
    texts = [str(o.get("text", "")) if isinstance(o, dict) else str(o) for o in options]
    if len(texts) < POLL_MIN_OPTIONS:
        raise bad_request("poll must have at least 2 option")
    if len(texts) > POLL_MAX_OPTIONS:
        raise bad_request(f"poll can't have more than {POLL_MAX_OPTIONS} options")
    for text in texts:
        if not text.strip():
            raise bad_request("poll options must be non-empty")
        if len(text) > POLL_OPTION_MAX_CHARS:
            raise bad_request("poll options length must not exceed 100")
    return texts


def poll_question(question: str | None) -> str:
    if not question or not question.strip():
        raise bad_request("poll question must be non-empty")
    if len(question) > POLL_QUESTION_MAX_CHARS:
        raise bad_request("poll question length must not exceed 300")
    return question


def bot_commands(commands: Any) -> list[dict[str, str]]:
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands")
    result = []
    for cmd in commands:
        if not isinstance(cmd, dict):
            raise bad_request("can't parse BotCommand")
        name = str(cmd.get("command", ""))
        desc = str(cmd.get("description", ""))
        if not COMMAND_NAME_RE.match(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not desc.strip() or len(desc) > COMMAND_DESCRIPTION_MAX_CHARS:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        result.append({"command": name, "description": desc})
    return result


def inline_results(results: Any) -> list[dict[str, Any]]:
    if not isinstance(results, list):
        raise bad_request("can't parse results JSON object")
    if len(results) > INLINE_RESULTS_MAX:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        if not isinstance(result, dict) or "type" not in result:
            raise bad_request("can't parse InlineQueryResult JSON object")
        rid = str(result.get("id", ""))
        if not 1 <= len(rid.encode("utf-8")) <= 64:
            raise bad_request("RESULT_ID_INVALID")
        if rid in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(rid)
        content = result.get("input_message_content")
        if isinstance(content, dict) and "message_text" in content:
            formatted_text(
                content.get("message_text"), content.get("parse_mode"), content.get("entities"),
                max_chars=MESSAGE_TEXT_MAX_CHARS,
            )
        if isinstance(result.get("reply_markup"), dict):
            reply_markup(result["reply_markup"])
    return results
