"""Re-enrolment campaigns: the town asks every family to confirm next school year's enrolments.

A campaign (`ReenrolmentCampaign`) is open from its `opens_on` to its `closes_on` (both included). While it is
open, a family is proposed, per child, each activity of the child's site, kept when the child is enrolled in it
this school year with this year's weekly pattern (`proposal`). The family keeps, drops, changes the pattern or
adds an activity and sends its reply once (`submit_reply`): one enrolment request per kept activity
(`admissions.actions.request_enrolment`, which lets capacity decide), all in one transaction — every refusal is
listed and nothing is saved when one is refused. Staff create and edit the campaign and remind the families that
have not replied (`create_campaign`, `update_campaign`, `remind_families`: audited, e-mails through the outbox).
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.admissions.actions import AdmissionRefused, request_enrolment
from ardoise.admissions.models import CampaignReply, EnrolmentRequest, ReenrolmentCampaign
from ardoise.audit import actions as audit
from ardoise.audit.actions import changes_between, snapshot
from ardoise.bookings.models import Enrollment
from ardoise.calendars.models import SchoolYear
from ardoise.calendars.wording import date_fr
from ardoise.documents.queries import family_dossier
from ardoise.documents.requirements import fact_of
from ardoise.documents.status import is_valid_on
from ardoise.families.models import Child, Family, Guardian
from ardoise.messaging.notifications import Kind, notify, render_subject
from ardoise.towns.models import Town

CAMPAIGN_FIELDS = ("school_year", "opens_on", "closes_on", "message")


class CampaignRefused(Exception):
    """A campaign change or a reply refused; `messages` says why, in French, one line per problem."""

    def __init__(self, messages: Sequence[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


class CampaignState(StrEnum):
    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"


# Pure rules


def state_on(opens_on: datetime.date, closes_on: datetime.date, today: datetime.date) -> CampaignState:
    """Planned before its first day, open from its first to its last day (both included), closed after."""
    if today < opens_on:
        return CampaignState.PLANNED
    if today <= closes_on:
        return CampaignState.OPEN
    return CampaignState.CLOSED


def date_problems(opens_on: datetime.date, closes_on: datetime.date, year_starts_on: datetime.date) -> list[str]:
    """What is wrong with a campaign's dates: it closes after it opens, and before the school year starts."""
    problems = []
    if closes_on < opens_on:
        problems.append(_("La clôture doit suivre l'ouverture."))
    if closes_on >= year_starts_on:
        problems.append(
            _("La campagne doit se clore avant la rentrée (%(day)s).") % {"day": date_fr(year_starts_on, "j F Y")}
        )
    return problems


def pattern_problems(activity_label: str, weekdays: Sequence[int], pattern: Sequence[int]) -> list[str]:
    """A weekly pattern may hold only days the activity runs."""
    if set(pattern) <= set(weekdays):
        return []
    return [_("%(activity)s n'a pas lieu certains des jours choisis.") % {"activity": activity_label}]


# Reading


def state_of(campaign: ReenrolmentCampaign, today: datetime.date) -> CampaignState:
    return state_on(campaign.opens_on, campaign.closes_on, today)


def next_school_year(town: Town, today: datetime.date) -> SchoolYear | None:
    """The first school year that starts after today: the one a campaign prepares."""
    return SchoolYear.objects.filter(town=town, starts_on__gt=today).order_by("starts_on").first()


def previous_school_year(campaign: ReenrolmentCampaign) -> SchoolYear | None:
    """The school year whose enrolments the campaign proposes to renew."""
    return SchoolYear.objects.filter(town_id=campaign.town_id, start_year=campaign.school_year.start_year - 1).first()


def campaign_for_families(town: Town, today: datetime.date) -> ReenrolmentCampaign | None:
    """The campaign families see: the last one that has opened, for a school year not yet started (open, or
    closed and read-only)."""
    return (
        ReenrolmentCampaign.objects.filter(town=town, opens_on__lte=today, school_year__starts_on__gt=today)
        .select_related("school_year")
        .order_by("-opens_on")
        .first()
    )


def open_campaign(town: Town, today: datetime.date) -> ReenrolmentCampaign | None:
    """The campaign open today, if any (the portal's banner)."""
    campaign = campaign_for_families(town, today)
    return campaign if campaign is not None and state_of(campaign, today) == CampaignState.OPEN else None


@dataclass(frozen=True)
class Line:
    """One activity of a child's site, as proposed for next year."""

    child: Child
    activity: Activity
    # Enrolled in it this school year: kept by default, with this year's pattern.
    enrolled: bool
    weekly_pattern: tuple[int, ...]

    @property
    def key(self) -> str:
        """The name of its fields on the reply form."""
        return f"{self.child.pk}-{self.activity.pk}"


@dataclass
class ChildProposal:
    child: Child
    lines: list[Line] = field(default_factory=list)


def proposal(campaign: ReenrolmentCampaign, family: Family) -> list[ChildProposal]:
    """Per child, every activity of its site, those it is enrolled in this year first (three queries)."""
    children = list(
        Child.objects.filter(town_id=campaign.town_id, family=family)
        .select_related("site")
        .order_by("birth_date", "pk")
    )
    activities: dict[int, list[Activity]] = defaultdict(list)
    for activity in Activity.objects.filter(
        town_id=campaign.town_id, site_id__in={child.site_id for child in children}
    ).order_by("starts_at", "label", "pk"):
        activities[activity.site_id].append(activity)
    current = previous_school_year(campaign)
    enrolled: dict[tuple[int, int], list[int]] = {}
    if current is not None:
        for enrollment in Enrollment.objects.filter(
            town_id=campaign.town_id, school_year=current, child__in=[child.pk for child in children]
        ):
            enrolled[(enrollment.child_id, enrollment.activity_id)] = list(enrollment.weekly_pattern)
    proposals = []
    for child in children:
        lines = [
            Line(
                child=child,
                activity=activity,
                enrolled=(child.pk, activity.pk) in enrolled,
                weekly_pattern=tuple(sorted(enrolled.get((child.pk, activity.pk), []))),
            )
            for activity in activities[child.site_id]
        ]
        lines.sort(key=lambda line: not line.enrolled)
        proposals.append(ChildProposal(child=child, lines=lines))
    return proposals


def documents_to_renew(campaign: ReenrolmentCampaign, family: Family, today: datetime.date | None = None) -> list[str]:
    """What the family is asked for today (supporting documents) that no accepted document will cover on the
    first day of the coming school year: missing, refused, pending, or ending before then."""
    today = today or timezone.localdate()
    first_day = campaign.school_year.starts_on
    return [
        _("%(document)s — %(who)s") % {"document": line.document_type.label, "who": line.who}
        for line in family_dossier(family, today).lines
        if not is_valid_on([fact_of(document) for document in line.documents], first_day)
    ]


def reply_of(campaign: ReenrolmentCampaign, family: Family) -> CampaignReply | None:
    """The family's reply, once sent."""
    return CampaignReply.objects.filter(
        town_id=campaign.town_id, campaign=campaign, family=family, submitted_at__isnull=False
    ).first()


def reply_requests(campaign: ReenrolmentCampaign, family: Family) -> list[EnrolmentRequest]:
    """The enrolment requests the family's reply made, with their status now."""
    return list(
        EnrolmentRequest.objects.filter(town_id=campaign.town_id, campaign=campaign, family=family)
        .select_related("child", "activity")
        .order_by("child__birth_date", "child_id", "activity__starts_at", "activity__label")
    )


def families_asked(town: Town) -> QuerySet[Family]:
    """The families a campaign asks: not archived, with at least one child."""
    return Family.objects.filter(
        town=town, archived_on__isnull=True, pk__in=Child.objects.filter(town=town).values("family_id")
    )


@dataclass
class FollowUp:
    replied: list[tuple[Family, CampaignReply]]
    not_replied: list[Family]

    @property
    def asked(self) -> int:
        return len(self.replied) + len(self.not_replied)


def follow_up(campaign: ReenrolmentCampaign) -> FollowUp:
    """The families that replied (with their reply) and those that have not (two queries)."""
    replies = {
        reply.family_id: reply
        for reply in CampaignReply.objects.filter(
            town_id=campaign.town_id, campaign=campaign, submitted_at__isnull=False
        ).select_related("submitted_by")
    }
    replied, not_replied = [], []
    for family in families_asked(campaign.town).order_by("name", "number"):
        if family.pk in replies:
            replied.append((family, replies[family.pk]))
        else:
            not_replied.append(family)
    return FollowUp(replied=replied, not_replied=not_replied)


# Writing


@dataclass(frozen=True)
class Choice:
    """A child confirmed in an activity for next year, with the weekdays wanted every week."""

    child: Child
    activity: Activity
    weekly_pattern: tuple[int, ...] = ()


@transaction.atomic
def submit_reply(
    campaign: ReenrolmentCampaign,
    family: Family,
    choices: Sequence[Choice],
    *,
    actor: User,
    now: datetime.datetime | None = None,
) -> CampaignReply:
    """The family's reply: one enrolment request per choice, all or nothing, once per campaign.

    Raises `CampaignRefused` with every problem (the campaign not open, a reply already sent, each request
    refused) and saves nothing then.
    """
    now = now or timezone.now()
    if state_of(campaign, timezone.localdate(now)) != CampaignState.OPEN:
        raise CampaignRefused([_("La campagne de réinscription n'est pas ouverte.")])
    # The family's row locked: two tabs sending at once make one reply.
    Family.objects.select_for_update().filter(pk=family.pk).first()
    if reply_of(campaign, family) is not None:
        raise CampaignRefused([_("Votre réponse a déjà été envoyée.")])
    problems: list[str] = []
    for choice in choices:
        label = f"{choice.child.first_name} — {choice.activity.label}"
        if choice.child.family_id != family.pk or choice.child.town_id != campaign.town_id:
            problems.append(_("%(line)s : cet enfant n'est pas de votre famille.") % {"line": label})
            continue
        if choice.activity.site_id != choice.child.site_id:
            problems.append(_("%(line)s : cette activité n'est pas proposée à son école.") % {"line": label})
            continue
        wrong_days = pattern_problems(choice.activity.label, choice.activity.weekdays, choice.weekly_pattern)
        if wrong_days:
            problems.extend(f"{choice.child.first_name} : {problem}" for problem in wrong_days)
            continue
        try:
            # Each request in its own savepoint, so that a refusal leaves the transaction usable for the next.
            with transaction.atomic():
                request_enrolment(
                    choice.child,
                    choice.activity,
                    school_year=campaign.school_year,
                    weekly_pattern=tuple(sorted(choice.weekly_pattern)),
                    campaign=campaign,
                    actor=actor,
                    now=now,
                )
        except AdmissionRefused as refusal:
            problems.append(f"{label} : {refusal.message}")
    if problems:
        raise CampaignRefused(problems)
    try:
        with transaction.atomic():
            reply, _created = CampaignReply.objects.update_or_create(
                town_id=campaign.town_id,
                campaign=campaign,
                family=family,
                defaults={"submitted_at": now, "submitted_by": actor},
            )
    except IntegrityError:
        raise CampaignRefused([_("Votre réponse a déjà été envoyée.")]) from None
    return reply


def _check_campaign(school_year: SchoolYear, opens_on: datetime.date, closes_on: datetime.date) -> None:
    problems = date_problems(opens_on, closes_on, school_year.starts_on)
    if problems:
        raise CampaignRefused(problems)


@transaction.atomic
def create_campaign(
    town: Town,
    actor: User,
    *,
    school_year: SchoolYear,
    opens_on: datetime.date,
    closes_on: datetime.date,
    message: str = "",
) -> ReenrolmentCampaign:
    """A campaign for `school_year` (one per year), audited."""
    if school_year.town_id != town.pk:
        raise CampaignRefused([_("Cette année scolaire n'existe pas.")])
    _check_campaign(school_year, opens_on, closes_on)
    if ReenrolmentCampaign.objects.filter(town=town, school_year=school_year).exists():
        raise CampaignRefused([_("Une campagne existe déjà pour l'année %(year)s.") % {"year": school_year}])
    campaign = ReenrolmentCampaign.objects.create(
        town=town, school_year=school_year, opens_on=opens_on, closes_on=closes_on, message=message
    )
    audit.record(
        town,
        actor,
        "reenrolment_campaign.create",
        campaign,
        summary=f"Campagne de réinscription {school_year}",
        changes=changes_between({}, snapshot(campaign, CAMPAIGN_FIELDS)),
    )
    return campaign


@transaction.atomic
def update_campaign(
    campaign: ReenrolmentCampaign,
    actor: User,
    *,
    opens_on: datetime.date,
    closes_on: datetime.date,
    message: str = "",
) -> ReenrolmentCampaign:
    """New dates or message for a campaign, audited (the replies already sent stay)."""
    _check_campaign(campaign.school_year, opens_on, closes_on)
    before = snapshot(campaign, CAMPAIGN_FIELDS)
    campaign.opens_on, campaign.closes_on, campaign.message = opens_on, closes_on, message
    campaign.save(update_fields=["opens_on", "closes_on", "message"])
    changes = changes_between(before, snapshot(campaign, CAMPAIGN_FIELDS))
    if changes:
        audit.record(
            campaign.town,
            actor,
            "reenrolment_campaign.update",
            campaign,
            summary=f"Campagne de réinscription {campaign.school_year}",
            changes=changes,
        )
    return campaign


@transaction.atomic
def remind_families(
    campaign: ReenrolmentCampaign, actor: User, *, link: str, today: datetime.date | None = None
) -> int:
    """E-mail every family that has not replied (one e-mail per family and call), audited; how many families.

    `link` is the reply page's absolute address. Refused unless the campaign is open.
    """
    today = today or timezone.localdate()
    if state_of(campaign, today) != CampaignState.OPEN:
        raise CampaignRefused([_("On ne relance les familles que pendant la campagne.")])
    town = campaign.town
    waiting = follow_up(campaign).not_replied
    guardians: dict[int, list[Guardian]] = defaultdict(list)
    for guardian in Guardian.objects.filter(town=town, family__in=[family.pk for family in waiting]).order_by(
        "position", "pk"
    ):
        guardians[guardian.family_id].append(guardian)
    context = {
        "campaign": campaign,
        "year": str(campaign.school_year),
        "closes_on": date_fr(campaign.closes_on, "l j F Y"),
        "link": link,
    }
    subject = render_subject("emails/reenrolment_reminder_subject.txt", {**context, "town": town})
    reminded = 0
    for family in waiting:
        if notify(
            town,
            guardians[family.pk],
            Kind.REENROLMENT_REMINDER,
            subject,
            "emails/reenrolment_reminder",
            {
                **context,
                "family": family,
            },
        ):
            reminded += 1
    audit.record(
        town,
        actor,
        "reenrolment_campaign.remind",
        campaign,
        summary=f"Relance de la campagne de réinscription {campaign.school_year} : {reminded} famille(s)",
        changes={"families": [family.pk for family in waiting]},
    )
    return reminded
