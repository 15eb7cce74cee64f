"""What a colloquial question says around its content (knowledge/chatter.py, issue 10 round 11)."""
from __future__ import annotations

import pytest

from knowledge.chatter import content_chars, core, drop_tag, is_chatter, is_quantity, spoken_share


@pytest.mark.parametrize("text, kept", [
    ("仓库的灭火器全过期了 这中不", "仓库的灭火器全过期了"),
    ("老板叫我们通宵赶工 这能行", "老板叫我们通宵赶工"),
    ("车间没装排风扇 有人管不", "车间没装排风扇"),
    ("电工证过期了还能上岗 真的假的", "电工证过期了还能上岗"),
    ("脚手架没护栏 这咋弄", "脚手架没护栏"),
    ("厂里不发口罩 这合法吗 咋整", "厂里不发口罩"),
    ("这能行", "这能行"),  # nothing but a tag: kept, there is nothing else to read
    ("能算工伤不", "能算工伤不"),  # the clause names 工伤: not a tag
])
def test_a_closing_tag_question_is_dropped(text: str, kept: str) -> None:
    assert drop_tag(text) == kept


@pytest.mark.parametrize("word, chatter", [
    ("这能行", True), ("这中", True), ("那会儿", True), ("俺们", True), ("咋弄", True),
    ("俩", True), ("十来", True), ("三年", True), ("五十斤", True),  # a quantity names no topic
    ("几天", False), ("几个", False),  # a quantity asked for is evidence
    ("灭火器", False), ("工会", False), ("七级", False),
])
def test_chatter_is_function_characters_or_a_quantity(word: str, chatter: bool) -> None:
    assert is_chatter(word) is chatter
    assert is_quantity("十多年") and not is_quantity("年")


@pytest.mark.parametrize("word, stem", [("评个", "评"), ("能不进", "进"), ("标都", "标"), ("查查", "查"),
                                        ("问问", "问"), ("灭火器", "灭火器"), ("这能行", "")])
def test_the_core_of_a_word_is_without_function_characters_at_its_ends(word: str, stem: str) -> None:
    assert core(word) == stem


def test_content_characters_leave_out_particles_pronouns_and_the_closing_tag() -> None:
    assert content_chars("俺们厂的灭火器啊 都是空的 这中不") == content_chars("厂灭火器空")
    assert content_chars("厂灭火器空") == "厂灭火器空"


@pytest.mark.parametrize("spoken, written", [
    ("俺们老板不给买工伤保险 这中不", "用人单位未为职工缴纳工伤保险是否合法"),
    ("干活把手弄伤了 咋整", "工作中受伤如何申请工伤认定"),
    ("带班的非让俺上高处 能行不", "班组长强令登高作业是否可以拒绝"),
])
def test_a_spoken_question_shows_its_marks_and_a_written_one_none(spoken: str, written: str) -> None:
    assert spoken_share(spoken) > 0.2
    assert spoken_share(written) == 0.0


def test_the_spoken_share_is_a_share_of_the_characters() -> None:
    assert spoken_share("俺咋办") == 1.0
    assert spoken_share("") == 0.0 and spoken_share("？！") == 0.0
    assert 0.0 < spoken_share("仓库的灭火器全过期了 这中不") < 0.3


@pytest.mark.parametrize("spoken", ["喷漆房排风扇都莫得", "老细话返工跌亲唔算工伤", "阿拉厂里呒没劳保",
                                    "头家讲要扣钱噻"])
def test_dialect_words_of_every_region_are_spoken_marks_before_they_are_read(spoken: str) -> None:
    """Round 13: read on the question as written (莫得 is 没有 once normalised, and was never counted)."""
    assert spoken_share(spoken) > 0.15
