"""Reads of consents for the pages, the API, the booking door and the roll call.

What counts is decided by `rules` (pure); these functions fetch the facts in a fixed number of queries.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from ardoise.consents import rules
from ardoise.consents.models import Concerns, ConsentAnswer, ConsentKind
from ardoise.families.models import Child, Family
from ardoise.towns.models import Town


def kind_facts(kind: ConsentKind) -> rules.KindFacts:
    return rules.KindFacts(kind.pk, kind.version, kind.per_child)


def answer_facts(answer: ConsentAnswer) -> rules.AnswerFacts:
    return rules.AnswerFacts(
        answer.kind_id, answer.child_id, answer.version, answer.given, answer.answered_at, answer.pk
    )


@dataclass(frozen=True)
class Line:
    """One thing a family answers: a kind, for one child or for the family, and its current answer."""

    kind: ConsentKind
    child: Child | None
    answer: ConsentAnswer | None
    family: Family | None = None

    @property
    def given(self) -> bool:
        return self.answer is not None and self.answer.given


def family_lines(family: Family, *, children: Sequence[Child] | None = None) -> list[Line]:
    """Every active kind of the family's town, per child where it concerns a child, with the current answer."""
    kinds = list(ConsentKind.objects.filter(town_id=family.town_id, active=True))
    if children is None:
        children = list(Child.objects.filter(town_id=family.town_id, family=family))
    answers = {
        answer.pk: answer
        for answer in ConsentAnswer.objects.filter(
            town_id=family.town_id, family=family, kind__active=True, version=F("kind__version")
        ).select_related("answered_by")
    }
    current = rules.current_answers(
        (answer_facts(answer) for answer in answers.values()), {kind.pk: kind.version for kind in kinds}
    )
    lines = []
    for kind in kinds:
        for child in children if kind.per_child else [None]:
            facts = current.get((kind.pk, child.pk if child else None))
            lines.append(Line(kind, child, answers[facts.order] if facts else None, family))
    return lines


def awaiting(family: Family) -> bool:
    """Whether the family has yet to answer a kind's current version (the portal asks before anything else)."""
    kinds = [
        rules.KindFacts(pk, version, concerns == Concerns.CHILD)
        for pk, version, concerns in ConsentKind.objects.filter(town_id=family.town_id, active=True).values_list(
            "pk", "version", "concerns"
        )
    ]
    if not kinds:
        return False
    child_ids = list(Child.objects.filter(town_id=family.town_id, family=family).values_list("pk", flat=True))
    answers = [
        rules.AnswerFacts(kind_id, child_id, version, given, answered_at, pk)
        for pk, kind_id, child_id, version, given, answered_at in ConsentAnswer.objects.filter(
            town_id=family.town_id, family=family, kind__active=True, version=F("kind__version")
        ).values_list("pk", "kind_id", "child_id", "version", "given", "answered_at")
    ]
    return bool(rules.still_to_answer(kinds, child_ids, answers))


def needed_by_activity(activity_id: Any) -> Exists:
    """Whether the activity `activity_id` (an id or an `OuterRef`) needs an active consent: one EXISTS, to read
    with a row that names the activity (`bookings.actions` reads it with the child's enrollments)."""
    return Exists(ConsentKind.needed_by.through.objects.filter(activity_id=activity_id, consentkind__active=True))


def missing_for_booking(child: Child, activity_ids: Iterable[int]) -> dict[int, list[str]]:
    """Activity id → the labels of the consents it needs that are not given for this child now (one query)."""
    wanted = set(activity_ids)
    if not wanted:
        return {}
    latest = (
        ConsentAnswer.objects.filter(
            kind_id=OuterRef("consentkind_id"), version=OuterRef("consentkind__version"), family_id=child.family_id
        )
        .filter(Q(child_id=child.pk) | Q(child__isnull=True))
        .order_by("-answered_at", "-pk")
        .values("given")[:1]
    )
    # django-stubs cannot see the annotation `given` that values_list reads.
    needs = (
        ConsentKind.needed_by.through.objects.filter(  # type: ignore[misc]
            activity_id__in=wanted, consentkind__town_id=child.town_id, consentkind__active=True
        )
        .annotate(given=Subquery(latest))
        .order_by("consentkind__position", "consentkind_id")
        .values_list("activity_id", "consentkind__label", "given")
    )
    missing: dict[int, list[str]] = defaultdict(list)
    for activity_id, label, given in needs:
        if not given:
            missing[activity_id].append(label)
    return dict(missing)


def roll_call_notes(town: Town, children: Sequence[Child]) -> dict[int, list[str]]:
    """Child id → what staff must know on a roll-call sheet ("Photo : non") for kinds shown there whose
    current answer is not "yes" (no answer is not a yes). Two queries."""
    kinds = list(ConsentKind.objects.filter(town=town, active=True, on_roll_call=True))
    if not kinds or not children:
        return {}
    answers = ConsentAnswer.objects.filter(
        town=town,
        kind__in=kinds,
        version=F("kind__version"),
        family_id__in={child.family_id for child in children},
    ).values_list("pk", "kind_id", "family_id", "child_id", "version", "given", "answered_at")
    by_family: dict[int, list[rules.AnswerFacts]] = defaultdict(list)
    for pk, kind_id, family_id, child_id, version, given, answered_at in answers:
        by_family[family_id].append(rules.AnswerFacts(kind_id, child_id, version, given, answered_at, pk))
    facts = [kind_facts(kind) for kind in kinds]
    notes: dict[int, list[str]] = {}
    for child in children:
        refused = set(rules.not_given(facts, child.pk, by_family.get(child.family_id, [])))
        found = [_("%(kind)s : non") % {"kind": kind.short_label} for kind in kinds if kind.pk in refused]
        if found:
            notes[child.pk] = found
    return notes


@dataclass(frozen=True)
class KindCount:
    kind: ConsentKind
    given: int
    refused: int
    unanswered: int


def town_answers(town: Town, kind: ConsentKind) -> list[Line]:
    """Every family of the town still in the service (per child when the kind concerns a child) and its
    current answer to the kind: the list "Autorisations" and its CSV export. Three queries."""
    answers = {
        answer.pk: answer
        for answer in ConsentAnswer.objects.filter(
            town=town, kind=kind, version=kind.version, family__archived_on__isnull=True
        ).select_related("answered_by")
    }
    by_family: dict[int, list[rules.AnswerFacts]] = defaultdict(list)
    for answer in answers.values():
        by_family[answer.family_id].append(answer_facts(answer))
    families = Family.objects.filter(town=town, archived_on__isnull=True).order_by("name", "number")
    if kind.per_child:
        owners: list[tuple[Family, Child | None]] = [
            (child.family, child)
            for child in Child.objects.filter(town=town, family__in=families)
            .select_related("family")
            .order_by("family__name", "family__number", "birth_date", "first_name")
        ]
    else:
        owners = [(family, None) for family in families]
    lines = []
    for family, child in owners:
        current = rules.current_answers(by_family.get(family.pk, []), {kind.pk: kind.version})
        facts = current.get((kind.pk, child.pk if child else None))
        lines.append(Line(kind, child, answers[facts.order] if facts else None, family))
    return lines


def count(lines: Iterable[Line]) -> tuple[int, int, int]:
    """(given, refused, unanswered) among lines."""
    given = refused = unanswered = 0
    for line in lines:
        if line.answer is None:
            unanswered += 1
        elif line.answer.given:
            given += 1
        else:
            refused += 1
    return given, refused, unanswered


def town_counts(town: Town) -> list[KindCount]:
    """Each kind of the town (active ones first) with its counts of given, refused and unanswered."""
    kinds = ConsentKind.objects.filter(town=town).order_by("-active", "position", "pk")
    return [KindCount(kind, *count(town_answers(town, kind))) for kind in kinds]
