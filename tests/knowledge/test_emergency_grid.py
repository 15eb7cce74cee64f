"""The emergency detector on generated grids: hazard scene × victim state × phrasing (issue 10, point 10).

The grids (tests/knowledge/emergency_grid.py) cross the parts of a report with the ways workers
type it; past accidents, law questions and procedures built from the same parts must not raise an
alarm. Each test lists every miss, so a gap shows as a kind of phrasing, not as one sentence.
"""
import pytest

from knowledge.intents import detect_emergency
from knowledge.text import normalise
from tests.knowledge.emergency_grid import (
    HAZARDS_ALONE,
    emergency_reports,
    past_and_law_questions,
    procedure_questions,
)


def _detected(text: str) -> str | None:
    return detect_emergency(normalise(text), text)


def _report(misses: list[str]) -> str:
    return f"{len(misses)} wrong, e.g.:\n" + "\n".join(misses[:20])


@pytest.mark.parametrize("kind", sorted({kind for _, kind in emergency_reports()}))
def test_a_hazard_scene_with_a_person_in_distress_is_an_emergency_in_every_phrasing(kind):
    misses = [text for text, k in emergency_reports() if k == kind and _detected(text) is None]
    assert not misses, _report(misses)


def test_each_hazard_told_alone_is_an_emergency():
    misses = [text for text in HAZARDS_ALONE if _detected(text) is None]
    assert not misses, _report(misses)


def test_past_accidents_and_law_questions_about_them_are_not_emergencies():
    alarms = [f"{text} → {kind}" for text in past_and_law_questions() if (kind := _detected(text)) is not None]
    assert not alarms, _report(alarms)


def test_procedures_and_hypotheticals_are_not_emergencies():
    alarms = [f"{text} → {kind}" for text in procedure_questions() if (kind := _detected(text)) is not None]
    assert not alarms, _report(alarms)


@pytest.mark.parametrize(("text", "kind"), [
    ("储罐里清淤的时候，同事晕倒了", "confined"),   # the tank decides: do not go in after him
    ("屋里一股臭鸡蛋味，老王叫不醒", "gas"),
    ("配电箱漏电，工友倒在地上了", "electric"),
    ("货架倒了，老王卡住了", "collapse"),
    ("大太阳底下干活，工友抽搐", "heat"),
])
def test_the_scene_named_decides_the_guidance(text, kind):
    assert _detected(text) == kind


@pytest.mark.parametrize("text", ["屋里一股臭鸡蛋味，老王叫不醒", "闻到臭鸡蛋味晕倒了",
                                  "冷库氨气跑出来了，有人倒在里面"])
def test_a_gas_scene_with_someone_down_warns_rescuers_not_to_go_in(text):
    """Would-be rescuers die in gas: the guidance for a leak must say not to go in after the person."""
    from knowledge import emergency_reply

    reply = emergency_reply(text)
    assert reply is not None and reply.kind == "gas"
    assert "不要屏住气进去拉人" in reply.text and "呼吸器" in reply.text


@pytest.mark.parametrize("text", ["冷库氨气跑出来了", "液化气罐那儿气冒出来了", "沼气池的气窜出来了"])
def test_a_gas_coming_out_is_a_leak(text):
    assert _detected(text) == "gas"


def test_the_kept_pinyin_of_the_lexicon_is_current_and_pypinyin_is_not_loaded_to_use_it():
    """The detector reads the lexicon's pinyin from a data file (pypinyin's dictionaries cost ~55 MB); the file
    must say what pypinyin says of today's lexicon (``python -m knowledge.intents`` writes it again)."""
    import json
    import subprocess
    import sys

    from knowledge.intents import LEXICON_PINYIN_FILE, lexicon_pinyin_pairs

    kept = [tuple(pair) for pair in json.loads(LEXICON_PINYIN_FILE.read_text(encoding="utf-8"))]
    assert kept == lexicon_pinyin_pairs()
    probe = ("import sys; from knowledge.intents import detect_emergency; "
             "assert detect_emergency('tongshi yundao le kuai lai ren') is not None; "
             "print('pypinyin' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
