"""Changes to consents: a guardian's (or staff's) answer, and the administrator's kinds and versions.

An answer is a new row (the history stays); it counts for the kind's current version. Staff answering on
a family's behalf and every change of configuration are audited.
"""

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit import actions as audit
from ardoise.audit.actions import changes_between, snapshot
from ardoise.consents.models import ConsentAnswer, ConsentKind
from ardoise.families.models import Child, Family
from ardoise.towns.actions import ConfigurationRefused
from ardoise.towns.models import Town

KIND_FIELDS = ("code", "label", "short_label", "text", "concerns", "on_roll_call", "position", "active")


class AnswerRefused(ValueError):
    """Why an answer cannot be recorded, in French for the person who gave it."""


@transaction.atomic
def answer(
    family: Family,
    kind: ConsentKind,
    child: Child | None,
    given: bool,
    *,
    by: User,
    as_staff: bool = False,
    now: datetime.datetime | None = None,
) -> ConsentAnswer:
    """Record a family's answer ("yes" or "no") to the kind's current version, for a child or the family."""
    if kind.town_id != family.town_id or not kind.active:
        raise AnswerRefused(_("Cette autorisation n'est plus demandée."))
    if kind.per_child:
        if child is None:
            raise AnswerRefused(_("Indiquez l'enfant concerné par « %(kind)s ».") % {"kind": kind.label})
        if child.family_id != family.pk:
            raise AnswerRefused(_("Cet enfant n'appartient pas à la famille."))
    elif child is not None:
        raise AnswerRefused(_("« %(kind)s » concerne toute la famille, pas un enfant.") % {"kind": kind.label})
    recorded = ConsentAnswer.objects.create(
        town_id=family.town_id,
        kind=kind,
        family=family,
        child=child,
        version=kind.version,
        given=given,
        answered_by=by,
        answered_at=now or timezone.now(),
    )
    if as_staff:
        audit.record(
            family.town,
            by,
            "consent.answer",
            recorded,
            summary=f"{kind.label} v{kind.version} : {'oui' if given else 'non'} — "
            f"{child.full_name if child else family.name} (famille {family.number})",
        )
    return recorded


@transaction.atomic
def save_kind(
    town: Town,
    actor: User,
    kind: ConsentKind | None,
    values: Mapping[str, Any],
    needed_by: Sequence[Activity],
    *,
    today: datetime.date,
) -> ConsentKind:
    """Create a kind (version 1, published today) or change one without asking the families again: a change
    of text that families must see again is a new version (`publish_version`)."""
    if any(activity.town_id != town.pk for activity in needed_by):
        raise ValueError("An activity belongs to another town.")
    same_code = ConsentKind.objects.filter(town=town, code=values["code"])
    if (same_code.exclude(pk=kind.pk) if kind else same_code).exists():
        raise ConfigurationRefused(_("Une autorisation utilise déjà ce code."))
    before = snapshot(kind, KIND_FIELDS) | {"needed_by": _codes(kind.needed_by.all())} if kind else {}
    if kind is None:
        kind = ConsentKind(town=town, version=1, version_published_on=today)
    for name in KIND_FIELDS:
        setattr(kind, name, values[name])
    kind.save()
    kind.needed_by.set(needed_by)
    after = snapshot(kind, KIND_FIELDS) | {"needed_by": _codes(needed_by)}
    audit.record(
        town,
        actor,
        "consent_kind.update" if before else "consent_kind.create",
        kind,
        summary=f"Autorisation {kind.label}",
        changes=changes_between(before, after),
    )
    return kind


@transaction.atomic
def publish_version(kind: ConsentKind, text: str, *, actor: User, today: datetime.date) -> ConsentKind:
    """A new version of the kind's text: every family is asked again; earlier answers stay as history."""
    kind = ConsentKind.objects.select_for_update().get(pk=kind.pk)
    before = {"version": kind.version, "text": kind.text}
    kind.version += 1
    kind.text = text
    kind.version_published_on = today
    kind.save(update_fields=["version", "text", "version_published_on"])
    audit.record(
        kind.town,
        actor,
        "consent_kind.publish",
        kind,
        summary=f"Autorisation {kind.label} : version {kind.version}",
        changes=changes_between(before, {"version": kind.version, "text": kind.text}),
    )
    return kind


def _codes(activities: Any) -> list[str]:
    return sorted(activity.code for activity in activities)
