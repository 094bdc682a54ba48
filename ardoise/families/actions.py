"""The one door for changes a family asks about its own record, and its calendar feed.

Parents never edit their record directly (seed 001 "Mon compte"): each change
becomes a request that staff accept or refuse, carrying the old and new value
of every field that changed.
"""

from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.bookings.models import Request, RequestKind, RequestStatus
from ardoise.families.models import AuthorisedPerson, Child, Family, Guardian, new_calendar_token

# Request.target for each kind of record a family may ask to change.
TARGETS: dict[type[Model], str] = {
    Family: "family",
    Guardian: "guardian",
    Child: "child",
    AuthorisedPerson: "authorised_person",
}


class NothingChanged(Exception):
    """The form came back with the values the record already has."""

    def __init__(self) -> None:
        super().__init__(_("Vous n'avez rien modifié : aucune demande n'a été envoyée."))
        self.message = str(self.args[0])


def _json_value(value: Any) -> Any:
    """A value as it is kept in Request.changes (JSON): text, number, boolean or None."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _family_of_record(record: Model) -> int:
    if isinstance(record, Family):
        return record.pk
    if isinstance(record, AuthorisedPerson):
        return record.child.family_id
    return record.family_id  # type: ignore[attr-defined,no-any-return]


def request_record_change(
    family: Family,
    record: Family | Guardian | Child | AuthorisedPerson,
    values: dict[str, Any],
    *,
    actor: User,
    comment: str = "",
) -> Request:
    """Ask staff to change `record` (or, unsaved, to add it) to `values`.

    Only the fields whose value differs are kept, as {"field": [old, new]};
    raises NothingChanged when none does. The record itself is left untouched.
    """
    if record.town_id != family.town_id or _family_of_record(record) != family.pk:
        raise ValueError("record of another family")
    target = TARGETS[type(record)]
    with transaction.atomic():
        if record.pk is None:
            current: dict[str, Any] = dict.fromkeys(values)
        else:
            # Compare with what is stored now, not with what the form was shown.
            fresh = type(record).objects.get(town_id=family.town_id, pk=record.pk)
            current = {name: getattr(fresh, name) for name in values}
        changes = {
            name: [_json_value(current[name]), _json_value(new)]
            for name, new in values.items()
            if _json_value(new) != _json_value(current[name]) and not (current[name] is None and new in ("", None))
        }
        if not changes:
            raise NothingChanged
        child = record if isinstance(record, Child) else getattr(record, "child", None)
        return Request.objects.create(
            town_id=family.town_id,
            family=family,
            kind=RequestKind.RECORD_CHANGE,
            status=RequestStatus.PENDING,
            child=child,
            target=target,
            target_id=record.pk,
            changes=changes,
            comment=comment,
            created_by=actor,
            created_at=timezone.now(),
        )


def regenerate_calendar_token(family: Family) -> str:
    """Give the family a new private calendar URL; the old one stops working at once."""
    family.calendar_token = new_calendar_token()
    family.save(update_fields=["calendar_token"])
    return family.calendar_token
