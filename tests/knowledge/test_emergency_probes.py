"""Round 15's emergency probes (tests/knowledge/data/emergency_probes.jsonl, 607 messages written for this test).

Batch 1: every style (short, typo and pinyin, traditional, dialect, story, formal) and hazard, reports happening
now against the same matters asked afterwards, supposed, taught, or said in another sense. Batches 2-4 were written
later in the round and scored before their misses were read (bench/README.md, "Round 15: emergencies"). Three
questions were left out as ambiguous (asked in the middle of it, an emergency reply does no harm):
氨气泄漏了应该往哪个方向撤离, 着火了先救人还是先灭火, 没气了还要做心肺复苏吗.
"""
import json
from pathlib import Path

import pytest

from knowledge import emergency_reply

PROBES = Path(__file__).parent / "data" / "emergency_probes.jsonl"
ROWS = [json.loads(line) for line in PROBES.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_probes_are_many_distinct_and_labelled():
    reports = [r["q"] for r in ROWS if r["emergency"]]
    questions = [r["q"] for r in ROWS if not r["emergency"]]
    assert len(reports) >= 300 and len(questions) >= 280
    assert len({r["q"] for r in ROWS}) == len(ROWS)
    assert all(set(r) == {"q", "emergency", "style", "batch"} for r in ROWS)


def test_every_probe_emergency_is_recognised():
    missed = [r["q"] for r in ROWS if r["emergency"] and emergency_reply(r["q"]) is None]
    assert not missed, "\n".join(missed)


def test_no_probe_question_is_taken_for_an_emergency():
    alarms = [f"{r['q']} → {reply.kind}" for r in ROWS
              if not r["emergency"] and (reply := emergency_reply(r["q"])) is not None]
    assert not alarms, "\n".join(alarms)


@pytest.mark.parametrize(("text", "kind"), [
    ("同事在儲槽裡面沒有回應", "confined"),           # a tank called 槽, traditional characters
    ("有人触点了", "electric"),                       # 触电 with 电 mistyped
    ("血一只流 止不住", "bleeding"),                  # 一直 typed 一只
    ("ta diao jin shui chi li le", "confined"),       # pinyin that also spells 塔吊
    ("工友让预制板砸了 腿出不来", "machine"),         # a passive and a verb that harms a body
    ("快来啊 锅炉房门口躺着个人", "unconscious"),     # a weak state with haste, no hazard named
    ("佢喺个池度冇咗声", "confined"),                 # Cantonese: in the pool there, no sound
])
def test_the_probes_kind(text, kind):
    reply = emergency_reply(text)
    assert reply is not None and reply.kind == kind
