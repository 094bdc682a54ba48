"""The second demo town, in prepayment (seed 002): Villeneuve-l'Avance, slug `avance`.

A small town whose parents pay when they book: one school, `repas` and
`garderie_soir` at simple prices, the simulator as payment provider, a handful
of families (parentN@avance.test / demo-parent) and a finance login
(regie@avance.test / demo-staff). Nothing is booked: the first basket is the
visitor's. Built afresh with the demo town, deterministic for a given day.
"""

import datetime
from decimal import Decimal

from django.contrib.auth.hashers import make_password

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.billing.models import BillingSettings, Tariff
from ardoise.bookings.models import Enrollment
from ardoise.calendars.models import SchoolYear
from ardoise.families.models import Child, Family, Guardian
from ardoise.payments.models import ProviderConfig, ProviderKind
from ardoise.towns.models import Role, Site, StaffRole, Town

from . import spec
from .calendar import current_school_year, school_year

SLUG = "avance"
NAME = "Villeneuve-l'Avance"
ZONE = "C"
# (family name, guardian's first name, children's first names)
FAMILIES = [
    ("MARTIN", "Claire", ["Léa", "Hugo"]),
    ("BERNARD", "Karim", ["Inès"]),
    ("PETIT", "Sophie", ["Jules", "Lina"]),
    ("ROBERT", "Thomas", ["Nina"]),
    ("RICHARD", "Amélie", ["Tom"]),
]
PRICES = {"repas": Decimal("3.60"), "garderie_soir": Decimal("2.00")}


def build_prepaid_town(today: datetime.date) -> Town:
    """Delete and build Villeneuve-l'Avance again (called by the demo builder, in its transaction)."""
    from .builder import delete_town  # Here: the builder imports this module.

    delete_town(SLUG)
    town = Town.objects.create(
        slug=SLUG,
        name=NAME,
        zone=ZONE,
        regie_name=f"Régie de restauration scolaire de {NAME}",
        address=f"Mairie, 1 place de la République, 31000 {NAME}",
        email=f"mairie@{SLUG}.test",
    )
    BillingSettings.objects.create(town=town, prepayment=True)
    ProviderConfig.objects.create(town=town, provider=ProviderKind.SIMULATOR)
    current = current_school_year(today, ZONE)
    years = [
        SchoolYear.objects.create(
            town=town, start_year=span.start_year, starts_on=span.starts_on, ends_on=span.ends_on, zone=ZONE
        )
        for span in (current, school_year(current.start_year + 1, ZONE))
    ]
    site = Site.objects.create(town=town, name="École des Tilleuls", address=f"2 rue des Écoles, {NAME}")
    activities = []
    for activity_spec in spec.ACTIVITIES:
        if activity_spec.code not in PRICES:
            continue
        activity = Activity.objects.create(
            town=town,
            site=site,
            code=activity_spec.code,
            label=activity_spec.label,
            weekdays=activity_spec.weekdays,
            starts_at=activity_spec.starts_at,
            ends_at=activity_spec.ends_at,
            deadline_kind=activity_spec.deadline_kind,
            deadline_weekday=activity_spec.deadline_weekday,
            deadline_days=activity_spec.deadline_days,
            deadline_time=activity_spec.deadline_time,
        )
        Tariff.objects.create(
            town=town, activity=activity, valid_from=years[0].starts_on, base_price=PRICES[activity.code]
        )
        activities.append(activity)
    parent_password = make_password(spec.PARENT_PASSWORD)
    for number, (last_name, first_name, children) in enumerate(FAMILIES, start=1):
        family = Family.objects.create(town=town, number=f"A{number:04d}", name=last_name, quotient_familial=900)
        user = User.objects.create(
            town=town,
            email=f"parent{number}@{SLUG}.test",
            first_name=first_name,
            last_name=last_name,
            password=parent_password,
        )
        Guardian.objects.create(
            town=town,
            family=family,
            user=user,
            civility="Mme" if number % 2 else "M.",
            first_name=first_name,
            last_name=last_name,
            email=user.email,
            address="3 chemin des Vignes",
            postcode="31000",
            city=NAME,
        )
        for rank, child_name in enumerate(children):
            child = Child.objects.create(
                town=town,
                family=family,
                first_name=child_name,
                last_name=last_name,
                sex="F" if child_name in ("Léa", "Inès", "Lina", "Nina") else "M",
                birth_date=datetime.date(current.start_year - 6 - 2 * rank, 1 + number, 10),
                site=site,
            )
            Enrollment.objects.bulk_create(
                Enrollment(town=town, child=child, activity=activity, school_year=year)
                for activity in activities
                for year in years
            )
    finance = User.objects.create(
        town=town,
        email=f"regie@{SLUG}.test",
        first_name="Régie",
        last_name=NAME,
        password=make_password(spec.STAFF_PASSWORD),
    )
    StaffRole.objects.create(town=town, user=finance, role=Role.FINANCE)
    return town
