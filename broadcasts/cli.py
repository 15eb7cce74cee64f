"""``ankang lessons …``: check and list the 微课堂 lesson library."""
from __future__ import annotations

import unicodedata
from pathlib import Path

import click

from broadcasts.library import DEFAULT_LESSONS_DIR, Lesson, load_library, validate_library
from broadcasts.quizbank import AUDIENCES, DEFAULT_BANK_DIR, DIFFICULTIES, TYPES, load_bank, validate_bank
from core.settings import SettingsError, load_settings
from core.topics import BY_CODE, UnknownTopic, label
from knowledge.errors import DataError
from knowledge.statutes import Corpus, load_corpus

_dir_option = click.option(
    "--lessons-dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_LESSONS_DIR,
    show_default=False, help="Lesson directory (default: the bundled library).",
)


@click.group("lessons")
def lessons() -> None:
    """微课堂 lesson library."""


@lessons.command("check")
@_dir_option
@click.option("--laws-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Statute directory (default: ANKANG_LAWS_DIR).")
def check(lessons_dir: Path, laws_dir: Path | None) -> None:
    """Validate every lesson, citations included; exit 1 if anything is wrong."""
    problems = validate_library(lessons_dir, _statutes(laws_dir))
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        raise SystemExit(1)

    library = load_library(lessons_dir)
    covered = library.topics_covered()
    missing = [code for code in BY_CODE if code not in covered]
    click.echo(f"OK: {len(library)} lessons, {len(library.series_names())} series, "
               f"{len(covered)}/{len(BY_CODE)} topics covered.")
    for name in library.series_names():
        click.echo(f"  series {name}: {len(library.series(name))} lessons")
    if missing:
        click.echo(f"  topics without lessons: {', '.join(missing)}")


def _statutes(laws_dir: Path | None) -> Corpus:
    """The statute corpus citations are checked against (``--laws-dir`` or ANKANG_LAWS_DIR)."""
    if laws_dir is None:
        try:
            laws_dir = load_settings().laws_dir
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from None
    if laws_dir is None:
        raise click.ClickException("no statute directory: set ANKANG_LAWS_DIR or pass --laws-dir")
    if not laws_dir.is_dir():
        raise click.ClickException(f"statute directory {laws_dir} does not exist")
    try:
        return load_corpus(laws_dir)
    except (DataError, OSError) as exc:
        raise click.ClickException(f"cannot load statutes from {laws_dir}: {exc}") from None


@lessons.command("list")
@_dir_option
@click.option("--topic", "topic_code", default=None, help="Only lessons with this topic code.")
def list_lessons(lessons_dir: Path, topic_code: str | None) -> None:
    """Print the lessons as a table."""
    library = load_library(lessons_dir)
    try:
        selected = library.by_topic(topic_code) if topic_code else list(library)
    except UnknownTopic:
        raise click.BadParameter(
            f"unknown topic {topic_code!r}; one of: {', '.join(BY_CODE)}", param_hint="--topic"
        ) from None
    rows: list[tuple[str, ...]] = [("ID", "系列", "主题", "对象", "分钟", "学时", "字数", "标题")]
    rows += [_row(lesson) for lesson in selected]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [_pad(cell, widths[i]) for i, cell in enumerate(row[:-1])]
        click.echo("  ".join([*cells, row[-1]]).rstrip())
    click.echo(f"{len(selected)} lesson(s).")


def _row(lesson: Lesson) -> tuple[str, ...]:
    series = f"{lesson.series} {lesson.series_order}" if lesson.series else "-"
    return (
        lesson.id, series, "、".join(label(code) for code in lesson.topics), "、".join(lesson.audience),
        str(lesson.reading_minutes), str(lesson.study_minutes), str(lesson.char_count), lesson.title,
    )


def _width(text: str) -> int:
    # CJK characters take two terminal columns.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


@click.group("quiz")
def quiz() -> None:
    """安康杯 knowledge-contest question bank."""


@quiz.command("check")
@click.option("--bank-dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_BANK_DIR,
              show_default=False, help="Question directory (default: the bundled bank).")
@click.option("--laws-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Statute directory (default: ANKANG_LAWS_DIR).")
def quiz_check(bank_dir: Path, laws_dir: Path | None) -> None:
    """Validate every question, citations included; print counts; exit 1 if anything is wrong."""
    problems = validate_bank(bank_dir, _statutes(laws_dir))
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        raise SystemExit(1)
    bank = load_bank(bank_dir)
    click.echo(f"OK: {len(bank)} questions, every citation resolves.")
    for field, order in (
        ("type", list(TYPES)), ("topic", list(BY_CODE)), ("audience", list(AUDIENCES)),
        ("difficulty", [str(d) for d in DIFFICULTIES]),
    ):
        counts = bank.count_by(field)
        click.echo(f"  by {field}: " + ", ".join(f"{key} {counts[key]}" for key in order if counts[key]))


# `ankang broadcast …` lives in its own module (schedules and delivery); ankang/cli.py finds it here.
from broadcasts.cli_broadcast import broadcast  # noqa: E402,F401
