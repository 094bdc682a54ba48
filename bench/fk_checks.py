"""What the foreign keys of the billed bookings cost PostgreSQL when an issue writes them (issue 14, round 3).

    .venv/bin/python bench/fk_checks.py DATABASE_URL [ROUNDS] [VARIANTS]

DATABASE_URL: a copy of a town on which `bench/invoicing.py` has issued a run (its billed bookings are the
rows written again here). Each variant runs in a transaction that is rolled back, so the database is left as
it was: the table's foreign keys are dropped and the variant's added, the town's billed bookings deleted and
inserted again as the issue writes them (one `unnest` statement), then every deferred check is run
(`SET CONSTRAINTS ALL IMMEDIATE`, what COMMIT would do). Printed: the backend's CPU seconds (from /proc)
and the wall seconds of the insert and its checks, per variant and round.

Variants: three_deferred (town, booking, invoice line: Django's DEFERRABLE INITIALLY DEFERRED), two_deferred
(booking, line: BilledBooking today), two_immediate (both NOT DEFERRABLE: checked at the statement's end), none;
`_sorted` after a name sends the rows in booking order.
"""

import sys
import time

import psycopg
from measure import backend_cpu

TABLE = "billing_billedbooking"
REFERENCES = {
    "booking": ("booking_id", "bookings_booking"),
    "line": ("invoice_line_id", "billing_invoiceline"),
    "town": ("town_id", "towns_town"),
}
DEFERRED = "DEFERRABLE INITIALLY DEFERRED"
VARIANTS = {
    "three_deferred": [("booking", DEFERRED), ("line", DEFERRED), ("town", DEFERRED)],
    "two_deferred": [("booking", DEFERRED), ("line", DEFERRED)],
    "two_immediate": [("booking", "NOT DEFERRABLE"), ("line", "NOT DEFERRABLE")],
    "none": [],
}


def main() -> None:
    url = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    variants = sys.argv[3].split(",") if len(sys.argv) > 3 else list(VARIANTS)
    conn = psycopg.connect(url, autocommit=True)
    cur = conn.cursor()
    cur.execute("SELECT pg_backend_pid()")
    (pid,) = cur.fetchone()  # type: ignore[misc]

    cur.execute(f"SELECT town_id, booking_id, invoice_line_id FROM {TABLE} ORDER BY id")  # noqa: S608
    rows = cur.fetchall()
    town = rows[0][0]
    rows = [row for row in rows if row[0] == town]
    cur.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [TABLE])
    existing = [name for (name,) in cur.fetchall()]
    print(f"{len(rows)} billed bookings of town {town}", flush=True)
    results: dict[str, list[float]] = {variant: [] for variant in variants}
    for round_ in range(rounds):
        for variant in variants:
            ordered = sorted(rows, key=lambda row: row[1]) if variant.endswith("_sorted") else rows
            cur.execute("BEGIN")
            for name in existing:
                cur.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {name}")
            for key, mode in VARIANTS[variant.removesuffix("_sorted")]:
                column, target = REFERENCES[key]
                cur.execute(
                    f"ALTER TABLE {TABLE} ADD CONSTRAINT bench_fk_{key} FOREIGN KEY ({column}) "
                    f"REFERENCES {target}(id) {mode} NOT VALID"
                )
            cur.execute(f"DELETE FROM {TABLE} WHERE town_id = %s", [town])  # noqa: S608
            started_cpu, started = backend_cpu(pid), time.perf_counter()
            cur.execute(
                f"INSERT INTO {TABLE} (town_id, booking_id, invoice_line_id) "  # noqa: S608
                "SELECT %s, * FROM unnest(%s::bigint[], %s::bigint[])",
                [town, [row[1] for row in ordered], [row[2] for row in ordered]],
            )
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            used, wall = backend_cpu(pid) - started_cpu, time.perf_counter() - started
            cur.execute("ROLLBACK")
            results[variant].append(round(used, 2))
            print(round_, variant, f"backend CPU {used:.2f} s, wall {wall:.2f} s", flush=True)
    print(results)


if __name__ == "__main__":
    main()
