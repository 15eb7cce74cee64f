"""Certificates of a campaign (issue 13, point 6), issued once when its final results are frozen:

* every worker with a finished counted attempt: a 参赛证书;
* the first three people of the final ranking: a 优胜证书 with their place;
* the first unit at each level of the tree (with at least one participant): a unit certificate.

Each is issued under the worker's frozen name (their chosen display name, else their pseudonym) and a
``reason_ref`` of the campaign, so issuing again gives back what was issued (``study.certificates``).
Workers find theirs in /mystudy; anyone can check a code on /verify.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from campaigns.models import Campaign, CampaignStatus
from org.models import Organisation
from study.certificates import issue_certificate
from study.models import Certificate


class PersonRow(Protocol):
    """What a certificate needs of a person's final ranking row (``campaigns.rankings.PersonRow``)."""

    @property
    def place(self) -> int: ...
    @property
    def chat_id(self) -> int: ...
    @property
    def name(self) -> str: ...


class UnitRow(Protocol):
    """What a certificate needs of a unit's final ranking row (``campaigns.rankings.UnitRow``)."""

    @property
    def place(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def participants(self) -> int: ...

WINNER_PLACES = 3
FINISH_TITLE = "「{name}」参赛证书"
WINNER_TITLE = "「{name}」优胜证书（第 {place} 名）"
UNIT_TITLE = "「{name}」优胜单位（{level}级第 1 名）"


def finish_ref(campaign_id: int) -> str:
    return f"campaign:{campaign_id}:finish"


def winner_ref(campaign_id: int) -> str:
    return f"campaign:{campaign_id}:winner"


def unit_ref(campaign_id: int, unit_id: int) -> str:
    return f"campaign:{campaign_id}:unit:{unit_id}"


async def award(session: AsyncSession, campaign: Campaign, persons: Sequence[PersonRow],
                units: Sequence[UnitRow], *, now: datetime | None = None) -> list[Certificate]:
    """Issue the campaign's certificates for its final rankings (none for a cancelled campaign)."""
    if campaign.status != CampaignStatus.ACTIVE:
        return []
    issued: list[Certificate] = []
    for row in persons:
        issued.append(await issue_certificate(session, row.name, None, FINISH_TITLE.format(name=campaign.name),
                                              finish_ref(campaign.id), chat_id=row.chat_id, now=now))
        if row.place <= WINNER_PLACES:
            issued.append(await issue_certificate(
                session, row.name, None, WINNER_TITLE.format(name=campaign.name, place=row.place),
                winner_ref(campaign.id), chat_id=row.chat_id, now=now))
    firsts = [u for u in units if u.place == 1 and u.participants > 0]
    ids = dict((await session.execute(select(Organisation.code, Organisation.id).where(
        Organisation.code.in_([u.code for u in firsts])))).all()) if firsts else {}
    for unit in firsts:
        unit_id = ids.get(unit.code)
        if unit_id is not None:
            issued.append(await issue_certificate(
                session, unit.name, unit_id, UNIT_TITLE.format(name=campaign.name, level=unit.level),
                unit_ref(campaign.id, unit_id), now=now))
    return issued
