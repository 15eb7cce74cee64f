"""Command line for the knowledge base: ``ankang kb check|unanswered|warm``, ``ankang ask``."""
from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import click

from knowledge.check import check_knowledge, check_labels
from knowledge.engine import KnowledgeBase

# The labelled evaluation corpus of a source checkout (not part of an installed package).
EVALUATION_CORPUS = Path(__file__).resolve().parents[1] / "bench" / "data" / "qa"


def _load_kb(laws_dir: Path | None) -> KnowledgeBase:
    """Build the knowledge base from ``laws_dir`` (default: ANKANG_LAWS_DIR), caching in ANKANG_CACHE_DIR."""
    from core.settings import settings_or_exit

    settings = settings_or_exit()
    return KnowledgeBase.load(laws_dir if laws_dir is not None else settings.laws_dir, cache_dir=settings.cache_dir)


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
    knowledge = _load_kb(laws_dir)
    problems = check_knowledge(knowledge)
    labels = list(label_files) or sorted(EVALUATION_CORPUS.glob("*.jsonl"))
    for path in labels:
        problems.extend(check_labels(knowledge.corpus, path))
    if not knowledge.corpus:
        click.echo("warning: no statutes loaded (set ANKANG_LAWS_DIR); citations were not checked", err=True)
    if problems:
        for p in problems:
            click.echo(str(p), err=True)
        click.echo(f"{len(problems)} problem(s) found", err=True)
        sys.exit(1)
    citations = sum(len(e.cite) for e in knowledge.faq) + sum(len(g.cite) for g in knowledge.glossary)
    click.echo(
        f"ok: {len(knowledge.corpus.laws)} laws, {sum(len(l.articles) for l in knowledge.corpus.laws)} articles, "
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
    from core import db
    from core.settings import settings_or_exit
    from knowledge.models import list_unanswered

    async def run() -> list:
        engine = db.create_engine(settings_or_exit().database_url)
        try:
            async with db.create_sessionmaker(engine)() as session:
                return await list_unanswered(session, limit)
        finally:
            await engine.dispose()

    rows = asyncio.run(run())
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
def ask(question: str | None, as_json: bool, batch, laws_dir: Path | None) -> None:
    """Answer QUESTION (or each line of --batch) as a worker would see it."""
    if question is None and batch is None:
        raise click.UsageError("give a QUESTION or --batch FILE")
    questions = [question] if question is not None else [line.rstrip("\r\n") for line in batch]
    knowledge = _load_kb(laws_dir)
    for q in questions:
        if batch is not None and not q.strip():
            # Keep one output line per input line so callers can zip them.
            reply_dict = {"question": q, "intent": "help", "text": "", "results": []}
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
    knowledge = _load_kb(laws_dir)
    click.echo(
        f"ok: {len(knowledge.faq)} FAQ entries, {len(knowledge.corpus.laws)} laws indexed in "
        f"{time.perf_counter() - started:.1f} s; cache in {cache_dir(settings_or_exit().cache_dir)}"
    )
