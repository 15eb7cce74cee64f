"""The 安康杯 question bank: the validator catches each kind of mistake, and ``ankang quiz check``
reports them (or the counts) the way an editor sees them."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from broadcasts.cli import quiz as quiz_cli
from broadcasts.quizbank import AUDIENCES, DIFFICULTIES, TYPES, BankInvalid, load_bank, validate_bank
from core.topics import BY_CODE
from knowledge.statutes import Corpus, load_corpus

OPTIONS = "options: [立即报警, 先收拾个人物品, 等领导到场, 拍视频发朋友圈]"
GOOD = """\
- id: fire-001
  type: single
  stem: 发现火灾后首先应当怎么做？
  options: [立即报警, 先收拾个人物品, 等领导到场, 拍视频发朋友圈]
  answer: 0
  explanation: 任何人发现火灾都应当立即报警。
  cite: [{law: 消防法, article: 44}]
  topic: fire
  audience: [new_hire, workshop]
  difficulty: 1
- id: fire-002
  type: multiple
  stem: 哪些行为是禁止的？
  options: [堵塞疏散通道, 遮挡消火栓, 保持安全出口畅通]
  answer: [0, 1]
  explanation: 堵塞通道、遮挡消火栓都不允许。
  cite: {law: 消防法, article: 28}
  topic: fire
  audience: [team_leader]
  difficulty: 2
- id: fire-003
  type: truefalse
  stem: 可以谎报火警。
  answer: 1
  explanation: 严禁谎报火警。
  cite: [{law: 消防法, article: 44}]
  topic: fire
  audience: [union_staff]
  difficulty: 3
"""


@pytest.fixture(scope="module")
def corpus(laws_dir: Path) -> Corpus:
    return load_corpus(laws_dir)


def bank_dir(tmp_path: Path, text: str, name: str = "fire.yaml") -> Path:
    directory = tmp_path / "quiz"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    return directory


def messages(directory: Path, corpus: Corpus | None = None) -> list[str]:
    return [str(p) for p in validate_bank(directory, corpus)]


def test_a_sound_bank_loads_with_typed_questions(tmp_path: Path, corpus: Corpus) -> None:
    directory = bank_dir(tmp_path, GOOD)
    assert messages(directory, corpus) == []
    bank = load_bank(directory)
    assert [q.type for q in bank] == ["single", "multiple", "truefalse"]
    assert bank.get("fire-002").correct_options == ("堵塞疏散通道", "遮挡消火栓")
    assert bank.get("fire-003").options == ("对", "错")
    assert bank.get("fire-003").correct_options == ("错",)
    assert bank.count_by("audience") == {"new_hire": 1, "workshop": 1, "team_leader": 1, "union_staff": 1}


def test_duplicate_id_is_reported(tmp_path: Path) -> None:
    directory = bank_dir(tmp_path, GOOD.replace("id: fire-002", "id: fire-001"))
    assert any("duplicate id" in m for m in messages(directory))


def test_duplicate_id_across_files_is_reported(tmp_path: Path) -> None:
    directory = bank_dir(tmp_path, GOOD)
    other = GOOD.replace("fire-00", "ppe-00").replace("topic: fire", "topic: ppe").replace("ppe-001", "fire-001")
    bank_dir(tmp_path, other, "ppe.yaml")
    found = messages(directory)
    assert found == ["fire-001: duplicate id: in fire.yaml and ppe.yaml"]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("answer: 0\n", "answer: 4\n", "fire-001: answer index 4 is out of range for 4 options"),
    ("answer: [0, 1]", "answer: [0, 3]", "fire-002: answer index 3 is out of range for 3 options"),
    ("answer: [0, 1]", "answer: [1]", "fire-002: a multiple question needs at least 2 distinct correct options"),
    ("answer: [0, 1]", "answer: [1, 1]", "fire-002: a multiple question needs at least 2 distinct correct options"),
    ("answer: [0, 1]", "answer: [0, 1, 2]", "fire-002: a multiple question needs at least one wrong option"),
    ("answer: 1\n", "answer: 2\n", "fire-003: answer index 2 is out of range for 2 options"),
    ("answer: 0\n", "answer: true\n", "fire-001: answer must be the 0-based index"),
])
def test_bad_answer_is_reported(tmp_path: Path, old: str, new: str, expected: str) -> None:
    found = messages(bank_dir(tmp_path, GOOD.replace(old, new, 1)))
    assert len(found) == 1 and found[0].startswith(expected), found


def test_unknown_law_and_unknown_article_are_reported(tmp_path: Path, corpus: Corpus) -> None:
    text = GOOD.replace("{law: 消防法, article: 44}]\n  topic: fire\n  audience: [new_hire",
                        "{law: 防火条例, article: 44}]\n  topic: fire\n  audience: [new_hire")
    text = text.replace("{law: 消防法, article: 28}", "{law: 消防法, article: 999}")
    directory = bank_dir(tmp_path, text)
    assert messages(directory) == []  # without statutes only the shape is checked
    assert messages(directory, corpus) == [
        "fire-001: citation 防火条例 article 44 is not in the statute corpus",
        "fire-002: citation 消防法 article 999 is not in the statute corpus",
    ]


def test_alias_instead_of_short_name_is_reported(tmp_path: Path, corpus: Corpus) -> None:
    full_name = GOOD.replace("{law: 消防法, article: 28}", "{law: 中华人民共和国消防法, article: 28}")
    directory = bank_dir(tmp_path, full_name)
    assert messages(directory, corpus) == ["fire-002: cite '中华人民共和国消防法' by its short name '消防法'"]


def test_unknown_topic_is_reported(tmp_path: Path) -> None:
    found = messages(bank_dir(tmp_path, GOOD.replace("topic: fire", "topic: firefighting", 1)))
    assert found == ["fire-001: unknown topic 'firefighting' (see core/topics.py)"]
    found = messages(bank_dir(tmp_path, GOOD.replace("topic: fire", "topic: ppe", 1)))
    assert found == ["fire-001: topic 'ppe' belongs in ppe.yaml, not fire.yaml"]
    assert any("file name must be a topic code" in m for m in messages(bank_dir(tmp_path, GOOD, "misc.yaml")))


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("type: single", "type: essay", "type must be one of single / multiple / truefalse"),
    ("  stem: 可以谎报火警。\n", "  stem: 可以谎报火警。\n  options: [是, 否]\n", "truefalse question has no options"),
    (OPTIONS, "options: [立即报警]", "options must be a list of 2-6"),
    (OPTIONS, "options: [甲, 甲, 乙]", "two options are the same"),
    ("audience: [team_leader]", "audience: [boss]", "audience must be a non-empty list"),
    ("difficulty: 3", "difficulty: 5", "difficulty must be 1, 2 or 3"),
    ("id: fire-002", "id: Fire 2", "id must be lowercase"),
    ("  explanation: 严禁谎报火警。\n", "", "missing key 'explanation'"),
    ("  difficulty: 1\n", "  difficulty: 1\n  hint: 想想119\n", "unknown key 'hint'"),
])
def test_schema_mistakes_are_reported(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in GOOD
    found = messages(bank_dir(tmp_path, GOOD.replace(old, new, 1)))
    assert any(expected in m for m in found), found


@pytest.mark.parametrize("text", ["", "not: a list\n", "- [unclosed\n", "- 42\n"])
def test_malformed_files_are_reported_not_raised(tmp_path: Path, text: str) -> None:
    directory = bank_dir(tmp_path, text)
    assert messages(directory)
    with pytest.raises(BankInvalid):
        load_bank(directory)


def test_binary_file_is_reported(tmp_path: Path) -> None:
    directory = tmp_path / "quiz"
    directory.mkdir()
    (directory / "fire.yaml").write_bytes(b"\xff\xfe\x00\x81binary")
    assert any("cannot read file" in m for m in messages(directory))


def test_check_command_prints_counts_or_problems(tmp_path: Path, laws_dir: Path) -> None:
    runner = CliRunner()
    good = bank_dir(tmp_path, GOOD)
    result = runner.invoke(quiz_cli, ["check", "--bank-dir", str(good), "--laws-dir", str(laws_dir)])
    assert result.exit_code == 0, result.output
    assert "OK: 3 questions" in result.output
    assert "by type: single 1, multiple 1, truefalse 1" in result.output
    assert "by difficulty: 1 1, 2 1, 3 1" in result.output

    (good / "fire.yaml").write_text(GOOD.replace("article: 28", "article: 999"), encoding="utf-8")
    result = runner.invoke(quiz_cli, ["check", "--bank-dir", str(good), "--laws-dir", str(laws_dir)])
    assert result.exit_code == 1
    assert "fire-002: citation 消防法 article 999 is not in the statute corpus" in result.output
    assert "1 problem(s) found." in result.output


def test_bundled_bank_validates_and_covers_every_type_audience_and_difficulty(corpus: Corpus) -> None:
    assert validate_bank(corpus=corpus) == []
    bank = load_bank()
    assert len(bank) >= 400
    assert set(bank.count_by("type")) == set(TYPES)
    assert set(bank.count_by("audience")) == set(AUDIENCES)
    assert set(bank.count_by("difficulty")) == {str(d) for d in DIFFICULTIES}
    assert set(bank.count_by("topic")) <= set(BY_CODE)
    for question in bank:
        # The statute text behind each answer is there to read: every citation resolves to an article.
        assert all(corpus.article(c.law, c.article).text for c in question.cite), question.id


COPIED_RUN = 25  # characters in a row shared with the statute: a copied sentence, not a legal term


def test_bundled_questions_are_written_in_our_own_words(corpus: Corpus) -> None:
    copied = []
    for question in load_bank():
        statute = "".join(corpus.article(c.law, c.article).text for c in question.cite)
        for text in (question.stem, question.explanation, *question.options):
            runs = (text[i:i + COPIED_RUN] for i in range(len(text) - COPIED_RUN + 1))
            if any(run in statute for run in runs):
                copied.append(f"{question.id}: {text}")
    assert copied == []
