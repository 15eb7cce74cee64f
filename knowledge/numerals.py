"""Chinese numerals ↔ integers, for article numbers (第一百零七条 ↔ 107) and normalisation."""
from __future__ import annotations

import re

DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "三": 3, "叁": 3, "四": 4,
          "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
NUMERAL_CHARS = "".join(DIGITS) + "".join(UNITS) + "".join(BIG_UNITS)
NUMERAL_RE = re.compile(f"[{NUMERAL_CHARS}]+")

_DIGIT_CHARS = "零一二三四五六七八九"


def cn_to_int(text: str) -> int:
    """Parse a Chinese numeral ("一百零七", "十四", "二〇二一") or Arabic digits into an int."""
    text = text.strip()
    if not text:
        raise ValueError("empty numeral")
    if text.isdigit():
        return int(text)
    if all(ch in DIGITS for ch in text) and len(text) > 1:
        # Digit-by-digit form such as 二〇二一.
        return int("".join(str(DIGITS[ch]) for ch in text))
    total = 0
    section = 0  # value below the current 万/亿
    digit: int | None = None
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS[ch]
        elif ch in UNITS:
            section += (1 if digit is None else digit) * UNITS[ch]
            digit = None
        elif ch in BIG_UNITS:
            section += digit or 0
            total += (section or 1) * BIG_UNITS[ch]
            section, digit = 0, None
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + section + (digit or 0)


def int_to_cn(number: int) -> str:
    """Write a non-negative int the way statutes number articles (107 → 一百零七, 14 → 十四)."""
    if number < 0:
        raise ValueError("negative numbers are not supported")
    if number == 0:
        return "零"
    if number >= 100_000_000:
        high, low = divmod(number, 100_000_000)
        return int_to_cn(high) + "亿" + (_pad(low, 10_000_000) if low else "")
    if number >= 10_000:
        high, low = divmod(number, 10_000)
        return int_to_cn(high) + "万" + (_pad(low, 1000) if low else "")
    return _below_10k(number, leading=True)


def _pad(number: int, threshold: int) -> str:
    # A gap inside a number is read with 零: 10005 → 一万零五.
    return ("零" if number < threshold else "") + int_to_cn(number).removeprefix("零")


def _below_10k(number: int, *, leading: bool) -> str:
    parts: list[str] = []
    zero_pending = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, number = divmod(number, unit)
        if digit:
            if zero_pending:
                parts.append("零")
                zero_pending = False
            if unit == 10 and digit == 1 and not parts and leading:
                parts.append("十")  # 十四, not 一十四
            else:
                parts.append(_DIGIT_CHARS[digit] + name)
        elif parts:
            zero_pending = True
    return "".join(parts)


def replace_numerals(text: str, *, min_len: int = 1) -> str:
    """Replace runs of Chinese numerals that follow 第 or precede 条/款/项 with Arabic digits."""

    def sub(match: re.Match[str]) -> str:
        try:
            return str(cn_to_int(match.group(0)))
        except ValueError:
            return match.group(0)

    return re.sub(rf"(?<=第)[{NUMERAL_CHARS}]+|[{NUMERAL_CHARS}]+(?=条)", sub, text)
