"""Campaign fixtures: a campaign made from a template (the question bank is the session's: tests/conftest.py)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from campaigns.service import create_campaign, draft_from_template
from campaigns.templates import load_templates

TZ = ZoneInfo("Asia/Shanghai")


def local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment given in Shanghai time, as the aware UTC datetime the services' clock returns."""
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=TZ).astimezone(UTC)


async def make_campaign(services, bank, template: str = "safety_month", starts_on: date = date(2026, 6, 1),
                        **rules) -> int:
    """A campaign from a bundled template (rules overridden by keyword); its id."""
    from dataclasses import replace

    draft = draft_from_template(load_templates()[template], starts_on)
    if rules:
        draft = replace(draft, rules=replace(draft.rules, **rules))
    async with services.sessions() as session, session.begin():
        campaign = await create_campaign(session, draft, bank, now=local(starts_on, 8), created_by=None)
    return campaign.id
