"""Telegram's HTML subset: entities with UTF-16 offsets and tdlib's error texts."""
from __future__ import annotations

import pytest

from emulator.validation import ApiError, parse_html


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        ("<b>粗</b>体", "粗体", [{"offset": 0, "length": 1, "type": "bold"}]),
        ("<strong>a</strong><em>b</em><ins>c</ins><del>d</del>", "abcd",
         [{"offset": 0, "length": 1, "type": "bold"}, {"offset": 1, "length": 1, "type": "italic"},
          {"offset": 2, "length": 1, "type": "underline"}, {"offset": 3, "length": 1, "type": "strikethrough"}]),
        ("&lt;安全&gt; &amp; &quot;x&quot;", '<安全> & "x"', []),
        ("a & b", "a & b", []),
        ('<a href="https://example.org/?a=1&amp;b=2">法</a>', "法",
         [{"offset": 0, "length": 1, "type": "text_link", "url": "https://example.org/?a=1&b=2"}]),
        ('<span class="tg-spoiler">秘</span><tg-spoiler>密</tg-spoiler>', "秘密",
         [{"offset": 0, "length": 1, "type": "spoiler"}, {"offset": 1, "length": 1, "type": "spoiler"}]),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1",
         [{"offset": 0, "length": 5, "type": "pre", "language": "python"}]),
        ("<blockquote expandable>引用</blockquote>", "引用",
         [{"offset": 0, "length": 2, "type": "expandable_blockquote"}]),
        # An emoji is two UTF-16 code units, so the bold entity starts at 2.
        ("👷<b>安全</b>", "👷安全", [{"offset": 2, "length": 2, "type": "bold"}]),
        ("<B>x</B>", "x", [{"offset": 0, "length": 1, "type": "bold"}]),
        ("<b></b>空", "空", []),
    ],
)
def test_parse_html_produces_telegram_entities(html: str, text: str, entities: list[dict]) -> None:
    assert parse_html(html) == (text, entities)


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("安<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Can't find end of the tag at byte offset 0"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
    ],
)
def test_parse_html_rejects_what_telegram_rejects(html: str, reason: str) -> None:
    with pytest.raises(ApiError) as err:
        parse_html(html)
    assert err.value.status == 400
    assert err.value.description == f"Bad Request: can't parse entities: {reason}"
