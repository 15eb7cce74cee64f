"""The one topic taxonomy: codes and their Chinese labels, shared by FAQ tags, lessons, subscriptions,
broadcasts, tips and the console's dashboard.

``TOPICS`` are the industries, places and safety themes a worker subscribes to, a lesson is about and
a tip falls under. ``SUBJECTS`` are the finer subjects of the law the FAQ also tags its entries with
(工伤认定, 劳动合同 …); FAQ tags come from both. Codes are lower-case words joined by ``_``.
Nothing shows a code to people: ``label(code)`` has the words."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Topic:
    code: str
    label: str
    kind: str  # "industry", "place", "general" (the TOPICS) or "subject" (the SUBJECTS)


TOPICS: tuple[Topic, ...] = (
    # Key industries named in the unions' year-end notices.
    Topic("mining", "矿山", "industry"),
    Topic("road", "道路交通", "industry"),
    Topic("maritime", "水上交通与渔业", "industry"),
    Topic("construction", "建筑施工", "industry"),
    Topic("gas", "城镇燃气", "industry"),
    Topic("forest_fire", "森林草原防火", "industry"),
    Topic("chemicals", "危险化学品", "industry"),
    Topic("power", "电力", "industry"),
    Topic("special_equipment", "特种设备", "industry"),
    Topic("manufacturing", "工厂车间", "industry"),
    # Key places.
    Topic("mall", "商场综合体", "place"),
    Topic("hospital", "医院", "place"),
    Topic("nursing_home", "养老机构", "place"),
    Topic("school", "学校", "place"),
    Topic("nine_small", "九小场所", "place"),
    # Cross-cutting safety themes.
    Topic("fire", "消防安全", "general"),
    Topic("electricity", "用电安全", "general"),
    Topic("height", "高处作业", "general"),
    Topic("confined_space", "有限空间", "general"),
    Topic("occupational_health", "职业健康", "general"),
    Topic("ppe", "劳动防护用品", "general"),
    Topic("rights", "职工权益", "general"),
    Topic("emergency", "应急救护与演练", "general"),
    Topic("hazards", "隐患排查", "general"),
    Topic("winter", "岁末年初与冬季", "general"),
)

# Subjects of the law and of workers' questions, for FAQ tags (and the dashboard's "top topics").
SUBJECTS: tuple[Topic, ...] = tuple(Topic(code, label, "subject") for code, label in (
    ("injury", "工伤"), ("recognition", "工伤认定"), ("appraisal", "劳动能力鉴定"), ("insurance", "工伤保险"),
    ("benefits", "待遇"), ("compensation", "赔偿"), ("diagnosis", "职业病诊断"), ("checkup", "职业健康检查"),
    ("classification", "分级分类"), ("toxic", "有毒物品"), ("radiation", "放射防护"),
    ("wellbeing", "身心健康"), ("women", "女职工"), ("pregnancy", "孕期"), ("breastfeeding", "哺乳期"),
    ("minors", "未成年工"), ("intern", "实习生"), ("dispatch", "劳务派遣"), ("platform", "平台用工"),
    ("contract", "劳动合同"), ("hours", "工作时间"), ("wages", "工资"), ("dispute", "劳动争议"),
    ("union", "工会"), ("participation", "民主参与"), ("right_to_know", "知情权"), ("refuse", "拒绝违章指挥"),
    ("evacuate", "紧急撤离"), ("retaliation", "打击报复"), ("employer_duty", "单位责任"),
    ("worker_duty", "从业人员义务"), ("discipline", "劳动纪律"), ("three_violations", "三违"),
    ("safety_staff", "安全管理人员"), ("training", "安全培训"), ("certificate", "持证上岗"),
    ("special_operation", "特种作业"), ("dangerous_work", "危险作业"), ("cross_operation", "交叉作业"),
    ("contracting", "发包与承包"), ("rental", "租赁"), ("investment", "安全投入"),
    ("three_simultaneous", "三同时"), ("facilities", "安全设施"), ("equipment", "设备设施"),
    ("maintenance", "检修维护"), ("inspection", "监督检查"), ("registration", "登记"), ("crane", "起重机械"),
    ("forklift", "叉车"), ("elevator", "电梯"), ("boiler", "锅炉"), ("amusement", "游乐设施"),
    ("scaffolding", "脚手架"), ("storage", "储存保管"), ("transport", "运输"), ("logistics", "物流"),
    ("dormitory", "宿舍"), ("evacuation_route", "疏散通道"), ("small_business", "小微企业"),
    ("emergency_plan", "应急预案"), ("accident", "生产安全事故"), ("report", "报告与举报"),
    ("deadline", "报告时限"), ("cover_up", "瞒报谎报"), ("scene", "事故现场"), ("investigation", "事故调查"),
    ("accountability", "责任追究"), ("penalty", "处罚"), ("rectification", "整改"), ("hotline", "热线电话"),
    ("anonymity", "匿名"), ("reward", "举报奖励"), ("procedure", "办理程序"), ("principle", "方针原则"),
    ("definition", "概念解释"), ("overview", "概览"),
))

# The topics one subscribes to, picks for a lesson or files a tip under (pickers, callback data).
BY_CODE: dict[str, Topic] = {t.code: t for t in TOPICS}
# Every code of the taxonomy, subjects included (FAQ tags, labels).
EVERY: dict[str, Topic] = {t.code: t for t in (*TOPICS, *SUBJECTS)}
# What a code that is not (or no longer) in the taxonomy shows as.
UNKNOWN_LABEL = "其他"


class UnknownTopic(ValueError):
    pass


def topic(code: str) -> Topic:
    try:
        return BY_CODE[code]
    except KeyError:
        raise UnknownTopic(code) from None


def label(code: str) -> str:
    """The words for any code of the taxonomy (topics and subjects); raise UnknownTopic otherwise."""
    try:
        return EVERY[code].label
    except KeyError:
        raise UnknownTopic(code) from None


def words(code: str) -> str:
    """The words for a code read back from storage, where an old or unknown one may linger: never the code."""
    found = EVERY.get(code)
    return found.label if found is not None else UNKNOWN_LABEL
