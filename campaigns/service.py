"""Campaigns as the console (and the CLI, later) manage them: create from a form or a template, edit the rules
(a campaign running today changes from tomorrow), and queue the invitation on the broadcast engine."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.library import Library
from broadcasts.models import Schedule
from broadcasts.quizbank import AUDIENCES, Question, QuestionBank
from broadcasts.schedules import What, When, create_schedule, create_to_send_now, next_fire_times
from campaigns import messages as msg
from campaigns.models import Campaign, CampaignRules, CampaignStatus
from campaigns.templates import Template
from core.admins import audit
from core.topics import BY_CODE
from org.models import Organisation

NAME_MAX = 64
DAYS_MAX = 366
QUESTIONS_MIN, QUESTIONS_MAX = 5, 15
# Telegram's open_period is 5–600 seconds; under 10 nobody reads a question.
SECONDS_MIN, SECONDS_MAX = 10, 600
ATTEMPTS_MAX = 10
POINTS_MAX = 1000
INVITATION_MAX = 1000
# A campaign starting on a later day is announced at this local time of its first day.
INVITATION_TIME = time(9, 0)


# What an invitation may say in braces: filled in from the campaign itself when the invitation is queued, so
# a template's "每次{每次题数}题" says 8 when the admin set 8 (and says it again after an edit before it went out).
PLACEHOLDERS: dict[str, str] = {
    "名称": "the campaign's name",
    "开始日期": "its first day",
    "结束日期": "its last day",
    "天数": "how many days it runs",
    "每天次数": "attempts per day",
    "每次题数": "questions per attempt",
    "每题秒数": "seconds per question",
}
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


class CampaignInvalid(ValueError):
    """A draft the console refuses; ``message`` is the Chinese sentence to show next to ``field``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class CampaignNotFound(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class Rules:
    attempts_per_day: int = 1
    questions_per_attempt: int = 10
    seconds_per_question: int = 30
    tags: tuple[str, ...] = ()  # bank topics to draw from; empty: the whole bank
    audience: str = ""  # a bank audience (new_hire, …); empty: any
    balanced: bool = True  # as many easy, medium and hard questions as the bank allows
    points_correct: int = 10
    points_finish: int = 2
    points_perfect: int = 0


@dataclass(frozen=True, slots=True)
class Draft:
    name: str
    starts_on: date
    ends_on: date
    rules: Rules = field(default_factory=Rules)
    description: str = ""
    topics: tuple[str, ...] = ()  # the subscribers invited; empty: every subscriber
    unit_id: int | None = None  # and only this unit's subtree, when set
    template: str = ""
    invitation: str = ""


def render_invitation(text: str, name: str, starts_on: date, ends_on: date, rules: Rules) -> str:
    """The invitation with its placeholders filled in from the campaign; other braces are left as typed."""
    values = {
        "名称": name, "开始日期": f"{starts_on.year}年{starts_on.month}月{starts_on.day}日",
        "结束日期": f"{ends_on.year}年{ends_on.month}月{ends_on.day}日",
        "天数": str((ends_on - starts_on).days + 1), "每天次数": str(rules.attempts_per_day),
        "每次题数": str(rules.questions_per_attempt), "每题秒数": str(rules.seconds_per_question),
    }
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text).strip()


def draft_from_template(template: Template, starts_on: date) -> Draft:
    return Draft(
        name=template.name, description=template.description, starts_on=starts_on,
        ends_on=starts_on + timedelta(days=template.days - 1), template=template.id, invitation=template.invitation,
        rules=Rules(
            attempts_per_day=template.attempts_per_day, questions_per_attempt=template.questions_per_attempt,
            seconds_per_question=template.seconds_per_question, tags=template.tags, audience=template.audience,
            balanced=template.balanced, points_correct=template.points_correct, points_finish=template.points_finish,
            points_perfect=template.points_perfect,
        ),
    )


def candidates(bank: QuestionBank, tags: tuple[str, ...], audience: str) -> list[Question]:
    """The questions a campaign's selection may draw from."""
    return [q for q in bank if (not tags or q.topic in tags) and (not audience or audience in q.audience)]


def check_rules(rules: Rules, bank: QuestionBank) -> None:
    if not QUESTIONS_MIN <= rules.questions_per_attempt <= QUESTIONS_MAX:
        raise CampaignInvalid("questions_per_attempt",
                              msg.QUESTIONS_RANGE.format(low=QUESTIONS_MIN, high=QUESTIONS_MAX))
    if not SECONDS_MIN <= rules.seconds_per_question <= SECONDS_MAX:
        raise CampaignInvalid("seconds_per_question", msg.SECONDS_RANGE.format(low=SECONDS_MIN, high=SECONDS_MAX))
    if not 1 <= rules.attempts_per_day <= ATTEMPTS_MAX:
        raise CampaignInvalid("attempts_per_day", msg.ATTEMPTS_RANGE.format(high=ATTEMPTS_MAX))
    for name in ("points_correct", "points_finish", "points_perfect"):
        if not 0 <= getattr(rules, name) <= POINTS_MAX:
            raise CampaignInvalid(name, msg.POINTS_RANGE.format(high=POINTS_MAX))
    for tag in rules.tags:
        if tag not in BY_CODE:
            raise CampaignInvalid("tags", msg.UNKNOWN_TAG.format(tag=tag))
    if rules.audience and rules.audience not in AUDIENCES:
        raise CampaignInvalid("audience", msg.UNKNOWN_AUDIENCE)
    have = len(candidates(bank, rules.tags, rules.audience))
    if have < rules.questions_per_attempt:
        raise CampaignInvalid("tags", msg.TOO_FEW_QUESTIONS.format(have=have, need=rules.questions_per_attempt))


async def check_draft(session: AsyncSession, draft: Draft, bank: QuestionBank, *, invitation: bool = True) -> None:
    """Raise CampaignInvalid for the first thing wrong with ``draft`` (its invitation too, unless told not to:
    an edit sends none)."""
    name = draft.name.strip()
    if not name:
        raise CampaignInvalid("name", msg.NAME_EMPTY)
    if len(name) > NAME_MAX:
        raise CampaignInvalid("name", msg.NAME_TOO_LONG.format(limit=NAME_MAX))
    if draft.ends_on < draft.starts_on:
        raise CampaignInvalid("ends_on", msg.DATES_INVALID)
    if (draft.ends_on - draft.starts_on).days + 1 > DAYS_MAX:
        raise CampaignInvalid("ends_on", msg.DATES_TOO_LONG.format(limit=DAYS_MAX))
    for topic in draft.topics:
        if topic not in BY_CODE:
            raise CampaignInvalid("topics", msg.UNKNOWN_TOPIC.format(topic=topic))
    if draft.unit_id is not None and await session.get(Organisation, draft.unit_id) is None:
        raise CampaignInvalid("unit_id", msg.UNKNOWN_UNIT)
    text = render_invitation(draft.invitation, name, draft.starts_on, draft.ends_on, draft.rules)
    if invitation and not text:
        raise CampaignInvalid("invitation", msg.INVITATION_EMPTY)
    if invitation and len(text) > INVITATION_MAX:
        raise CampaignInvalid("invitation", msg.INVITATION_TOO_LONG.format(limit=INVITATION_MAX))
    check_rules(draft.rules, bank)


def _rules_row(campaign_id: int, effective_from: date, rules: Rules) -> CampaignRules:
    return CampaignRules(
        campaign_id=campaign_id, effective_from=effective_from, attempts_per_day=rules.attempts_per_day,
        questions_per_attempt=rules.questions_per_attempt, seconds_per_question=rules.seconds_per_question,
        tags=",".join(rules.tags), audience=rules.audience, balanced=rules.balanced,
        points_correct=rules.points_correct, points_finish=rules.points_finish, points_perfect=rules.points_perfect,
    )


def rules_of(row: CampaignRules) -> Rules:
    return Rules(
        attempts_per_day=row.attempts_per_day, questions_per_attempt=row.questions_per_attempt,
        seconds_per_question=row.seconds_per_question, tags=row.tag_codes, audience=row.audience,
        balanced=row.balanced, points_correct=row.points_correct, points_finish=row.points_finish,
        points_perfect=row.points_perfect,
    )


def local_day(now: datetime, tz: ZoneInfo) -> date:
    """The calendar day of ``now`` in the configured time zone: what "per day" means everywhere here."""
    return now.astimezone(tz).date()


async def create_campaign(
    session: AsyncSession, draft: Draft, bank: QuestionBank, *, now: datetime, created_by: int | None = None,
) -> Campaign:
    """Validate and store a campaign and its rules (from its first day); audited when an admin created it."""
    await check_draft(session, draft, bank)
    campaign = Campaign(
        name=draft.name.strip(), template=draft.template, description=draft.description.strip(),
        starts_on=draft.starts_on, ends_on=draft.ends_on, topics=",".join(dict.fromkeys(draft.topics)),
        unit_id=draft.unit_id, status=CampaignStatus.ACTIVE, invitation=draft.invitation.strip(),
        created_by=created_by, created_at=now, updated_at=now,
    )
    session.add(campaign)
    await session.flush()
    session.add(_rules_row(campaign.id, draft.starts_on, draft.rules))
    await session.flush()
    if created_by is not None:
        await audit(session, created_by, "campaign.create", f"campaign:{campaign.id}", campaign.name)
    return campaign


async def get_campaign(session: AsyncSession, campaign_id: int) -> Campaign:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignNotFound(campaign_id)
    return campaign


async def list_campaigns(session: AsyncSession) -> list[Campaign]:
    rows = await session.execute(select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc()))
    return list(rows.scalars())


async def open_campaigns(session: AsyncSession, day: date) -> list[Campaign]:
    """Campaigns a worker can take part in on ``day``."""
    rows = await session.execute(
        select(Campaign).where(Campaign.status == CampaignStatus.ACTIVE, Campaign.starts_on <= day,
                               Campaign.ends_on >= day).order_by(Campaign.starts_on, Campaign.id))
    return list(rows.scalars())


async def rules_on(session: AsyncSession, campaign_id: int, day: date) -> CampaignRules:
    """The rules in force on ``day`` (before the first day: the first day's)."""
    rows = list((await session.execute(
        select(CampaignRules).where(CampaignRules.campaign_id == campaign_id)
        .order_by(CampaignRules.effective_from))).scalars())
    if not rows:
        raise CampaignNotFound(campaign_id)
    current = rows[0]
    for row in rows:
        if row.effective_from <= day:
            current = row
    return current


async def campaign_rules_on(
    session: AsyncSession, campaign_id: int, day: date,
) -> tuple[Campaign, CampaignRules] | None:
    """The campaign and ``rules_on(day)`` in one query (an attempt's start); None when there is no such campaign."""
    rows = (await session.execute(
        select(Campaign, CampaignRules).outerjoin(CampaignRules, CampaignRules.campaign_id == Campaign.id)
        .where(Campaign.id == campaign_id).order_by(CampaignRules.effective_from))).all()
    if not rows:
        return None
    campaign, current = rows[0]
    if current is None:
        raise CampaignNotFound(campaign_id)
    for _, row in rows:
        if row.effective_from <= day:
            current = row
    return campaign, current


async def rules_timeline(session: AsyncSession, campaign_id: int) -> list[CampaignRules]:
    rows = await session.execute(select(CampaignRules).where(CampaignRules.campaign_id == campaign_id)
                                 .order_by(CampaignRules.effective_from))
    return list(rows.scalars())


async def edit_campaign(
    session: AsyncSession, campaign_id: int, draft: Draft, bank: QuestionBank, *, now: datetime, tz: ZoneInfo,
    admin_id: int | None = None,
) -> date:
    """Change a campaign; return the first day the new rules apply. Before its start everything may change;
    once it runs, the start date stays and the rules change from tomorrow (today's attempts keep today's)."""
    campaign = await get_campaign(session, campaign_id)
    today = local_day(now, tz)
    started = today >= campaign.starts_on
    if started and draft.starts_on != campaign.starts_on:
        raise CampaignInvalid("starts_on", msg.START_LOCKED)
    await check_draft(session, draft, bank, invitation=False)
    if draft.ends_on < today:
        raise CampaignInvalid("ends_on", msg.ENDS_IN_PAST)
    effective = today + timedelta(days=1) if started else draft.starts_on
    campaign.name, campaign.description = draft.name.strip(), draft.description.strip()
    campaign.starts_on, campaign.ends_on = draft.starts_on, draft.ends_on
    campaign.topics, campaign.unit_id = ",".join(dict.fromkeys(draft.topics)), draft.unit_id
    campaign.updated_at = now
    if started:
        await session.execute(delete(CampaignRules).where(
            CampaignRules.campaign_id == campaign_id, CampaignRules.effective_from >= effective))
    else:
        await session.execute(delete(CampaignRules).where(CampaignRules.campaign_id == campaign_id))
    await session.flush()
    session.add(_rules_row(campaign_id, effective, draft.rules))
    await session.flush()
    await _rerender_invitation(session, campaign, now)
    if admin_id is not None:
        await audit(session, admin_id, "campaign.edit", f"campaign:{campaign_id}", f"rules from {effective}")
    return effective


async def _rerender_invitation(session: AsyncSession, campaign: Campaign, now: datetime) -> None:
    """An invitation not sent yet says what the campaign now is: its schedule's text is rendered again."""
    if not campaign.invitation or campaign.invitation_schedule_id is None:
        return
    schedule = await session.get(Schedule, campaign.invitation_schedule_id)
    if schedule is None or not next_fire_times(schedule, now, 1):
        return  # sent (or under way): what went out stays as it was
    rules = rules_of(await rules_on(session, campaign.id, campaign.starts_on))
    schedule.text = render_invitation(campaign.invitation, campaign.name, campaign.starts_on, campaign.ends_on, rules)
    await session.flush()


async def cancel_campaign(session: AsyncSession, campaign_id: int, *, now: datetime,
                          admin_id: int | None = None) -> None:
    campaign = await get_campaign(session, campaign_id)
    campaign.status = CampaignStatus.CANCELLED
    campaign.updated_at = now
    if admin_id is not None:
        await audit(session, admin_id, "campaign.cancel", f"campaign:{campaign_id}", campaign.name)


async def queue_invitation(
    session: AsyncSession, campaign: Campaign, invitation: str, *, now: datetime, tz: ZoneInfo,
    created_by: int | None = None,
) -> tuple[Schedule, bool]:
    """Store the invitation, rendered from the campaign's rules for its first day, as a broadcast schedule for
    the campaign's audience; return it and whether it is to be sent now (``BroadcastEngine.send_now`` after
    the commit) rather than at 09:00 of the first day."""
    campaign.invitation = invitation.strip()
    rules = rules_of(await rules_on(session, campaign.id, campaign.starts_on))
    text = render_invitation(invitation, campaign.name, campaign.starts_on, campaign.ends_on, rules)
    what = What("campaign", text=text, campaign_id=campaign.id)
    # The invitation carries no lesson: an empty library checks it.
    library = Library([])
    first_morning = datetime.combine(campaign.starts_on, INVITATION_TIME, tzinfo=tz)
    if first_morning > now:
        schedule = await create_schedule(
            session, library, what, When("once", run_at=first_morning, timezone=str(tz)), topics=campaign.topic_codes,
            created_by=created_by, default_timezone=str(tz), now=now, unit_id=campaign.unit_id)
        send_now = False
    else:
        schedule = await create_to_send_now(session, library, what, topics=campaign.topic_codes, created_by=created_by,
                                            default_timezone=str(tz), now=now, unit_id=campaign.unit_id)
        send_now = True
    campaign.invitation_schedule_id = schedule.id
    await session.flush()
    return schedule, send_now
