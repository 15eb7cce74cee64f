"""Command line for the knowledge base: ``ankang kb check|unanswered|warm``, ``ankang ask``."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from knowledge.check import check_knowledge, check_labels
from knowledge.engine import KnowledgeBase
from knowledge.lawsdir import LawsDiagnosis, LawsStatus, diagnose_laws_dir
from knowledge.statutes import KNOWN_STATUTES

if TYPE_CHECKING:
    from core.db import SessionMaker
    from knowledge.models import UnansweredQuestion

# The labelled evaluation corpus of a source checkout (not part of an installed package).
EVALUATION_CORPUS = Path(__file__).resolve().parents[1] / "bench" / "data" / "qa"


def _load_kb(laws_dir: Path | None) -> tuple[KnowledgeBase, LawsDiagnosis]:
    """Build the knowledge base from ``laws_dir`` (default: ANKANG_LAWS_DIR), caching in ANKANG_CACHE_DIR;
    without loadable statutes, say why and build it from the FAQ alone."""
    from core.settings import settings_or_exit

    settings = settings_or_exit()
    if laws_dir is None:
        laws_dir = settings.laws_dir
    diagnosis = diagnose_laws_dir(laws_dir)
    if not diagnosis.ok:
        # Unset is a choice (FAQ only); a directory that is named but unusable is a mistake.
        level = "warning" if diagnosis.status is LawsStatus.UNSET else "error"
        click.echo(f"{level}: {diagnosis.message}", err=True)
    return KnowledgeBase.load(laws_dir if diagnosis.ok else None, cache_dir=settings.cache_dir), diagnosis


@click.group("kb")
def kb() -> None:
    """Knowledge base: validate data, review unanswered questions."""


@kb.command("check")
@click.option("--laws-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Statute directory (default: ANKANG_LAWS_DIR).")
@click.option("--labels", "label_files", type=click.Path(exists=True, dir_okay=False, path_type=Path), multiple=True,
              help="Labelled question sets (JSONL) to check too; default: the evaluation corpus in a source checkout.")
def check(laws_dir: Path | None, label_files: tuple[Path, ...]) -> None:
    """Check FAQ and glossary (citations resolve, ids unique, answers present and short) and question labels."""
    knowledge, diagnosis = _load_kb(laws_dir)
    problems = check_knowledge(knowledge)
    labels = list(label_files) or sorted(EVALUATION_CORPUS.glob("*.jsonl"))
    for path in labels:
        problems.extend(check_labels(knowledge.corpus, path))
    if not knowledge.corpus:
        click.echo("warning: no statutes loaded; citations were not checked", err=True)
    else:
        absent = [short for short in KNOWN_STATUTES.values() if knowledge.corpus.resolve_law(short) != short]
        if absent:
            click.echo(f"warning: {len(absent)} of the {len(KNOWN_STATUTES)} statutes Ankang cites are not loaded "
                       f"({'、'.join(absent)}); citations of them were not checked", err=True)
    if problems:
        for p in problems:
            click.echo(str(p), err=True)
        click.echo(f"{len(problems)} problem(s) found", err=True)
        sys.exit(1)
    if diagnosis.status not in (LawsStatus.OK, LawsStatus.UNSET):
        # A statute directory was named but cannot be used: that is an error, not a lighter check.
        sys.exit(1)
    corpus = knowledge.corpus
    cites = [*(c for entry in knowledge.faq for c in entry.cite),
             *(c for term in knowledge.glossary for c in term.cite)]
    citations = sum(1 for c in cites if corpus.resolve_law(c.law) is not None)
    click.echo(
        f"ok: {len(knowledge.corpus.laws)} laws, {sum(len(law.articles) for law in knowledge.corpus.laws)} articles, "
        f"{len(knowledge.faq)} FAQ entries ({sum(len(e.questions) for e in knowledge.faq)} phrasings), "
        f"{len(knowledge.glossary)} glossary terms, {citations} citations checked"
    )
    if labels:
        count = sum(1 for p in labels for line in p.read_text(encoding="utf-8").splitlines() if line.strip())
        click.echo(f"ok: {count} labelled questions in {len(labels)} file(s) checked against the statutes")


@kb.command("unanswered")
@click.option("--limit", default=50, show_default=True)
def unanswered(limit: int) -> None:
    """List questions the bot could not answer, most frequent first."""
    from core.cli import run_with_database
    from knowledge.models import list_unanswered

    async def work(sessions: SessionMaker) -> list[UnansweredQuestion]:
        async with sessions() as session:
            return await list_unanswered(session, limit)

    rows = run_with_database(work)
    if not rows:
        click.echo("no unanswered questions")
        return
    for row in rows:
        click.echo(f"{row.count:>5}  {row.last_asked_at:%Y-%m-%d}  {row.sample}")


@click.command("ask")
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question.")
@click.option("--batch", type=click.File("r", encoding="utf-8"), default=None, help="File with one question per line.")
@click.option("--laws-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None)
def ask(question: str | None, as_json: bool, batch: TextIO | None, laws_dir: Path | None) -> None:
    """Answer QUESTION (or each line of --batch) as a worker would see it."""
    if question is not None:
        questions = [question]
    elif batch is not None:
        questions = [line.rstrip("\r\n") for line in batch]
    else:
        raise click.UsageError("give a QUESTION or --batch FILE")
    knowledge, _ = _load_kb(laws_dir)
    for q in questions:
        if batch is not None and not q.strip():
            # Keep one output line per input line so callers can zip them.
            reply_dict: dict[str, object] = {"question": q, "intent": "help", "text": "", "results": []}
            if as_json:
                click.echo(json.dumps(reply_dict, ensure_ascii=False))
            continue
        reply = knowledge.answer(q)
        if as_json:
            click.echo(json.dumps(reply.to_dict(), ensure_ascii=False))
        else:
            click.echo(reply.text)
            if len(questions) > 1:
                click.echo("")


@kb.command("warm")
@click.option("--laws-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Statute directory (default: ANKANG_LAWS_DIR).")
def warm(laws_dir: Path | None) -> None:
    """Build the knowledge base once so later starts load from the cache dir (run after install)."""
    import time

    from core.settings import settings_or_exit
    from knowledge.text import cache_dir

    started = time.perf_counter()
    knowledge, _ = _load_kb(laws_dir)
    click.echo(
        f"ok: {len(knowledge.faq)} FAQ entries, {len(knowledge.corpus.laws)} laws indexed in "
        f"{time.perf_counter() - started:.1f} s; cache in {cache_dir(settings_or_exit().cache_dir)}"
    )


@click.group("laws")
def laws() -> None:
    """Statute texts: import the official documents, check a corpus directory."""


@laws.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), envvar="ANKANG_LAWS_DIR",
              default=Path("laws"), show_default="ANKANG_LAWS_DIR, else ./laws",
              help="Corpus directory to write (its manifest.json is merged, not replaced).")
def laws_import(files: tuple[Path, ...], out_dir: Path) -> None:
    """Turn official statute texts (.docx from the national database, .txt, saved .html) into the corpus."""
    from knowledge.lawimport import ImportFailed, import_file, read_manifest, write_laws

    try:
        read_manifest(out_dir)  # refuse before reading anything if the existing manifest is broken
    except ImportFailed as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    imported, failed = [], 0
    for path in files:
        try:
            law = import_file(path)
        except ImportFailed as exc:
            click.echo(f"error: {exc}", err=True)
            failed += 1
            continue
        imported.append(law)
        counts = f"{law.items} catalogue entries" if law.kind == "catalog" else f"{law.articles} articles"
        sections = f", {law.sections} sections" if law.sections and law.kind != "catalog" else ""
        click.echo(
            f"{path} → {out_dir / law.file}: {law.title}, {law.chapters} chapters{sections}, {counts}; "
            f"version {law.version or '?'}, effective {law.effective or '?'}"
        )
        for note in law.notes:
            click.echo(f"  note: {note}")
    if imported:
        manifest = write_laws(imported, out_dir)
        click.echo(f"wrote {len(imported)} statute(s) and {manifest}; check with: ankang laws check {out_dir}")
    if failed:
        click.echo(f"{failed} of {len(files)} file(s) could not be imported", err=True)
        sys.exit(1)


@laws.command("check")
@click.argument("directory", type=click.Path(path_type=Path))
def laws_check(directory: Path) -> None:
    """Validate a corpus directory: manifest, files, parsing, continuous article numbers, counts."""
    from knowledge.lawsdir import check_laws_dir

    report = check_laws_dir(directory)
    for statute in report.statutes:
        counts = (f"{statute.items} catalogue entries" if statute.items and not statute.articles
                  else f"{statute.articles} articles")
        mark = "ok " if not statute.problems else "BAD"
        click.echo(f"{mark} {statute.file}: {statute.title or '?'}, {statute.chapters} chapters, {counts}")
        for problem in statute.problems:
            click.echo(f"    {problem}")
    for problem in report.problems:
        click.echo(f"BAD {problem}")
    if not report.ok:
        click.echo(f"{report.problem_count} problem(s) in {directory}", err=True)
        sys.exit(1)
    articles = sum(s.articles for s in report.statutes)
    click.echo(f"ok: {len(report.statutes)} statutes, {articles} articles in {directory}")
