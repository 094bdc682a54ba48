"""A family's balance, one family and a whole town: CPU and statements (issue 14, round 3 — one balance rule).

Runs in the Django project against DATABASE_URL (PostgreSQL on this machine). Builds, once, a town
`--slug` of `--families` families, each with invoices, a credit note, payments, and every fifth a
refund and a reversal (bulk inserts, then ANALYZE); then, `--rounds` times:

- retention: `privacy.queries.candidates` over the whole town (every family's balance, one query);
- family list: every family of the town with `backoffice.families.with_balance`, read in full;
- one family: `billing.balance.family_balance` for `--sample` families (per call).

CPU = the Django process's (`time.process_time`) + the PostgreSQL backend's (/proc, bench/measure.py); the
median of the rounds. `--project DIR` runs another checkout's code on the same database (e.g. main, for
"before"). Prints JSON. Never part of the test suite.
"""

import argparse
import datetime
import json
import statistics
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import project

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--families", type=int, default=2000)
parser.add_argument("--rounds", type=int, default=5)
parser.add_argument("--sample", type=int, default=50)
parser.add_argument("--slug", default="bench-solde")
parser.add_argument("--project", default=str(Path(__file__).resolve().parent.parent))
args = parser.parse_args()

project.start(args.project)

from django.db import connection  # noqa: E402
from measure import QueryCounter, backend_cpu, backend_pid  # noqa: E402

from ardoise.backoffice.families import with_balance  # noqa: E402
from ardoise.billing.balance import family_balance  # noqa: E402
from ardoise.billing.models import CreditNote, Invoice, Payment  # noqa: E402
from ardoise.families.models import Family  # noqa: E402
from ardoise.payments.models import PaymentReversal, Refund  # noqa: E402
from ardoise.privacy.queries import candidates  # noqa: E402
from ardoise.towns.models import Town  # noqa: E402

DAY = datetime.date(2026, 1, 15)


def build(slug: str, count: int) -> Town:
    found = Town.objects.filter(slug=slug).first()
    if found is not None:
        return found
    town = Town.objects.create(slug=slug, name="Banc d'essai du solde", zone="B")
    families = Family.objects.bulk_create(
        Family(town=town, number=f"B{index:05d}", name=f"FAMILLE {index}") for index in range(count)
    )
    invoices, payments = [], []
    for index, family in enumerate(families):
        for month in range(1, 7):
            invoices.append(
                Invoice(
                    town=town, family=family, number=f"F{index:05d}-{month}", issued_on=DAY.replace(month=month),
                    due_on=DAY.replace(month=month, day=28), period_start=DAY.replace(month=month, day=1),
                    period_end=DAY.replace(month=month, day=28), total=Decimal("41.30") + month,
                    payer_name=family.name, payer_address="1 rue du Banc\n12345 Essai", regie_name="Régie",
                )
            )  # fmt: skip
            payments.append(
                Payment(
                    town=town, family=family, number=f"R{index:05d}-{month}", method="cash",
                    received_on=DAY.replace(month=month, day=20), amount=Decimal("40.00"),
                )
            )  # fmt: skip
    invoices = Invoice.objects.bulk_create(invoices)
    payments = Payment.objects.bulk_create(payments)
    CreditNote.objects.bulk_create(
        CreditNote(town=town, invoice=invoice, number=f"A{invoice.number}", issued_on=DAY.replace(month=7),
                   amount=Decimal("3.10"), reason="banc")
        for invoice in invoices[::6]
    )  # fmt: skip
    fifth = families[::5]
    Refund.objects.bulk_create(
        Refund(town=town, family=family, number=f"RB{family.number}", refunded_on=DAY.replace(month=8),
               amount=Decimal("5.00"), method="cash", reason="banc")
        for family in fifth
    )  # fmt: skip
    PaymentReversal.objects.bulk_create(
        PaymentReversal(town=town, family=payment.family, payment=payment, number=f"RJ{payment.number}",
                        reversed_on=DAY.replace(month=8), amount=payment.amount, reason="bounced_cheque")
        for payment in payments[::30]
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return town


def measure(work: Any) -> tuple[float, int, Any]:
    pid = backend_pid()
    counter = QueryCounter()
    before = backend_cpu(pid)
    started = time.process_time()
    with connection.execute_wrapper(counter):
        result = work()
    return time.process_time() - started + backend_cpu(pid) - before, counter.count, result


town = build(args.slug, args.families)
families = list(Family.objects.filter(town=town).order_by("number"))
sample = families[:: max(1, len(families) // args.sample)][: args.sample]


def family_list() -> list[tuple[int, Decimal]]:
    return [(family.pk, family.balance) for family in with_balance(Family.objects.filter(town=town), town)]


kinds = {
    "retention": lambda: candidates(town, datetime.date(2099, 1, 1), years=1),
    "family_list": family_list,
    "one_family": lambda: [family_balance(family) for family in sample],
}
figures: dict[str, dict[str, Any]] = {}
totals: dict[str, Decimal] = {}
for _round in range(args.rounds):
    for name, work in kinds.items():
        spent, queries, result = measure(work)
        figures.setdefault(name, {"cpu_ms": [], "queries": queries})["cpu_ms"].append(spent * 1000)
        if name == "retention":
            totals[name] = sum(candidate.balance for candidate in result)
        elif name == "family_list":
            totals[name] = sum(balance for _pk, balance in result)
print(
    json.dumps(
        {
            "project": args.project,
            "families": len(families),
            "one_family_calls": len(sample),
            "balance_sums": {name: str(total) for name, total in totals.items()},
            **{
                name: {"cpu_ms_median": round(statistics.median(data["cpu_ms"]), 1), "queries": data["queries"]}
                for name, data in figures.items()
            },
        },
        indent=2,
    )
)
