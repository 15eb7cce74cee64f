"""Unanswered questions grouped by the engine's similarity (knowledge.unanswered_groups), not exact text."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from knowledge.unanswered_groups import group_unanswered


@dataclass
class Asked:
    """The fields of an UnansweredQuestion row the grouping reads."""

    id: int
    sample: str
    count: int
    last_asked_at: datetime = datetime(2026, 3, 2, tzinfo=UTC)


def test_paraphrases_share_a_group_and_unrelated_questions_do_not(real_kb):
    asked = [
        Asked(1, "劳保鞋坏了谁出钱换", 3),
        Asked(2, "劳动防护鞋子坏了单位给换吗", 1),  # 劳保 and 劳动防护 are one word to the engine
        Asked(3, "食堂的燃气灶没有熄火保护装置怎么办", 2),
        Asked(4, "燃气灶没有熄火保护", 1),
        Asked(5, "仓库夜班只有一个人值守合规吗", 1),
        Asked(6, "有人举报安全生产违法行为会给奖励吗", 1),  # shares only the common 安全生产 with the next
        Asked(7, "安全生产工作坚持什么方针", 1),
    ]
    groups = group_unanswered(real_kb, asked)
    assert [sorted(g.ids) for g in groups] == [[1, 2], [3, 4], [5], [6], [7]]
    assert [g.count for g in groups] == [4, 3, 1, 1, 1]  # most asked first
    assert groups[0].sample == "劳保鞋坏了谁出钱换"
    assert groups[0].nearest_id is not None and real_kb.entry(groups[0].nearest_id).tags  # an entry to merge into


def test_no_questions_no_groups(real_kb):
    assert group_unanswered(real_kb, []) == []
