"""The administrator's registration periods (holidays, a term of Wednesdays): created and changed here,
atomic and audited. Families register for them through `admissions.actions.request_enrolment`.
"""

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.admissions.models import RegistrationPeriod
from ardoise.admissions.periods import period_days
from ardoise.audit import actions as audit
from ardoise.audit.actions import changes_between, snapshot
from ardoise.calendars.models import SchoolYear
from ardoise.calendars.opening import closed_reason, is_school_holiday
from ardoise.towns.actions import ConfigurationRefused
from ardoise.towns.models import Town

PERIOD_FIELDS = ("activity", "label", "first_day", "last_day", "opens_at", "closes_at", "unit")


def town_periods(town: Town) -> QuerySet[RegistrationPeriod]:
    return RegistrationPeriod.objects.filter(town=town).select_related("activity", "activity__site")


def school_year_of(period: RegistrationPeriod) -> SchoolYear | None:
    """The school year a period's requests belong to: the one containing its first day."""
    return SchoolYear.objects.filter(
        town_id=period.town_id, starts_on__lte=period.first_day, ends_on__gte=period.first_day
    ).first()


def days_outside_holidays(
    activity: Activity, first_day: datetime.date, last_day: datetime.date, zone: str
) -> list[datetime.date]:
    """The days of a period the activity runs on its weekdays that are not school holidays: allowed (a term
    of Wednesdays), but the administrator is warned."""

    def runs(day: datetime.date) -> bool:
        return (
            closed_reason(
                day,
                weekdays=activity.weekdays,
                zone=zone,
                runs_in_school_holidays=True,
                closures=(),
                site_id=activity.site_id,
                activity_id=activity.pk,
            )
            is None
        )

    return [day for day in period_days(first_day, last_day, runs) if not is_school_holiday(day, zone)]


def _snapshot(period: RegistrationPeriod) -> dict[str, Any]:
    # Instants in Paris time, whether read from the database (UTC) or from a form.
    values = snapshot(period, PERIOD_FIELDS)
    for name in ("opens_at", "closes_at"):
        values[name] = timezone.localtime(getattr(period, name)).isoformat()
    return values


@transaction.atomic
def save_registration_period(
    town: Town, actor: User, period: RegistrationPeriod | None, values: Mapping[str, Any]
) -> RegistrationPeriod:
    """Create a registration period or change one; `values` holds PERIOD_FIELDS (an activity of this town)."""
    activity: Activity = values["activity"]
    if activity.town_id != town.pk:
        raise ValueError("The activity belongs to another town.")
    if values["last_day"] < values["first_day"]:
        raise ConfigurationRefused(_("Le dernier jour doit suivre le premier jour."))
    if values["closes_at"] <= values["opens_at"]:
        raise ConfigurationRefused(_("La clôture des inscriptions doit suivre leur ouverture."))
    if not SchoolYear.objects.filter(
        town=town, starts_on__lte=values["first_day"], ends_on__gte=values["first_day"]
    ).exists():
        raise ConfigurationRefused(
            _("Aucune année scolaire ne contient le premier jour de la période : créez-la d'abord.")
        )
    before = _snapshot(period) if period else {}
    period = period or RegistrationPeriod(town=town)
    for name in PERIOD_FIELDS:
        setattr(period, name, values[name])
    period.save()
    audit.record(
        town,
        actor,
        "registration_period.update" if before else "registration_period.create",
        period,
        summary=f"Période d'inscription {period.label} ({activity.label}, {activity.site.name})",
        changes=changes_between(before, _snapshot(period)),
    )
    return period
