"""The fixed part of the demo town, exactly as DEMO.md describes it.

Plain data: the builder turns it into rows. Prices are euros (Decimal, two
places); weekdays are Monday = 0 … Sunday = 6.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from ardoise.calendars.deadlines import DeadlineKind
from ardoise.towns.models import Role

TOWN_SLUG = "demo"
TOWN_NAME = "Saint-Exemple"
TOWN_ZONE = "B"
REGIE_NAME = "Régie périscolaire de Saint-Exemple"
TOWN_ADDRESS = "Mairie de Saint-Exemple\nService périscolaire\n1 place de la République\n44123 Saint-Exemple"
TOWN_PHONE = "02 40 12 34 56"
TOWN_EMAIL = "periscolaire@saint-exemple.demo.test"
TOWN_HOURS = "Du lundi au vendredi, 8h30–12h et 13h30–17h30 ; fermé le mercredi après-midi"
TOWN_POSTCODE = "44123"

JULES_FERRY = "École Jules Ferry"
MARIE_CURIE = "École Marie Curie"
SITE_ADDRESSES = {
    JULES_FERRY: "3 rue Jules Ferry\n44123 Saint-Exemple",
    MARIE_CURIE: "18 avenue de la Loire\n44123 Saint-Exemple",
}

# Both passwords are published in DEMO.md: the demo town is public by design.
PARENT_PASSWORD = "demo-parent"  # noqa: S105
STAFF_PASSWORD = "demo-staff"  # noqa: S105
EMAIL_DOMAIN = "demo.test"

MON, TUE, WED, THU, FRI = range(5)
SCHOOL_DAYS = [MON, TUE, THU, FRI]


@dataclass(frozen=True)
class Price:
    """An activity's tariff: `bands` are (qf_max, price), the last qf_max None."""

    base: Decimal
    bands: tuple[tuple[int | None, Decimal], ...] = ()
    non_resident: Decimal | None = None
    pai: Decimal | None = None
    penalty: Decimal | None = None


@dataclass(frozen=True)
class ActivitySpec:
    code: str
    label: str
    weekdays: list[int]
    starts_at: datetime.time | None
    ends_at: datetime.time | None
    deadline_kind: DeadlineKind
    deadline_time: datetime.time
    price: Price
    deadline_weekday: int | None = None
    deadline_days: int | None = None
    needs_validation: bool = False
    # Places per day by site name; a site not listed has no limit.
    capacity: dict[str, int] = field(default_factory=dict)
    # Capacity at sites of large generated towns (not in DEMO.md).
    default_capacity: int | None = None

    def capacity_at(self, site_name: str) -> int | None:
        return self.capacity.get(site_name, self.default_capacity)


NOON = datetime.time(12, 0)
D = Decimal

ACTIVITIES = [
    ActivitySpec(
        code="repas",
        label="Repas",
        weekdays=SCHOOL_DAYS,
        starts_at=datetime.time(11, 45),
        ends_at=datetime.time(13, 30),
        deadline_kind=DeadlineKind.WEEKLY,
        deadline_weekday=THU,
        deadline_time=NOON,
        price=Price(
            base=D("4.10"),
            bands=((500, D("1.00")), (1000, D("2.50")), (1500, D("3.20")), (None, D("4.10"))),
            non_resident=D("5.20"),
            pai=D("1.50"),
            penalty=D("6.00"),
        ),
    ),
    ActivitySpec(
        code="garderie_matin",
        label="Garderie matin 7h30–8h30",
        weekdays=SCHOOL_DAYS,
        starts_at=datetime.time(7, 30),
        ends_at=datetime.time(8, 30),
        deadline_kind=DeadlineKind.WORKING_DAYS,
        deadline_days=2,
        deadline_time=NOON,
        price=Price(base=D("1.80")),
    ),
    ActivitySpec(
        code="garderie_soir",
        label="Garderie soir 16h30–18h30",
        weekdays=SCHOOL_DAYS,
        starts_at=datetime.time(16, 30),
        ends_at=datetime.time(18, 30),
        deadline_kind=DeadlineKind.WORKING_DAYS,
        deadline_days=2,
        deadline_time=NOON,
        price=Price(base=D("2.40")),
        capacity={JULES_FERRY: 20},
    ),
    ActivitySpec(
        code="etude",
        label="Étude surveillée 16h30–17h30",
        weekdays=[MON, TUE, THU],
        starts_at=datetime.time(16, 30),
        ends_at=datetime.time(17, 30),
        deadline_kind=DeadlineKind.DAY_BEFORE,
        deadline_time=datetime.time(18, 0),
        price=Price(base=D("1.50")),
    ),
    ActivitySpec(
        code="mercredi",
        label="Accueil du mercredi",
        weekdays=[WED],
        starts_at=datetime.time(8, 30),
        ends_at=datetime.time(17, 30),
        deadline_kind=DeadlineKind.WEEKLY,
        deadline_weekday=THU,
        deadline_time=NOON,
        needs_validation=True,
        price=Price(base=D("12.00"), bands=((1000, D("9.00")), (None, D("12.00")))),
        capacity={JULES_FERRY: 24, MARIE_CURIE: 24},
        default_capacity=24,
    ),
]
ACTIVITY_CODES = [spec.code for spec in ACTIVITIES]


def unit_price(price: Price, *, quotient_familial: int | None, resident: bool, has_pai: bool) -> Decimal:
    """The unit price a family pays (the demo's own copy of the rule, for its invoices)."""
    if has_pai and price.pai is not None:
        return price.pai
    if not resident and price.non_resident is not None:
        return price.non_resident
    if quotient_familial is None:
        return price.base
    for qf_max, band_price in price.bands:
        if qf_max is None or quotient_familial <= qf_max:
            return band_price
    return price.base


@dataclass(frozen=True)
class ReasonSpec:
    code: str
    label: str
    billed: bool
    document_required: bool


# Seed 001's list. Only "Autres" stays billed; reasons a parent cannot prove
# by themselves ask for a document (medical certificate, accident report…).
ABSENCE_REASONS = [
    ReasonSpec("raison_medicale", "Raison médicale", billed=False, document_required=True),
    ReasonSpec("sortie_scolaire", "Voyage ou sortie scolaire", billed=False, document_required=False),
    ReasonSpec("absence_enseignant", "Absence de l'enseignant", billed=False, document_required=False),
    ReasonSpec("greve", "Grève du personnel ou des enseignants", billed=False, document_required=False),
    ReasonSpec("accident", "Accident de la circulation", billed=False, document_required=True),
    ReasonSpec("soutien", "Participation à une séquence de soutien", billed=False, document_required=False),
    ReasonSpec("force_majeure", "Cas de force majeure", billed=False, document_required=True),
    ReasonSpec("circonstances_exceptionnelles", "Circonstances exceptionnelles", billed=False, document_required=True),
    ReasonSpec("autres", "Autres", billed=True, document_required=False),
]


@dataclass(frozen=True)
class StaffSpec:
    email: str
    first_name: str
    last_name: str
    role: Role
    site: str | None = None


STAFF = [
    StaffSpec("admin@demo.test", "Isabelle", "Moreau", Role.ADMIN),
    StaffSpec("accueil@demo.test", "Nadia", "Benali", Role.FRONT_DESK),
    StaffSpec("animateur@demo.test", "Thomas", "Girard", Role.SITE_AGENT, site=JULES_FERRY),
    StaffSpec("cuisine@demo.test", "Patrick", "Lemoine", Role.KITCHEN),
    StaffSpec("regie@demo.test", "Sophie", "Garnier", Role.FINANCE),
]
