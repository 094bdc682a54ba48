"""The figures behind the charts, against hand-made data, in a fixed number of queries."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ardoise.billing.models import CreditNote, Invoice, Payment, PaymentAllocation
from ardoise.bookings.models import BookingState
from ardoise.charts import figures
from ardoise.payments.models import PaymentReversal
from tests.factories import ActivityFactory, BookingFactory, ChildFactory, FamilyFactory, SchoolYearFactory

D = Decimal
TODAY = datetime.date(2027, 3, 9)  # a Tuesday
pytestmark = pytest.mark.django_db


def invoice(family, number, issued_on, total, due_on=None):
    return Invoice.objects.create(
        town=family.town,
        family=family,
        number=number,
        issued_on=issued_on,
        due_on=due_on or issued_on + datetime.timedelta(days=30),
        period_start=issued_on.replace(day=1),
        period_end=issued_on,
        total=D(total),
        payer_name="DUPONT Marie",
    )


def pay(family, number, received_on, amount, *invoices):
    payment = Payment.objects.create(
        town=family.town, family=family, number=number, method="cheque", received_on=received_on, amount=D(amount)
    )
    left = D(amount)
    for settled in invoices:
        part = min(left, settled.total)
        PaymentAllocation.objects.create(town=family.town, payment=payment, invoice=settled, amount=part)
        left -= part
    return payment


# Pure rules


def test_week_of_is_the_monday():
    assert figures.week_of(datetime.date(2027, 3, 14)) == datetime.date(2027, 3, 8)
    assert figures.weeks_between(datetime.date(2026, 9, 1), datetime.date(2026, 9, 14)) == [
        datetime.date(2026, 8, 31),
        datetime.date(2026, 9, 7),
        datetime.date(2026, 9, 14),
    ]


def test_last_months_cross_the_new_year():
    months = figures.last_months(datetime.date(2027, 2, 28))
    assert (len(months), months[0], months[-1]) == (12, datetime.date(2026, 3, 1), datetime.date(2027, 2, 1))


@given(st.integers(min_value=-400, max_value=4000))
def test_every_late_day_falls_in_one_age_band(days_late):
    band = figures.age_band(days_late)
    if days_late < 1:
        assert band is None
        return
    assert band is not None
    low, high = figures.AGE_BANDS[band]
    assert low <= days_late
    assert high is None or days_late <= high
    assert band == min(3, (days_late - 1) // 30)


@given(
    st.decimals(min_value=0, max_value=10**6, places=2),
    st.decimals(min_value=0, max_value=10**6, places=2),
)
def test_collection_rate_is_a_share_of_what_was_asked(asked, settled):
    rate = figures.collection_rate(asked, settled)
    if asked == 0:
        assert rate is None
    else:
        assert rate is not None
        assert D(0) <= rate <= D(100)
        assert abs(rate - min(settled * 100 / asked, D(100))) <= D("0.05")


# Attendance


@pytest.fixture
def year(town):
    return SchoolYearFactory(town=town, start_year=2026)


def test_it_counts_children_present_per_week_and_activity_across_sites(town, site, other_site, year):
    meal, other_meal = ActivityFactory(site=site), ActivityFactory(site=other_site)
    evening = ActivityFactory(
        site=site, code="garderie_soir", label="Garderie du soir", starts_at=datetime.time(16, 30)
    )
    child, other = ChildFactory(town=town, site=site), ChildFactory(town=town, site=other_site)
    monday, tuesday = datetime.date(2027, 3, 1), datetime.date(2027, 3, 2)
    BookingFactory(child=child, activity=meal, date=monday, state=BookingState.PRESENT)
    BookingFactory(child=child, activity=meal, date=tuesday, state=BookingState.PRESENT_UNBOOKED)
    BookingFactory(child=other, activity=other_meal, date=tuesday, state=BookingState.PRESENT)
    BookingFactory(child=child, activity=evening, date=monday, state=BookingState.ABSENT_BILLED)  # not present
    BookingFactory(child=child, activity=evening, date=TODAY, state=BookingState.PRESENT)
    BookingFactory(child=child, activity=evening, date=datetime.date(2027, 3, 10), state=BookingState.PRESENT)  # future
    BookingFactory(child=child, activity=meal, date=datetime.date(2026, 6, 1), state=BookingState.PRESENT)  # last year

    result = figures.attendance(town, TODAY)

    assert result.school_year == year
    assert (result.weeks[0], result.weeks[-1]) == (datetime.date(2026, 8, 31), datetime.date(2027, 3, 8))
    assert result.activities == [("repas", meal.label), ("garderie_soir", "Garderie du soir")]
    assert result.present == {("repas", monday): 3, ("garderie_soir", datetime.date(2027, 3, 8)): 1}
    assert result.series("repas")[-2:] == [3, 0]
    assert result.total == 4
    # A site agent's own sites only.
    assert figures.attendance(town, TODAY, {other_site.pk}).present == {("repas", monday): 1}


def test_it_shows_the_year_just_finished_in_summer(town, year):
    summer = datetime.date(2027, 8, 10)
    result = figures.attendance(town, summer)
    assert result.school_year == year
    assert result.weeks[-1] == datetime.date(2027, 6, 28)


def test_it_has_no_attendance_without_a_school_year(town):
    assert figures.attendance(town, TODAY).weeks == []


def test_it_reads_attendance_in_two_queries(town, site, year, django_assert_num_queries):
    meal = ActivityFactory(site=site)
    for day in range(1, 20):
        BookingFactory(
            activity=meal, child=ChildFactory(town=town, site=site), date=datetime.date(2027, 2, day), state="present"
        )
    with django_assert_num_queries(2):
        figures.attendance(town, TODAY)


# Money


def test_it_sums_invoiced_and_paid_per_month(town, family, other_town):
    january = invoice(family, "2027-000001", datetime.date(2027, 1, 8), "100.10")
    february = invoice(family, "2027-000002", datetime.date(2027, 2, 8), "50.20")
    invoice(family, "2026-000001", datetime.date(2026, 3, 2), "999.00")  # more than 12 months ago
    CreditNote.objects.create(
        town=town, invoice=january, number="AV2027-000001", issued_on=datetime.date(2027, 2, 10), amount=D("10.00")
    )
    pay(family, "R2027-000001", datetime.date(2027, 1, 20), "90.10", january)
    bounced = pay(family, "R2027-000002", datetime.date(2027, 2, 12), "50.20", february)
    PaymentReversal.objects.create(
        town=town,
        payment=bounced,
        family=family,
        number="AN2027-000001",
        reversed_on=datetime.date(2027, 3, 1),
        amount=D("50.20"),
        reason="bounced_cheque",
    )
    PaymentAllocation.objects.filter(payment=bounced).delete()  # as payments.actions.reverse_payment does
    pay(family, "R2027-000003", datetime.date(2027, 3, 3), "20.00", february)
    # Another town's money counts nowhere.
    stranger = FamilyFactory(town=other_town)
    invoice(stranger, "2027-000001", datetime.date(2027, 1, 8), "5000.00")

    months = {month.month: month for month in figures.money_by_month(town, TODAY)}

    assert next(iter(months)) == datetime.date(2026, 4, 1)
    assert len(months) == 12
    jan, feb, mar = (months[datetime.date(2027, m, 1)] for m in (1, 2, 3))
    assert (jan.invoiced, jan.paid) == (D("100.10"), D("90.10"))
    assert (feb.invoiced, feb.paid) == (D("40.20"), D("50.20"))  # 50.20 − the 10.00 credit note dated February
    assert (mar.invoiced, mar.paid) == (D("0.00"), D("-30.20"))  # 20.00 received − 50.20 bounced
    # Collection rate by month of issue: January asks 90.10 after its credit note, all paid.
    assert (jan.asked, jan.settled, jan.rate) == (D("90.10"), D("90.10"), D("100.0"))
    assert (feb.asked, feb.settled, feb.rate) == (D("50.20"), D("20.00"), D("39.8"))
    assert mar.rate is None
    assert months[datetime.date(2026, 4, 1)].invoiced == D("0.00")


def test_it_reads_money_in_six_queries_whatever_the_months(town, family, django_assert_num_queries):
    for month in range(1, 4):
        issued = invoice(family, f"2027-00000{month}", datetime.date(2027, month, 5), "10.00")
        pay(family, f"R2027-00000{month}", datetime.date(2027, month, 6), "10.00", issued)
    with django_assert_num_queries(6):
        figures.money_by_month(town, TODAY)


def test_it_ages_what_overdue_invoices_still_ask(town, family, other_town):
    def due(days_ago, total, number):
        return invoice(
            family,
            number,
            TODAY - datetime.timedelta(days=days_ago + 30),
            total,
            due_on=TODAY - datetime.timedelta(days=days_ago),
        )

    due(0, "11.00", "A0")  # due today: not late
    due(-5, "12.00", "A1")  # not due yet
    due(1, "10.00", "B1")
    due(30, "20.00", "B30")
    paid_part = due(31, "30.00", "C31")
    due(60, "0.10", "C60")
    settled = due(61, "40.00", "D61")
    credited = due(90, "50.00", "D90")
    due(91, "60.00", "E91")
    due(400, "70.30", "E400")
    pay(family, "R1", TODAY, "12.50", paid_part)
    pay(family, "R2", TODAY, "40.00", settled)
    CreditNote.objects.create(town=town, invoice=credited, number="AV1", issued_on=TODAY, amount=D("20.00"))
    stranger = FamilyFactory(town=other_town)
    invoice(stranger, "Z", datetime.date(2026, 1, 1), "999.00", due_on=datetime.date(2026, 1, 31))

    bands = figures.unpaid_by_age(town, TODAY)

    assert [(band.low, band.high, band.amount, band.invoices) for band in bands] == [
        (1, 30, D("30.00"), 2),
        (31, 60, D("17.60"), 2),
        (61, 90, D("30.00"), 1),
        (91, None, D("130.30"), 2),
    ]


def test_it_ages_unpaid_invoices_in_one_query(town, family, django_assert_num_queries):
    for number in range(30):
        invoice(family, f"N{number}", TODAY - datetime.timedelta(days=40 + number * 7), "9.99")
    with django_assert_num_queries(1):
        bands = figures.unpaid_by_age(town, TODAY)
    assert sum(band.invoices for band in bands) == 30
