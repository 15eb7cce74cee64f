"""The one controlled list of industries and places, shared by lessons, subscriptions, broadcasts and tips."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Topic:
    code: str
    label: str
    kind: str  # "industry", "place" or "general"


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

BY_CODE: dict[str, Topic] = {t.code: t for t in TOPICS}


class UnknownTopic(ValueError):
    pass


def topic(code: str) -> Topic:
    try:
        return BY_CODE[code]
    except KeyError:
        raise UnknownTopic(code) from None


def label(code: str) -> str:
    return topic(code).label
