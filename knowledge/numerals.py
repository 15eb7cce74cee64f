"""Chinese numerals ↔ integers, for article numbers (第一百零七条 ↔ 107) and normalisation."""
from __future__ import annotations

import re
import unicodedata

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


# --- numbers in workers' questions ------------------------------------------------------------------
# A question says "十七岁", "每天干12个小时", "死了3个人"; the statutes say 未成年工, 延长工作时间,
# 较大事故. annotate_numbers() reads such quantities (Chinese or Arabic numerals, ranges such as
# 十六七岁 and 十几个) and returns the statutes' words for the rule the number falls under, to be
# appended to the query. Thresholds, from the texts in ../shared/laws:
#   劳动法 15 (no hiring under 16), 58 (未成年工 = 16–17), 36 (8 h a day, 44 h a week), 38 (one day
#   off a week), 41 (overtime ≤ 3 h a day, ≤ 36 h a month), 61 and 女职工劳动保护特别规定 6, 9
#   (from the 7th month of pregnancy, and while breastfeeding a baby under one, no overtime and no
#   night shifts); 生产安全事故报告和调查处理条例 3 (accident grades by deaths, serious injuries and
#   direct losses; 以上 includes the number).

WORKING_TIME = "工作时间 延长工作时间 加班"
OVERTIME = "延长工作时间 加班"
MONTHLY_OVERTIME = "延长工作时间 加班 三十六小时"
REST = "休息日 休息"
CHILD_LABOUR = "童工 未满十六周岁"
MINOR = "未成年工 未成年"
PREGNANT_7 = "怀孕七个月以上 孕期"
PREGNANT = "孕期"
NIGHT_SHIFT = "夜班劳动"
BREASTFEEDING = "哺乳期 哺乳未满一周岁"
COMPENSATION = "赔偿"
DEDUCTION = "扣工资"
FINE = "罚款"
ACCIDENT = "事故 等级"

DAILY_HOURS = 8
WEEKLY_HOURS = 44
MONTHLY_OVERTIME_HOURS = 36
MONTHLY_HOURS = 174  # 21.75 paid days × 8 h: more than this in a month is overtime
CHILD_AGE = 16
ADULT_AGE = 18
YOUNGEST_WORKER_AGE = 10  # "孩子3岁" is a worker's child, not a child labourer
PREGNANCY_MONTHS = 7
PREGNANCY_WEEKS = 28
INJURED_FOR_GRADE = 3  # one or two injured: a question about 工伤, not about grading the accident

_CN = "零〇一二两三四五六七八九十百千万几"
_NUM = rf"(\d+(?:\.\d+)?(?:多|来|余)?|[{_CN}]+(?:多|来|余)?)"
_NUM_HALF = rf"(\d+(?:\.\d+)?|[{_CN}]+|半)"
_SMALL = "一二两三四五六七八九"

# (low, high) for a numeral; ranges stay ranges so a threshold inside one is seen from both sides.
Range = tuple[float, float]


def read_number(text: str) -> Range | None:
    """Read 17, 8.5, 十七, 十六七 (16–17), 七八 (7–8), 三四十 (30–40), 十几 (11–19), 几十, 二十多, 三万."""
    text = text.strip()
    if not text:
        return None
    more = text.endswith(("多", "来", "余")) and len(text) > 1
    if more:
        text = text[:-1]
    try:
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            value = float(text)
            low = high = value
        elif text == "几":
            low, high = 2, 9
        elif text.startswith("几"):
            unit = cn_to_int("一" + text[1:])
            low, high = 2 * unit, 9 * unit
        elif text.endswith("几"):
            base = cn_to_int(text[:-1])
            step = 10 if base >= 100 and base % 100 == 0 else 1
            low, high = base + step, base + 9 * step
        elif match := re.fullmatch(rf"(.*十)?([{_SMALL}])([{_SMALL}])([十百千万]?)", text):
            prefix, first, second, unit_char = match.groups()
            a, b = DIGITS[first], DIGITS[second]
            if b != a + 1 and not (a == 1 and b == 2):
                value = cn_to_int(text)
                low = high = value
            else:
                scale = UNITS.get(unit_char) or BIG_UNITS.get(unit_char) or 1
                base = cn_to_int(prefix) if prefix else 0
                low, high = base + a * scale, base + b * scale
        else:
            value = cn_to_int(text)
            low = high = value
    except (ValueError, KeyError):
        return None
    if more:  # 二十多: more than twenty, less than thirty
        magnitude = 1
        while low >= magnitude * 10 and low % (magnitude * 10) == 0:
            magnitude *= 10
        low, high = (low + 1, high + magnitude - 1) if magnitude > 1 else (low, high + 0.9)
    return float(low), float(high)


def _num(text: str) -> Range | None:
    return read_number(text) if text != "半" else (0.5, 0.5)


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"\s+", "", text)


def _hours(match: re.Match[str], number_group: int = 1) -> Range | None:
    value = _num(match.group(number_group))
    if value is None:
        return None
    extra = 0.5 if "半" in (match.group(number_group + 1) or "") else 0.0
    return value[0] + extra, value[1] + extra


_HOURS_RE = re.compile(_NUM + r"(个?半?多?个?)(?:小时|钟头|个钟|钟(?![点头])|h(?:rs?|ours?)?(?![a-z]))")
_PERIOD_MARKERS = (("月", "month"), ("周", "week"), ("星期", "week"), ("礼拜", "week"), ("天", "day"),
                   ("日", "day"), ("晚", "day"), ("班", "day"), ("宿", "day"))
_WORK_VERB = re.compile("干|上|工作|做|站|值|加班|开车|跑|连续|上班|干活|一班|熬")
_CLOCK_RE = re.compile(
    rf"(早上|上午|早晨|早|白天|中午|下午|晚上|夜里|晚|凌晨)?{_NUM}点(半)?.{{0,3}}?(?:到|至|干到|上到|做到|-|~|—)"
    rf"(早上|上午|早晨|早|中午|下午|晚上|夜里|晚|凌晨|第二天|次日)?{_NUM}点(半)?")
_EARLY_LATE_RE = re.compile(rf"早{_NUM}晚{_NUM}")
_WEEK = "(?:每周|一周|一星期|每星期|一个星期|每个星期|每礼拜|一礼拜|一个礼拜|周)"
_WEEK_DAYS_RE = re.compile(rf"{_WEEK}(.{{0,4}}?){_NUM}天")
_SHIFT_PATTERN_RE = re.compile(rf"(?:上|做|干){_NUM}休{_NUM}")
_CONSECUTIVE_RE = re.compile(
    rf"(?:连续|一连|连着|接连|持续)(?:上班|干活|工作|值班|上|干|做|加班)?了?{_NUM_HALF}(个)?(天|日|星期|礼拜|周|月)")
_NO_REST_RE = re.compile(
    rf"{_NUM_HALF}(个)?(天|日|星期|礼拜|周|月)(?:了)?(?:都|也|就|一直|还|都是)?(?:没|没有|不|无|不让|不给)"
    r"(?:休息|休|歇|放假|轮休|放过假)")
_MONTH_REST_RE = re.compile(rf"(?:一个月|每月|每个月|一月|月)(?:只|就|才|最多)?(?:能)?(?:休|休息|放|歇)(?:假)?{_NUM}天")
_PREGNANCY_RE = re.compile(rf"(?:怀孕|怀了|怀着|孕期|孕)(?:了|已经|快|都)?.{{0,2}}?{_NUM}(个)?(多)?(月|周)")
_PREGNANCY_AFTER_RE = re.compile(rf"{_NUM}(个)?(多)?(月|周)(?:的)?(?:身孕|孕妇|孕期|的孕)")
_PREGNANT_WORDS = re.compile("怀孕|孕妇|孕期|怀着孩子|有身孕|有了身孕|怀了")
_NIGHT_WORDS = re.compile("夜班|晚班|通宵|上夜|大夜|夜里上班|值夜")
_BREASTFEEDING_WORDS = re.compile("哺乳|喂奶|母乳|吃奶|背奶|吸奶")
_BABY_MONTHS_RE = re.compile(rf"{_NUM}(个)?(多)?月")
_BABY_UNDER_ONE_RE = re.compile("(?:不满|未满|不到|没满|还没满)(?:一|1)(?:周)?岁")
_AGE_RE = re.compile(rf"(未满|不满|不到|没满|还没满|差一点|还不到)?{_NUM}(多|来)?(?:周岁|岁)")
_996_RE = re.compile(r"(?<!\d)(?:996|997|9106|007)(?!\d)")
_MONEY_RE = re.compile(rf"(\d+(?:\.\d+)?|[{_CN}]+)(万|千|百|k|w)?(块钱|块|元|万元|万块)?")
_DEATH_BEFORE_RE = re.compile(rf"(?:死了|死亡|遇难|丧生|没了|死掉|走了)(?:了)?{_NUM}(?:个|名|位|人)")
_HARM_AFTER_RE = re.compile(
    rf"{_NUM}(?:个|名|位)?(?:人|工人|工友|职工)?(?:当场|都|全|也)?"
    r"(死亡|遇难|身亡|丧生|死了|死|没了|重伤|受伤|伤了|伤|中毒|烧伤)")
_INJURED_BEFORE_RE = re.compile(rf"(?:重伤|受伤|伤了|伤|中毒|烧伤)(?:了)?{_NUM}(?:个|名|位|人)")
_LOSS_RE = re.compile(rf"(?:损失|经济损失)(?:了|达|约|达到|高达|有|超过)?{_NUM}(万|亿|千万)")
_COMPENSATION_WORDS = re.compile("赔|补偿|私了|索赔")
_DEDUCTION_WORDS = re.compile("扣")
_FINE_WORDS = re.compile("罚")


def annotate_numbers(text: str) -> str:
    """Canonical words for the quantities in ``text`` (ages, working hours, rest days, pregnancy
    months, amounts, casualties), space-separated, to append to a query; "" when none applies."""
    t = _prepare(text)
    words: list[str] = []
    _ages(t, words)
    _working_time(t, words)
    _rest(t, words)
    _pregnancy(t, words)
    _money(t, words)
    _casualties(t, words)
    out: list[str] = []
    for group in words:
        for word in group.split():
            if word not in out:
                out.append(word)
    return " ".join(out)


def _ages(t: str, words: list[str]) -> None:
    for m in _AGE_RE.finditer(t):
        value = read_number(m.group(2) + (m.group(3) or ""))
        if value is None:
            continue
        low, high = value
        if m.group(1):  # 未满十八岁: younger than the number
            if high <= CHILD_AGE:
                words.append(CHILD_LABOUR)
            elif high <= ADULT_AGE:
                words.append(MINOR)
            continue
        if high < YOUNGEST_WORKER_AGE:
            continue
        if low < CHILD_AGE:
            words.append(CHILD_LABOUR)
        if high >= CHILD_AGE and low < ADULT_AGE:
            words.append(MINOR)


def _period(before: str) -> str | None:
    """The period a number of hours is counted in, from the nearest marker before it."""
    best, where = None, -1
    before = before.replace("加班", "").replace("上班", "").replace("值班", "")
    for marker, period in _PERIOD_MARKERS:
        i = before.rfind(marker)
        if i > where:
            best, where = period, i
    return best


def _working_time(t: str, words: list[str]) -> None:
    daily: float | None = None
    for m in _HOURS_RE.finditer(t):
        hours = _hours(m)
        if hours is None:
            continue
        before = t[max(0, m.start() - 8):m.start()]
        overtime = "加班" in before or "加班" in t[m.end():m.end() + 2]
        period = _period(before)
        high = hours[1]
        if period == "month":
            if overtime:
                words.append(MONTHLY_OVERTIME)
            elif high > MONTHLY_HOURS:
                words.append(WORKING_TIME)
        elif period == "week":
            if high > WEEKLY_HOURS:
                words.append(WORKING_TIME)
            elif overtime:
                words.append(OVERTIME)
        elif period == "day" or _WORK_VERB.search(before) or re.match("(工作制|一班|的班)", t[m.end():]):
            if overtime:
                words.append(OVERTIME)
            else:
                daily = max(daily or 0, high)
                if high > DAILY_HOURS:
                    words.append(WORKING_TIME)
    for m in _CLOCK_RE.finditer(t):
        span = _clock_span(m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6))
        if span is not None:
            daily = max(daily or 0, span)
            if span > DAILY_HOURS + 1:  # a lunch hour is usually inside the span
                words.append(WORKING_TIME)
    for m in _EARLY_LATE_RE.finditer(t):
        span = _clock_span("早", m.group(1), None, "晚", m.group(2), None)
        if span is not None and span > DAILY_HOURS + 1:
            words.append(WORKING_TIME)
    for m in _WEEK_DAYS_RE.finditer(t):
        days = read_number(m.group(2))
        if days is None or re.search("休|歇|放", m.group(1)):
            continue
        if days[1] >= 7:
            words.append(REST)
        if days[1] * (daily or DAILY_HOURS) > WEEKLY_HOURS:
            words.append(WORKING_TIME)
    for m in _SHIFT_PATTERN_RE.finditer(t):  # 做六休一, 上十二休十二
        on, off = read_number(m.group(1)), read_number(m.group(2))
        if on is None or off is None:
            continue
        if on[1] > 7 and on[1] + off[1] == 24:
            if on[1] > DAILY_HOURS:
                words.append(WORKING_TIME)
        elif on[1] >= 7:
            words.append(REST)
        elif on[1] * DAILY_HOURS > WEEKLY_HOURS:
            words.append(WORKING_TIME)
    if _996_RE.search(t):
        words.append(WORKING_TIME)


def _clock_span(start_when: str | None, start: str, start_half: str | None, end_when: str | None, end: str,
                end_half: str | None) -> float | None:
    first, last = read_number(start), read_number(end)
    if first is None or last is None or first[0] != first[1] or last[0] != last[1]:
        return None
    begin = first[0] + (0.5 if start_half else 0)
    finish = last[0] + (0.5 if end_half else 0)
    if begin > 24 or finish > 24:
        return None
    afternoon = ("下午", "晚上", "夜里", "晚")
    if start_when in afternoon and begin < 12:
        begin += 12
    if end_when in afternoon and finish < 12:
        finish += 12
    while finish <= begin:
        finish += 12
    span = finish - begin
    return span if span <= 24 else None


def _days(number: str, unit: str) -> float | None:
    value = _num(number)
    if value is None:
        return None
    return value[1] * {"天": 1, "日": 1, "星期": 7, "礼拜": 7, "周": 7, "月": 30}[unit]


def _rest(t: str, words: list[str]) -> None:
    for m in _CONSECUTIVE_RE.finditer(t):
        days = _days(m.group(1), m.group(3))
        if days is not None and days >= 7:
            words.append(REST)
    for m in _NO_REST_RE.finditer(t):
        days = _days(m.group(1), m.group(3))
        if days is not None and days >= 7:
            words.append(REST)
    for m in _MONTH_REST_RE.finditer(t):
        span = read_number(m.group(1))
        if span is not None and span[0] < 4:
            words.append(REST)
    if re.search("一天(?:都|也)(?:没|不让|不给)(?:休|歇)|全年无休|没有休息日|从来没休|天天(?:都)?上班", t):
        words.append(REST)


def _pregnancy(t: str, words: list[str]) -> None:
    months: float | None = None
    for m in [*_PREGNANCY_RE.finditer(t), *_PREGNANCY_AFTER_RE.finditer(t)]:
        value = read_number(m.group(1))
        if value is None:
            continue
        high = value[1] + (0.5 if m.group(3) else 0)  # 七个多月
        month = high if m.group(4) == "月" else high * PREGNANCY_MONTHS / PREGNANCY_WEEKS
        months = max(months or 0, month)
    pregnant = months is not None or bool(_PREGNANT_WORDS.search(t))
    night = bool(_NIGHT_WORDS.search(t))
    if months is not None:
        words.append(PREGNANT_7 if months >= PREGNANCY_MONTHS else PREGNANT)
    if pregnant and night:
        words.append(PREGNANT)
        words.append(NIGHT_SHIFT)
    if months is not None and months >= PREGNANCY_MONTHS and "加班" in t:
        words.append(OVERTIME)
    if _BREASTFEEDING_WORDS.search(t) and not pregnant:
        baby = _BABY_UNDER_ONE_RE.search(t) is not None
        for m in _BABY_MONTHS_RE.finditer(t):
            value = read_number(m.group(1))
            if value is not None and value[1] < 12:
                baby = True
        if baby:
            words.append(BREASTFEEDING)
            if night:
                words.append(NIGHT_SHIFT)


def _amount(m: re.Match[str], bare_ok: bool) -> float | None:
    number, scale, currency = m.group(1), m.group(2), m.group(3)
    if not scale and not currency and not re.search("[万千]", number) and not bare_ok:
        return None  # a bare number is not money
    value = read_number(number)
    if value is None:
        return None
    factor = {"万": 10_000, "w": 10_000, "千": 1000, "k": 1000, "百": 100}.get(scale or "", 1)
    if currency in ("万元", "万块"):
        factor *= 10_000
    return value[1] * factor


def _money(t: str, words: list[str]) -> None:
    for m in _MONEY_RE.finditer(t):
        before = t[max(0, m.start() - 8):m.start()]
        # 扣了500: a bare number right after 扣/罚/赔 is an amount too
        if _amount(m, bare_ok=bool(re.search("[扣罚赔][了我他她掉钱款]{0,2}$", before))) is None:
            continue
        after = t[m.end():m.end() + 4]
        if _COMPENSATION_WORDS.search(before) or _COMPENSATION_WORDS.search(after):
            words.append(COMPENSATION)
        if _DEDUCTION_WORDS.search(before) or _DEDUCTION_WORDS.search(after):
            words.append(DEDUCTION)
        if _FINE_WORDS.search(before) or _FINE_WORDS.search(after):
            words.append(FINE)


def _grade(deaths: float = 0, injured: float = 0, loss: float = 0) -> str:
    """生产安全事故报告和调查处理条例 第三条 (以上 includes the number)."""
    if deaths >= 30 or injured >= 100 or loss >= 100_000_000:
        return "特别重大事故"
    if deaths >= 10 or injured >= 50 or loss >= 50_000_000:
        return "重大事故"
    if deaths >= 3 or injured >= 10 or loss >= 10_000_000:
        return "较大事故"
    return "一般事故"


def _casualties(t: str, words: list[str]) -> None:
    grades: list[str] = []
    for m in _DEATH_BEFORE_RE.finditer(t):
        value = read_number(m.group(1))
        if value is not None and value[1] >= 1:
            grades += [_grade(deaths=value[0]), _grade(deaths=value[1])]
    for m in _HARM_AFTER_RE.finditer(t):
        value = read_number(m.group(1))
        if value is None:
            continue
        if m.group(2) in ("死亡", "遇难", "身亡", "丧生", "死了", "死", "没了"):
            grades += [_grade(deaths=value[0]), _grade(deaths=value[1])]
        elif value[1] >= INJURED_FOR_GRADE:
            grades += [_grade(injured=value[0]), _grade(injured=value[1])]
    for m in _INJURED_BEFORE_RE.finditer(t):
        value = read_number(m.group(1))
        if value is not None and value[1] >= INJURED_FOR_GRADE:
            grades += [_grade(injured=value[0]), _grade(injured=value[1])]
    for m in _LOSS_RE.finditer(t):
        value = read_number(m.group(1))
        if value is not None:
            factor = {"万": 10_000, "千万": 10_000_000, "亿": 100_000_000}[m.group(2)]
            grades += [_grade(loss=value[0] * factor), _grade(loss=value[1] * factor)]
    if grades:
        words.append(ACCIDENT)
        words.extend(dict.fromkeys(grades))
