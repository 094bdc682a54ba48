"""The pure rules of payments by titres (payments.vouchers): who CESU and chèques-vacances may pay, how much of an
invoice, and how titres are typed. No database."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ardoise.payments.vouchers import (
    ANCV,
    CESU,
    LineFacts,
    Titre,
    TitreError,
    invoice_room,
    line_eligible,
    parse_titres,
    parse_value,
    sixth_birthday,
    under_six,
)

D = Decimal
CARE, CANTEEN = 1, 2
ACCEPTED = {CESU: frozenset({CARE}), ANCV: frozenset({CARE})}
JAN = [datetime.date(2027, 1, day) for day in (4, 5, 7, 8)]


def line(amount: str, birth: datetime.date | None, days: list[datetime.date], activity: int | None = CARE) -> LineFacts:
    return LineFacts(
        activity_id=activity,
        amount=D(amount),
        birth_date=birth,
        days=tuple(days),
        fallback_day=datetime.date(2027, 1, 31),
    )


# Refusals first: what CESU never pays


def test_it_never_lets_cesu_pay_a_child_of_six_or_more() -> None:
    assert line_eligible(line("20.00", datetime.date(2020, 1, 4), JAN), CESU, ACCEPTED[CESU]) == D("0.00")


def test_it_never_lets_titres_pay_an_activity_the_town_does_not_accept() -> None:
    young = datetime.date(2023, 5, 1)
    assert line_eligible(line("20.00", young, JAN, activity=CANTEEN), CESU, ACCEPTED[CESU]) == D("0.00")
    assert line_eligible(line("20.00", young, JAN, activity=CANTEEN), ANCV, ACCEPTED[ANCV]) == D("0.00")
    assert line_eligible(line("20.00", young, JAN, activity=None), ANCV, ACCEPTED[ANCV]) == D("0.00")


def test_it_never_lets_cesu_pay_a_line_of_no_child() -> None:
    assert line_eligible(line("20.00", None, JAN), CESU, ACCEPTED[CESU]) == D("0.00")


def test_it_refuses_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="card"):
        line_eligible(line("20.00", None, JAN), "card", ACCEPTED[CESU])


def test_it_counts_the_sixth_birthday_as_six() -> None:
    birth = datetime.date(2021, 1, 7)
    assert [under_six(birth, day) for day in JAN] == [True, True, False, False]
    # Two of four days under 6: half the line.
    assert line_eligible(line("20.02", birth, JAN), CESU, ACCEPTED[CESU]) == D("10.01")


def test_it_takes_1_march_for_a_29_february_birthday() -> None:
    assert sixth_birthday(datetime.date(2020, 2, 29)) == datetime.date(2026, 3, 1)
    assert under_six(datetime.date(2020, 2, 29), datetime.date(2026, 2, 28))


def test_it_ages_a_line_without_days_at_the_end_of_the_period() -> None:
    # Six on 31 January: a package of January (no billed days) is not CESU's.
    assert line_eligible(line("40.00", datetime.date(2021, 1, 31), []), CESU, ACCEPTED[CESU]) == D("0.00")
    assert line_eligible(line("40.00", datetime.date(2021, 2, 1), []), CESU, ACCEPTED[CESU]) == D("40.00")


def test_it_lets_chèques_vacances_pay_any_age() -> None:
    assert line_eligible(line("20.00", datetime.date(2015, 1, 4), JAN), ANCV, ACCEPTED[ANCV]) == D("20.00")


def test_it_caps_both_kinds_together_by_what_either_may_pay() -> None:
    young = datetime.date(2023, 5, 1)
    room = invoice_room(
        [line("30.00", young, JAN), line("50.00", young, JAN, activity=CANTEEN)],
        ACCEPTED,
        {CESU: D("20.00")},
        remaining=D("60.00"),
    )
    assert room.capacity(CESU) == D("10.00")
    assert room.capacity(ANCV) == D("10.00")  # 30 eligible in all, 20 already paid by CESU


# Typing titres


def test_it_reads_titres_one_per_line() -> None:
    text = "1234 5678 20,00\n\n  ab12cd34;15.5  \n87654321 10 €\n"
    assert parse_titres(text) == [
        Titre("12345678", D("20.00")),
        Titre("AB12CD34", D("15.50")),
        Titre("87654321", D("10.00")),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12345678", "Ligne 1 : indiquez le numéro"),
        ("12 20,00", "n'est pas celui d'un titre"),
        ("12345678 vingt", "n'est pas une valeur en euros"),
        ("12345678 0", "montant positif"),
        ("12345678 -5", "montant positif"),
        ("12345678 1,234", "plus de deux décimales"),
        ("12345678 5000", "dépasse"),
        ("12345678 NaN", "montant positif"),
        ("12345678 10\n1234 5678 10", "Ligne 2 : le titre n° 12345678 est saisi deux fois"),
        ("1234/5678 10", "n'est pas celui d'un titre"),
    ],
)
def test_it_refuses_a_titre_it_cannot_read(text: str, message: str) -> None:
    with pytest.raises(TitreError, match=message):
        parse_titres(text)


# Properties

birth_dates = st.dates(datetime.date(2015, 1, 1), datetime.date(2027, 1, 1))
service_days = st.lists(st.dates(datetime.date(2026, 9, 1), datetime.date(2027, 8, 31)), max_size=25)
amounts = st.decimals(D("0.00"), D("9999.99"), places=2)


@given(birth=birth_dates, days=service_days, amount=amounts, kind=st.sampled_from([CESU, ANCV]))
def test_it_never_makes_a_line_pay_more_than_itself(
    birth: datetime.date, days: list[datetime.date], amount: Decimal, kind: str
) -> None:
    part = line_eligible(line(str(amount), birth, days), kind, ACCEPTED[kind])
    assert D("0.00") <= part <= amount
    assert part == part.quantize(D("0.01"))


@given(birth=birth_dates, days=service_days, amount=amounts)
def test_it_pays_in_cesu_the_whole_line_exactly_when_every_day_is_under_six(
    birth: datetime.date, days: list[datetime.date], amount: Decimal
) -> None:
    part = line_eligible(line(str(amount), birth, days), CESU, ACCEPTED[CESU])
    effective = days or [datetime.date(2027, 1, 31)]
    if all(under_six(birth, day) for day in effective):
        assert part == amount
    if not any(under_six(birth, day) for day in effective):
        assert part == D("0.00")


@given(birth=birth_dates, day=st.dates(datetime.date(2020, 1, 1), datetime.date(2035, 1, 1)))
def test_it_says_under_six_as_the_calendar_does(birth: datetime.date, day: datetime.date) -> None:
    years = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    if (birth.month, birth.day) != (2, 29):
        assert under_six(birth, day) == (years < 6)


money_lines = st.lists(
    st.tuples(amounts, st.sampled_from([CARE, CANTEEN, None]), birth_dates, service_days), max_size=6
)


@given(
    lines=money_lines,
    paid_cesu=amounts,
    paid_ancv=amounts,
    remaining=amounts,
    kind=st.sampled_from([CESU, ANCV]),
)
def test_it_never_gives_titres_more_room_than_the_eligible_part_the_rest_or_zero(
    lines: list[tuple[Decimal, int | None, datetime.date, list[datetime.date]]],
    paid_cesu: Decimal,
    paid_ancv: Decimal,
    remaining: Decimal,
    kind: str,
) -> None:
    facts = [line(str(amount), birth, days, activity) for amount, activity, birth, days in lines]
    room = invoice_room(facts, ACCEPTED, {CESU: paid_cesu, ANCV: paid_ancv}, remaining)
    capacity = room.capacity(kind)
    assert capacity >= D("0.00")
    assert capacity <= remaining
    paid = {CESU: paid_cesu, ANCV: paid_ancv}
    assert paid[kind] + capacity <= max(room.eligible[kind], paid[kind])
    assert paid_cesu + paid_ancv + capacity <= max(room.eligible_any, paid_cesu + paid_ancv)
    assert room.eligible[kind] <= room.eligible_any <= sum((amount for amount, *_ in lines), D("0.00"))


@given(value=st.decimals(D("0.01"), D("1000.00"), places=2))
def test_it_reads_back_any_value_it_writes_in_french(value: Decimal) -> None:
    assert parse_value(f"{value:.2f}".replace(".", ",")) == value
