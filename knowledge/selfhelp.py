"""Questions about Ankang itself (pushes, points, anonymous reports, receipts, reaching the union).

The answers live in ``data/selfhelp.yaml``; which answer a message gets is decided here by rules,
not by the search engine, because the words that mark these questions (推送, 积分, 回执码 …) are
rare in the statutes and the FAQ and would rank law entries anyway. The rules are deliberately
narrow: a question fires only when it names the service (a service word such as 微课堂, 推送,
订阅, 积分, 排行榜, 回执码, or 机器人/这里/你们 together with a service action), and never when it
carries words of a legal question (报复, 有权, 赔偿, 工伤 …). A law question that slips through
would get a how-to answer instead of its article; a self-help question that is missed still goes
to the engine, which is the safer failure.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.errors import DataError
from knowledge.faq import DATA_DIR, FAQ_ID_RE, _read_yaml, _str_list

SELFHELP_PATH = DATA_DIR / "selfhelp.yaml"
# Self-help questions are short: of a longer message only its last this many characters are read.
MAX_QUESTION_CHARS = 60


@dataclass(frozen=True, slots=True)
class SelfHelpEntry:
    id: str
    q: str
    alt: tuple[str, ...] = field(default_factory=tuple)
    a: str = ""

    @property
    def questions(self) -> list[str]:
        return [self.q, *self.alt]


def load_selfhelp(path: Path = SELFHELP_PATH) -> list[SelfHelpEntry]:
    """Read the catalogue (a list of {id, q, alt, a}); a missing file is an empty catalogue."""
    if not path.exists():
        return []
    data = _read_yaml(path) or []
    if not isinstance(data, list):
        raise DataError(f"{path.name}: expected a list of self-help entries")
    entries: list[SelfHelpEntry] = []
    seen: set[str] = set()
    for raw in data:
        entries.append(entry := _entry(raw, path.name))
        if entry.id in seen:
            raise DataError(f"{path.name}: duplicate id {entry.id}")
        seen.add(entry.id)
    return entries


def _entry(raw: Any, source: str) -> SelfHelpEntry:
    if not isinstance(raw, dict) or not raw.get("id") or not raw.get("q") or not raw.get("a"):
        raise DataError(f"{source}: each self-help entry needs id, q and a")
    entry_id = str(raw["id"]).strip()
    if not FAQ_ID_RE.match(entry_id):
        raise DataError(f"{source}: bad id {entry_id!r}")
    where = f"{source}: {entry_id}"
    return SelfHelpEntry(entry_id, str(raw["q"]).strip(), tuple(_str_list(raw.get("alt"), where, "alt")),
                         str(raw["a"]).strip())


@lru_cache(maxsize=1)
def selfhelp_catalogue() -> dict[str, SelfHelpEntry]:
    """The bundled catalogue by id, read on first use."""
    return {e.id: e for e in load_selfhelp()}


# --- recognising a question about the service ---------------------------------------------------------

_NON_WORD = re.compile(r"[^\w\u4e00-\u9fff]+")


# The service's words typed in pinyin ("tuisong怎么关", "jifen在哪看"): the speller only knows the
# FAQ's vocabulary, so the catalogue reads its own.
_PINYIN = {"tuisong": "推送", "jifen": "积分", "huizhima": "回执码", "huizhi": "回执", "paihangbang": "排行榜",
           "paihang": "排行", "paiming": "排名", "dingyue": "订阅", "tuiding": "退订", "weiketang": "微课堂",
           "gonghui": "工会", "jubao": "举报", "jianju": "检举", "niming": "匿名", "rengong": "人工"}
# Half a service word typed in pinyin ("推song", "查询ma", "报ming"): the character before it
# tells which word was meant.
_HALF_PINYIN = {"推song": "推送", "tui送": "推送", "查询ma": "查询码", "回执ma": "回执码", "举报ma": "举报码",
                "报ming": "报名", "bao名": "报名", "积fen": "积分", "ji分": "积分", "订yue": "订阅", "ding阅": "订阅",
                "退ding": "退订", "tui订": "退订", "排ming": "排名", "pai名": "排名", "匿ming": "匿名", "ni名": "匿名",
                "举bao": "举报", "ju报": "举报", "竞sai": "竞赛", "jing赛": "竞赛", "答ti": "答题", "da题": "答题",
                "进du": "进度", "jin度": "进度", "hui执": "回执", "回zhi": "回执", "查xun": "查询", "cha询": "查询",
                "pai行": "排行", "排hang": "排行", "xue时": "学时",
                "学shi": "学时", "zheng书": "证书", "证shu": "证书", "dan位": "单位", "单wei": "单位"}
# The service's own words, for the speller's vocabulary: a homophone typo of one (积份, 退定) is
# corrected like a typo of a legal word, and the catalogue is asked again (KnowledgeBase.answer).
SERVICE_WORDS = tuple(sorted({*_PINYIN.values(), *_HALF_PINYIN.values()}))
_HALF_PINYIN_RE = re.compile("|".join(sorted(_HALF_PINYIN, key=len, reverse=True)))
# The first person in dialect ("俺", "咱"): the rules below are written with 我.
_DIALECT_ME = re.compile(r"俺|咱(?!们)")
_LATIN_RUN = re.compile(r"[a-z]+")
# Words typed wholly in pinyin run together once spaces go ("tuisong tai duo le" -> "tuisongtaiduole"): the
# service's words and a few question words are read inside such a run, longest first.
_PINYIN_IN_RUN = {**_PINYIN, "zenme": "怎么", "zaina": "在哪", "zainali": "在哪里", "diule": "丢了", "wangle": "忘了",
                  "guandiao": "关掉", "quxiao": "取消", "taiduo": "太多", "zhidao": "知道", "chaxun": "查询"}
_PINYIN_IN_RUN_RE = re.compile("|".join(sorted(_PINYIN_IN_RUN, key=len, reverse=True)))
# Cantonese question words ("點樣查進度", "喺邊度睇"): the rules are written with 怎么 and 在哪.
_CANTONESE = {"点样": "怎么", "点算": "怎么办", "喺边度": "在哪", "边度": "哪里", "唔见咗": "丢了", "唔见": "丢了"}
_HOW_VERB = re.compile(r"怎样(?=[查看关改用弄办找订退补搜下领删加换选])")
_CANTONESE_RE = re.compile("|".join(sorted(_CANTONESE, key=len, reverse=True)))


def _pinyin_run(run: str) -> str:
    if run in _PINYIN:
        return _PINYIN[run]
    if len(run) < 8:  # a short run is an English word or an abbreviation, not pinyin typed together
        return run
    return _PINYIN_IN_RUN_RE.sub(lambda m: _PINYIN_IN_RUN[m.group()], run)


def _compact(text: str) -> str:
    # The engine passes knowledge.text.compact(); folding again keeps raw text working too.
    text = _NON_WORD.sub("", unicodedata.normalize("NFKC", text).lower())
    text = _HALF_PINYIN_RE.sub(lambda m: _HALF_PINYIN[m.group()], text)
    text = _DIALECT_ME.sub("我", text)
    # Northern 咋 and 啥 are 怎么 and 什么 ("证书咋领", "积分有啥用"): the rules are written with the latter.
    text = text.replace("咋", "怎么").replace("啥", "什么")
    text = _CANTONESE_RE.sub(lambda m: _CANTONESE[m.group()], text)
    # 怎样 before a verb is 怎么 ("举报之后怎样查进度"); 怎样了 (how is it going) stays.
    text = _HOW_VERB.sub("怎么", text)
    return _LATIN_RUN.sub(lambda m: _pinyin_run(m.group()), text)


def _any(*words: str) -> str:
    return "(?:" + "|".join(words) + ")"


def _all(*patterns: str) -> str:
    """Every one of ``patterns`` somewhere in the text, in any order."""
    return "^" + "".join(f"(?=.*{p})" for p in patterns)


def _cmd(*names: str) -> str:
    """A command name typed with or without its slash (compact text has lost the slash)."""
    return r"(?<![a-z])" + _any(*names) + r"(?![a-z])"


# Words of a legal question: when one is present the message is a law question, whatever else it says.
_LAW = re.compile(_any(
    "报复", "打击", "开除", "辞退", "解雇", "解除", "扣工资", "扣钱", "罚款", "奖励", "奖金", "有权", "权利",
    "义务", "违法", "合法", "犯法", "赔偿", "工伤", "职业病", "培训", "处罚", "责任", "起诉", "仲裁", "法律规定",
    "规定吗", "落户", "入学",
    # Whether the law protects a whistle-blower ("举报人受保护吗", "保护举报人的规定"): 安全生产法, not the bot.
    "受保护", "受到保护", "受法律保护", "保护举报", "举报人.{0,2}保护", "保护.{0,2}举报人",
))
# Another channel named (the authorities' hotlines and platforms): the question is about that channel.
_OTHER_CHANNEL = re.compile(_any("12350", "12345", "12333", "应急管理", "应急局", "安监", "监管部门", "政府", "信访",
                                 "劳动局", "人社局", "住建局", "环保局", "消防队", "监察大队",
                                 "市长热线", "劳动监察"))
# Addressing the bot or the service: weak on its own, decisive with a service action.
_BOT = _any("机器人", "安康助手", "助手", "这个号", "本号", "这个账号", "这号", "你们", "在这里", "在这儿", "在这",
            "这里", "这儿", "bot", "电报", "telegram", "tg", "网页", "网上", "网站", "贵平台", "本平台", "这个平台",
            "该平台", "此平台", "你们平台", "该渠道", "这个渠道", "此渠道", "本渠道", "本系统", "这个系统", "用这个",
            "这个程序", "这个小程序", "小程序", "公众号", "平台上", "平台里", "这平台", "咱们平台", "这边", "你这里", "你这儿",
            "咱这", "咱们这",
            # The service named formally or as an app ("通过本服务提交的举报", "这个应用会记录我吗").
            "本服务", "该服务", "此服务", "这个服务", "你们的服务", "本应用", "这个应用", "该应用", "这个app", "本app",
            "这个软件", "本软件", "该软件")
_RECEIPT = _any("回执码", "回执号", "回执", "查询码", "举报码", "收据码", r"(?:举报|检举)的?码")
# Words of losing or forgetting something (the receipt code, in the first rule).
_LOST = _any("丢", "忘", "找不到", "找不回", "找回", "没保存", "没存", "没记", "没抄", "没截", "删了", "删掉", "弄没", "没了",
             "补发", "重发", "重新发", "再发", "记错", "想不起", "记不得", "记不住", "不记得", "搞丢", "弄丢", "不见", "遗失",
             "补办", "找不着", "摔坏", "坏了", "换手机", "换了手机", "清掉", "清空")
# "The code" after a report was named ("举报完给的那个码俺弄丢了"); not a QR, verification or pass code.
_BARE_CODE = r"(?<![维证密号])码"
_LANGUAGES = ("繁体", "简体", "英文", "英语", "english", "外语", "外文", "藏文", "藏语", "维吾尔", "维语", "蒙古文", "蒙语",
              "少数民族文字", "少数民族语言", "粤语")
# Asking how, where or whether (a unit change asked about, not a statement about a unit).
_HOW = _any("怎么", "咋", "如何", "怎样", "在哪", "哪里", "哪儿", "能不能", "可不可以", "可以吗", "能吗", "吗", "么$")
_PROGRESS = _any("进展", "进度", "处理结果", "结果", "回复", "答复", "状态")
_REPORT = _any("举报", "检举", "反映隐患", "报隐患", "反映安全隐患", "报告隐患", "上报隐患", "提交隐患", "隐患线索", "报个隐患")


@dataclass(frozen=True, slots=True)
class _Rule:
    entry_id: str
    patterns: tuple[re.Pattern[str], ...]  # any one of them
    guard_channel: bool = False  # also refuse when another channel (12350 …) is named


def _rule(entry_id: str, *patterns: str, guard_channel: bool = False) -> _Rule:
    return _Rule(entry_id, tuple(re.compile(p) for p in patterns), guard_channel)


# Order matters: the first rule that fires wins (a lost receipt before the receipt's use, leaving
# the pushes before subscribing to them, the ranking before points).
_RULES: tuple[_Rule, ...] = (
    # Whether the service costs anything ("用这个机器人要钱吗", "订阅微课堂收费吗"), before the rules of each feature.
    _rule("selfhelp-help",
          _all(_any(_BOT, "微课堂", "微课", "订阅", "推送", "答题", "竞赛"), _any("收费", "要钱", "免费", "花钱", "付费", "交钱",
                                                                       "要不要钱", "扣费", "话费"))),
    _rule("selfhelp-help", _any("流量费", "费流量", "耗流量", "用流量", "收流量", "费不费流量", "要流量")),
    _rule("selfhelp-lost-receipt",
          _RECEIPT + ".{0,8}" + _LOST,
          _any("丢", "忘", "找不到", "没保存", "没抄", "没截", "删了", "重新发", "再发", "补发", "遗失") + ".{0,6}" + _RECEIPT,
          # The code named once, then lost ("给了我一个回执码……手机摔坏了，码找不到了", "举报完给的那个码弄丢了").
          _all(_any(_RECEIPT, _REPORT + ".{0,10}" + _BARE_CODE), _BARE_CODE + ".{0,6}" + _LOST),
          # The report's number named otherwise ("举报编号忘了", "举报完给的号码找不到了"); not a hotline's number.
          _REPORT + ".{0,8}" + "(?<!电话)" + _any("编号", "单号", "号码", "那串字", "那串数", "那串号") + ".{0,6}" + _LOST),
    _rule("selfhelp-anonymity",
          _any("真的匿名", "真匿名", "真的是匿名", "真是匿名", "是不是匿名的", "真的不会暴露", "真正匿名", "真正的匿名") + ".{0,6}$",
          "匿名举报" + _any("功能", "按钮", "入口") + ".{0,8}" + _any("匿名", "暴露", "泄露", "身份"),
          _all(_any(_REPORT, "照片", _RECEIPT, "账号", "telegram", "电报", "反映问题", "反映情况"), _BOT,
               _any("匿名吗", "匿名的吗", "是不是匿名", "暴露", "泄露", "知道是我", "查到我", "查出我", "查出是", "看到我", "看到举报人",
                    "举报人是谁", "是谁发", "告诉老板", "晓得", "会知道", "查得到", "查得出", "认出", "告诉单位", "告诉厂里", "告诉公司", "记录", "保存", "用户名", "身份", "ip", "位置", "定位", "gps",
                    "查出来", "个人信息", "被发现")),
          _RECEIPT + ".{0,6}" + _any("暴露", "泄露", "身份", "查到我", "知道是我"),
          # The anonymous report itself named, then whether it gives the sender away ("匿名举报了 老板会知道是我吗").
          # Whether reporting gives the sender away, the bot unnamed ("举报会暴露我吗", "举报老板他能晓得是我举报的不").
          _REPORT + ".{0,12}" + _any("暴露我", "暴露身份", "会暴露", "能暴露", "被暴露", "泄露我", "泄露身份")
          + _any("吗", "不", "么", "嘛", "没", ""),
          _REPORT + ".{0,12}" + _any("知道", "晓得", "查出", "查到", "发现", "认出", "猜到") + "是我",
          # Being found out, or one's name or number asked for ("匿名举报真的不会被老板知道吗", "匿名举报要填名字吗").
          "匿名" + _REPORT + ".{0,16}" + _any("被" + _any("老板", "领导", "厂里", "单位", "公司", "别人", "工友", "同事", "班长", "主任", "lb")
                                                 + _any("知道", "晓得", "发现", "查到", "查出"),
                                             _any("填", "写", "留", "登记", "提供", "记") + "我?的?"
                                             + _any("名字", "姓名", "真名", "手机号", "电话", "身份证")),
          # The photos of a report giving away where it was taken ("举报的照片会泄露位置吗").
          "照片.{0,8}" + _any("泄露", "暴露", "带", "留", "显示") + ".{0,2}" + _any("位置", "定位", "gps", "地址", "拍摄时间"),
          # What the service records of the sender ("你们会记录我的ip吗").
          _all(_BOT, _any("记录", "记下", "保存", "存", "留") + ".{0,2}我的" + _any("ip", "手机号", "电话", "位置", "定位")),
          "匿名" + _REPORT + ".{0,16}" + _any("知道是我", "查到我", "查到是我", "查不到是我", "查出我", "查出是我", "发现是我",
                                             "找到我", "暴露", "泄露", "身份"),
          # The service handing the worker over ("机器人会不会把我的信息给老板").
          _BOT + ".{0,8}把我的?" + _any("信息", "名字", "姓名", "身份", "账号", "资料", "手机号", "电话") + ".{0,4}"
          + _any("给", "告诉", "交给", "透露", "泄露", "卖"),
          # What the service's staff see of the worker ("工会能看到我的名字吗", "后台看得到我是谁不").
          _any("工会", "管理员", "后台", "工作人员", "你们") + ".{0,4}" + _any("能看到", "看得到", "能看见", "看得见", "会看到",
                                                                   "能查到", "查得到", "知道", "晓得")
          + ".{0,4}" + _any("我的名字", "我的姓名", "我是谁", "我的账号", "我的手机号", "我的电话", "我的身份", "我的id",
                            "我的telegram", "我的电报"),
          guard_channel=True),
    _rule("selfhelp-status",
          _RECEIPT, _cmd("status"),
          _any("我的举报", "我举报的", "之前的举报", "上次的举报", "我提交的举报", "对我举报")
          + ".{0,10}" + _any("进展", "进度", "处理到", "怎么样了", "回复", "答复", "查询", "查看", "补充", "补几张",
                             "状态", "哪一步"),
          # "举报之后在哪看处理到哪一步了"
          _any("举报", "交上去", "提交") + _any("的", "之后", "以后", "后", "了", "") + ".{0,8}"
          + _any("处理到哪", "到哪一步", "哪一步了"),
          _any("补充", "补几张", "补发照片") + ".{0,4}" + _any("我的举报", "之前的举报", "举报的内容", "举报内容"),
          # One's own earlier report, then how far it has got ("俺上回举报的事现在到哪步了", "我上周匿名检举的事情处理到哪一步了").
          _any("我", "上回", "上次", "之前", "前几天", "前些天", "上周", "上个月", "那次") + ".{0,8}" + _REPORT + ".{0,14}"
          + _any("到哪步", "到哪一步", "哪一步", "到哪了", "怎么样了", "有结果没", "有没有结果", "有回复", "有没有回复", "回复了没",
                 "有回音", "有下文", "有回话", "有消息", "有动静", "有进展了", "有没有进展", "进展如何", "进展怎么样", "进度如何", "处理到",
                 "怎么样了", "怎样了", "处理了没", "处理没", "有没有处理", "有没有人管", "管了没", "有人管没"),
          # One's own report asked after: received, accepted, a result, sent at all ("工会收到我的举报了吗", "举报提交成功了没").
          _any("我的", "我那个", "我刚才的", "我提交的", "我发的", "我在这的", "我在这里的") + _REPORT + _any("的事情?", "") + ".{0,8}"
          + _any("受理", "有结果", "结果了", "通知我", "收到", "成功", "发出去", "交上去", "送出去", "提交上去"),
          _any("收到", "看到", "受理") + "了?我的?" + _REPORT,
          _REPORT + _any("的事情?", "") + ".{0,6}" + _any("有结果了吗", "有结果没", "有没有结果", "处理完会通知", "会通知我"),
          _REPORT + ".{0,4}" + _any("成功没", "成功了没", "成功了吗", "成功了没有", "成功没有", "有没有成功", "发出去了吗", "发出去没",
                                    "交上去了吗", "交上去没", "提交成功"),
          # How one learns whether it was dealt with ("举报了以后怎么知道处理了没有", "反映的隐患在哪看整改了没").
          _REPORT + ".{0,10}" + _any("怎么知道", "在哪看", "哪里看", "怎么查", "在哪查", "能不能知道", "能知道")
          + ".{0,4}" + _any("处理", "整改", "解决", "办结", "受理"),
          # The union's reply to a report ("检举完能看到回复吗", "举报后工会会联系我吗").
          _REPORT + _any("完", "后", "之后", "以后", "了") + ".{0,8}" + _any("看到", "收到", "查到", "在哪看", "怎么看")
          + _any("工会的?", "") + _any("回复", "答复", "回音", "处理结果"),
          _REPORT + ".{0,10}工会.{0,4}" + _any("回复我", "回我", "答复我", "联系我", "找我", "通知我", "怎么回复", "怎么答复",
                                               "有没有回", "回话", "有回复", "回复了", "回了没", "答复了"),
          # Adding to a report already sent ("匿名检举送出以后还可以补传照片吗", "举报完了还能补充情况吗").
          _REPORT + ".{0,4}" + _any("送出", "提交", "发出", "交上去", "发送", "完", "了", "后", "之后", "以后") + ".{0,6}"
          + _any("补传", "补发", "补充", "追加", "再传", "再发", "再补", "补几张", "补交", "加照片", "加图片", "添加")
          + ".{0,4}" + _any("照片", "图片", "视频", "材料", "资料", "情况", "信息", "内容", "说明", "吗", "么", ""),
          # Waiting for an answer to a report made here ("举报了没人回我", "举报后多久有人处理").
          _REPORT + _any("了", "后", "之后", "以后", "完", "的事", "的问题", "的隐患") + ".{0,8}"
          + _any("没人回我", "多久有人", "多久能有", "没回音", "没回复"),
          # Taking a report back ("举报之后想撤回", "提交的举报能删掉吗").
          _REPORT + ".{0,10}" + _any("撤回", "撤销", "收回", "删掉", "删除", "作废"),
          _any("撤回", "撤销", "收回", "删掉", "删除") + ".{0,6}" + _REPORT,
          _any("怎么查", "如何查", "查询", "在哪看", "怎么看", "在哪查") + ".{0,4}" + _REPORT + ".{0,6}" + _PROGRESS,
          _REPORT + ".{0,6}" + _PROGRESS + ".{0,3}" + _any("怎么查", "在哪看", "怎么看", "在哪查", "查询"),
          _REPORT + _any("之后", "以后", "完", "了") + _any("怎么查", "如何查", "在哪看", "怎么看", "在哪查", "查询") + ".{0,2}"
          + _PROGRESS,
          # A story ending in the question ("……在你们这举报了……想问问怎么看处理结果").
          _all(_BOT, _REPORT + ".{0,30}" + _any("怎么看", "在哪看", "怎么查", "在哪查", "查询", "查看") + ".{0,4}" + _PROGRESS),
          guard_channel=True),
    # One's report waited on or added to, another channel not named ("我举报了一个星期了没人理", "能补充举报材料吗").
    _rule("selfhelp-status",
          # Not a hotline's or mailbox's silence ("打了举报电话一直没回音": the law FAQ).
          "^(?!.*" + _any("电话", "热线", "信箱", "来信") + ").*" + _REPORT + ".{0,12}" + _any("没人理", "没人回", "没回音", "没动静", "没消息", "没下文"),
          _any("补充", "补交", "追加", "补传") + ".{0,2}" + _REPORT + "的?" + _any("材料", "照片", "图片", "内容", "情况", "信息"),
          guard_channel=True),
    _rule("selfhelp-report",
          _cmd("report"),
          _all(_BOT, _REPORT),
          _REPORT + _any("入口", "的入口", "按钮", "在哪里点", "在哪点"),
          _any("上传", "发", "附", "带", "拍") + ".{0,2}" + _any("照片", "图片", "视频") + ".{0,4}" + _REPORT,
          _REPORT + ".{0,6}" + _any("上传", "发", "附", "带", "拍", "录", "传", "用") + ".{0,2}" + _any("照片", "图片", "视频", "语音", "录音"),
          _REPORT + ".{0,4}" + _any("填到一半", "写到一半", "填了一半", "写了一半", "不想填", "不想报了", "不想举报了", "填错了", "草稿"),
          # The bare feature ("匿名举报", "怎么匿名举报"): how it is done.
          "^" + _any("怎么", "如何", "怎样", "咋") + "?" + "匿名" + _REPORT + _any("怎么弄", "怎么用", "怎么操作", "") + "$",
          "匿名" + _REPORT + ".{0,6}" + _any("怎么操作", "怎么弄", "怎么用", "咋弄", "咋操作", "步骤", "流程"),
          guard_channel=True),
    _rule("selfhelp-campaign",
          _cmd("campaign", "contest"),
          _any("安康杯", "知识竞赛", "竞赛", "答题比赛", "答题活动", "比赛") + ".{0,10}"
          + _any("报名", "参加", "入口", "怎么玩", "在哪答", "怎么答", "开始答题", "怎么进"),
          _any("报名", "参加", "参与") + ".{0,6}" + _any("安康杯", "知识竞赛", "竞赛", "答题比赛", "答题活动"),
          # How many attempts a day ("安康杯答题一天能答几次").
          _any("安康杯", "答题", "竞赛") + ".{0,4}" + _any("一天", "每天", "一日", "每日", "天天") + ".{0,4}"
          + _any("几次", "几回", "几遍", "多少次", "多少回"),
          _any("知识竞赛", "竞赛", "答题比赛", "答题活动") + ".{0,6}" + _any("什么时候", "啥时候", "几时", "几次", "几回", "多少次",
                                                              "几道", "多少道", "多少题", "几题", "多长时间", "多久", "限时",
                                                              "截止", "结束", "开始", "练习")),
    # The 👍/👎 under an answer ("怎么给回答点赞", "点了踩有什么用"), before a wrong answer reported to a person.
    _rule("selfhelp-feedback",
          _any("点赞", "(?<![差一])点踩(?![空到着])", "点个赞", "点个踩", "赞一下", "👍", "👎", "有帮助按钮", "没帮助按钮", "点没帮助", "点有帮助",
               "点了没帮助", "点了有帮助", "点了踩", "点了赞"),
          _any("回答", "答案", "你的回复") + _any("有用", "没用", "好不好", "对不对") + ".{0,4}" + _any("怎么反馈", "怎么告诉", "怎么评价",
                                                                                       "怎么打分", "在哪反馈"),
          _any("评价", "打分", "评分") + _any("你的", "这个", "这条", "") + _any("回答", "答案"),
          "给" + _any("你的", "这个", "这条", "") + _any("回答", "答案") + _any("打分", "评分", "评价", "打个分"),
          _any("回答", "答案") + ".{0,4}" + _any("下面", "底下", "后面", "下边") + ".{0,6}" + _any("赞", "踩", "按钮", "大拇指")),
    _rule("selfhelp-contact",
          _cmd("ask", "myquestions"),
          # The feature 问工会 ("问工会怎么用", "我问工会的问题有回复了吗"), not the advice to ask the union ("不用问工会 对吗").
          "问工会" + _any("怎么用", "的问题", "在哪", "功能", "要多久", "多久", "怎么问", "有回复"), "^问工会$",
          _any("转人工", "人工客服", "找人工", "要人工", "有人工吗", "人工服务", "人工沟通", "人工咨询", "人工联系",
               "有没有人工", "真人", "活人", "客服"),
          _any("工会的?", "工会里的") + _any("电话", "联系电话", "热线", "联系方式", "联系人", "号码", "微信", "办公室在哪",
                                            "地址", "在哪办公"),
          _any("联系", "找", "跟", "和", "同", "与", "转", "接通", "转给") + ".{0,4}工会的?" + _any("工作人员", "人", "干部",
                                                                                               "同志"),
          _any("联系工会", "维权热线", "12351"),
          _any("与", "和", "跟", "同") + "工会.{0,4}" + _any("取得联系", "联系", "联络", "沟通"),
          "^" + _any("人工", "转人工", "找人工") + "$",
          _any("工会的?人", "工会的?工作人员", "工会干部") + ".{0,4}" + _any("值班", "在线", "在吗", "在不在"),
          # The answer to one's /ask ("我问的问题有人回了吗").
          _any("我问的问题", "我提的问题", "我问工会的", "我转给工会的") + ".{0,6}"
          + _any("有人回", "回了", "回复了", "有回复", "有答复", "答复了", "有人答"),
          "问题.{0,4}" + _any("转给", "转到", "交给", "提交给", "发给") + "工会",
          _any("你们", "你") + ".{0,2}" + _any("有热线", "有没有热线", "电话多少", "的电话"),
          # A wrong answer reported, a person asked for ("机器人答错了怎么反馈", "有没有人能直接回答我").
          _any("答错", "回答不对", "回答错", "答得不对", "说得不对", "说错了", "回答得不对") + ".{0,6}"
          + _any("反馈", "找谁", "怎么办", "投诉", "告诉谁", "纠正", "跟谁说"),
          _any("投诉", "反馈", "举报") + _any("这个", "你们的?", "") + _any("机器人", "助手", "回答"),
          _any("有没有人", "有人") + _any("能", "可以") + _any("直接", "") + _any("回答我", "回我", "答复我"),
          _any("机器人", "你", "助手") + ".{0,3}" + _any("回答不了", "答不了", "答不上来", "答不出", "不会答", "解决不了", "不懂") + ".{0,4}"
          + _any("找谁", "怎么办", "咋办", "问谁"),
          guard_channel=True),
    # 学时 and certificates earned here (/mystudy); a licence the law requires (特种作业操作证, 上岗证) or a
    # training-hours rule (三级安全教育学时) is a law question (_STUDY_LAW below).
    _rule("selfhelp-study",
          _cmd("mystudy"),
          _any("我的", "我", "俺的") + _any("学时", "学习时长", "学习记录", "证书"),
          _any("学时", "学习时长", "学习时间", "学习记录") + ".{0,8}"
          + _any("在哪", "哪里看", "哪看", "怎么查", "怎么看", "查询", "查看", "没记", "没算", "不涨", "没涨", "没增加", "没加",
                 "怎么算", "怎么记", "怎么攒", "怎么累计", "怎么来", "怎么获得", "怎么拿", "记录", "少了", "不对", "清零",
                 "有啥用", "有什么用", "干什么用", "有用吗", "记哪", "记在哪", "存哪", "哪了"),
          _any("查", "看", "查看", "查询") + _any("一下", "") + _any("我的", "我", "") + _any("学时", "学习时长"),
          _any("答题", "做题", "读完", "学一课", "看课", "看完", "竞赛", "微课堂") + ".{0,8}"
          + _any("算", "计", "记", "有", "加", "算不算", "得") + _any("多少", "几分钟", "几个", "") + "学时",
          "证书.{0,8}" + _any("在哪", "哪里", "怎么下载", "下载", "怎么领", "领取", "去哪领", "怎么拿", "查验", "验证", "真假",
                            "没收到", "打印", "怎么获得", "怎么得", "怎么才能", "发给我", "名字", "丢了", "找不到", "验证码"),
          _any("下载", "领", "领取", "打印", "查验", "验证", "拿到", "获得", "得到") + _any("我的", "") + "证书",
          # A certificate for lessons or quizzes ("答完题有证书吗", "学完能拿证书吗").
          _any("答完题", "答题", "学完", "读完", "学够", "看完课") + ".{0,4}" + _any("有", "拿", "给", "发", "能拿", "能有") + "证书"),
    _rule("selfhelp-unsubscribe",
          _any("退订", "退定", "退阅", "取消订阅", "取消订", "不想订", "不订了", "停止推送", "停推", "关闭推送",
               "关掉推送", "取消推送", "屏蔽推送", _cmd("unsubscribe")),
          _any("停止", "关闭", "关掉", "取消", "屏蔽", "停掉", "关了") + ".{0,6}" + _any("推送", "微课堂", "微课", "小课"),
          _any("别", "不要", "不用") + ".{0,4}推送",
          _any("不想要", "不需要", "不要") + _any("推送", "你们的?课", "你们的?消息", "这些课", "这些消息"),
          _any("别", "不要", "别再", "不要再") + "给我" + _any("推", "发课", "发消息"),
          _any("课", "推送", "消息") + _any("太多", "太频繁"),
          _any("少推", "少发点", "少发些", "推少点", "推少一点", "只发一次", "只推一次") + ".{0,4}" + _any("吗", "不", "么", "嘛", "呢",
                                                                                        "行吗", "可以", "$"),
          # The time of the pushes found wrong ("课推的时间不合适", "你们的消息老半夜来").
          _any("推送", "推课", "课推", "推的课", "发课") + "的?.{0,2}时间.{0,4}" + _any("不合适", "不方便", "不好", "太早", "太晚"),
          _all(_any("你们的?消息", "你们发的", "你们推的", "推送"), _any("半夜", "深夜", "夜里", "凌晨", "大清早")),
          _any("不想再?接收", "不再接收", "不要再?接收", "不想再?收到") + ".{0,6}" + _any("推送", "消息", "通知", "微课堂", "微课"),
          _any("不让", "别让", "不要让") + "你们.{0,4}" + _any("发", "推"),
          # "微课堂天天推 烦死了咋关掉", "微课堂可以改成一个礼拜推一次吗": the pushes named first, then stopped or thinned.
          _any("推送", "微课堂", "微课", "小课") + ".{0,12}" + _any("关掉", "关了", "停掉", "退掉", "屏蔽", "取消掉"),
          # When and how often the lessons come ("推送时间能改吗", "能不能晚上别推").
          _any("推送", "微课堂", "微课", "小课", "推的?课") + ".{0,6}" + _any("频率", "时间", "时段", "几点", "次数") + ".{0,6}"
          + _any("改", "调", "换", "设置", "定"),
          _any("别", "不要", "能不能别", "可以不") + "在?" + _any("晚上", "半夜", "夜里", "早上", "上班时间?", "休息时间?") + "推",
          _any("晚上", "半夜", "夜里", "早上", "上班时间?", "休息时间?") + _any("别", "不要", "能不能别", "不") + "推",
          _any("推送", "微课堂", "微课") + ".{0,4}" + _any("改到", "调到", "换到", "挪到"),
          _all(_any("推送", "微课堂", "微课", "小课", "你们的?消息"), _any("换个时间", "换时间", "改个时间", "改时间", "调个时间",
                                                                  "推得太早", "推得太晚", "太早了", "太晚了")),
          _any("推送", "微课堂", "微课", "小课") + ".{0,8}" + _any("改成", "换成", "改为", "调成") + ".{0,8}"
          + _any("推一次", "发一次", "一次"),
          # "半夜还收到你们的消息 能设置一下吗", "老是弹消息 怎么取消"
          _all(_any("你们的?消息", "你们发的", "你们推", "弹消息", "推的消息", "老是?收到", "半夜.{0,4}收到", "天天收到"),
               _any("关", "取消", "停", "设置", "别发", "不要发", "不想收", "少发", "屏蔽")),
          _all(_any("推送", "微课堂", "微课", "小课", "课", "订阅", "你们", "给我", "消息", "通知", _BOT), _any("不收你们", "不收这", "能关不", "怎么关", "关得掉", "关不掉", "太多了?看不过来", "看不过来", "不要推送", "别推", "别再推", "不要再推", "不想收", "不想再收", "不再收", "别再发", "不要再发",
                 "别发了", "不要发了", "别每周", "少收", "推.{0,4}" + _any("太多", "太频繁", "太密", "太勤"), "太多.{0,2}推", "推送.{0,8}"
                 + _any("关", "停", "取消", "屏蔽", "少"), "太烦", "烦死", "好烦", "烦人", "吵得",
                 # Annoyance and "make it stop" in street words ("烦得很 咋不让它推了", "嫌烦 能让它别发不").
                 "烦得很", "烦得要命", "烦透", "很烦", "真烦", "嫌烦", "烦不烦", "厌烦",
                 "不让" + _any("它", "他", "你们", "你", "机器人", "") + _any("推", "发", "再推", "再发"),
                 "让" + _any("它", "他", "你们", "你", "机器人") + _any("别", "不要", "停止", "不再") + _any("推", "发", "再推", "再发")))),
    # When the lessons come, and none arriving ("推送几点发", "微课堂每周几推", "好久没收到推送了").
    _rule("selfhelp-pushes",
          _any("推送", "微课堂", "微课", "小课") + ".{0,6}" + _any("几点", "什么时候", "啥时候", "每周几", "周几", "星期几", "哪天",
                                                        "多久一次", "多长时间一次", "多久推", "多久发"),
          "课程?.{0,4}" + _any("几点", "什么时候", "啥时候", "每周几", "周几", "星期几") + ".{0,2}" + _any("推", "发"),
          _any("不推了", "没推了", "不推送了"),
          _any("几点", "什么时候", "每周几", "周几", "星期几", "哪天", "每周[一二三四五六日天]", "周[一二三四五六日天]",
               "星期[一二三四五六日天]") + _any("推送", "推", "发课", "来课") + _any("微课堂", "微课", "小课", "课", "吗", "呢", "$"),
          _any("推送", "微课堂", "微课", "小课") + ".{0,6}" + _any("不更新", "没更新", "没新课", "没有新课", "停更"),
          _any("收不到", "没收到") + _any("你们的?", "") + "消息了?$",
          # How often, and none this week ("一周推几次", "为什么这周没课").
          _any("一周", "每周", "一星期", "一礼拜", "一个月", "每月", "每天", "一天") + _any("推", "发课", "发几节课", "来课")
          + _any("几次", "几回", "几节", "几课", "多少次", "多少节", "多少课"),
          _any("这周", "这星期", "这礼拜", "这个月", "最近", "今天", "好久", "怎么", "为什么") + ".{0,3}"
          + _any("没课", "没有课", "没新课", "没收到课", "没来课"),
          # Not the employer's publicity ("单位没推送安全知识"): the worker's own feed, asked after.
          _any("怎么", "咋", "为什么", "为啥", "一直", "好久", "最近", "这周", "这个月", "今天") + ".{0,2}"
          + _any("没推送", "没有推送", "没推", "不推"),
          _any("收不到", "没收到", "没有收到", "收不着") + ".{0,4}" + _any("推送", "微课堂", "微课", "小课", "的课", "课了"),
          _any("推送", "微课堂", "微课", "小课") + ".{0,6}" + _any("收不到", "没收到", "没有收到", "不推了", "没推", "不来了", "停了")),
    _rule("selfhelp-rank",
          _any("参与率", "参赛率"),
          _any("排行榜", "排行版", "排行", "榜单", "上榜", "榜上", "上不了榜", "上不去榜", "不在榜", _cmd("rank")), "^排名$",
          _any("排名", "名次", "第几名", "排第几", "排在第几", "排几名", "排多少名") + "(?=.*" + _any("我", "积分", "答题", "安康杯", "分") + ")",
          "^.{0,4}" + _any("我", "咱") + _any("排在第几", "排几名", "排多少名", "排第几"),
          "谁.{0,4}" + _any("答题", "答对", "积分", "分") + ".{0,4}" + _any("最多", "最高", "第一"),
          _any("我", "积分", "答题", "安康杯") + ".{0,6}" + _any("排名", "名次", "第几名", "排第几")),
    _rule("selfhelp-score",
          _any("积分", "积份", "积份", _cmd("score")),
          _any("答题", "答对", "答错", "做题", "答一道", "测验", "题目") + ".{0,6}" + _any("几分", "多少分", "得分",
                                                                                  "有分", "分数", "加分", "积分", "扣分",
                                                                                  "减分", "倒扣"),
          "我的?" + _any("现在", "目前", "一共", "总共", "") + _any("有", "得了", "拿了", "") + _any("多少分", "几分"),
          "我的分数",
          # The lesson's quiz answered again ("测验题答错了能重新答吗").
          _any("测验", "答题", "题目", "课后题", "这道题", "那道题") + ".{0,6}" + _any("重新答", "重答", "再答一次", "再答一遍", "改答案"),
          "我的分" + _any("数", "") + ".{0,4}" + _any("没涨", "不涨", "不对", "少了", "没了", "在哪", "怎么查", "怎么算", "还是零",
                                                   "是零", "为零", "是0", "还是0"),
          _any("答题", "安康杯", "攒", "挣", "赚") + ".{0,6}" + _any("的分", "得分", "分数") + ".{0,6}"
          + _any("在哪", "怎么查", "查询", "怎么看", "多少", "查")),
    _rule("selfhelp-lessons", "不订阅.{0,4}" + _any("能", "可以")),
    _rule("selfhelp-unit",
          _cmd("settings"),
          _any("加入", "选择", "选", "改", "换", "更换", "修改", "退出", "设置") + ".{0,2}"
          + _any("我的单位", "我所在的单位", "所在单位", "所在的单位", "现在的单位"),
          _any("我的单位", "我所在的单位", "所在单位", "所在的单位") + ".{0,4}" + _any("改", "换", "修改", "设置", "选"),
          "加入" + _any("我们", "咱们", "我的", "") + _any("单位", "厂里", "公司") + "$", "选错.{0,2}单位", "单位选错",
          _any("我是哪个单位", "我在哪个单位", "我的单位是哪", "我加入的是哪个单位", "我加入了哪个单位", "我属于哪个单位",
               "查我的单位", "看我的单位", "我现在是哪个单位"),
          _any("所在单位", "所在的单位", "我的单位") + _any("写错", "填错", "显示错", "不对", "错了"),
          # The unit shown here changed ("换单位怎么改", "俺换厂了 单位咋改过来", "怎么把单位改成新厂的"): 单位 as the
          # thing changed, with a how; 单位改制 or 单位改名 (a company's own change) is not this.
          _all(_any("单位" + _any("怎么", "咋", "如何", "怎样", "要", "能", "在哪", "在哪里", "去哪", "")
                    + _any("改", "修改", "更改", "更新") + _any("过来", "成", "为", "一下", "掉", "吗", "呢", "$"),
                    _any("改", "修改", "更改", "更新") + _any("一下", "") + _any("我的", "所在的?", "") + "单位",
                    "把" + _any("我的", "所在的?", "") + "单位" + _any("改", "换", "修改", "更改"),
                    "单位" + _any("怎么", "咋", "如何", "能", "可以", "能不能", "可不可以", "在哪") + "换"
                    + _any("过来", "成", "一下", "掉", "吗", "呢", "不", "$")), _HOW),
          "退出" + _any("所在的?", "我的", "") + "单位" + _any("$", "吗", "怎么", "咋", "呢"),
          # In formal words, the worker's own registration named ("如何将本人在本服务中登记的所属单位变更为其他工会").
          _all(_any("本人", "我"), _any("所属", "登记的", "绑定的", "加入的", "选的", "选择的", "关联的") + "的?"
               + _any("单位", "工会") + ".{0,8}?"
               + _any("变更", "更换", "更改", "修改", "改成", "改为", "换成", "换到", "转到", "转入", "调整", "迁到", "迁移")
               + "(?!了)", _HOW),
          _any("扫码", "扫二维码", "二维码") + ".{0,8}" + _any("加入", "单位", "怎么用")),
    # The verb first, then the worker's own registered unit ("怎样更改我在平台登记的单位", "修改我的所属单位").
    _rule("selfhelp-unit",
          _all(_any("本人", "我"), _any("变更", "更换", "更改", "修改", "改", "换", "调整", "重新选", "重选") + ".{0,12}"
               + _any("所属", "登记", "绑定", "加入", "所在") + "的?" + _any("基层工会", "工会", "工作单位", "单位"), _HOW),
          _any("重新选", "重选", "重新加入", "重新绑定") + _any("单位", "所在单位")),
    _rule("selfhelp-subscribe",
          _any("订阅", "定阅", "订课", _cmd("subscribe", "mytopics")),
          _any("微课堂", "微课", "小课", "推送") + ".{0,6}" + _any("订", "开通", "怎么开", "收到", "怎么收", "想收", "关注",
                                                                "主题", "怎么才能", "换"),
          _any("收到", "想收", "怎么收") + ".{0,6}" + _any("微课堂", "微课", "小课", "推送"),
          "订.{0,4}主题",
          "的课.{0,2}" + _any("怎么订", "如何订", "在哪订", "能订", "可以订", "去哪订"),
          _any("我订了", "我订的", "我订阅的") + _any("哪些", "什么", "啥", "几个"), "主题" + _any("选错", "选多了", "选少了", "怎么选"),
          _any("改", "换", "重选", "没选", "不选", "选") + "主题",
          _any("只收", "只要", "只想收", "只看", "只订", "只推", "只发") + ".{0,8}" + _any("的课", "微课堂", "微课", "小课", "推送")),
    _rule("selfhelp-lessons",
          _cmd("lessons", "next"), _any("下一课", "上一课"),
          _any("微课堂", "微课", "小课", "推送的课", "推的课") + ".{0,8}"
          + _any("在哪", "怎么看", "补看", "回看", "重看", "看不到", "错过", "以前", "之前", "历史", "列表", "目录",
                 "有哪些", "有什么课", "浏览", "怎么学", "学", "找", "答题", "做题", "题", "测验", "能看"),
          _any("以前", "之前", "错过", "学过") + ".{0,4}" + _any("推送的课", "推的课", "微课堂", "微课", "小课"),
          _any("以前", "之前", "错过", "学过", "推过") + "的课.{0,4}" + _any("能看", "还能看", "在哪", "怎么看", "找", "补"),
          _any("怎么看", "在哪看", "浏览", "查看") + ".{0,4}" + _any("微课堂", "微课", "小课"),
          _any("怎么看", "在哪看", "哪里看", "还能看", "能看", "补看", "怎么找", "回看") + ".{0,6}"
          + _any("推过的课", "推送过的课", "发过的课", "以前的课", "之前的课", "错过的课")),
    # The language of the replies ("可以改成繁体字回复吗", "能用英文问吗"); questions in traditional script are read anyway.
    _rule("selfhelp-language",
          _all(_any(*_LANGUAGES, "其他语言", "别的语言", "什么语言", "哪些语言", "多语言", "语言设置", "切换语言", "换语言"),
               _any("回复", "回答", "回覆", "显示", "界面", "版本", "改成", "改为", "换成", "切换", "设置", "支持", "看不懂", "吃力")),
          _any("能", "可以", "能不能", "可不可以") + "用" + _any(*_LANGUAGES) + _any("问", "提问", "交流", "聊"),
          "^" + _any("能", "可以", "能不能", "可不可以", "") + "用" + _any(*_LANGUAGES) + _any("吗", "不", "么", "") + "$",
          "^" + _any("有没有", "有") + _any(*_LANGUAGES) + _any("版本", "版", "") + _any("吗", "么", "") + "$"),
    # What the service keeps of the worker, and having it removed ("删除我的数据", "注销", "你们存了我哪些信息").
    _rule("selfhelp-mydata",
          _any("删除", "删掉", "清除", "清空", "抹掉") + _any("我的", "我在你们这的", "我在这的", "我在这里的", "")
          + _any("数据", "个人信息", "信息", "资料", "记录", "账号", "账户"),
          _any("注销", "销户") + _any("账号", "账户", "用户", "我", "$"),
          _any("我的", "我") + _any("数据", "个人信息", "信息", "资料") + ".{0,6}" + _any("能删", "可以删", "怎么删", "删除", "删掉", "清除"),
          # Whether what was asked here reaches the employer ("我问的问题老板能看到吗", "聊天记录会给单位看吗").
          _all(_any("我问的", "我在这问", "我在这里问", "我在这儿问", "我提的问题", "我问过的", "问你的", "问你们的", "跟你聊的",
                    "和你聊的", "我的聊天记录", "我在这的聊天", "这里的聊天记录"),
               _any("老板", "单位", "领导", "厂里", "公司", "工会", "别人", "你们") + ".{0,6}"
               + _any("看到", "看得到", "看见", "看得见", "知道", "晓得", "查到", "查得到", "看"),
               "^(?!.*微信)"),
          _any(_BOT, "机器人", "助手", "你们") + ".{0,8}把" + _any("聊天记录", "我问的", "问题") + ".{0,4}" + _any("给", "告诉", "交给"),
          "我的" + _any("信息", "数据", "资料", "隐私", "个人信息") + ".{0,4}" + _any("安全吗", "安全不", "会泄露", "会不会泄露", "保密吗",
                                                                        "有保障吗", "会外泄"),
          _all(_any(_BOT, "机器人", "助手"), _any("保存了我", "存了我", "记了我", "收集了我", "收集我", "存着我", "保存我",
                                               "留着我", "留了我") + ".{0,4}" + _any("哪些", "什么", "啥", "多少", "信息", "数据", "资料"))),
    # Where the service can be used ("有网页版吗", "电脑上能用吗", "没有电报怎么用", "微信上能用吗").
    _rule("selfhelp-access",
          _any("网页版", "电脑版", "网页端", "电脑端", "pc版", "桌面版", "手机版", "app版"),
          _any("电脑上", "电脑里", "网页上", "浏览器", "微信上", "微信里", "微信能", "小程序") + ".{0,4}"
          + _any("能用", "可以用", "用得了", "能不能用", "怎么用", "能登", "登录", "能打开", "有没有", "有吗"),
          _any("没有", "没装", "不会用", "不用", "没下载", "装不了", "下载不了", "用不了", "打不开") + _any("电报", "telegram", "tg", "飞机")
          + ".{0,6}" + _any("怎么用", "能用", "可以用", "怎么办", "怎么问", "还能", "能不能", "咋办"),
          _any("有没有", "有", "下载") + _any("app", "客户端", "安装包") + _any("下载", "吗", "么", "不", "$"),
          _any("在哪", "哪里", "去哪", "怎么") + _any("下载", "安装", "找到") + _any("你们", "这个机器人", "机器人", "安康助手", "助手")),
    _rule("selfhelp-help",
          _any("你们?", "机器人", "助手", "这个号", "本号", "这个账号", "这个机器人", "bot", "公众号", "小程序", "这个平台",
               "这平台") + _any("都", "还", "到底",
                                                                                         "主要", "是", "")
          + _any("能做什么", "能干什么", "能干嘛", "能干啥", "可以做什么", "可以干什么", "可以干啥", "能做啥", "能帮我干", "能帮我做", "能帮什么", "有什么功能",
                 "有哪些功能", "有啥功能", "什么功能", "会什么", "会干什么", "会干啥", "怎么用", "怎么使用",
                 "干嘛的", "干啥的", "干什么的", "做什么的", "干嘛用的", "干什么用的", "做什么用的", "是干什么", "是谁", "有什么用", "有啥用", "是什么东西"),
          "怎么使用" + _any("你", "机器人", "助手", "这个"),
          _any("你们", "你", "机器人", "助手", "这个号", "本号", "这个机器人") + _any("是", "是不是") + _any("官方", "人工智能", "ai",
                                                                                 "chatgpt", "工会的", "政府的"),
          # Who runs the service and what its answers are worth ("本平台的解答有法律效力吗", "助手是谁在运营").
          _all(_any(_BOT, "回答的内容", "的解答", "的回答"), _any("法律效力", "法律意见", "法律依据吗", "运营", "营运", "主办",
                                                               "谁办的", "谁开发", "谁做的", "谁弄的", "谁搞的", "谁管的", "正规", "靠谱吗", "准不准", "可信吗",
                                                               "可靠吗", "可靠不", "靠得住", "信得过", "准吗", "靠谱不")),
          "^" + _any("帮助", "菜单", "功能", "命令", "指令", "使用说明", "使用方法", "说明", "help", "start") + "$",
          _any("有哪些", "有什么", "都有啥") + _any("命令", "指令"), _any("命令", "指令", "功能菜单") + ".{0,2}在哪",
          "使用说明", _cmd("help")),
    _rule("selfhelp-laws",
          _cmd("laws"),
          _any("法条", "法律", "法规", "条文", "原文", "条款", "全文") + ".{0,6}"
          + _any("怎么查", "如何查", "在哪查", "在哪里查", "哪里能查", "哪里可以查", "去哪查", "在哪看", "在哪里看",
                 "哪里能看", "哪里可以看", "浏览", "怎么搜", "分享给", "目录",
                 "在哪翻", "在哪找", "哪里找", "去哪找", "在哪儿看"),
          _any("怎么查", "如何查", "在哪查", "在哪里查", "去哪查", "想看", "能看", "能查哪些", "查看", "怎么搜", "在哪搜", "哪里搜")
          + ".{0,10}"
          + _any("法条", "法律", "法规", "条文", "原文", "条款", "全文"),
          "第几条" + ".{0,3}" + _any("搜", "查", "输入"), _any("搜", "查", "输入") + ".{0,4}第几条"),
    # Sharing an answer into another chat, or the bot in a group (inline mode, forwarding); after selfhelp-laws, which
    # answers sharing an article.
    _rule("selfhelp-share",
          _any("怎么", "如何", "怎样", "能", "可以", "咋") + ".{0,4}" + _any("分享", "转发") + ".{0,8}"
          + _any("群", "聊天", "工友", "同事", "朋友", "别人"),
          _any("转发", "分享") + _any("你的", "这个", "这条", "") + _any("回答", "答案"),
          _any("你的回答", "这个回答", "这条回答", "回答", "答案") + ".{0,4}" + _any("分享", "转发", "转给", "发到.{0,4}群", "发进.{0,4}群", "发群里"),
          _any("群里", "群聊", "别的聊天", "其他聊天", "别的对话") + ".{0,6}" + _any("用", "搜", "查", "@") + ".{0,4}"
          + _any("机器人", "助手", "bot", "法条", "你"),
          _all(_any("机器人", "助手", "bot"), _any("拉进群", "加到群", "拉到群", "加进群", "群里用", "群聊里用", "别的聊天"))),
)

# Licences and training rules the statutes set: questions about them are law, not about /mystudy.
_STUDY_LAW = re.compile(_any("特种", "操作证", "上岗", "资格", "电工", "焊工", "考试", "考证", "持证", "考核", "三级", "安全教育",
                             "(?<![记算加得有])多少学时", "(?<![记算加得有])几个学时", "不少于", "至少", "要求", "规定", "小时", "主要负责人", "安全管理人员"))
# An article reference means a direct look-up, which the engine answers with the article itself.
_ARTICLE_REF = re.compile(r"第[0-9零〇一二两三四五六七八九十百千]+条|(?<![某哪每这那])[0-9]+条")
# Statute names hold words of legal questions (职业病防治法); they do not make a question legal.
_LAW_NAMES = re.compile(_any("职业病防治法", "职业病分类和目录", "工伤保险条例"))


def match_selfhelp(compact_text: str, entries: dict[str, SelfHelpEntry] | None = None) -> SelfHelpEntry | None:
    """The self-help entry a message about Ankang itself asks for, or None for anything else.

    ``compact_text`` is the message as ``knowledge.text.compact`` gives it (raw text works too).
    ``entries`` defaults to the bundled catalogue.
    """
    text = _compact(compact_text)
    if not text or _LAW.search(_LAW_NAMES.sub("", text)):
        return None
    # A long message is a story: only its end, where the worker asks, may ask about Ankang
    # ("……回执码找不回来了，请问还能查到处理情况吗"); words of a legal question anywhere in it
    # (above) or another channel make it none of ours.
    asked = text[-MAX_QUESTION_CHARS:]
    catalogue = selfhelp_catalogue() if entries is None else entries
    for rule in _RULES:
        if rule.guard_channel and _OTHER_CHANNEL.search(text):
            continue
        if rule.entry_id == "selfhelp-laws" and _ARTICLE_REF.search(text):
            continue
        if rule.entry_id == "selfhelp-study" and _STUDY_LAW.search(text):
            continue
        if any(p.search(asked) for p in rule.patterns):
            return catalogue.get(rule.entry_id)
    return None
