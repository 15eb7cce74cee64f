"""Generated phrasings for the emergency detector's tests (issue 10, point 10).

An emergency report is a hazard scene plus a person in distress, told now; a question about a past
accident is the same scene told afterwards, with a legal question at the end. The grids cross
lexicons of each part with phrasing templates and the ways workers type them (traditional
characters, homophone typos, pinyin, dialect), so the tests check the method, not single sentences.
The words here are written for the tests and are not the detector's own lists.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterator

from opencc import OpenCC

# Hazard scenes, by kind: the dangerous thing, as it is seen, heard or smelt now.
SCENES: dict[str, tuple[str, ...]] = {
    "gas": ("屋里一股煤气味", "厨房液化气漏了", "天然气管子破了", "冷库氨气跑出来了", "池子边一股臭鸡蛋味",
            "车间有股刺鼻的味道", "一股烂鸡蛋的味儿", "硫化氢报警器在响", "沼气池那边味道好冲", "燃气灶那儿嘶嘶响"),
    "fire": ("车间着火了", "仓库在冒烟", "楼道里全是浓烟", "厂房烧起来了", "宿舍起火了"),
    "electric": ("配电箱漏电", "他摸到了电线", "高压线断了搭在地上", "电焊机漏电", "电闸那儿在打火"),
    "height": ("脚手架上", "屋顶上干活的时候", "塔吊上", "梯子上", "楼顶边上"),
    "machine": ("冲床那边", "皮带机上", "搅拌机旁边", "滚筒那里", "传送带上"),
    "confined": ("化粪池里", "污水井下面", "罐子里", "地窖里", "储罐里清淤的时候"),
    "collapse": ("墙塌了", "土方垮下来了", "基坑塌方了", "脚手架倒了", "货架倒了"),
    "chemical": ("硫酸溅出来了", "烧碱洒了一地", "药水喷出来了", "酸液桶漏了"),
    "heat": ("大太阳底下干活", "炉子边上热得要命", "高温车间里", "四十度的天在工地"),
    "drowning": ("河边干活", "蓄水池边上", "鱼塘边"),
}
# What has happened to the person: the victim states.
STATES: tuple[str, ...] = (
    "晕倒了", "倒在地上了", "躺着不动了", "叫不醒", "喘不上气", "抽搐", "流血不止", "卡住了", "被压住了", "被埋了",
    "掉下去了", "没上来", "衣服烧着了", "身上冒烟了", "身上起火了", "口吐白沫", "嘴唇发紫", "昏过去了", "一动不动",
    "没气了", "晕过去了", "血止不住", "手被夹住了", "被卷进去了", "倒下了", "不省人事", "没反应了", "浑身抽筋",
)
PERSONS: tuple[str, ...] = ("工友", "同事", "我师傅", "有个人", "老王", "俺兄弟", "我徒弟", "一个工人", "他")
# How a frightened worker strings them together.
TEMPLATES: tuple[str, ...] = (
    "{scene}，{person}{state}",
    "{scene}{person}{state}，快来人",
    "{person}{state}，{scene}，咋整",
    "俺们这{scene}，{person}{state}，怎么办",
    "快！{scene} {person}{state}",
    "{scene}，现在{person}{state}",
    "我在厂里干了三年了，今天{scene}，{person}{state}，我该先干啥",
    "救命 {scene} {person}{state}",
)
# Hazards told alone, with no victim yet: each is an emergency by itself.
HAZARDS_ALONE: tuple[str, ...] = (
    "煤气泄漏了", "闻到一股煤气味好冲", "液化气罐在漏气",
    "天然气味道好大", "氨气漏了 眼睛辣得睁不开", "一股臭鸡蛋味 头好晕",
    "车间着火了", "仓库冒大烟了", "楼里全是烟", "有人触电了", "配电箱冒火花有焦糊味", "有人从架子上摔下来了",
    "墙塌了底下有人", "工友被机器卷进去了", "井下的人没上来", "有人掉进化粪池了", "电梯困人了", "工友中暑晕倒了",
    "硫酸溅到眼睛里了", "锅炉压力表爆表了", "有人掉水里了", "开水浇到同事身上了",
)
# Homophone typos and pinyin that people type in a hurry.
TYPOS: tuple[tuple[str, str], ...] = (
    ("晕倒", "运倒"), ("煤气", "煤汽"), ("触电", "处电"), ("昏", "婚"), ("泄漏", "泄露"), ("不动", "不懂"),
    ("抽搐", "抽畜"), ("流血", "留血"), ("着火", "着伙"),
    ("天然气", "天燃气"), ("液化气", "液化汽"), ("喘不上气", "穿不上气"),
    ("卡住", "卡主"), ("压住", "压主"), ("臭鸡蛋", "臭鸡旦"), ("没上来", "没尚来"),
)
PINYIN: tuple[tuple[str, str], ...] = (
    ("晕倒", "yundao"), ("昏过去", "hun过去"), ("着火", "zhaohuo"), ("煤气", "meiqi"), ("触电", "chudian"),
    ("流血", "liuxue"), ("起火", "qihuo"), ("冒烟", "maoyan"),
)

# Accidents told afterwards, and questions about the law: never emergencies.
PAST: tuple[str, ...] = ("去年", "上个月", "之前", "曾经", "前年", "上周", "三年前", "以前有一次", "上次", "前几天")
PAST_EVENTS: tuple[str, ...] = (
    "在车间煤气中毒晕倒了", "从脚手架上摔下去了", "被冲床压住了手",
    "在化粪池里晕倒了", "触电倒在地上", "被埋在土方下面",
    "衣服烧着了烧伤了", "手被卷进机器里", "在高温车间中暑晕倒",
    "被硫酸溅到了眼睛", "流血不止送了医院", "闻到臭鸡蛋味晕倒了",
)
LAW_TAILS: tuple[str, ...] = (
    "能认定工伤吗", "赔偿怎么算", "能不能算工伤", "公司要负什么责任", "老板不给报销怎么办", "算不算工伤",
    "工伤认定要多久", "伤残等级怎么评", "单位该赔多少", "可以申请仲裁吗",
)
# Present-tense descriptions followed by a legal question: still a law question.
LAW_QUESTIONS_ABOUT_ACCIDENTS: tuple[str, ...] = (
    "{person}从脚手架上摔下去了，能不能算工伤",
    "{person}被机器压住手了，赔偿怎么算", "{person}触电受伤了，公司要负什么责任",
    "{person}煤气中毒了，能认定工伤吗", "{person}在罐子里晕倒了，老板要承担什么责任",
    "{person}中暑晕倒了，算不算工伤", "{person}被烫伤了，医药费谁出",
)
# Procedures and hypotheticals: asked before anything happens.
PROCEDURES: tuple[str, ...] = (
    "如果{scene}，{person}{state}，应该怎么处理",
    "万一{scene}，{person}{state}怎么办", "{scene}的时候如果{person}{state}应该先做什么",
)

_S2T = OpenCC("s2t")


def traditional(text: str) -> str:
    return str(_S2T.convert(text))


def typoed(text: str) -> str | None:
    """The text with every typo that applies, or None when none does."""
    out = text
    for right, wrong in TYPOS:
        out = out.replace(right, wrong)
    return out if out != text else None


def pinyined(text: str) -> str | None:
    out = text
    for word, py in PINYIN:
        out = out.replace(word, py)
    return out if out != text else None


def emergency_reports() -> Iterator[tuple[str, str]]:
    """(text, scene kind) for every scene × state × template, each person in turn, and its variants."""
    persons = itertools.cycle(PERSONS)
    for kind, scenes in SCENES.items():
        for scene, state, template in itertools.product(scenes, STATES, TEMPLATES):
            text = template.format(scene=scene, person=next(persons), state=state)
            yield text, kind
    for kind, scenes in SCENES.items():
        for scene, state in itertools.product(scenes, STATES):
            text = f"{scene}，{next(persons)}{state}"
            yield traditional(text), kind
            for variant in (typoed(text), pinyined(text)):
                if variant is not None:
                    yield variant, kind


def past_and_law_questions() -> Iterator[str]:
    persons = itertools.cycle(PERSONS)
    for past, event, tail in itertools.product(PAST, PAST_EVENTS, LAW_TAILS):
        text = f"{past}{next(persons)}{event}，{tail}"
        yield text
    for template, person in itertools.product(LAW_QUESTIONS_ABOUT_ACCIDENTS, PERSONS):
        yield template.format(person=person)
    for event, tail in itertools.product(PAST_EVENTS, LAW_TAILS):
        yield traditional(f"去年{next(persons)}{event}，{tail}")


def procedure_questions() -> Iterator[str]:
    persons = itertools.cycle(PERSONS)
    for template, scenes in itertools.product(PROCEDURES, SCENES.values()):
        for scene, state in itertools.product(scenes[:2], STATES[:10]):
            yield template.format(scene=scene, person=next(persons), state=state)
