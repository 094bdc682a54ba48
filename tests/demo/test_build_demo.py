"""The demo town of DEMO.md: `manage.py build_demo`."""

import datetime
import hashlib
from collections import Counter
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db.models import Count, Sum

from ardoise.accounts.models import User
from ardoise.activities.models import AbsenceReason, Activity
from ardoise.admissions.models import EnrolmentRequest, RegistrationPeriod
from ardoise.billing import statements
from ardoise.billing.models import (
    CreditNote,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoicingRun,
    Payment,
    PaymentAllocation,
    RunStatus,
    TariffBand,
)
from ardoise.billing.runs import next_invoice_number
from ardoise.bookings.models import (
    BILLABLE_STATES,
    STATES_HOLDING_A_PLACE,
    Absence,
    Booking,
    BookingState,
    Enrollment,
    Request,
)
from ardoise.calendars.days import load_closures
from ardoise.calendars.deadlines import PARIS
from ardoise.calendars.models import Closure, SchoolYear
from ardoise.calendars.opening import closed_reason
from ardoise.demo.builder import build_demo
from ardoise.directdebit.models import Collection
from ardoise.families.models import Child, Family
from ardoise.messaging.models import Document, Menu
from ardoise.payments.actions import next_number
from ardoise.payments.models import CounterKind, DepositSlip, DepositSlipEntry
from ardoise.towns.models import Role, Site, StaffRole, Town

# A Wednesday in term time: today's Wednesday centre is booked, the roll call not done yet.
from tests.demo.dates import TODAY

THIS_YEAR_STARTS = datetime.date(2026, 9, 1)  # DUPONT's seed-001 account is of the year before
D = Decimal
REGIE = "Régie périscolaire de Saint-Exemple"


def digest(town: Town) -> str:
    """A fingerprint of the town's data, by natural keys (primary keys change between builds)."""
    rows = [
        *Family.objects.filter(town=town)
        .order_by("number")
        .values_list("number", "name", "quotient_familial", "resident", "iban"),
        *Child.objects.filter(town=town)
        .order_by("family__number", "first_name", "birth_date")
        .values_list("family__number", "first_name", "birth_date", "site__name", "allergies", "has_pai", "diet"),
        *Enrollment.objects.filter(town=town)
        .order_by(
            "child__family__number",
            "child__first_name",
            "child__birth_date",
            "activity__code",
            "school_year__start_year",
        )
        .values_list(
            "child__family__number", "child__first_name", "activity__code", "school_year__start_year", "weekly_pattern"
        ),
        *Booking.objects.filter(town=town)
        .order_by("child__family__number", "child__first_name", "child__birth_date", "activity__code", "date")
        .values_list("child__family__number", "child__first_name", "activity__code", "date", "state", "created_at"),
        *Absence.objects.filter(town=town)
        .order_by(
            "booking__child__family__number",
            "booking__child__first_name",
            "booking__child__birth_date",
            "booking__activity__code",
            "booking__date",
        )
        .values_list("booking__date", "reason__code"),
        *Request.objects.filter(town=town)
        .order_by("booking__child__family__number", "booking__child__first_name", "booking__date")
        .values_list("booking__date", "status", "reason"),
        *Invoice.objects.filter(town=town).order_by("number").values_list("number", "family__number", "total"),
        *Closure.objects.filter(town=town).order_by("starts_on").values_list("starts_on", "label"),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def balance(family: Family) -> Decimal:
    invoiced = Invoice.objects.filter(family=family).aggregate(total=Sum("total"))["total"] or D(0)
    credited = CreditNote.objects.filter(invoice__family=family).aggregate(total=Sum("amount"))["total"] or D(0)
    paid = Payment.objects.filter(family=family).aggregate(total=Sum("amount"))["total"] or D(0)
    return invoiced - credited - paid


def assert_bookings_follow_the_calendar(town: Town, today: datetime.date) -> None:
    horizon = today + datetime.timedelta(days=14)
    bookings = Booking.objects.filter(town=town)
    assert not bookings.filter(date__gt=horizon).exists()
    assert not bookings.filter(date__lt=today, state__in=[BookingState.BOOKED, BookingState.REQUESTED]).exists()
    closures = load_closures(town, datetime.date(2000, 1, 1), horizon)
    activities = {activity.pk: activity for activity in Activity.objects.filter(town=town)}
    for activity_id, day in bookings.values_list("activity_id", "date").distinct():
        activity = activities[activity_id]
        reason = closed_reason(
            day,
            weekdays=activity.weekdays,
            zone=town.zone,
            runs_in_school_holidays=activity.runs_in_school_holidays,
            closures=closures,
            site_id=activity.site_id,
            activity_id=activity.pk,
        )
        assert reason is None, (activity.code, day, reason)
    places = (
        bookings.filter(state__in=STATES_HOLDING_A_PLACE, activity__capacity__isnull=False)
        .values("activity_id", "date", "activity__capacity")
        .annotate(taken=Count("id"))
    )
    assert all(row["taken"] <= row["activity__capacity"] for row in places)


@pytest.mark.django_db
def test_it_builds_the_town_of_demo_md(demo):
    town = Town.objects.get(slug="demo")
    assert (town.name, town.zone, town.regie_name) == ("Saint-Exemple", "B", "Régie périscolaire de Saint-Exemple")
    assert town.address
    assert town.phone
    assert town.opening_hours
    assert list(Site.objects.filter(town=town).values_list("name", flat=True)) == [
        "École Jules Ferry",
        "École Marie Curie",
    ]


@pytest.mark.django_db
def test_it_runs_the_activities_of_demo_md_at_each_site(demo):
    expected = {
        "repas": ([0, 1, 3, 4], "weekly", 3, None, datetime.time(12), False),
        "garderie_matin": ([0, 1, 3, 4], "working_days", None, 2, datetime.time(12), False),
        "garderie_soir": ([0, 1, 3, 4], "working_days", None, 2, datetime.time(12), False),
        "etude": ([0, 1, 3], "day_before", None, None, datetime.time(18), False),
        "mercredi": ([2], "weekly", 3, None, datetime.time(12), True),
    }
    capacities = {
        ("École Jules Ferry", "garderie_soir"): 20,
        ("École Jules Ferry", "mercredi"): 24,
        ("École Marie Curie", "mercredi"): 24,
    }
    for site in Site.objects.filter(town=demo):
        # DEMO.md's table, and the holiday centre (test_it_opens_holiday_registration_for_the_next_holidays).
        activities = {
            activity.code: activity for activity in Activity.objects.filter(site=site).exclude(code="vacances")
        }
        assert set(activities) == set(expected)
        for code, (weekdays, kind, weekday, days, time, validation) in expected.items():
            activity = activities[code]
            assert (
                activity.weekdays,
                activity.deadline_kind,
                activity.deadline_weekday,
                activity.deadline_days,
                activity.deadline_time,
                activity.needs_validation,
            ) == (weekdays, kind, weekday, days, time, validation)
            assert not activity.deadline_skips_public_holidays
            assert not activity.runs_in_school_holidays
            assert activity.capacity == capacities.get((site.name, code))
    labels = set(Activity.objects.filter(town=demo).values_list("label", flat=True))
    assert {"Garderie matin 7h30–8h30", "Garderie soir 16h30–18h30", "Étude surveillée 16h30–17h30"} <= labels


@pytest.mark.django_db
def test_it_prices_the_activities_as_demo_md(demo):
    for site in Site.objects.filter(town=demo):
        tariffs = {activity.code: activity.tariffs.get() for activity in Activity.objects.filter(site=site)}
        meal = tariffs["repas"]
        assert [(band.qf_max, band.price) for band in TariffBand.objects.filter(tariff=meal)] == [
            (500, D("1.00")),
            (1000, D("2.50")),
            (1500, D("3.20")),
            (None, D("4.10")),
        ]
        assert (meal.non_resident_price, meal.pai_price, meal.penalty_price) == (D("5.20"), D("1.50"), D("6.00"))
        assert tariffs["garderie_matin"].base_price == D("1.80")
        assert tariffs["garderie_soir"].base_price == D("2.40")
        assert tariffs["etude"].base_price == D("1.50")
        assert [(band.qf_max, band.price) for band in TariffBand.objects.filter(tariff=tariffs["mercredi"])] == [
            (1000, D("9.00")),
            (None, D("12.00")),
        ]


@pytest.mark.django_db
def test_it_lists_seed_001s_absence_reasons(demo):
    reasons = AbsenceReason.objects.filter(town=demo)
    assert reasons.count() == 9
    assert list(reasons.filter(billed=True).values_list("code", flat=True)) == ["autres"]
    assert reasons.get(code="raison_medicale").document_required


@pytest.fixture
def real_hashers(settings):
    """The project's hashers: the demo is built with argon2, whatever tests use elsewhere."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]


@pytest.mark.django_db
@pytest.mark.usefixtures("real_hashers")
def test_it_creates_the_parent_logins(demo):
    families = Family.objects.filter(town=demo)
    assert families.count() >= 60
    for number in (1, 2, 30, 60):
        user = User.objects.get(town=demo, email=f"parent{number}@demo.test")
        assert check_password("demo-parent", user.password)
        assert user.guardian.family.number == str(1000 + number)


@pytest.mark.django_db
@pytest.mark.usefixtures("real_hashers")
def test_it_creates_the_staff_logins_with_their_roles(demo):
    expected = {
        "admin@demo.test": (Role.ADMIN, None),
        "accueil@demo.test": (Role.FRONT_DESK, None),
        "animateur@demo.test": (Role.SITE_AGENT, "École Jules Ferry"),
        "cuisine@demo.test": (Role.KITCHEN, None),
        "regie@demo.test": (Role.FINANCE, None),
    }
    for email, (role, site) in expected.items():
        user = User.objects.get(town=demo, email=email)
        assert check_password("demo-staff", user.password)
        staff_role = StaffRole.objects.get(town=demo, user=user)
        assert (staff_role.role, staff_role.site.name if staff_role.site else None) == (role, site)


@pytest.mark.django_db
def test_it_makes_dupont_family_1(demo):
    dupont = Family.objects.get(town=demo, number="1001")
    assert (dupont.name, dupont.quotient_familial, dupont.resident) == ("DUPONT", 800, True)
    assert [(g.first_name, g.last_name, g.relationship) for g in dupont.guardians.order_by("position")] == [
        ("Jean", "DUPONT", "Père"),
        ("Jeanne", "DUPONT", "Mère"),
    ]
    children = dupont.children.order_by("first_name")
    assert [(child.first_name, child.site.name) for child in children] == [
        ("Chloé", "École Jules Ferry"),
        ("Sarah", "École Jules Ferry"),
    ]
    years = SchoolYear.objects.filter(town=demo, start_year__in=[2026, 2027])
    for child in children:
        for year in years:
            codes = set(
                Enrollment.objects.filter(child=child, school_year=year).values_list("activity__code", flat=True)
            )
            assert codes == {"repas", "garderie_matin", "garderie_soir", "etude", "mercredi"}


@pytest.mark.django_db
def test_it_reproduces_duponts_statement_of_seed_001(demo):
    dupont = Family.objects.get(town=demo, number="1001")
    invoices = list(
        Invoice.objects.filter(family=dupont, period_end__lt=THIS_YEAR_STARTS)
        .order_by("number")
        .values_list("pk", "number", "total", "period_start", "period_end")
    )
    assert [row[1:] for row in invoices] == [
        ("2026-000001", D("243.20"), datetime.date(2026, 2, 1), datetime.date(2026, 3, 31)),
        ("2026-000002", D("120.60"), datetime.date(2026, 4, 1), datetime.date(2026, 4, 30)),
    ]
    for invoice_id, _, total, period_start, period_end in invoices:
        lines = InvoiceLine.objects.filter(invoice_id=invoice_id)
        assert sum(line.amount for line in lines) == total
        assert all(line.amount == line.quantity * line.unit_price for line in lines)
        # Every billed day is a present booking of the period, linked to its line.
        billed = Counter()
        for line in lines:
            billed[(line.child_id, line.activity_id)] += line.quantity
        present = Counter(
            Booking.objects.filter(
                child__family=dupont, date__range=(period_start, period_end), state=BookingState.PRESENT
            ).values_list("child_id", "activity_id")
        )
        assert billed == present
        billed_booking = apps.get_model("billing", "BilledBooking")  # Being written in parallel (see ledger).
        assert billed_booking.objects.filter(invoice_line__invoice_id=invoice_id).count() == sum(billed.values())
    payment = Payment.objects.get(family=dupont, received_on__lt=THIS_YEAR_STARTS)
    assert (payment.method, payment.amount) == ("cheque", D("243.20"))
    assert list(PaymentAllocation.objects.filter(payment=payment).values_list("invoice__number", "amount")) == [
        ("2026-000001", D("243.20"))
    ]
    assert balance(dupont) == D("120.60")


@pytest.mark.django_db
def test_it_banked_duponts_cheque_and_writes_invoices_as_runs_do(demo):
    dupont = Family.objects.get(town=demo, number="1001")
    cheque = Payment.objects.get(family=dupont, received_on__lt=THIS_YEAR_STARTS)
    slip = DepositSlipEntry.objects.select_related("slip").get(payment=cheque).slip
    assert (slip.number, slip.total, slip.method) == ("B2026-000001", D("243.20"), "cheque")
    assert slip.deposited_on > cheque.received_on
    invoice = Invoice.objects.filter(family=dupont).order_by("number").first()
    assert invoice.payer_name == "DUPONT Jean"
    assert set(InvoiceLine.objects.filter(invoice=invoice).values_list("label", flat=True)) <= set(
        Activity.objects.filter(town=demo).values_list("label", flat=True)
    )


@pytest.mark.django_db
def test_it_numbers_the_next_invoice_and_payment_after_the_demos_own(demo):
    # The demo's invoices and payments took their numbers from the town's counters:
    # what finance records next follows them instead of colliding.
    last_invoice = Invoice.objects.filter(town=demo, number__startswith="2026-").order_by("-number").first()
    last_payment = Payment.objects.filter(town=demo, number__startswith="R2026-").order_by("-number").first()
    assert InvoiceCounter.objects.get(town=demo, year=2026).last_number == int(last_invoice.number[5:])
    assert next_invoice_number(demo.pk, 2026) == f"2026-{int(last_invoice.number[5:]) + 1:06d}"
    assert next_number(demo, CounterKind.PAYMENT, 2026) == f"R2026-{int(last_payment.number[6:]) + 1:06d}"


@pytest.mark.django_db
def test_it_gives_dupont_the_statement_of_seed_001(demo):
    """Seed 001's "Relevé de compte", figure for figure: ancien solde 0.00, two invoices, one cheque, 120.60 due."""
    dupont = Family.objects.get(town=demo, number="1001")
    last_year = statements.statement(dupont, 2025, town=demo)
    assert last_year.opening_balance == D("0.00")
    assert [
        (operation.reference, operation.label, operation.regie, operation.debit, operation.credit, operation.balance)
        for operation in last_year.operations
    ] == [
        ("2026-000001", "Facture : 01/02/2026 - 31/03/2026", REGIE, D("243.20"), D("0.00"), D("243.20")),
        ("R2026-000001", "Règlement : Chèque", REGIE, D("0.00"), D("243.20"), D("0.00")),
        ("2026-000002", "Facture : 01/04/2026 - 30/04/2026", REGIE, D("120.60"), D("0.00"), D("120.60")),
    ]
    assert (last_year.total_debit, last_year.total_credit, last_year.balance) == (
        D("363.80"),
        D("243.20"),
        D("120.60"),
    )
    # The unpaid April invoice is carried into this school year as its ancien solde.
    this_year = statements.statement(dupont, 2026, town=demo)
    assert this_year.opening_balance == D("120.60")
    assert [summary.number for summary in statements.unpaid_invoices(dupont)] == ["2026-000002"]


@pytest.mark.django_db
def test_it_keeps_every_balance_consistent(demo):
    for payment in Payment.objects.filter(town=demo):
        allocated = payment.allocations.aggregate(total=Sum("amount"))["total"] or D(0)
        assert allocated <= payment.amount
    invoiced = Invoice.objects.filter(town=demo).annotate(allocated=Sum("allocations__amount"))
    for total, allocated in invoiced.values_list("total", "allocated"):
        assert (allocated or D(0)) <= total


@pytest.mark.django_db
def test_it_gives_families_1_to_30_a_child_in_evening_care_at_jules_ferry(demo):
    for number in range(1001, 1031):
        assert Enrollment.objects.filter(
            child__family__number=number,
            child__family__town=demo,
            child__site__name="École Jules Ferry",
            activity__code="garderie_soir",
            school_year__start_year=2026,
        ).exists(), number


@pytest.mark.django_db
def test_it_books_past_days_and_the_next_14_days_only_on_open_days(demo):
    assert_bookings_follow_the_calendar(demo, TODAY)
    bookings = Booking.objects.filter(town=demo)
    assert (
        bookings.filter(date=TODAY + datetime.timedelta(days=14)).exists()
        or bookings.filter(date=TODAY + datetime.timedelta(days=13)).exists()
    )
    states = set(bookings.values_list("state", flat=True))
    assert {"present", "absent_excused", "absent_billed", "booked", "requested"} <= states
    # Every absence found at the roll call has its reason.
    absent = bookings.filter(state__in=[BookingState.ABSENT_EXCUSED, BookingState.ABSENT_BILLED])
    assert absent.count() == Absence.objects.filter(town=demo).count()
    assert not absent.filter(absence__isnull=True).exists()
    assert not Absence.objects.filter(
        town=demo, booking__state=BookingState.ABSENT_BILLED, reason__billed=False
    ).exists()
    pending = bookings.filter(state=BookingState.REQUESTED)
    assert pending.count() == Request.objects.filter(town=demo, status="pending", booking__in=pending).count()
    assert not bookings.filter(state=BookingState.REFUSED, refusal_reason="").exists()


@pytest.mark.django_db
def test_it_closes_one_evening_of_study_in_the_coming_days(demo):
    closures = Closure.objects.filter(town=demo)
    assert closures.count() == 3
    study = closures.get(activity__code="etude")
    assert TODAY < study.starts_on <= TODAY + datetime.timedelta(days=14)
    assert not Booking.objects.filter(activity=study.activity, date=study.starts_on).exists()


@pytest.mark.django_db
def test_it_builds_the_same_town_twice(demo):
    before = digest(Town.objects.get(slug="demo"))
    town = build_demo(TODAY)
    assert digest(town) == before
    assert Town.objects.filter(slug="demo").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("now", "current_year"),
    [
        (datetime.datetime(2027, 7, 14, 10, tzinfo=PARIS), 2026),  # Summer break: the year just finished.
        (datetime.datetime(2027, 1, 1, 0, 30, tzinfo=PARIS), 2026),  # New Year's night, still 31 Dec in UTC.
        (datetime.datetime(2026, 9, 1, 7, tzinfo=PARIS), 2026),  # Rentrée.
    ],
)
def test_it_builds_relative_to_today(now, current_year):
    with time_machine.travel(now, tick=False):
        call_command("build_demo", verbosity=0)
    town = Town.objects.get(slug="demo")
    today = now.date()
    assert list(SchoolYear.objects.filter(town=town).values_list("start_year", flat=True)) == [
        current_year - 1,
        current_year,
        current_year + 1,
    ]
    current = SchoolYear.objects.get(town=town, start_year=current_year)
    assert (current.starts_on.month, current.ends_on.month) == (9, 7)
    assert_bookings_follow_the_calendar(town, today)
    assert balance(Family.objects.get(town=town, number="1001")) == D("120.60")


@pytest.mark.django_db
def test_it_generates_a_large_town():
    call_command("build_demo", "--children=300", "--today=2026-03-10", verbosity=0)
    town = Town.objects.get(slug="demo")
    assert Child.objects.filter(town=town).count() == 300
    assert Site.objects.filter(town=town).count() == 2
    assert Family.objects.filter(town=town).count() > 100
    sizes = Family.objects.filter(town=town).annotate(size=Count("children")).values_list("size", flat=True)
    assert set(sizes) <= {1, 2, 3, 4}
    # A whole school year of roll calls, whatever the time of year.
    assert Booking.objects.filter(town=town, date__lt=datetime.date(2025, 4, 1)).exists()
    assert_bookings_follow_the_calendar(town, datetime.date(2026, 3, 10))
    assert balance(Family.objects.get(town=town, number="1001")) == D("120.60")


@pytest.mark.django_db
def test_it_invoices_this_school_year_with_the_month_end_runs_up_to_the_month_before_last(demo):
    # On 18 November: September is invoiced (issued on 8 October), October is left for finance.
    runs = list(InvoicingRun.objects.filter(town=demo).values_list("period_start", "period_end", "status"))
    assert runs == [(datetime.date(2026, 9, 1), datetime.date(2026, 9, 30), RunStatus.ISSUED)]
    september = Invoice.objects.filter(town=demo, run__isnull=False)
    assert september.count() >= 50
    assert set(september.values_list("issued_on", flat=True)) == {datetime.date(2026, 10, 8)}
    # Every billable day of September is billed, once; none of October.
    billable = Booking.objects.filter(town=demo, state__in=BILLABLE_STATES)
    billed = apps.get_model("billing", "BilledBooking").objects.filter(town=demo)
    assert set(billable.filter(date__month=9).values_list("pk", flat=True)) <= set(
        billed.values_list("booking_id", flat=True)
    )
    assert not billed.filter(booking__date__month=10).exists()


@pytest.mark.django_db
def test_it_has_families_pay_this_years_invoices_and_a_few_owe_some(demo):
    dupont = Family.objects.get(town=demo, number="1001")
    assert balance(dupont) == D("120.60")
    assert [summary.number for summary in statements.unpaid_invoices(dupont)] == ["2026-000002"]
    # Direct debit for the families with a mandate, once their invoices fell due (7 November).
    collection = Collection.objects.get(town=demo)
    assert collection.collection_date == datetime.date(2026, 11, 9)
    assert set(collection.items.values_list("family__number", flat=True)) == {str(n) for n in range(1002, 1009)}
    unpaid = {
        family.number
        for family in Family.objects.filter(town=demo)
        if statements.unpaid_invoices(family) and family.number != "1001"
    }
    assert unpaid
    assert unpaid <= {str(1000 + n) for n in range(5, 61, 6)}
    assert DepositSlip.objects.filter(town=demo).count() == 2  # DUPONT's cheque last year, September's cheques
    assert {"cheque", "card", "direct_debit"} <= set(Payment.objects.filter(town=demo).values_list("method", flat=True))


@pytest.mark.django_db
def test_it_publishes_news_documents_and_the_menus_of_this_week_and_the_next(demo, client):
    with time_machine.travel(datetime.datetime(2026, 11, 18, 10, tzinfo=PARIS), tick=False):
        client.force_login(User.objects.get(town=demo, email="parent1@demo.test"))
        home = client.get("/demo/").content.decode()
        documents = client.get("/demo/documents/").content.decode()
        planning = client.get("/demo/planning/").content.decode()
    assert "Réservations : le jeudi 12h pour la semaine suivante" in home
    assert "Règlement intérieur des services périscolaires" in documents
    assert "Menus de la quinzaine, École Jules Ferry" in documents
    assert "Menus de la quinzaine, École Marie Curie" not in documents  # DUPONT's children are at Jules Ferry
    for document in Document.objects.filter(town=demo):
        with document.file.open("rb") as pdf:
            assert pdf.read(5) == b"%PDF-"
    # Every day the canteen serves in the weeks of 16 and 23 November, at both schools; the planning shows them.
    days = {datetime.date(2026, 11, 16) + datetime.timedelta(days=n) for n in (0, 1, 3, 4, 7, 8, 10, 11)}
    for site in Site.objects.filter(town=demo):
        assert set(Menu.objects.filter(site=site).values_list("date", flat=True)) == days, site
    assert Menu.objects.get(site__name="École Jules Ferry", date=datetime.date(2026, 11, 19)).text in planning


@pytest.mark.django_db
def test_it_asks_consents_of_family_45_only_and_some_children_say_no_to_photos(demo, client):
    from ardoise.consents.models import ConsentAnswer, ConsentKind
    from ardoise.families.models import Guardian

    kinds = dict(ConsentKind.objects.filter(town=demo).values_list("code", "version"))
    assert kinds == {"droit-image": 1, "sorties": 1, "reglement": 2, "donnees": 1}
    assert ConsentAnswer.objects.filter(town=demo, kind__code="droit-image", given=False).exists()
    assert not ConsentAnswer.objects.filter(town=demo, kind__code="droit-image", family__number="1001", given=False)
    with time_machine.travel(datetime.datetime(2026, 11, 18, 10, tzinfo=PARIS), tick=False):
        client.force_login(User.objects.get(town=demo, email="parent1@demo.test"))
        assert client.get("/demo/").status_code == 200
        awaiting = Guardian.objects.filter(town=demo, family__number="1045", user__isnull=False)[0]
        client.force_login(awaiting.user)
        response = client.get("/demo/")
    assert response.status_code == 302
    assert response["Location"].startswith("/demo/autorisations/")


@pytest.mark.django_db
def test_it_opens_holiday_registration_for_the_next_holidays(demo):
    # From 18 November 2026, zone B's next holidays are Christmas: Saturday 19 December to Sunday 3 January.
    centre = Activity.objects.get(town=demo, code="vacances")
    assert (centre.site.name, centre.holidays_only, centre.capacity, centre.weekdays) == (
        "École Jules Ferry",
        True,
        24,
        [0, 1, 2, 3, 4],
    )
    tariff = centre.tariffs.get()
    assert tariff.mode == "weekly_flat"
    assert [(band.qf_max, band.price) for band in TariffBand.objects.filter(tariff=tariff)] == [
        (1000, D("45.00")),
        (None, D("60.00")),
    ]
    period = RegistrationPeriod.objects.get(town=demo, activity=centre)
    assert (period.first_day, period.last_day, period.unit) == (
        datetime.date(2026, 12, 19),
        datetime.date(2027, 1, 3),
        "week",
    )
    opening = datetime.datetime(2026, 11, 15, 8, 0, tzinfo=PARIS)
    assert period.opens_at == opening < period.closes_at < datetime.datetime(2026, 12, 19, tzinfo=PARIS)
    # DUPONT's two children asked for the first week; nothing is booked beyond the 14 coming days.
    dupont = Family.objects.get(town=demo, number="1001")
    asked = EnrolmentRequest.objects.filter(family=dupont, registration_period=period)
    assert sorted(asked.values_list("child__first_name", "status")) == [("Chloé", "pending"), ("Sarah", "pending")]
    assert asked.get(child__first_name="Sarah").days == ["2026-12-21", "2026-12-22", "2026-12-23", "2026-12-24"]
    assert not Booking.objects.filter(activity=centre).exists()
