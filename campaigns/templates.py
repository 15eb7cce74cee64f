"""The bundled campaign templates (``campaigns/templates/*.yaml``): 安全生产月, 安康杯, 岁末年初, 新员工三级安全教育."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
KEYS = frozenset({
    "id", "name", "description", "days", "attempts_per_day", "questions_per_attempt", "seconds_per_question",
    "tags", "audience", "balanced", "points_correct", "points_finish", "points_perfect", "invitation",
})


class TemplateInvalid(ValueError):
    """A template file is malformed (a packaging error: the bundled files are checked by the tests)."""


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    name: str
    description: str
    days: int
    attempts_per_day: int
    questions_per_attempt: int
    seconds_per_question: int
    tags: tuple[str, ...]
    audience: str
    balanced: bool
    points_correct: int
    points_finish: int
    points_perfect: int
    invitation: str


def load_templates(directory: Path = TEMPLATES_DIR) -> dict[str, Template]:
    """Every template by id, in file-name order."""
    found: dict[str, Template] = {}
    for path in sorted(directory.glob("*.yaml")):
        template = _parse(path, yaml.safe_load(path.read_text(encoding="utf-8")))
        if template.id in found:
            raise TemplateInvalid(f"{path.name}: duplicate template id {template.id!r}")
        found[template.id] = template
    return found


def _parse(path: Path, data: Any) -> Template:
    if not isinstance(data, dict) or set(data) != KEYS:
        raise TemplateInvalid(f"{path.name}: a template is a mapping with exactly the keys {sorted(KEYS)}")
    try:
        return Template(
            id=str(data["id"]), name=str(data["name"]), description=str(data["description"]),
            days=int(data["days"]), attempts_per_day=int(data["attempts_per_day"]),
            questions_per_attempt=int(data["questions_per_attempt"]),
            seconds_per_question=int(data["seconds_per_question"]),
            tags=tuple(str(t) for t in data["tags"] or ()), audience=str(data["audience"] or ""),
            balanced=bool(data["balanced"]), points_correct=int(data["points_correct"]),
            points_finish=int(data["points_finish"]), points_perfect=int(data["points_perfect"]),
            invitation=str(data["invitation"]).strip(),
        )
    except (TypeError, ValueError) as exc:
        raise TemplateInvalid(f"{path.name}: {exc}") from None
