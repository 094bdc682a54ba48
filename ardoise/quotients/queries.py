"""Reads of the quotient familial: the value on a day (what tariffs use), a family's history, a batch's results.

`quotient_on(family, day)` is the one answer to "which QF prices this day"; `timelines` gives the same for
many families in one query (the invoicing run).
"""

import datetime
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import QuerySet

from ardoise.families.models import Family, FileStatus
from ardoise.quotients.models import (
    AllocataireIdentity,
    ApiParticulierSettings,
    QuotientBatch,
    QuotientBatchResult,
    QuotientRecord,
)
from ardoise.quotients.rules import Entry, Timeline
from ardoise.towns.models import Town


def _entry(applies_from: datetime.date, pk: int, value: int) -> Entry:
    return Entry(applies_from=applies_from, order=pk, value=value)


def timeline(family: Family) -> Timeline:
    rows = QuotientRecord.objects.filter(town_id=family.town_id, family=family).values_list(
        "applies_from", "pk", "value"
    )
    return Timeline.of((_entry(*row) for row in rows), fallback=family.quotient_familial)


def quotient_on(family: Family, day: datetime.date) -> int | None:
    """The family's quotient familial on `day` (None: not given, the highest band applies)."""
    return timeline(family).on(day)


def timelines(town_id: int, file_values: Mapping[int, int | None]) -> dict[int, Timeline]:
    """Every family's timeline, in one query; `file_values`: each family's QF on its file (its fallback),
    keyed by id. A family without history keeps its file's QF."""
    entries: dict[int, list[Entry]] = defaultdict(list)
    rows = QuotientRecord.objects.filter(town_id=town_id, family_id__in_ids=file_values).values_list(
        "family_id", "applies_from", "pk", "value"
    )
    for family_id, applies_from, pk, value in rows:
        entries[family_id].append(_entry(applies_from, pk, value))
    return {pk: Timeline.of(entries.get(pk, ()), fallback=value) for pk, value in file_values.items()}


def history(family: Family) -> QuerySet[QuotientRecord]:
    """The family's QF records, the latest in force first."""
    return (
        QuotientRecord.objects.filter(town_id=family.town_id, family=family)
        .select_related("recorded_by")
        .order_by("-applies_from", "-pk")
    )


@dataclass(frozen=True)
class Panel:
    """What the family page shows about the QF."""

    value: int | None
    current: QuotientRecord | None
    records: list[QuotientRecord]
    identity: AllocataireIdentity | None
    api_ready: bool
    today: datetime.date


def panel(family: Family, today: datetime.date) -> Panel:
    records = list(history(family))
    current = next((record for record in records if record.applies_from <= today), None)
    value = current.value if current is not None else family.quotient_familial
    settings = ApiParticulierSettings.objects.filter(town_id=family.town_id).first()
    return Panel(
        value=value,
        current=current,
        records=records,
        identity=AllocataireIdentity.objects.filter(town_id=family.town_id, family=family).first(),
        api_ready=settings is not None and settings.ready,
        today=today,
    )


def api_settings(town: Town) -> ApiParticulierSettings | None:
    return ApiParticulierSettings.objects.filter(town=town).first()


def batches(town: Town, limit: int = 20) -> QuerySet[QuotientBatch]:
    return QuotientBatch.objects.filter(town=town).order_by("-created_at", "-pk")[:limit]


def results(batch: QuotientBatch, kind: str = "") -> QuerySet[QuotientBatchResult]:
    found = QuotientBatchResult.objects.filter(town_id=batch.town_id, batch=batch).select_related("family")
    if kind:
        found = found.filter(kind=kind)
    return found.order_by("family__name", "family__number")


def batch_families(town: Town) -> QuerySet[Family]:
    """The families a yearly batch covers: accepted files, not archived."""
    return Family.objects.filter(town=town, archived_on__isnull=True, file_status=FileStatus.ACCEPTED).order_by(
        "name", "pk"
    )
