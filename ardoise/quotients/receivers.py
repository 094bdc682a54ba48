"""A QF written on the family's file by another door joins the history.

The staff's family form (`families.actions.update_family`), a parent's record change accepted by staff
(`families.record_changes`) and the like write `Family.quotient_familial` directly. Once a family has a QF
history, billing reads the history, not the file: so a file value that differs from the history's value today
is recorded as a new QF typed by staff, applying from today (days already past keep their price). The change
itself is audited by the action that made it.
"""

from typing import Any

from django.utils import timezone

from ardoise.families.models import Family
from ardoise.quotients import queries
from ardoise.quotients.models import QuotientRecord, QuotientSource


def record_file_value(sender: type[Family], instance: Family, created: bool, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if created or instance.quotient_familial is None:
        return
    if update_fields is not None and "quotient_familial" not in update_fields:
        return
    history = queries.timeline(instance)
    if not history.entries:
        return  # no history yet: the file's value is the QF
    today = timezone.localdate()
    if history.on(today) == instance.quotient_familial:
        return
    QuotientRecord.objects.create(
        town_id=instance.town_id,
        family=instance,
        value=instance.quotient_familial,
        source=QuotientSource.STAFF,
        applies_from=today,
    )
