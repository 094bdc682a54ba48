"""The one door for changes to a family's record: what a family asks, what staff do, its calendar feed.

Parents never edit their record directly (seed 001 "Mon compte"): each change
becomes a request that staff accept or refuse, carrying the old and new value
of every field that changed. Staff edit the record directly (the functions
below `create_family`), each change atomic and audited with its old and new values.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import IntegerField, Max, Model
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.audit import actions as audit
from ardoise.audit.actions import changes_between, jsonable, snapshot
from ardoise.bookings.models import Booking, BookingState, Request, RequestKind, RequestStatus
from ardoise.families.models import AuthorisedPerson, Child, Family, Guardian, new_calendar_token
from ardoise.towns.models import Town

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
            name: [jsonable(current[name]), jsonable(new)]
            for name, new in values.items()
            if jsonable(new) != jsonable(current[name]) and not (current[name] is None and new in ("", None))
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


# Staff changes: direct edits of a family's record, each one atomic and audited
# with the old and new value of every field that changed.

# How many times a new family number is drawn again when another agent took it first.
NUMBER_ATTEMPTS = 5
# Fields whose values the audit trail keeps masked: bank details are not for every reader.
MASKED_FIELDS = frozenset({"iban"})


class FamilyNumberTaken(Exception):
    """The family number typed (or every number drawn) is already used in this town."""

    def __init__(self, number: str) -> None:
        super().__init__(_("Le n° de famille %(number)s est déjà utilisé dans la commune.") % {"number": number})
        self.message = str(self.args[0])


def _masked(name: str, value: Any) -> Any:
    if name in MASKED_FIELDS and value:
        compact = str(value).replace(" ", "")
        return f"{compact[:4]} **** {compact[-4:]}"
    return value


def _diff(record: Model | None, values: dict[str, Any]) -> dict[str, list[Any]]:
    """{"field": [old, new]} for every value that differs from `record` (None: a new record), bank details masked."""
    before = snapshot(record, values) if record is not None else {}
    after = {name: jsonable(value) for name, value in values.items()}
    return {
        name: [_masked(name, old), _masked(name, new)] for name, (old, new) in changes_between(before, after).items()
    }


def _update(fresh: Model, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set and save `values` on a locked record; returns {"field": [old, new]} (empty: nothing saved)."""
    changes = _diff(fresh, values)
    if changes:
        for name, value in values.items():
            setattr(fresh, name, value)
        fresh.save(update_fields=list(values))
    return changes


def next_family_number(town: Town) -> str:
    """The next free numeric family number of the town (1 for the first family)."""
    numbers = Family.objects.filter(town=town, number__regex=r"^[0-9]{1,9}$").values_list("number", flat=True)
    highest = numbers.annotate(n=Cast("number", IntegerField())).aggregate(top=Max("n"))["top"]
    return str((highest or 0) + 1)


def create_family(town: Town, values: dict[str, Any], *, actor: User, number: str = "") -> Family:
    """Create a family with the typed `number`, or the next free one when none is typed.

    Two agents creating families at the same moment may draw the same number:
    the unique constraint refuses the second, which draws again.
    """
    number = number.strip()
    for _attempt in range(1 if number else NUMBER_ATTEMPTS):
        chosen = number or next_family_number(town)
        try:
            with transaction.atomic():
                family = Family.objects.create(town=town, number=chosen, **values)
                audit.record(
                    town,
                    actor,
                    "family.create",
                    family,
                    summary=f"Famille {family.name} ({family.number}) créée",
                    changes=_diff(None, {"number": chosen, **values}),
                )
                return family
        except IntegrityError:
            continue
    raise FamilyNumberTaken(number or chosen)


def update_family(family: Family, values: dict[str, Any], *, actor: User) -> dict[str, list[Any]]:
    """Change the family's own fields; returns what changed (nothing recorded when nothing did)."""
    with transaction.atomic():
        fresh = Family.objects.select_for_update().get(town_id=family.town_id, pk=family.pk)
        changes = _diff(fresh, values)
        if not changes:
            return {}
        for name, value in values.items():
            setattr(fresh, name, value)
        try:
            with transaction.atomic():
                fresh.save(update_fields=list(values))
        except IntegrityError:
            raise FamilyNumberTaken(str(values.get("number", ""))) from None
        audit.record(
            family.town,
            actor,
            "family.update",
            fresh,
            summary=f"Famille {fresh.name} ({fresh.number})",
            changes=changes,
        )
    for name, value in values.items():
        setattr(family, name, value)
    return changes


def _save_record[R: (Guardian, Child, AuthorisedPerson)](
    parent: Family | Child,
    record: R | None,
    values: dict[str, Any],
    *,
    actor: User,
    create: Callable[[], R],
    summary: Callable[[R, bool], str],
) -> tuple[R, dict[str, list[Any]]]:
    """Add a record of `parent` with `create()` (`record` None) or change it, locked, and audit either.

    The audit action is "<target>.create" or "<target>.update"; `summary(record, created)` says it.
    Returns the record and what changed (empty: nothing changed, nothing saved or recorded).
    The caller holds the transaction.
    """
    created = record is None
    if record is None:
        saved, changes = create(), _diff(None, values)
    else:
        owner = "family" if isinstance(parent, Family) else "child"
        if record.town_id != parent.town_id or getattr(record, f"{owner}_id") != parent.pk:
            raise ValueError(f"{TARGETS[type(record)]} of another {owner}")
        saved = type(record).objects.select_for_update().get(pk=record.pk)
        changes = _update(saved, values)
    if created or changes:
        action = f"{TARGETS[type(saved)]}.{'create' if created else 'update'}"
        audit.record(parent.town, actor, action, saved, summary=summary(saved, created), changes=changes)
    return saved, changes


def save_guardian(family: Family, guardian: Guardian | None, values: dict[str, Any], *, actor: User) -> Guardian:
    """Add a guardian to the family (`guardian` None) or change one; the account's e-mail follows."""
    with transaction.atomic():
        saved, changes = _save_record(
            family,
            guardian,
            values,
            actor=actor,
            create=lambda: Guardian.objects.create(
                town_id=family.town_id, family=family, position=family.guardians.count() + 1, **values
            ),
            summary=lambda saved, created: f"Responsable {saved.full_name}{' ajouté(e)' if created else ''}",
        )
        if guardian is not None and "email" in changes and saved.user_id is not None and saved.email:
            # The parent logs in with this e-mail: the account follows the record.
            User.objects.filter(pk=saved.user_id, town_id=family.town_id).update(email=saved.email.strip().lower())
        return saved


def save_child(family: Family, child: Child | None, values: dict[str, Any], *, actor: User) -> Child:
    """Add a child to the family (`child` None) or change one (identity, school, health record, authorisations)."""
    with transaction.atomic():
        saved, _changes = _save_record(
            family,
            child,
            values,
            actor=actor,
            create=lambda: Child.objects.create(town_id=family.town_id, family=family, **values),
            summary=lambda saved, created: f"Enfant {saved.full_name}{' ajouté(e)' if created else ''}",
        )
        return saved


def save_authorised_person(
    child: Child, person: AuthorisedPerson | None, values: dict[str, Any], *, actor: User
) -> AuthorisedPerson:
    """Allow someone to collect `child` (`person` None) or change what is known of them."""
    with transaction.atomic():
        saved, _changes = _save_record(
            child,
            person,
            values,
            actor=actor,
            create=lambda: AuthorisedPerson.objects.create(town_id=child.town_id, child=child, **values),
            summary=lambda saved, created: (
                f"{saved} autorisé(e) à récupérer {child.full_name}" if created else f"{saved} ({child.full_name})"
            ),
        )
        return saved


def remove_authorised_person(person: AuthorisedPerson, *, actor: User) -> None:
    """No longer allow `person` to collect the child; the audit trail keeps who they were."""
    with transaction.atomic():
        values = {name: getattr(person, name) for name in ("first_name", "last_name", "relationship", "phone")}
        audit.record(
            person.town,
            actor,
            "authorised_person.delete",
            person,
            summary=f"{person} n'est plus autorisé(e) à récupérer {person.child.full_name}",
            changes={name: [value, None] for name, value in values.items()},
        )
        person.delete()


def archive_family(family: Family, on: datetime.date, *, actor: User) -> int:
    """Archive the family on `on`: its bookings after that day are cancelled, its history kept.

    Returns how many bookings were cancelled. Pending requests for those days go too.
    """
    with transaction.atomic():
        fresh = Family.objects.select_for_update().get(town_id=family.town_id, pk=family.pk)
        previous = fresh.archived_on
        future = Booking.objects.filter(
            town_id=family.town_id,
            child__family=fresh,
            date__gt=on,
            state__in=(BookingState.BOOKED, BookingState.REQUESTED),
        )
        booking_ids = list(future.values_list("pk", flat=True))
        Booking.objects.filter(pk__in=booking_ids).update(state=BookingState.CANCELLED, updated_at=timezone.now())
        Request.objects.filter(
            town_id=family.town_id, booking_id__in=booking_ids, status=RequestStatus.PENDING
        ).delete()
        fresh.archived_on = on
        fresh.save(update_fields=["archived_on"])
        audit.record(
            family.town,
            actor,
            "family.archive",
            fresh,
            summary=f"Famille {fresh.name} ({fresh.number}) archivée le {on:%d/%m/%Y}",
            changes={"archived_on": [jsonable(previous), on.isoformat()], "cancelled_bookings": len(booking_ids)},
        )
    family.archived_on = on
    return len(booking_ids)
