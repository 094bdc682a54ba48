"""The Magnus import files (WTAMC001.txt, WTAMC001AS.txt): exact bytes, widths, refusals, query count."""

import dataclasses
import datetime
import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ardoise.activities.models import Activity
from ardoise.billing.models import CreditNote, InvoicingRun, RunStatus
from ardoise.families.models import Family
from ardoise.towns.models import Town
from ardoise.treasury import magnus
from ardoise.treasury.batch import ExportRefused
from ardoise.treasury.queries import run_batch
from ardoise.treasury.titles import take_off_from_the_end
from tests.treasury.conftest import issued_run, more_families
from tests.treasury.exports_data import CARE, DEBTOR, batch, line, title

E = '""'
FIRST_LINE = (
    '"1";"T";"O";"123";"00";"2027";"M";"F0042";"";"DUPONT-LEFEVRE";"HELENE";"12 RUE DE L\'EGLISE BAT. B";'
    '"2E ETAGE";"";"12345";"SAINT-EXEMPLE-SUR-OEISE";"";"FACTURE 2027-000123 DU 01/03/2027 AU 31/03/2027";'
    + ";".join([E] * 5)  # 19-23
    + ';"R";"02/04/2027";"7067";"";"";"251";"35.00";"0.00";"0";'
    + ";".join([E] * 5)  # 33-37
    + ';"01";'
    + ";".join([E] * 15)  # 39-53
    + ';"CANT";'
    + ";".join([E] * 15)  # 55-69
    + ';"O";"N";'
    + ";".join([E] * 8)  # 72-79
    + ';"N";"";"";"";"N";'
    + ";".join([E] * 5)  # 85-89
    + ';"19";"01";"01";"MME";"";"";"";"0";"01";'
    + ";".join([E] * 9)  # 99-107
    + ';"O";"N";"";"";"01";'
    + ";".join([E] * 13)  # 113-125
)


def fields(line_bytes: bytes) -> list[str]:
    return [field.strip('"') for field in line_bytes.decode("ascii").split(";")]


def test_it_writes_the_ecritures_of_a_hand_made_title_byte_for_byte():
    content = magnus.ecritures(batch())

    first, second = content.split(b"\r\n")
    assert first == FIRST_LINE.encode("ascii")
    # The second imputation of the same title: a sub-line (S) with its own nature, fonction, amount and code.
    differences = {
        position: value
        for position, (value, other) in enumerate(zip(fields(second), fields(first), strict=True), start=1)
        if value != other
    }
    assert differences == {7: "S", 26: "7066", 29: "421", 30: "8.40", 54: "PERI"}
    assert not content.endswith(b"\r\n")


def test_it_writes_the_details_of_the_avis_byte_for_byte():
    assert magnus.details(batch()) == (
        b'"19";"1";"01/03/2027";"31/03/2027";"REPAS - LEA";10;"";"";"";3.50;"";"";35.00;"";"";35.00;1\r\n'
        b'"19";"1";"01/03/2027";"31/03/2027";"GARDERIE - LEA";4;"";"";"";2.10;"";"";8.40;"";"";8.40;2'
    )


def test_it_numbers_titles_and_keeps_125_fields_on_every_line():
    second = title(invoice_id=32, number="2027-000124", lines=(line("Garderie", 1, "2.10", CARE),))
    rows = magnus.ecritures(batch(title(), second)).split(b"\r\n")

    assert [fields(row)[0] for row in rows] == ["1", "1", "2"]
    assert [fields(row)[6] for row in rows] == ["M", "S", "M"]
    assert {len(fields(row)) for row in rows} == {magnus.ECRITURES_FIELDS}
    details = magnus.details(batch(title(), second)).split(b"\r\n")
    assert {len(row.split(b";")) for row in details} == {magnus.DETAILS_FIELDS}
    assert [fields(row)[1] for row in details] == ["1", "1", "2"]


def test_it_cuts_text_to_the_widths_and_writes_only_ascii():
    long_name = dataclasses.replace(
        DEBTOR, last_name="Çà-et-là « Œdipe » " * 10, first_name="Zoë\nAnaïs\t“Jo”", civility=""
    )
    content = magnus.ecritures(batch(title(debtor=long_name)))

    content.decode("ascii")  # nothing outside ASCII
    first = fields(content.split(b"\r\n")[0])
    assert len(first[9]) <= 50
    assert first[9].startswith("CA-ET-LA OEDIPE CA-ET-LA")
    assert first[10] == "ZOE ANAIS JO"
    assert first[92] == ""  # no civility known
    assert all(len(value) <= 50 for value in first)
    assert b"\n" not in content.replace(b"\r\n", b"")


def test_it_never_lets_a_quote_or_a_separator_break_a_field():
    debtor = dataclasses.replace(DEBTOR, last_name='Du "Pont"; fils')
    first = magnus.ecritures(batch(title(debtor=debtor))).split(b"\r\n")[0]

    assert len(first.split(b";")) == magnus.ECRITURES_FIELDS
    assert fields(first)[9] == "DU PONT FILS"


def test_it_asks_only_what_is_still_due_and_says_why_on_the_avis():
    # 43.40 billed, 5.00 credited, 10.00 paid: 28.40 due, taken off the last imputation first.
    content = magnus.ecritures(batch(title(credited="5.00", paid="10.00")))
    rows = [fields(row) for row in content.split(b"\r\n")]

    assert [row[29] for row in rows] == ["28.40"]
    assert [row[25] for row in rows] == ["7067"]
    details = [fields(row) for row in magnus.details(batch(title(credited="5.00", paid="10.00"))).split(b"\r\n")]
    assert [(row[4], row[12]) for row in details] == [
        ("REPAS - LEA", "35.00"),
        ("GARDERIE - LEA", "8.40"),
        ("AVOIRS", "-5.00"),
        ("DEJA REGLE", "-10.00"),
    ]
    assert sum(Decimal(row[12]) for row in details) == Decimal("28.40")


def test_it_leaves_out_invoices_with_nothing_due():
    paid = title(invoice_id=40, number="2027-000200", paid="43.40")
    rows = magnus.ecritures(batch(paid, title())).split(b"\r\n")

    assert {fields(row)[0] for row in rows} == {"1"}
    assert b"2027-000200" not in b"".join(rows)


@given(
    st.lists(st.decimals(min_value=0, max_value=1000, places=2), min_size=1, max_size=6),
    st.data(),
)
def test_it_takes_off_from_the_end_to_reach_any_target(amounts, data):
    total = sum(amounts, Decimal("0.00"))
    target = data.draw(st.decimals(min_value=0, max_value=total, places=2))

    reduced = take_off_from_the_end(amounts, target)

    assert sum(reduced, Decimal("0.00")) == target
    assert all(Decimal(0) <= new <= old for new, old in zip(reduced, amounts, strict=True))
    # Only a suffix changed, and at most one amount is partly reduced.
    changed = [index for index, (new, old) in enumerate(zip(reduced, amounts, strict=True)) if new != old]
    assert all(reduced[index] == 0 for index in changed[1:])


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"collectivity_code": ""}, "indiquez le code collectivité"),
        ({"budget_code": " "}, "le code budget"),
        ({"titles": (title(paid="43.40"),)}, "Aucune facture à mettre en recouvrement"),
        (
            {"titles": (title(lines=(line("Repas", 1, "3.50", imputation=None),)),)},
            "Aucun code produit (ni code par défaut) pour : Garderie du soir",
        ),
        (
            {"titles": (title(debtor=dataclasses.replace(DEBTOR, family_number="F" * 16)),)},
            "dépasse 15 caractères",
        ),
    ],
)
def test_it_refuses_a_batch_it_cannot_write(changes, expected):
    for write in (magnus.ecritures, magnus.details, magnus.archive):
        with pytest.raises(ExportRefused) as refused:
            write(batch(**changes))
        assert expected in " ".join(refused.value.reasons)


def test_it_zips_both_files_the_same_way_every_time():
    first = magnus.archive(batch())

    assert first == magnus.archive(batch())
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.namelist() == ["WTAMC001.txt", "WTAMC001AS.txt"]
        assert archive.read("WTAMC001.txt") == magnus.ecritures(batch())
        assert archive.getinfo("WTAMC001.txt").date_time == (2027, 4, 2, 12, 0, 0)
    assert magnus.file_name(batch()) == "magnus-facturation-5.zip"


# From the database


def run_of(town: Town, families: list[Family], canteen: Activity, evening_care: Activity) -> InvoicingRun:
    return issued_run(town, families, [(canteen, 10, "3.50"), (evening_care, 4, "2.10")])


@pytest.mark.usefixtures("exportable")
def test_it_exports_a_run_in_a_constant_number_of_queries(
    town: Town,
    family: Family,
    canteen: Activity,
    evening_care: Activity,
    django_assert_num_queries: Any,
) -> None:
    small = run_of(town, [family], canteen, evening_care)
    large = run_of(town, [family, *more_families(town, 4)], canteen, evening_care)

    with django_assert_num_queries(6) as one:
        magnus.archive(run_batch(town, small))
    with django_assert_num_queries(6) as five:
        content = magnus.ecritures(run_batch(town, large))
    assert len(one.captured_queries) == len(five.captured_queries)
    rows = content.split(b"\r\n")
    assert len(rows) == 10  # two imputations per invoice
    # Dated the day the run was issued, in Paris (1 March, 01:30).
    assert {fields(row)[24] for row in rows} == {"01/03/2027"}
    assert {fields(row)[3] for row in rows} == {"123"}


def test_it_refuses_a_draft_run_or_a_town_without_settings(
    town: Town, family: Family, canteen: Activity, evening_care: Activity, product_codes: Any
) -> None:
    run = run_of(town, [family], canteen, evening_care)
    with pytest.raises(ExportRefused, match="paramètres du Trésor public ne sont pas renseignés"):
        run_batch(town, run)
    InvoicingRun.objects.filter(pk=run.pk).update(status=RunStatus.DRAFT, issued_at=None)
    run.refresh_from_db()
    with pytest.raises(ExportRefused, match="pas encore émise"):
        run_batch(town, run)


@pytest.mark.usefixtures("exportable")
def test_it_subtracts_a_credit_note_of_a_run_invoice(
    town: Town,
    family: Family,
    canteen: Activity,
    evening_care: Activity,
) -> None:
    run = run_of(town, [family], canteen, evening_care)
    invoice = run.invoices.get()
    CreditNote.objects.create(
        town=town, invoice=invoice, number="AV-1", issued_on=datetime.date(2027, 3, 2), amount="8.40", reason="x"
    )

    rows = magnus.ecritures(run_batch(town, run)).split(b"\r\n")

    assert [fields(row)[29] for row in rows] == ["35.00"]


@pytest.mark.parametrize("target", [Decimal("-0.01"), Decimal("30.01")])
def test_it_refuses_a_target_outside_zero_and_the_total(target):
    with pytest.raises(ValueError, match="not within 0"):
        take_off_from_the_end([Decimal("10.00"), Decimal("20.00")], target)
