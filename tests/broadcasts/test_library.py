"""The 微课堂 lesson library: the bundled lessons validate, and every kind of mistake is caught."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from broadcasts.cli import lessons as lessons_cli
from broadcasts.library import (
    AUDIENCES,
    DEFAULT_LESSONS_DIR,
    Citation,
    LessonNotFound,
    LibraryInvalid,
    load_library,
    validate_library,
)
from core.topics import BY_CODE, TOPICS, UnknownTopic
from knowledge.statutes import Corpus, load_corpus

LAWS_DIR = Path(os.environ.get("ANKANG_LAWS_DIR") or Path(__file__).resolve().parents[2].parent / "shared" / "laws")

BODY = (
    "这是一段用来测试的课程正文，讲的是车间里的安全常识。"
    "进车间之前先看清楚安全出口和灭火器的位置，再检查自己的劳动防护用品是否完好。\n\n"
    + "发现隐患要立即报告班组长或者安全员，不要自己冒险处理。" * 8
    + "\n\n**记住**：先看出口，再查劳保，发现隐患立即报告。\n"
)


def lesson_text(lesson_id: str = "sample-lesson", **overrides: str) -> str:
    """A valid lesson file; each override replaces one front-matter line (or the body) by its YAML text."""
    fields = {
        "id": f"id: {lesson_id}",
        "title": "title: 测试课",
        "series": "",
        "series_order": "",
        "topics": "topics: [manufacturing, hazards]",
        "audience": "audience: [全员]",
        "reading_minutes": "reading_minutes: 3",
        "citations": "citations:\n  - {law: 安全生产法, article: 59}",
        "quiz": (
            "quiz:\n  question: 发现隐患应该怎么做？\n  options: [不管, 立即报告, 自己拆修]\n"
            "  answer: 1\n  explanation: 发现隐患应当立即报告。"
        ),
    }
    body = overrides.pop("body", BODY)
    fields.update(overrides)
    front = "\n".join(line for line in fields.values() if line)
    return f"---\n{front}\n---\n{body}"


def write(directory: Path, lesson_id: str = "sample-lesson", **overrides: str) -> Path:
    path = directory / f"{lesson_id}.md"
    path.write_text(lesson_text(lesson_id, **overrides), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    assert (LAWS_DIR / "manifest.json").is_file(), f"statutes not found in {LAWS_DIR} (set ANKANG_LAWS_DIR)"
    return load_corpus(LAWS_DIR)


@pytest.fixture(scope="module")
def library():
    return load_library()


# --- the bundled library ---------------------------------------------------------------------------


def test_bundled_library_validates_cleanly_with_citations(corpus: Corpus) -> None:
    assert [str(p) for p in validate_library(DEFAULT_LESSONS_DIR, corpus)] == []


def test_bundled_library_has_at_least_30_lessons(library) -> None:
    assert len(library) >= 30


def test_newhire_series_has_six_lessons_in_order(library) -> None:
    series = library.series("新员工入职")
    assert [lesson.series_order for lesson in series] == [1, 2, 3, 4, 5, 6]
    assert all("新员工" in lesson.audience for lesson in series)
    assert "新员工入职" in library.series_names()


def test_every_topic_kind_and_every_topic_is_used(library) -> None:
    used = set(library.topics_covered())
    assert {t.kind for t in TOPICS if t.code in used} == {"industry", "place", "general"}
    assert used == set(BY_CODE)


def test_bundled_lessons_respect_content_limits(library) -> None:
    for lesson in library:
        assert 300 <= lesson.char_count <= 800, lesson.id
        assert lesson.body.rsplit("\n\n", 1)[-1].startswith("**记住**："), lesson.id
        assert lesson.citations and lesson.quiz.options[lesson.quiz.answer]
        assert set(lesson.audience) <= set(AUDIENCES)


def test_library_lookup_by_id_topic_and_series(library) -> None:
    lesson = library.get("newhire-01-company")
    assert lesson.series == "新员工入职" and lesson.series_order == 1
    assert Citation("安全生产法", 28) in lesson.citations
    with pytest.raises(LessonNotFound):
        library.get("no-such-lesson")
    assert all("gas" in lesson.topics for lesson in library.by_topic("gas"))
    assert library.by_topic("confined_space")
    with pytest.raises(UnknownTopic):
        library.by_topic("space_travel")
    assert library.series("没有这个系列") == []


def test_library_order_puts_series_first_in_order_then_single_lessons_by_id(library) -> None:
    ids = [lesson.id for lesson in library]
    in_series = [lesson for lesson in library if lesson.series]
    singles = [lesson.id for lesson in library if not lesson.series]
    assert ids[: len(in_series)] == [lesson.id for lesson in in_series]
    assert singles == sorted(singles)
    for name in library.series_names():
        assert [lesson.series_order for lesson in library.series(name)] == list(
            range(1, len(library.series(name)) + 1)
        )


# --- problems detected on fixtures -------------------------------------------------------------------


def test_a_valid_fixture_has_no_problems(tmp_path: Path, corpus: Corpus) -> None:
    write(tmp_path)
    assert validate_library(tmp_path, corpus) == []
    lesson = load_library(tmp_path).get("sample-lesson")
    assert lesson.quiz.correct_option == "立即报告"
    assert lesson.topics == ("manufacturing", "hazards")


BAD_QUIZ = "quiz:\n  question: 问题？\n  options: {options}\n  answer: {answer}\n  explanation: 解释。"

CASES = [
    ("bad topic", {"topics": "topics: [manufacturing, space_travel]"}, "unknown topic 'space_travel'"),
    ("no topics", {"topics": "topics: []"}, "topics must be a non-empty list"),
    ("bad audience", {"audience": "audience: [老板]"}, "unknown audience '老板'"),
    ("missing title", {"title": ""}, "missing key 'title'"),
    ("unknown key", {"title": "title: 测试课\ntags: [x]"}, "unknown key 'tags'"),
    ("reading minutes not int", {"reading_minutes": "reading_minutes: 三"}, "reading_minutes must be"),
    ("study minutes zero", {"reading_minutes": "reading_minutes: 3\nminutes: 0"}, "minutes (学时 credited"),
    ("study minutes too many", {"reading_minutes": "reading_minutes: 3\nminutes: 61"}, "minutes (学时 credited"),
    ("study minutes not int", {"reading_minutes": "reading_minutes: 3\nminutes: 五"}, "minutes (学时 credited"),
    ("body too short", {"body": "太短了。\n\n**记住**：太短。\n"}, "it must have 300-800"),
    ("body too long", {"body": "很长的正文。" * 150 + "\n\n**记住**：太长。\n"}, "it must have 300-800"),
    ("no summary", {"body": BODY.replace("**记住**：", "总结：")}, "must end with a paragraph starting with"),
    ("answer out of range", {"quiz": BAD_QUIZ.format(options="[甲, 乙]", answer=2)}, "answer 2 is out of range"),
    ("answer not int", {"quiz": BAD_QUIZ.format(options="[甲, 乙]", answer="乙")}, "answer must be the 0-based"),
    ("one option", {"quiz": BAD_QUIZ.format(options="[甲]", answer=0)}, "options must be a list of 2-10"),
    ("eleven options", {"quiz": BAD_QUIZ.format(options=str(list("甲乙丙丁戊己庚辛壬癸子")), answer=0)},
     "options must be a list of 2-10"),
    ("option too long", {"quiz": BAD_QUIZ.format(options=f"[甲, {'乙' * 101}]", answer=0)},
     "longer than 100 characters"),
    ("duplicate options", {"quiz": BAD_QUIZ.format(options="[甲, 甲]", answer=0)}, "two options are the same"),
    ("question too long", {"quiz": "quiz:\n  question: " + "问" * 301
                           + "\n  options: [甲, 乙]\n  answer: 0\n  explanation: 解释。"},
     "question must be a non-empty string of at most 300"),
    ("explanation too long", {"quiz": "quiz:\n  question: 问题？\n  options: [甲, 乙]\n  answer: 0\n"
                              "  explanation: " + "解" * 201},
     "explanation must be a non-empty string of at most 200"),
    ("bad citation shape", {"citations": "citations:\n  - {law: 安全生产法, article: 第五十九条}"},
     "must be {law: <short name>, article: <positive integer>}"),
    ("series without order", {"series": "series: 测试系列"}, "series_order must be a positive integer"),
]


@pytest.mark.parametrize(("case", "overrides", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_kind_of_problem_is_detected(tmp_path: Path, case: str, overrides: dict, expected: str) -> None:
    write(tmp_path, **overrides)
    messages = [str(p) for p in validate_library(tmp_path)]
    assert any(expected in m for m in messages), messages
    with pytest.raises(LibraryInvalid):
        load_library(tmp_path)


def test_id_must_match_file_name(tmp_path: Path) -> None:
    (tmp_path / "other-name.md").write_text(lesson_text("sample-lesson"), encoding="utf-8")
    assert any("does not match the file name" in str(p) for p in validate_library(tmp_path))


def test_id_must_be_lowercase_slug(tmp_path: Path) -> None:
    (tmp_path / "Bad_Id.md").write_text(lesson_text("Bad_Id"), encoding="utf-8")
    assert any("id must be lowercase" in str(p) for p in validate_library(tmp_path))


def test_missing_front_matter_is_reported(tmp_path: Path) -> None:
    (tmp_path / "plain.md").write_text(BODY, encoding="utf-8")
    assert [p.source for p in validate_library(tmp_path)] == ["plain.md"]


def test_invalid_yaml_is_reported(tmp_path: Path) -> None:
    (tmp_path / "broken.md").write_text("---\ntitle: [unclosed\n---\n" + BODY, encoding="utf-8")
    assert any("not valid YAML" in str(p) for p in validate_library(tmp_path))


def test_duplicate_ids_are_reported(tmp_path: Path) -> None:
    write(tmp_path, "lesson-a")
    (tmp_path / "lesson-b.md").write_text(lesson_text("lesson-a"), encoding="utf-8")
    messages = [str(p) for p in validate_library(tmp_path)]
    assert any("duplicate id" in m for m in messages), messages


def test_series_orders_must_be_contiguous_from_one(tmp_path: Path) -> None:
    write(tmp_path, "part-one", series="series: 测试系列", series_order="series_order: 1")
    write(tmp_path, "part-three", series="series: 测试系列", series_order="series_order: 3")
    messages = [str(p) for p in validate_library(tmp_path)]
    assert any("series '测试系列' has orders [1, 3]" in m for m in messages), messages


def test_series_with_repeated_order_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "part-a", series="series: 测试系列", series_order="series_order: 1")
    write(tmp_path, "part-b", series="series: 测试系列", series_order="series_order: 1")
    assert any("has orders [1, 1]" in str(p) for p in validate_library(tmp_path))


def test_unknown_citation_is_reported_only_with_a_corpus(tmp_path: Path, corpus: Corpus) -> None:
    write(tmp_path, citations="citations:\n  - {law: 安全生产法, article: 999}\n  - {law: 不存在法, article: 1}")
    assert validate_library(tmp_path) == []
    messages = [str(p) for p in validate_library(tmp_path, corpus)]
    assert messages == [
        "sample-lesson: citation 安全生产法 article 999 is not in the statute corpus",
        "sample-lesson: citation 不存在法 article 1 is not in the statute corpus",
    ]


def test_citation_must_use_the_manifest_short_name(tmp_path: Path, corpus: Corpus) -> None:
    write(tmp_path, citations="citations:\n  - {law: 中华人民共和国安全生产法, article: 59}")
    messages = [str(p) for p in validate_library(tmp_path, corpus)]
    assert messages == ["sample-lesson: cite '中华人民共和国安全生产法' by its short name '安全生产法'"]


def test_citation_check_accepts_any_object_with_has(tmp_path: Path) -> None:
    class OnlyArticleOne:
        def has(self, law: str, number: int) -> bool:
            return number == 1

    write(tmp_path)
    assert [p.message for p in validate_library(tmp_path, OnlyArticleOne())] == [
        "citation 安全生产法 article 59 is not in the statute corpus"
    ]


def test_missing_directory_is_a_problem(tmp_path: Path) -> None:
    assert "does not exist" in validate_library(tmp_path / "nope")[0].message


# --- CLI ------------------------------------------------------------------------------------------


def test_cli_check_passes_on_the_bundled_library() -> None:
    result = CliRunner().invoke(lessons_cli, ["check"], env={"ANKANG_LAWS_DIR": str(LAWS_DIR)})
    assert result.exit_code == 0, result.output
    assert "OK:" in result.output and "series 新员工入职: 6 lessons" in result.output


def test_cli_check_prints_problems_and_exits_1(tmp_path: Path) -> None:
    write(tmp_path, citations="citations:\n  - {law: 安全生产法, article: 999}")
    result = CliRunner().invoke(
        lessons_cli, ["check", "--lessons-dir", str(tmp_path), "--laws-dir", str(LAWS_DIR)]
    )
    assert result.exit_code == 1
    assert "citation 安全生产法 article 999 is not in the statute corpus" in result.output


def test_cli_check_without_laws_dir_fails_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    result = CliRunner().invoke(lessons_cli, ["check"], env={"ANKANG_LAWS_DIR": ""})
    assert result.exit_code != 0
    assert "ANKANG_LAWS_DIR" in result.output


def test_cli_list_prints_a_table_filtered_by_topic(library) -> None:
    result = CliRunner().invoke(lessons_cli, ["list", "--topic", "gas"])
    assert result.exit_code == 0, result.output
    gas_ids = {lesson.id for lesson in library.by_topic("gas")}
    listed = {line.split()[0] for line in result.output.splitlines()[1:-1]}
    assert listed == gas_ids
    assert result.output.splitlines()[-1] == f"{len(gas_ids)} lesson(s)."
    assert result.output.split()[4:6] == ["分钟", "学时"]  # reading time, then the 学时 credited


def test_cli_list_shows_the_study_minutes_of_each_lesson(library) -> None:
    result = CliRunner().invoke(lessons_cli, ["list"])
    rows = {line.split()[0]: line.split() for line in result.output.splitlines()[1:-1]}
    newhire = library.get("newhire-01-company")
    assert rows[newhire.id][-3:-1] == [str(newhire.study_minutes), str(newhire.char_count)]


def test_cli_list_rejects_unknown_topic() -> None:
    result = CliRunner().invoke(lessons_cli, ["list", "--topic", "space_travel"])
    assert result.exit_code == 2
    assert "unknown topic" in result.output
