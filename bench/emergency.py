"""The emergency detector on an independent set of messages (issue 10, point 10).

Run: .venv/bin/python -m bench.emergency [--data FILE] [--misses]

``bench/data/emergency/reports.jsonl`` holds messages as workers type them in a panic (labelled
``"emergency": true``) and messages that share their words but are no emergency (past accidents,
law questions, training hypotheticals, hazards with nobody hurt yet, lesson talk, the words in
other senses). Each row: ``{"q", "emergency", "hazard", "style"}``; for the non-emergencies
``style`` is the kind of message (past, law, training, latent, lesson, news, other) or the way it
is written. The set was written before the detector was read (see bench/README.md, "Emergencies,
round 7"). The detector is called as the bot and the web call it, ``engine.emergency_reply``.

Prints recall on the emergencies and the false-alarm rate on the rest, by hazard and by style;
``--misses`` lists every message judged wrongly.
"""
from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from knowledge.engine import emergency_reply

DATA = Path(__file__).parent / "data" / "emergency" / "reports.jsonl"


def load(path: Path = DATA) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _table(title: str, rows: dict[str, list[bool]], rate: str) -> list[str]:
    out = [f"{title:<14} {'n':>4} {rate:>9}"]
    for key in sorted(rows, key=lambda k: (-len(rows[k]), k)):
        hits = rows[key]
        out.append(f"{key:<14} {len(hits):>4} {100 * sum(hits) / len(hits):>8.1f}%")
    return out


def _pct(flags: list[bool]) -> str:
    return f"{100 * sum(flags) / len(flags):.1f} %" if flags else "-"


def score(rows: list[dict]) -> tuple[list[str], list[tuple[dict, str | None]]]:
    """The printed tables, and the rows judged wrongly with the kind the detector gave."""
    recall_by: dict[str, dict[str, list[bool]]] = {"hazard": defaultdict(list), "style": defaultdict(list)}
    alarm_by: dict[str, dict[str, list[bool]]] = {"hazard": defaultdict(list), "style": defaultdict(list)}
    wrong: list[tuple[dict, str | None]] = []
    for row in rows:
        reply = emergency_reply(row["q"])
        kind = reply.kind if reply else None
        flagged = kind is not None
        table = recall_by if row["emergency"] else alarm_by
        for axis in ("hazard", "style"):
            table[axis][row[axis]].append(flagged)
        if flagged != row["emergency"]:
            wrong.append((row, kind))
    emergencies = [f for v in recall_by["style"].values() for f in v]
    others = [f for v in alarm_by["style"].values() for f in v]
    lines = [
        f"emergencies recognised: {sum(emergencies)}/{len(emergencies)} = {_pct(emergencies)}",
        f"false alarms:           {sum(others)}/{len(others)} = {_pct(others)}",
        "",
    ]
    for axis in ("hazard", "style"):
        left = _table(f"by {axis}", recall_by[axis], "recall")
        right = _table(f"by {axis}", alarm_by[axis], "alarms")
        lines.append(f"{'emergencies':<30} | non-emergencies")
        for i in range(max(len(left), len(right))):
            lines.append(f"{left[i] if i < len(left) else '':<30} | {right[i] if i < len(right) else ''}")
        lines.append("")
    return lines, wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--misses", action="store_true", help="list every message judged wrongly")
    args = parser.parse_args()
    lines, wrong = score(load(args.data))
    print("\n".join(lines))
    if args.misses:
        for row, kind in wrong:
            label = "MISSED" if row["emergency"] else f"ALARM ({kind})"
            print(f"{label:<18} {row['hazard']:<13} {row['style']:<10} {row['q']}")


if __name__ == "__main__":
    main()
