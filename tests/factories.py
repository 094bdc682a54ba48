"""factory-boy factories for Ardoise's models.

Every table carries its own `town`. A factory takes it from the parent object
the test gives (`ChildFactory(family=f)` puts the child in `f.town`) and hands
it down to the objects it creates, so a test never builds a row whose town
differs from its parent's by accident. Give `town=` alone and everything below
is created in that town.

The defaults are the demo town's (DEMO.md): a `repas` activity on Monday,
Tuesday, Thursday and Friday, closing on Thursday 12:00 for the following week;
the traits `garderie_matin`, `garderie_soir`, `etude` and `mercredi` give the
other activities.
"""

import datetime
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from ardoise.accounts.models import User
from ardoise.activities.models import AbsenceReason, Activity
from ardoise.billing.models import Invoice, Payment, PaymentAllocation, Tariff, TariffBand
from ardoise.bookings.models import Booking, BookingState, Enrollment
from ardoise.calendars.deadlines import DeadlineKind
from ardoise.calendars.models import SchoolYear
from ardoise.consents.models import Concerns, ConsentKind
from ardoise.families.models import Child, Civility, Family, Guardian, Sex
from ardoise.towns.models import Role, Site, StaffRole, Town, Zone

# The password of every account the factories create.
PASSWORD = "mot-de-passe-de-test"

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = range(5)


def current_school_year_start(today: datetime.date | None = None) -> int:
    """The calendar year the current school year started in (2026 for 2026–2027)."""
    today = today or timezone.localdate()
    return today.year if today.month >= 8 else today.year - 1


def next_monday(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return today + datetime.timedelta(days=7 - today.weekday())


class TownFactory(DjangoModelFactory):
    class Meta:
        model = Town
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"ville-{n}")
    name = factory.Sequence(lambda n: f"Ville {n}")
    zone = Zone.B
    regie_name = factory.LazyAttribute(lambda o: f"Régie périscolaire de {o.name}")
    address = factory.LazyAttribute(lambda o: f"Mairie\n1 place de la République\n00000 {o.name}")


class TownScopedFactory(DjangoModelFactory):
    """Base of the factories of town-scoped models.

    `_town_from` names the parent fields the town is taken from when the test
    gives one of them and no `town`.
    """

    class Meta:
        abstract = True

    _town_from: tuple[str, ...] = ()

    town = factory.SubFactory(TownFactory)

    @classmethod
    def _generate(cls, strategy: str, params: dict[str, Any]) -> Any:
        if "town" not in params:
            for name in cls._town_from:
                parent = params.get(name)
                if parent is not None:
                    params = {**params, "town": parent.town}
                    break
        return super()._generate(strategy, params)


class UserFactory(TownScopedFactory):
    """An account with the password PASSWORD (hashed by the configured hasher)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"compte{n}@example.test")
    password = PASSWORD

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        password = kwargs.pop("password")
        return model_class.objects.create_user(*args, password=password, **kwargs)


class SiteFactory(TownScopedFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"École {n}")
    address = "1 rue de l'École"


class SchoolYearFactory(TownScopedFactory):
    """The current school year by default; one per town and start year."""

    class Meta:
        model = SchoolYear
        django_get_or_create = ("town", "start_year")

    start_year = factory.LazyFunction(current_school_year_start)
    starts_on = factory.LazyAttribute(lambda o: datetime.date(o.start_year, 9, 1))
    ends_on = factory.LazyAttribute(lambda o: datetime.date(o.start_year + 1, 7, 4))
    zone = factory.SelfAttribute("town.zone")


class ActivityFactory(TownScopedFactory):
    """The `repas` activity of a site by default.

    One activity per site and code: asking again for the same code at the same
    site returns the existing activity (so that enrolling two children of one
    school does not try to create its `repas` twice).
    """

    class Meta:
        model = Activity
        django_get_or_create = ("town", "site", "code")

    _town_from = ("site",)

    site = factory.SubFactory(SiteFactory, town=factory.SelfAttribute("..town"))
    code = "repas"
    label = "Repas"
    weekdays = factory.LazyFunction(lambda: [MONDAY, TUESDAY, THURSDAY, FRIDAY])
    starts_at = datetime.time(11, 30)
    ends_at = datetime.time(13, 30)
    capacity = None
    needs_validation = False
    runs_in_school_holidays = False
    deadline_kind = DeadlineKind.WEEKLY
    deadline_weekday = THURSDAY
    deadline_time = datetime.time(12, 0)

    class Params:
        garderie_matin = factory.Trait(
            code="garderie_matin",
            label="Garderie matin 7h30–8h30",
            starts_at=datetime.time(7, 30),
            ends_at=datetime.time(8, 30),
            deadline_kind=DeadlineKind.WORKING_DAYS,
            deadline_weekday=None,
            deadline_days=2,
        )
        garderie_soir = factory.Trait(
            code="garderie_soir",
            label="Garderie soir 16h30–18h30",
            starts_at=datetime.time(16, 30),
            ends_at=datetime.time(18, 30),
            deadline_kind=DeadlineKind.WORKING_DAYS,
            deadline_weekday=None,
            deadline_days=2,
        )
        etude = factory.Trait(
            code="etude",
            label="Étude surveillée 16h30–17h30",
            weekdays=factory.LazyFunction(lambda: [MONDAY, TUESDAY, THURSDAY]),
            starts_at=datetime.time(16, 30),
            ends_at=datetime.time(17, 30),
            deadline_kind=DeadlineKind.DAY_BEFORE,
            deadline_weekday=None,
            deadline_time=datetime.time(18, 0),
        )
        mercredi = factory.Trait(
            code="mercredi",
            label="Accueil du mercredi",
            weekdays=factory.LazyFunction(lambda: [WEDNESDAY]),
            starts_at=datetime.time(8, 0),
            ends_at=datetime.time(18, 0),
            capacity=24,
            needs_validation=True,
        )


class AbsenceReasonFactory(TownScopedFactory):
    class Meta:
        model = AbsenceReason

    code = factory.Sequence(lambda n: f"motif-{n}")
    label = factory.Sequence(lambda n: f"Motif {n}")
    billed = False
    document_required = False
    waiting_days = 0
    position = factory.Sequence(lambda n: n)


class FamilyFactory(TownScopedFactory):
    class Meta:
        model = Family

    number = factory.Sequence(lambda n: f"{1000 + n}")
    name = factory.Faker("last_name", locale="fr_FR")
    quotient_familial = 800
    resident = True


class GuardianFactory(TownScopedFactory):
    """A guardian with an account (give `user=None` for one without)."""

    class Meta:
        model = Guardian

    _town_from = ("family",)

    family = factory.SubFactory(FamilyFactory, town=factory.SelfAttribute("..town"))
    position = 1
    civility = Civility.MADAME
    first_name = factory.Faker("first_name_female", locale="fr_FR")
    last_name = factory.SelfAttribute("family.name")
    relationship = "Mère"
    email = factory.Sequence(lambda n: f"parent{n}@example.test")
    mobile_phone = "06 12 34 56 78"
    address = "3 rue des Lilas"
    postcode = "00000"
    city = factory.SelfAttribute("town.name")
    user = factory.SubFactory(
        UserFactory,
        town=factory.SelfAttribute("..town"),
        email=factory.SelfAttribute("..email"),
        first_name=factory.SelfAttribute("..first_name"),
        last_name=factory.SelfAttribute("..last_name"),
    )


class ChildFactory(TownScopedFactory):
    class Meta:
        model = Child

    _town_from = ("family", "site")

    family = factory.SubFactory(FamilyFactory, town=factory.SelfAttribute("..town"))
    site = factory.SubFactory(SiteFactory, town=factory.SelfAttribute("..town"))
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.SelfAttribute("family.name")
    sex = Sex.FEMALE
    birth_date = factory.LazyFunction(lambda: datetime.date(timezone.localdate().year - 8, 3, 14))
    school_class = "CE2"


class EnrollmentFactory(TownScopedFactory):
    """A child enrolled in its site's `repas` for the current school year."""

    class Meta:
        model = Enrollment

    _town_from = ("child", "activity")

    child = factory.SubFactory(ChildFactory, town=factory.SelfAttribute("..town"))
    activity = factory.SubFactory(
        ActivityFactory, town=factory.SelfAttribute("..town"), site=factory.SelfAttribute("..child.site")
    )
    school_year = factory.SubFactory(SchoolYearFactory, town=factory.SelfAttribute("..town"))
    weekly_pattern = factory.LazyFunction(list)


class BookingFactory(TownScopedFactory):
    """A booked day, next Monday by default."""

    class Meta:
        model = Booking

    _town_from = ("child", "activity")

    child = factory.SubFactory(ChildFactory, town=factory.SelfAttribute("..town"))
    activity = factory.SubFactory(
        ActivityFactory, town=factory.SelfAttribute("..town"), site=factory.SelfAttribute("..child.site")
    )
    date = factory.LazyFunction(next_monday)
    state = BookingState.BOOKED


class TariffFactory(TownScopedFactory):
    """The demo's `repas` tariff without bands; `bands=[(500, "1.00"), (None, "4.10")]` adds them."""

    class Meta:
        model = Tariff
        skip_postgeneration_save = True

    _town_from = ("activity",)

    activity = factory.SubFactory(ActivityFactory, town=factory.SelfAttribute("..town"))
    valid_from = factory.LazyFunction(lambda: datetime.date(current_school_year_start(), 9, 1))
    base_price = Decimal("4.10")
    non_resident_price = Decimal("5.20")
    pai_price = Decimal("1.50")
    penalty_price = Decimal("6.00")

    @factory.post_generation
    def bands(self, create: bool, extracted: list[tuple[int | None, str]] | None, **kwargs: Any) -> None:
        for qf_max, price in extracted or []:
            TariffBandFactory(tariff=self, qf_max=qf_max, price=Decimal(price))


class TariffBandFactory(TownScopedFactory):
    class Meta:
        model = TariffBand

    _town_from = ("tariff",)

    tariff = factory.SubFactory(TariffFactory, town=factory.SelfAttribute("..town"))
    qf_max = 1000
    price = Decimal("2.50")


class ConsentKindFactory(TownScopedFactory):
    """A consent asked for each child (the demo's "Droit à l'image"); `concerns=Concerns.FAMILY` for the
    family's, `needed_by=[activity]` for one needed to book."""

    class Meta:
        model = ConsentKind
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"autorisation-{n}")
    label = "Droit à l'image"
    short_label = "Photo"
    text = "J'autorise le service à photographier mon enfant."
    version = 1
    version_published_on = factory.LazyFunction(timezone.localdate)
    concerns = Concerns.CHILD

    @factory.post_generation
    def needed_by(self, create: bool, extracted: list[Activity] | None, **kwargs: Any) -> None:
        if extracted:
            self.needed_by.set(extracted)


class StaffRoleFactory(TownScopedFactory):
    """A role held by a staff account; site agents need a `site`."""

    class Meta:
        model = StaffRole

    _town_from = ("user", "site")

    user = factory.SubFactory(UserFactory, town=factory.SelfAttribute("..town"))
    role = Role.ADMIN
    site = None


def staff_member(town: Town, role: str, *, site: Site | None = None, **user_fields: Any) -> User:
    """A staff account of `town` holding `role` (at `site` for a site agent)."""
    user = UserFactory(town=town, **user_fields)
    StaffRoleFactory(town=town, user=user, role=role, site=site)
    return user


def seed_001_account(family: Family) -> tuple[Invoice, Invoice]:
    """Seed 001's statement: invoice 243.20 for February–March, paid by cheque; invoice 120.60 for April."""

    def invoice(number: str, total: str, start: datetime.date, end: datetime.date) -> Invoice:
        return Invoice.objects.create(
            town=family.town,
            family=family,
            number=number,
            issued_on=datetime.date(2027, 4, 8),
            due_on=datetime.date(2027, 4, 30),
            period_start=start,
            period_end=end,
            total=Decimal(total),
            payer_name="DUPONT Marie",
        )

    february = invoice("2027-000012", "243.20", datetime.date(2027, 2, 1), datetime.date(2027, 3, 31))
    april = invoice("2027-000036", "120.60", datetime.date(2027, 4, 1), datetime.date(2027, 4, 30))
    cheque = Payment.objects.create(
        town=family.town,
        family=family,
        number="R-228",
        method="cheque",
        received_on=datetime.date(2027, 4, 8),
        amount=Decimal("243.20"),
    )
    PaymentAllocation.objects.create(town=family.town, payment=cheque, invoice=february, amount=Decimal("243.20"))
    return february, april
