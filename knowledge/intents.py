"""Rule-based detection of what a message is before any search: emergency, look-up, small talk…"""
from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.numerals import NUMERAL_CHARS, cn_to_int

# --- Emergencies -----------------------------------------------------------------------------
# Events that, told in the present tense, mean someone is in danger right now.
EMERGENCY_EVENTS: dict[str, tuple[str, ...]] = {
    "fire": ("着火", "著火", "起火", "失火", "火灾了", "烧起来", "冒烟了", "冒黑烟", "大火", "火烧", "燃起来", "火很大", "fire"),
    "explosion": ("爆炸", "炸了", "爆燃", "闪爆", "explosion"),
    "gas": ("煤气泄漏", "燃气泄漏", "天然气泄漏", "漏气", "气体泄漏", "毒气泄漏", "泄漏了", "闻到煤气", "煤气味",
            "闻到燃气", "燃气味", "液化气泄漏", "氨气泄漏", "氯气泄漏", "gas leak"),
    "electric": ("触电", "被电到", "电到了", "被电击", "电击", "漏电了", "电打", "electric shock", "electrocuted"),
    "fall": ("坠落", "掉下来", "摔下来", "掉下去", "跌落", "从高处摔", "从脚手架", "摔下去", "踩空", "fell from"),
    "poison": ("中毒", "吸入毒气", "喝了农药", "毒气", "poisoned", "poisoning"),
    "unconscious": ("昏迷", "晕倒", "晕过去", "不省人事", "没有呼吸", "没呼吸", "没了呼吸", "没有心跳", "叫不醒", "倒地不起",
                    "失去知觉", "休克", "窒息", "喘不上气", "unconscious", "not breathing"),
    "confined": ("掉进井", "掉到井", "下井救", "掉进罐", "窨井里", "井下有人", "罐里有人", "池里有人", "化粪池里",
                 "有人掉进", "困在里面", "被困", "掉进污水井", "掉进窨井", "掉进化粪池", "掉进下水道", "掉进罐", "trapped"),
    "machine": ("卷进", "绞进", "卷入", "夹住", "被夹", "压住", "被压", "轧到", "绞住", "切到手", "手被", "caught in"),
    "collapse": ("坍塌", "塌方", "倒塌", "塌了", "冒顶", "被埋", "埋住", "片帮", "collapse"),
    "flood": ("透水", "突水", "涌水", "水淹", "淹了", "溺水", "掉水里", "落水", "flooding"),
    "bleeding": ("大出血", "流了很多血", "血流不止", "断了", "烧伤了", "烫伤了", "bleeding"),
}
# Someone went down into a confined space (well, tank, pit, sewer…) and has not come back up or
# answers no more: the typical gassing accident, told without any event word ("污水井里有个人
# 下去就没上来", "下井的人没动静了"). The missing sign of life is itself the present-tense marker.
_CONFINED_PLACE = (r"(?:(?:污水|雨水|排污|化粪|检修|电缆|[水窨矿油气])?井|(?:化粪|污水|沉淀|沼气|蓄水|集水|发酵|调节|反应|酸洗|储水|粪|水)池|储?罐|罐体|罐车|釜|塔|"
                   r"筒仓|料仓|仓|窖|船舱|舱|下水道|管道|涵洞|地沟|暗沟|窨井|检查井|坑)")
_WENT_IN = rf"(?:下去|下到|下井|下池|下罐|下坑|下窖|下了?{_CONFINED_PLACE}|进去|进到|钻进|爬进|进入?{_CONFINED_PLACE}|{_CONFINED_PLACE}(?:里|内|中|底|下面|底下))"
_NO_SIGN = (r"(?:没有?上来|没有?出来|上不来|出不来|没有?回来|没有?动静|没了?动静|没有?反应|没有?回应|没有?声音?|没声了|没了声音|"
            r"(?:叫|喊)不(?:应|答应|醒)|没人应|没有?应声|不吭声|不出声|不说话了)")
_CONFINED_STRANDED = re.compile(rf"{_WENT_IN}.{{0,12}}?{_NO_SIGN}")
# Falling into one ("人掉进化粪池", "工友跌到污水井里").
_FELL_INTO = re.compile(rf"(?:掉|跌|摔|滑|落|栽|坠)(?:进|入|到|下|落)了?.{{0,4}}?{_CONFINED_PLACE}")
# A named toxic or flammable gas escaping while people already show symptoms ("液氨管子漏了好几
# 个人在咳嗽", "氯气罐跑气了大家眼睛辣得睁不开"): the symptoms are the present-tense marker.
_TOXIC_GAS = r"(?:液?氨|氯|硫化氢|一氧化碳|煤气|天然气|燃气|液化气|沼气|二氧化硫|光气|氰化|苯|甲醛|毒气|有毒气体|氮气|氩气)"
_LEAKING = r"(?:泄漏|泄露|漏|跑气|冒气|喷出|冒出|溢出|呲出|窜出)"
_SYMPTOM = (r"(?:咳嗽|咳个不停|呛得|呛人|流泪|眼睛(?:睁不开|疼|痛|辣|刺痛|红)|睁不开眼|头晕|头痛|头疼|恶心|呕吐|吐了|"
            r"喘不(?:上|过)气|呼吸困难|胸闷|晕了|倒了|站不稳|嗓子疼|喉咙疼)")
_TOXIC_LEAK = re.compile(rf"{_TOXIC_GAS}.{{0,8}}?{_LEAKING}.{{0,16}}?{_SYMPTOM}|{_SYMPTOM}.{{0,12}}?{_TOXIC_GAS}.{{0,8}}?{_LEAKING}")

# A law or procedure question about an emergency, not one happening now.
_ABOUT_LAW = re.compile(
    r"(法|条例|规定|第\d+条|条款|责任|赔偿|赔|工伤|认定|待遇|保险|处罚|罚款|罚|上报|报告|多久|时限|期限|预案|演练|培训|"
    r"怎么预防|如何预防|预防|防止|避免|注意什么|注意事项|标准|应急管理|如果|万一|假如|要是|是否|能不能算|算不算|"
    r"隐患|举报|检查|教育|知识|常识|措施|制度|义务|权利|事故后|以后|之后|后来|去年|上个月|上周|以前|曾经|"
    r"怎么处理的|谁负责|补偿|鉴定|诊断|职业病|尘肺|防护用品|劳动防护用品|有权|这种紧急情况|这种情况|可以自己|调查|工会|"
    r"报销|医药费|医疗费|谁出钱|谁掏钱|"
    # Hypotheticals about escape routes ("窗户焊了防盗网，着火了根本跑不出去"): a hazard, not a fire.
    r"一旦|根本(?:跑|逃|出|走)不|防盗网|焊死|封死)"
)
# Words that mark a message as happening now, whatever else it says.
_URGENT = re.compile(r"(救命|快来|快救|快点|赶紧|急急|紧急|怎么办|咋办|现在|正在|刚刚|刚才|help|!|！|有人|工友|同事|师傅|老乡|了)")


def detect_emergency(normalised: str, raw: str = "") -> str | None:
    """Return the emergency kind if the message reports one in progress, else None."""
    text = normalised.replace(" ", "")
    kind = None
    for name, words in EMERGENCY_EVENTS.items():
        if any(w.replace(" ", "") in text for w in words):
            kind = name
            break
    stranded = bool(_CONFINED_STRANDED.search(text))
    if kind is None and _TOXIC_LEAK.search(text):
        kind = "gas"
    if kind is None and (stranded or _FELL_INTO.search(text)):
        kind = "confined"
    strong_only = re.search(r"(救命|快来人|sos)", text)
    if kind is None:
        return "general" if strong_only else None
    strong = bool(re.search(r"(救命|快来人|快救|help|sos|快打120|快打119)", text))
    if strong:
        return kind
    if _ABOUT_LAW.search(text):
        return None
    # Short bare reports ("煤气泄漏", "着火") count; longer texts need a present-tense marker.
    if stranded or len(text) <= 8 or _URGENT.search(text + raw):
        return kind
    return None


# --- Article look-up -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LookupRequest:
    law: str | None  # the law name as written (resolved by the corpus), None for a bare number
    number: int


_NUM = rf"[{NUMERAL_CHARS}0-9]+"
_LOOKUP_TAIL = re.compile(rf"^\s*(?:的)?\s*(?:第\s*)?({_NUM})\s*(?:条)?\s*(?:是什么|是啥|说了什么|讲了什么|写了什么|内容|原文|全文|规定了什么|怎么规定的?)?\s*$")
_BARE = re.compile(rf"^\s*第\s*({_NUM})\s*条\s*(?:是什么|是啥|说了什么|讲了什么|内容|原文)?\s*$|^\s*({_NUM})\s*条\s*$")


def parse_lookup(text: str, law_names: list[str]) -> LookupRequest | None:
    """Recognise "安全生产法第五十五条", "职业病防治法39条", "安全法 28", "第五十五条"."""
    s = re.sub(r"[《》<>〈〉\"“”'‘’？?。.,，:：]", " ", text).strip()
    s = re.sub(r"^(请问|查一下|查询|查|看看|看一下|我想看|我要看|帮我查一下|帮我查)\s*", "", s)
    for name in law_names:  # longest first
        pos = s.find(name)
        if pos == -1 or s[:pos].strip() not in ("", "中华人民共和国"):
            continue
        m = _LOOKUP_TAIL.match(s[pos + len(name):])
        if m:
            try:
                return LookupRequest(name, cn_to_int(m.group(1)))
            except ValueError:
                return None
        return None
    m = _BARE.match(s)
    if m:
        try:
            return LookupRequest(None, cn_to_int(m.group(1) or m.group(2)))
        except ValueError:
            return None
    return None


# --- Small talk, help, tips, terms, out of scope ---------------------------------------------
# Particles, interjections and marks that decorate a greeting without changing it ("早上好呀~",
# "你好啊😊"): normalising already drops punctuation and emoji, these are what remains.
_PARTICLES = r"啊|呀|哈|哦|喔|噢|啦|了|呢|嘛|哇|哟|呦|吖|呐|捏|嘞|咯|喽|嘿|嗨|哒|鸭|~|～|!|！"
_GREETING = re.compile(
    r"^(你好|您好|你们好|大家好|各位好|嗨|哈喽|哈啰|hello|hi|hey|在吗|在不在|有人吗|有人在吗|早|早上好|早安|上午好|中午好|"
    r"下午好|晚上好|晚安|喂|在|在么|在嘛|哈哈|呵呵|嗯|嗯嗯|哦|好|好的|ok|okay|收到|明白了?|知道了|懂了|行|可以|👍|"
    rf"小助手|助手|机器人|客服|老师|{_PARTICLES})+$"
)
_THANKS = re.compile(
    r"^((好的|好|嗯|ok)?(非常|太|十分|真是|真的)?(谢谢|多谢|感谢|谢了|谢啦|辛苦)(你|您|你们|了)?(的|们的)?"
    rf"(帮助|帮忙|回答|解答|解释|耐心|指导|答复)*|thanks|thank you|thx|再见|拜拜|bye|{_PARTICLES})+$"
)
_HELP = re.compile(
    r"^(/?help|/?start|帮助|菜单|使用说明|说明|功能|怎么用|如何使用|怎么使用|你能做什么|你会什么|你能干什么|你会干什么|"
    r"你可以做什么|你是谁|你是什么|介绍一下你自己|你有什么功能|能问什么|可以问什么)$"
)
_TIP = re.compile(r"(我|俺)?(要|想|想要|需要|打算)(匿名)?(举报|反映|投诉|报告)(一下|一个|个)?(隐患|问题|情况|安全隐患|违法|违章|单位|公司|老板|厂里)?")
# "Which department do I report X to" asks for the law, not for the tip form.
_TIP_QUESTION = re.compile(r"(吗|奖励|有奖|会不会|报复|保密|泄露|怎么举报|如何举报|向谁|找谁|哪里|电话|渠道|多少|受理|权利|法|"
                           r"哪个部门|什么部门|哪个单位|哪家|哪儿|去哪|找哪|归谁管|谁管)")
# Wanting to report without giving one's name ("我想悄悄反映一下不留名", "能不能偷偷说个情况").
_ANONYMOUS = re.compile(r"(匿名|不留名|不想留名|不署名|不具名|不报名字|不留姓名|不暴露身份|不透露身份|悄悄|偷偷|私下)")
_TIP_VERB = re.compile(r"(举报|反映|投诉|报告|检举|揭发)")
_TERM = [
    re.compile(r"^(?:什么是|什么叫|什么叫做|啥是|啥叫|何为|何谓|解释一下|解释|请解释|名词解释)\s*(.+?)(?:\s*(?:啊|呀|呢|吗|哈|哦))*$"),
    re.compile(r"^(.+?)\s*(?:是什么意思|什么意思|是啥意思|啥意思|是什么|是啥|指什么|指的是什么|是指什么|的意思|的含义|的定义|"
               r"是干什么的|是干嘛的|是做什么的|"
               # "12350是什么电话", "安康杯是什么活动": a kind noun after the question word
               r"(?:是|是个|是一个)(?:什么|啥)(?:电话|号码|热线|活动|东西|机构|组织|单位|部门|制度|概念|意思|名词|竞赛|比赛|玩意儿?))"
               r"(?:啊|呀|呢|吗|哈|哦)*$"),
]
# "九小场所指哪些地方", "三违包括哪些": asking what a term covers. "工伤保险待遇包括哪些" asks
# about the benefits, not about 工伤保险, so a head noun of its own (待遇, 费用…) is no term.
_TERM_SCOPE = re.compile(
    r"^(.+?)\s*(?:具体)?(?:是指|指的是|指|都?包括|包含|涵盖|包括了|有|是)(?:哪些|哪几[种类个样项条]|哪[一二两三四五六七八九十]+[种类个样项条]|什么|啥)"
    r"(?:地方|场所|东西|内容|行为|方面|人|人员|情形|情况|类型|种类|单位|项目)?(?:啊|呀|呢|吗|哈|哦)*$"
)
_NOT_A_TERM_HEAD = re.compile(
    r"(待遇|费用|补助|补贴|补偿|赔偿|工资|权利|权益|义务|责任|职责|条件|材料|手续|流程|程序|范围|标准|项目|内容|措施|情形|情况|"
    r"要求|规定|条款|处罚)$"
)
# Clearly outside work safety; only used when nothing in the message touches the domain.
_OUT_OF_SCOPE = re.compile(
    r"(几号|几点|星期几|日期|天气|下雨|气温|电影|电视剧|音乐|唱歌|歌曲|小说|笑话|段子|游戏|股票|炒股|股市|理财|基金|彩票|比特币|星座|算命|菜谱|"
    r"做饭|好吃|餐厅|旅游|景点|球赛|足球|篮球|nba|明星|八卦|减肥|恋爱|女朋友|男朋友|翻译|写诗|作文|数学|编程|代码|快递|"
    r"外卖|手机|电脑|汇率|房价|彩礼|考试|高考|推荐|写.{0,2}诗|诗歌|"
    # Leisure and family life ("周末带孩子去哪玩比较好")
    r"去哪[儿里]?玩|哪[儿里]好玩|好玩|出去玩|带(?:孩子|娃|小孩|家人)去|遛娃|逛街|购物|买衣服|宠物|养狗|养猫|吃什么|去哪[儿里]?吃|"
    r"钓鱼|露营|动物园|电影院|相亲|化妆|护肤)"
)


def is_smalltalk(compact_text: str) -> bool:
    return bool(compact_text) and (bool(_GREETING.match(compact_text)) or bool(_THANKS.match(compact_text)))


def is_thanks(compact_text: str) -> bool:
    return bool(_THANKS.match(compact_text))


def is_help(compact_text: str) -> bool:
    return bool(_HELP.match(compact_text))


def is_tip(compact_text: str) -> bool:
    m = _TIP.search(compact_text)
    if not m and _ANONYMOUS.search(compact_text) and _TIP_VERB.search(compact_text) and not _TIP_QUESTION.search(compact_text):
        return True
    if not m or "举报" not in compact_text and "反映" not in compact_text and "投诉" not in compact_text:
        return False
    if _TIP_QUESTION.search(compact_text):
        return False
    return bool(m.group(2)) or bool(_ANONYMOUS.search(compact_text))


def term_candidate(compact_text: str) -> str | None:
    """Return X from "什么是X" / "X是什么" / "X包括哪些" style questions."""
    for pattern in _TERM:
        m = pattern.match(compact_text)
        if m:
            return m.group(1).strip()
    m = _TERM_SCOPE.match(compact_text)
    if m and not _NOT_A_TERM_HEAD.search(m.group(1).strip()):
        return m.group(1).strip()
    return None


def looks_out_of_scope(compact_text: str) -> bool:
    return bool(_OUT_OF_SCOPE.search(compact_text))
