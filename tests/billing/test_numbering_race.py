"""Invoice numbers stay gapless and unique when runs issue at once (PostgreSQL, real threads)."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from ardoise.billing import runs
from ardoise.billing.models import Invoice
from ardoise.families.models import Family
from tests.factories import FamilyFactory, TownFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

THREADS = 12
ISSUED_ON = datetime.date(2027, 4, 2)


def draft(family: Family) -> runs.FamilyDraft:
    line = runs.DraftLine(
        child_id=None,  # type: ignore[arg-type]
        child_name="",
        activity_id=None,  # type: ignore[arg-type]
        label="Repas",
        quantity=1,
        unit_price=Decimal("2.50"),
        amount=Decimal("2.50"),
        booking_ids=(),
    )
    return runs.FamilyDraft(family.pk, family.number, family.name, family.name, "", (), [line])


def test_it_numbers_invoices_1_to_n_under_concurrency_and_gives_back_rolled_back_numbers() -> None:
    town = TownFactory()
    run = runs.create_run(town, None, period_start=datetime.date(2027, 3, 1), period_end=ISSUED_ON, activities=[])
    families = [FamilyFactory(town=town) for _ in range(THREADS)]
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def issue(index: int) -> None:
        try:
            start.wait()
            if index % 4 == 3:
                # A transaction that fails after taking a number gives it back.
                try:
                    with transaction.atomic():
                        runs.next_invoice_number(town.pk, ISSUED_ON.year)
                        raise RuntimeError("rolled back")
                except RuntimeError:
                    pass
            runs.issue_family(run, draft(families[index]), issued_on=ISSUED_ON, due_on=ISSUED_ON, actor=None)
        except BaseException as error:  # noqa: BLE001 - reported to the main thread below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = sorted(Invoice.objects.filter(town=town).values_list("number", flat=True))
    assert numbers == [f"2027-{n:06d}" for n in range(1, THREADS + 1)]
