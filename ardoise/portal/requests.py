"""The family's requests (seed 001 "Liste des demandes"): pending, accepted and
refused, of the last month by default, filtered by type.

Built with a fixed number of queries whatever the number of requests.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from ardoise.bookings.models import Request, RequestKind, RequestStatus
from ardoise.families.models import AuthorisedPerson, Child, Family, Guardian
from ardoise.towns.access import parent_required
from ardoise.towns.http import AuthedRequest

# ?period= choices: how far back, in days.
PERIODS = {
    "1": (31, gettext_lazy("Le dernier mois")),
    "3": (92, gettext_lazy("Les 3 derniers mois")),
    "12": (366, gettext_lazy("La dernière année")),
}
DEFAULT_PERIOD = "1"
TYPES = {
    "booking": gettext_lazy("Réservations"),
    "absence": gettext_lazy("Absences"),
    "record_change": gettext_lazy("Modifications du dossier"),
}
TARGET_MODELS: dict[str, type[Model]] = {
    "family": Family,
    "guardian": Guardian,
    "child": Child,
    "authorised_person": AuthorisedPerson,
}


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass
class Row:
    request: Request
    kind_label: str
    subject: str = ""
    detail: str = ""
    changes: list[Change] = field(default_factory=list)


def display_value(model: type[Model], name: str, value: Any) -> str:
    """A stored value as the family reads it: Oui/Non, a choice's label, — for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Oui") if value else _("Non")
    try:
        model_field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 — an old request may name a field since removed.
        return str(value)
    choices = dict(model_field.choices or ())  # type: ignore[union-attr]
    return str(choices.get(value, value))


def field_label(model: type[Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name).capitalize()  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 — an old request may name a field since removed.
        return name


def describe_changes(target: str, changes: dict[str, Any]) -> list[Change]:
    model = TARGET_MODELS.get(target, Family)
    return [
        Change(field_label(model, name), display_value(model, name, pair[0]), display_value(model, name, pair[1]))
        for name, pair in changes.items()
        if isinstance(pair, list | tuple) and len(pair) == 2
    ]


def record_subject(item: Request, guardians: dict[int, Guardian]) -> str:
    if item.target == "guardian":
        guardian = guardians.get(item.target_id or 0)
        return _("Responsable : %(name)s") % {"name": guardian.full_name if guardian else "—"}
    if item.target == "authorised_person":
        name = item.child.first_name if item.child else "—"
        if item.target_id is None:
            return _("Nouvelle personne autorisée à venir chercher %(name)s") % {"name": name}
        return _("Personne autorisée à venir chercher %(name)s") % {"name": name}
    if item.target == "child":
        return _("Enfant : %(name)s") % {"name": item.child.first_name if item.child else "—"}
    return _("Informations de la famille")


def rows_of(items: list[Request], guardians: dict[int, Guardian]) -> list[Row]:
    rows = []
    for item in items:
        row = Row(item, item.get_kind_display())
        if item.kind == RequestKind.RECORD_CHANGE:
            row.subject = record_subject(item, guardians)
            row.changes = describe_changes(item.target, item.changes)
        elif item.booking is not None:
            row.subject = f"{item.child.first_name if item.child else ''} · {item.booking.activity.label}"
            absence = getattr(item.booking, "absence", None) if item.kind == RequestKind.ABSENCE else None
            if absence is not None:
                row.detail = absence.reason.label
        rows.append(row)
    return rows


def pending_record_changes(family: Family) -> list[Row]:
    """The family's record changes that wait for staff (shown on "Mon dossier")."""
    items = list(
        Request.objects.filter(
            town_id=family.town_id, family=family, kind=RequestKind.RECORD_CHANGE, status=RequestStatus.PENDING
        ).select_related("child")
    )
    guardians = {guardian.pk: guardian for guardian in Guardian.objects.filter(town_id=family.town_id, family=family)}
    return rows_of(items, guardians)


@parent_required
@require_GET
def request_list(request: AuthedRequest, family: Family) -> HttpResponse:
    kind = request.GET.get("type", "")
    if kind not in TYPES:
        kind = ""
    period = request.GET.get("period", DEFAULT_PERIOD)
    if period not in PERIODS:
        period = DEFAULT_PERIOD
    since = timezone.now() - datetime.timedelta(days=PERIODS[period][0])
    found = Request.objects.filter(town_id=family.town_id, family=family, created_at__gte=since).select_related(
        "child", "booking__activity", "booking__absence__reason"
    )
    if kind:
        found = found.filter(kind=kind)
    items = list(found.order_by("-created_at", "-pk"))
    guardians: dict[int, Guardian] = {}
    if any(item.target == "guardian" for item in items):
        guardians = {g.pk: g for g in Guardian.objects.filter(town_id=family.town_id, family=family)}
    rows = rows_of(items, guardians)
    sections = [
        (status, label, [row for row in rows if row.request.status == status])
        for status, label in (
            (RequestStatus.PENDING, _("En attente")),
            (RequestStatus.ACCEPTED, _("Acceptées")),
            (RequestStatus.REFUSED, _("Refusées")),
        )
    ]
    context = {
        "sections": sections,
        "count": len(rows),
        "kind": kind,
        "types": TYPES,
        "period": period,
        "periods": {key: label for key, (_days, label) in PERIODS.items()},
        "since": timezone.localdate(since),
    }
    return render(request, "portal/requests.html", context)
