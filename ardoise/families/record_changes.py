"""Applying a record change a family asked for, once staff accept it.

The request (made by `families.actions.request_record_change`) carries
{"field": [old, new]} for each field. The change is applied only if every old
value is still what the record holds: if someone changed the record since the
family asked, applying would silently undo that change, so it is refused and
staff decide again with the current values in front of them.

Runs inside the caller's transaction (`bookings.decisions`), which audits it.
"""

from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Field, Model
from django.utils.translation import gettext as _

from ardoise.audit.actions import jsonable
from ardoise.bookings.models import Request
from ardoise.families.actions import TARGETS
from ardoise.families.models import AuthorisedPerson, Child, Family

MODELS: dict[str, type[Model]] = {name: model for model, name in TARGETS.items()}
# Fields a family's request may never set, whatever it carries: links between
# records, identifiers, secrets and staff-only dates.
PROTECTED_FIELDS = frozenset(
    {"id", "town", "family", "child", "user", "site", "number", "calendar_token", "archived_on", "created_at"}
)


class StaleRecordChange(Exception):
    """The change cannot be applied as asked; `message` says why, in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    if name in PROTECTED_FIELDS:
        raise StaleRecordChange(_("Le champ « %(name)s » ne peut pas être modifié par une demande.") % {"name": name})
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        raise StaleRecordChange(_("Le champ « %(name)s » n'existe plus.") % {"name": name}) from None
    if not isinstance(field, Field) or field.is_relation or not field.editable:
        raise StaleRecordChange(_("Le champ « %(name)s » ne peut pas être modifié par une demande.") % {"name": name})
    return field


def _label(field: Field[Any, Any]) -> str:
    return str(field.verbose_name).capitalize()


def _pairs(item: Request) -> dict[str, tuple[Any, Any]]:
    pairs = {}
    for name, pair in (item.changes or {}).items():
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise StaleRecordChange(_("La demande est illisible : elle ne peut pas être appliquée."))
        pairs[name] = (pair[0], pair[1])
    if not pairs:
        raise StaleRecordChange(_("La demande ne contient aucune modification."))
    return pairs


def _record(item: Request, model: type[Model]) -> Model:
    """The record the request is about, locked; 'no longer exists' when it went away."""
    query = model._default_manager.select_for_update().filter(town_id=item.town_id, pk=item.target_id)  # type: ignore[attr-defined]
    if model is Family:
        query = query.filter(pk=item.family_id)
    elif model is AuthorisedPerson:
        query = query.filter(child__family_id=item.family_id)
    else:
        query = query.filter(family_id=item.family_id)
    record = query.first()
    if record is None:
        raise StaleRecordChange(_("La fiche concernée n'existe plus."))
    return record  # type: ignore[no-any-return]


def apply_record_change(item: Request) -> tuple[Model, dict[str, list[Any]]]:
    """Write the accepted change to the record (or create the authorised person).

    Returns the record and {"field": [old, new]} as written, for the audit
    trail. Raises StaleRecordChange, writing nothing, when the record changed
    since the request or the request cannot be applied.
    """
    model = MODELS.get(item.target)
    if model is None:
        raise StaleRecordChange(_("La demande ne désigne aucune fiche connue."))
    pairs = _pairs(item)
    fields = {name: _field(model, name) for name in pairs}
    values = {}
    for name, (_old, new) in pairs.items():
        try:
            values[name] = fields[name].clean(new if new is not None or fields[name].null else "", None)
        except ValidationError as error:
            raise StaleRecordChange(
                _("La valeur demandée pour « %(label)s » n'est pas valable : %(error)s")
                % {"label": _label(fields[name]), "error": " ".join(error.messages)}
            ) from None

    if item.target_id is None:
        if model is not AuthorisedPerson or item.child_id is None:
            raise StaleRecordChange(_("La demande ne désigne aucune fiche connue."))
        child = Child.objects.filter(town_id=item.town_id, family_id=item.family_id, pk=item.child_id).first()
        if child is None:
            raise StaleRecordChange(_("L'enfant concerné n'existe plus."))
        person = AuthorisedPerson(town_id=item.town_id, child=child, **values)
        try:
            person.full_clean()
        except ValidationError as error:
            raise StaleRecordChange(" ".join(error.messages)) from None
        person.save()
        return person, {name: [None, jsonable(value)] for name, value in values.items()}

    record = _record(item, model)
    changed_since = [
        _label(fields[name]) for name, (old, _new) in pairs.items() if jsonable(getattr(record, name)) != old
    ]
    if changed_since:
        raise StaleRecordChange(
            _(
                "La fiche a été modifiée depuis la demande (%(fields)s) : la demande ne peut plus être appliquée "
                "telle quelle. Refusez-la ou corrigez la fiche directement."
            )
            % {"fields": ", ".join(changed_since)}
        )
    written = {}
    for name, value in values.items():
        written[name] = [jsonable(getattr(record, name)), jsonable(value)]
        setattr(record, name, value)
    record.save(update_fields=list(values))
    return record, written
