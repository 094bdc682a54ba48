"""Changes to a town's calendar: school years and closures, made by its administrator.

A closure takes effect at once: the planning reads the closures of the days it
shows at every request (calendars.days.load_closures). Bookings already made on
a closed day are left as they are for staff to settle.
"""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit import actions as audit
from ardoise.audit.actions import changes_between, snapshot
from ardoise.calendars.models import Closure, SchoolYear
from ardoise.towns.actions import ConfigurationRefused
from ardoise.towns.models import Site, Town

CLOSURE_FIELDS = ("site", "activity", "starts_on", "ends_on", "label")
YEAR_FIELDS = ("start_year", "starts_on", "ends_on", "zone")


@transaction.atomic
def create_school_year(
    town: Town, actor: User, *, start_year: int, starts_on: datetime.date, ends_on: datetime.date, zone: str
) -> SchoolYear:
    if ends_on <= starts_on:
        raise ConfigurationRefused(_("Le dernier jour doit suivre le premier jour."))
    if not (starts_on.year == start_year and ends_on.year == start_year + 1):
        raise ConfigurationRefused(
            _("L'année %(start)s–%(end)s commence en %(start)s et finit en %(end)s.")
            % {"start": start_year, "end": start_year + 1}
        )
    if SchoolYear.objects.filter(town=town, start_year=start_year).exists():
        raise ConfigurationRefused(_("Cette année scolaire existe déjà."))
    overlapping = SchoolYear.objects.filter(town=town, starts_on__lte=ends_on, ends_on__gte=starts_on).first()
    if overlapping is not None:
        raise ConfigurationRefused(
            _("Ces dates chevauchent l'année scolaire %(year)s (du %(start)s au %(end)s).")
            % {
                "year": overlapping,
                "start": f"{overlapping.starts_on:%d/%m/%Y}",
                "end": f"{overlapping.ends_on:%d/%m/%Y}",
            }
        )
    year = SchoolYear.objects.create(town=town, start_year=start_year, starts_on=starts_on, ends_on=ends_on, zone=zone)
    audit.record(
        town,
        actor,
        "school_year.create",
        year,
        summary=f"Année scolaire {year}",
        changes=changes_between({}, snapshot(year, YEAR_FIELDS)),
    )
    return year


@transaction.atomic
def create_closure(
    town: Town,
    actor: User,
    *,
    starts_on: datetime.date,
    ends_on: datetime.date | None,
    label: str,
    site: Site | None = None,
    activity: Activity | None = None,
) -> Closure:
    """Close one day (no `ends_on`) or a range, for one site or all, one activity or all."""
    ends_on = ends_on or starts_on
    if ends_on < starts_on:
        raise ConfigurationRefused(_("La fin de la fermeture doit suivre son début."))
    if site is not None and site.town_id != town.pk:
        raise ValueError("The site belongs to another town.")
    if activity is not None:
        if activity.town_id != town.pk:
            raise ValueError("The activity belongs to another town.")
        if site is not None and activity.site_id != site.pk:
            raise ConfigurationRefused(_("Cette activité n'a pas lieu dans l'école choisie."))
    closure = Closure.objects.create(
        town=town, site=site, activity=activity, starts_on=starts_on, ends_on=ends_on, label=label.strip()
    )
    audit.record(
        town,
        actor,
        "closure.create",
        closure,
        summary=f"Fermeture {closure.label}",
        changes=changes_between({}, snapshot(closure, CLOSURE_FIELDS)),
    )
    return closure


@transaction.atomic
def delete_closure(town: Town, actor: User, closure: Closure) -> None:
    if closure.town_id != town.pk:
        raise ValueError("The closure belongs to another town.")
    before = snapshot(closure, CLOSURE_FIELDS)
    audit.record(
        town,
        actor,
        "closure.delete",
        closure,
        summary=f"Fermeture {closure.label} supprimée",
        changes={name: [value, None] for name, value in before.items()},
    )
    closure.delete()
