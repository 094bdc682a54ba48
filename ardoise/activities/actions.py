"""Changes to a town's activities, absence reasons and tariffs, made by its administrator.

A change of rule applies to future days only. Bookings are rows of their own:
changing an activity's weekdays or deadline rule leaves every booking already
made as it is. A tariff is never edited: a new tariff row starts on a date no
earlier than today, so that days already served (and invoiced) keep their price.
"""

import datetime
import itertools
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.activities.models import AbsenceReason, Activity
from ardoise.audit import actions as audit
from ardoise.audit.actions import changes_between, snapshot
from ardoise.billing.models import Tariff, TariffBand, TariffMode
from ardoise.towns import reference
from ardoise.towns.actions import ConfigurationRefused
from ardoise.towns.models import Town

ACTIVITY_FIELDS = (
    "site",
    "code",
    "label",
    "weekdays",
    "starts_at",
    "ends_at",
    "capacity",
    "needs_validation",
    "runs_in_school_holidays",
    "holidays_only",
    "deadline_kind",
    "deadline_weekday",
    "deadline_days",
    "deadline_time",
    "deadline_fixed_at",
    "deadline_skips_public_holidays",
)

REASON_FIELDS = ("code", "label", "billed", "document_required", "waiting_days", "position")

TARIFF_FIELDS = (
    "valid_from",
    "mode",
    "pack_days",
    "base_price",
    "non_resident_price",
    "pai_price",
    "penalty_price",
    "penalty_from_nth",
    "sibling_discount_percent",
)


@transaction.atomic
def save_activity(town: Town, actor: User, activity: Activity | None, values: Mapping[str, Any]) -> Activity:
    """Create an activity or change one; `values` holds ACTIVITY_FIELDS (site of this town)."""
    site = values["site"]
    if site.town_id != town.pk:
        raise ValueError("The site belongs to another town.")
    code = values["code"]
    if Activity.objects.filter(town=town, site=site, code=code).exclude(pk=activity.pk if activity else None).exists():
        raise ConfigurationRefused(_("Cette école a déjà une activité avec ce code."))
    before = snapshot(activity, ACTIVITY_FIELDS) if activity else {}
    activity = activity or Activity(town=town)
    for name in ACTIVITY_FIELDS:
        setattr(activity, name, values[name])
    try:
        activity.deadline_rule.validate()
    except ValueError as error:
        raise ConfigurationRefused(str(error)) from error
    activity.save()
    audit.record(
        town,
        actor,
        "activity.update" if before else "activity.create",
        activity,
        summary=f"Activité {activity.label} ({site.name})",
        changes=changes_between(before, snapshot(activity, ACTIVITY_FIELDS)),
    )
    return activity


@transaction.atomic
def save_absence_reason(
    town: Town, actor: User, reason: AbsenceReason | None, values: Mapping[str, Any]
) -> AbsenceReason:
    """Create or change an absence reason; its code is made from the label when not given."""
    code = values.get("code") or slugify(values["label"])[:40] or "motif"
    if AbsenceReason.objects.filter(town=town, code=code).exclude(pk=reason.pk if reason else None).exists():
        raise ConfigurationRefused(_("Un motif d'absence utilise déjà ce code."))
    before = snapshot(reason, REASON_FIELDS) if reason else {}
    reason = reason or AbsenceReason(town=town)
    reason.code = code
    for name in REASON_FIELDS[1:]:
        setattr(reason, name, values[name])
    reason.save()
    audit.record(
        town,
        actor,
        "absence_reason.update" if before else "absence_reason.create",
        reason,
        summary=f"Motif d'absence {reason.label}",
        changes=changes_between(before, snapshot(reason, REASON_FIELDS)),
    )
    return reason


def check_bands(bands: Sequence[tuple[int | None, Decimal]]) -> None:
    """Quotient-familial bands: upper bounds strictly increasing, one open band at most and last."""
    bounds = [qf_max for qf_max, _price in bands]
    if None in bounds[:-1]:
        raise ConfigurationRefused(_("Seule la dernière tranche peut être sans plafond de quotient familial."))
    closed = [bound for bound in bounds if bound is not None]
    if any(later <= earlier for earlier, later in itertools.pairwise(closed)):
        raise ConfigurationRefused(
            _("Les plafonds des tranches de quotient familial doivent être strictement croissants.")
        )
    for _qf_max, price in bands:
        if price < 0 or price != price.quantize(Decimal("0.01")):
            raise ConfigurationRefused(_("Les prix doivent être positifs ou nuls, avec deux décimales au plus."))


@transaction.atomic
def create_tariff(
    town: Town,
    actor: User,
    activity: Activity,
    values: Mapping[str, Any],
    bands: Sequence[tuple[int | None, Decimal]],
    today: datetime.date | None = None,
) -> Tariff:
    """A new tariff for `activity` from `values["valid_from"]` (today or later) on, with its bands.

    The tariff in force until then is left untouched: days before the new date
    keep their price.
    """
    if activity.town_id != town.pk:
        raise ValueError("The activity belongs to another town.")
    today = today or timezone.localdate()
    valid_from = values["valid_from"]
    if valid_from < today:
        raise ConfigurationRefused(
            _("Un nouveau tarif commence aujourd'hui au plus tôt : les jours passés gardent leur prix.")
        )
    if Tariff.objects.filter(town=town, activity=activity, valid_from=valid_from).exists():
        raise ConfigurationRefused(_("Un tarif de cette activité commence déjà ce jour-là."))
    check_bands(bands)
    discount = values["sibling_discount_percent"]
    if not Decimal(0) <= discount <= Decimal(100):
        raise ConfigurationRefused(_("La réduction fratrie est un pourcentage entre 0 et 100."))
    if values["mode"] == TariffMode.PACK_DAYS and not values.get("pack_days"):
        raise ConfigurationRefused(_("Indiquez combien de jours couvre un forfait."))
    tariff = Tariff(town=town, activity=activity)
    for name in TARIFF_FIELDS:
        setattr(tariff, name, values.get(name))
    if tariff.mode != TariffMode.PACK_DAYS:
        tariff.pack_days = None
    tariff.save()
    TariffBand.objects.bulk_create(
        [TariffBand(town=town, tariff=tariff, qf_max=qf_max, price=price) for qf_max, price in bands]
    )
    reference.changed(town.pk)  # bulk_create sends no signal (the tariff's save told it already; said anyway)
    previous = (
        Tariff.objects.filter(town=town, activity=activity, valid_from__lt=valid_from).order_by("-valid_from").first()
    )
    after = snapshot(tariff, TARIFF_FIELDS) | {
        "bands": [[qf_max, str(price)] for qf_max, price in bands],
    }
    before = snapshot(previous, TARIFF_FIELDS) if previous else {}
    if previous:
        before["bands"] = [[band.qf_max, str(band.price)] for band in previous.bands.all()]
    audit.record(
        town,
        actor,
        "tariff.create",
        tariff,
        summary=f"Tarif {activity.label} ({activity.site.name}) dès le {valid_from:%d/%m/%Y}",
        changes={name: [before.get(name), value] for name, value in after.items()},
    )
    return tariff
