"""Rankings that reward participation (issue 13, point 4): people and units, live while a campaign runs and
frozen once it has ended.

* **People**: points of their finished counted attempts (practice never counts). Ties: fewer attempts
  first (the same points in fewer tries), then whoever reached the total first. A name is shown only
  with the worker's consent (/rank's 显示我的名字, ``User.display_name``); otherwise a stable pseudonym.
* **Units**, at each level of the organisation tree: a unit counts the members of its whole subtree.
  参与率 = members who finished at least one counted attempt ÷ members; 平均分 = their points ÷ those
  participants; 人均次数 = counted attempts ÷ members. Ranked by 参与率, then 平均分, then 人均次数,
  then the unit's code (stated on every ranking, in ``UNIT_TIE_BREAKS``).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.quiz import anonymous_name
from campaigns.awards import award
from campaigns.models import Attempt, AttemptStatus, Campaign, CampaignStanding, CampaignStatus
from core.models import User
from org.models import Membership, Organisation
from org.service import all_units

PERSON_TIE_BREAKS = "同分时，答题次数少者在前；仍相同时，先达到该总分者在前。"
UNIT_TIE_BREAKS = "按参与率排序；参与率相同比平均分，再比人均答题次数，仍相同按单位代码。"


@dataclass(frozen=True, slots=True)
class PersonRow:
    place: int
    chat_id: int
    name: str
    points: int
    attempts: int


@dataclass(frozen=True, slots=True)
class UnitRow:
    place: int
    code: str
    name: str
    level: str
    depth: int
    members: int
    participants: int
    attempts: int
    points: int
    parent_code: str = ""  # "" at the top (and in results frozen before it was kept)

    @property
    def participation(self) -> float:
        return self.participants / self.members if self.members else 0.0

    @property
    def average(self) -> float:
        return self.points / self.participants if self.participants else 0.0

    @property
    def attempts_per_member(self) -> float:
        return self.attempts / self.members if self.members else 0.0


@dataclass(frozen=True, slots=True)
class Standings:
    persons: list[PersonRow]
    units: list[UnitRow]
    frozen: bool  # final: the campaign has ended and its results were fixed


def _counted(campaign_id: int) -> Select[int, int, int]:
    """Per worker with a finished counted attempt: (chat id, points, attempts), as a query to group on."""
    return (select(Attempt.chat_id, func.sum(Attempt.score).label("points"), func.count().label("attempts"))
            .where(Attempt.campaign_id == campaign_id, Attempt.practice.is_(False),
                   Attempt.status == AttemptStatus.FINISHED)
            .group_by(Attempt.chat_id))


async def person_ranking(session: AsyncSession, campaign_id: int) -> list[PersonRow]:
    """In ``PERSON_TIE_BREAKS`` order, sorted by the database, names joined in the same query."""
    points, attempts, last = func.sum(Attempt.score), func.count(), func.max(Attempt.finished_at)
    rows = await session.execute(
        _counted(campaign_id).with_only_columns(Attempt.chat_id, points, attempts, User.display_name)
        .outerjoin(User, User.chat_id == Attempt.chat_id).group_by(User.display_name)
        .order_by(points.desc(), attempts, last.asc().nulls_first(), Attempt.chat_id))
    return [PersonRow(place, int(chat_id), name or anonymous_name(int(chat_id)), int(total), int(count))
            for place, (chat_id, total, count, name) in enumerate(rows.all(), start=1)]


async def unit_ranking(session: AsyncSession, campaign_id: int) -> list[UnitRow]:
    """Every active unit with members, ranked within its level of the tree (depth)."""
    # Per unit, its own members: counted by the database (members, those taking part, their attempts and points);
    # a unit's whole subtree is its own and its children's, added up below (a worker is a member of one unit).
    counted = _counted(campaign_id).subquery()
    own: dict[int, tuple[int, int, int, int]] = {
        unit_id: (int(members), int(taking_part), int(attempts), int(points))
        for unit_id, members, taking_part, attempts, points in (await session.execute(
            select(Membership.unit_id, func.count(), func.count(counted.c.chat_id),
                   func.coalesce(func.sum(counted.c.attempts), 0), func.coalesce(func.sum(counted.c.points), 0))
            .outerjoin(counted, counted.c.chat_id == Membership.chat_id).group_by(Membership.unit_id))).all()}
    units = [u for u in await all_units(session) if not u.retired]
    children: dict[int | None, list[Organisation]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)

    rows: list[UnitRow] = []

    def visit(unit: Organisation, depth: int, parent_code: str) -> tuple[int, int, int, int]:
        members, taking_part, attempts, points = own.get(unit.id, (0, 0, 0, 0))
        for child in children.get(unit.id, []):
            m, t, a, p = visit(child, depth + 1, unit.code)
            members, taking_part, attempts, points = members + m, taking_part + t, attempts + a, points + p
        if members:
            rows.append(UnitRow(0, unit.code, unit.name, unit.level, depth, members, taking_part, attempts, points,
                                parent_code))
        return members, taking_part, attempts, points

    known = {u.id for u in units}
    for root in [u for u in units if u.parent_id is None or u.parent_id not in known]:
        visit(root, 0, "")
    ranked: list[UnitRow] = []
    for depth in sorted({r.depth for r in rows}):
        level = sorted((r for r in rows if r.depth == depth), key=_unit_order)
        ranked += [replace(r, place=place) for place, r in enumerate(level, start=1)]
    return ranked


def _unit_order(row: UnitRow) -> tuple[float, float, float, str]:
    """``UNIT_TIE_BREAKS`` as a sort key."""
    return (-row.participation, -row.average, -row.attempts_per_member, row.code)


@dataclass(frozen=True, slots=True)
class SiblingRanking:
    """One step of a worker's chain: their unit (or an ancestor) ranked among the units under the same parent."""

    parent: UnitRow | None  # None: the top level
    rows: list[tuple[int, UnitRow]]  # (place among the siblings, row), in that order
    mine: str  # the code of the worker's unit or of the ancestor on their chain at this level


def chain_rankings(units: list[UnitRow], my_unit_code: str | None) -> list[SiblingRanking]:
    """From the worker's own unit up to the top: at each level, that unit among its siblings (the units with
    the same parent), ranked by ``UNIT_TIE_BREAKS``. Empty when the worker is in no ranked unit."""
    by_code = {u.code: u for u in units}
    chain: list[SiblingRanking] = []
    current = by_code.get(my_unit_code or "")
    seen: set[str] = set()
    while current is not None and current.code not in seen:
        seen.add(current.code)
        siblings = sorted((u for u in units if u.parent_code == current.parent_code and u.depth == current.depth),
                          key=_unit_order)
        parent = by_code.get(current.parent_code) if current.parent_code else None
        chain.append(SiblingRanking(parent, list(enumerate(siblings, start=1)), current.code))
        current = parent
    return chain


async def standings(session: AsyncSession, campaign: Campaign, today: date) -> Standings:
    """The rankings: live until the campaign's last day is over, then frozen (stored once, read back after)."""
    if today <= campaign.ends_on:
        return Standings(await person_ranking(session, campaign.id), await unit_ranking(session, campaign.id), False)
    stored = await session.get(CampaignStanding, campaign.id)
    if stored is None:
        persons, units = await person_ranking(session, campaign.id), await unit_ranking(session, campaign.id)
        try:
            async with session.begin_nested():
                session.add(CampaignStanding(campaign_id=campaign.id, persons=json.dumps([asdict(p) for p in persons]),
                                             units=json.dumps([asdict(u) for u in units])))
                await award(session, campaign, persons, units)  # with the freeze: both or neither
        except IntegrityError:  # another request froze them first: theirs stand
            stored = await session.get(CampaignStanding, campaign.id)
        else:
            return Standings(persons, units, True)
    assert stored is not None
    return Standings([PersonRow(**p) for p in json.loads(stored.persons)],
                     [UnitRow(**u) for u in json.loads(stored.units)], True)


async def freeze_ended(session: AsyncSession, today: date) -> list[int]:
    """Freeze the final results (and so issue the certificates) of every campaign whose last day is over and
    whose results are not frozen yet; the ids of those frozen now. The leader's watch calls it."""
    due = (await session.scalars(
        select(Campaign).outerjoin(CampaignStanding, CampaignStanding.campaign_id == Campaign.id)
        .where(Campaign.ends_on < today, Campaign.status == CampaignStatus.ACTIVE,
               CampaignStanding.campaign_id.is_(None)).order_by(Campaign.id))).all()
    for campaign in due:
        await standings(session, campaign, today)
    return [c.id for c in due]
