"""What `GET family` answers (API.md): the family, its guardians and balance, its children and their schools.

Two statements written once per process from the models (towns.rows), because building them through the
ORM on every call cost more CPU than everything else of the call (issue 14, docs/benchmarks.md): the
guardians with the family's balance (`billing.balance.Balance`, computed once as a scalar subquery),
and the children with their sites. Each in its model's default order (`Meta.ordering`), as the ORM reads
them; the values are the ORM's (the database's converters applied).
"""

from decimal import Decimal
from typing import Any

from django.db import connections, router
from django.db.models.sql import Query

from ardoise.billing.balance import Balance, family_balance
from ardoise.billing.money import round_money
from ardoise.families.models import Child, Family, Guardian
from ardoise.towns.models import Site
from ardoise.towns.rows import Columns, column_of, convert, converters, written_once

GUARDIAN_FIELDS = ["id", "civility", "first_name", "last_name", "email", "mobile_phone", "home_phone", "work_phone"]
CHILD_FIELDS = ["id", "first_name", "last_name", "birth_date"]


class _Statements:
    def __init__(self, db: str) -> None:
        quote = connections[db].ops.quote_name
        self.guardian = Columns(Guardian, "g", GUARDIAN_FIELDS)
        self.child, self.site = Columns(Child, "c", CHILD_FIELDS), Columns(Site, "s", ["id", "name"])
        # The expression, for its SQL and its converters; its parameters are (family, town) once per part.
        self.balance = Balance(0, 0)
        balance_sql, placeholders = Query(Guardian).get_compiler(db).compile(self.balance)
        self.balance_parts = len(placeholders) // 2
        self.balance_converters = converters(db, self.balance)
        family, town = quote("family_id"), quote("town_id")
        self.guardians_sql = (
            f"SELECT {self.guardian.select(quote)}, ({balance_sql}) FROM {quote(self.guardian.table)} g "  # noqa: S608
            f"WHERE g.{family} = %s AND g.{town} = %s ORDER BY {self.guardian.order_by(quote)}"
        )
        site_id = quote(column_of(Child._meta.get_field("site")))
        self.children_sql = (
            f"SELECT {self.child.select(quote)}, {self.site.select(quote)} FROM {quote(self.child.table)} c "  # noqa: S608
            f"INNER JOIN {quote(self.site.table)} s ON s.{quote('id')} = c.{site_id} "
            f"WHERE c.{family} = %s AND c.{town} = %s ORDER BY {self.child.order_by(quote)}"
        )


def family_card(family: Family) -> dict[str, Any]:
    """The answer of `GET family`, in two queries (the family itself comes with the caller's token)."""
    db = router.db_for_read(Guardian)
    statements = written_once(_Statements, db)
    with connections[db].cursor() as cursor:
        balance_params = (family.pk, family.town_id) * statements.balance_parts
        cursor.execute(statements.guardians_sql, [*balance_params, family.pk, family.town_id])
        guardian_rows = cursor.fetchall()
        cursor.execute(statements.children_sql, [family.pk, family.town_id])
        child_rows = cursor.fetchall()
    guardians = []
    balance: Decimal | None = None
    width = len(statements.guardian)
    for row in guardian_rows:
        guardian = statements.guardian.instance(db, row)
        guardians.append(
            {
                "id": guardian.pk,
                "civility": guardian.civility,
                "first_name": guardian.first_name,
                "last_name": guardian.last_name,
                "email": guardian.email,
                "phone": guardian.phone,
            }
        )
        balance = convert(db, statements.balance_converters, statements.balance, row[width])
    children = []
    width = len(statements.child)
    for row in child_rows:
        child = statements.child.instance(db, row)
        site = statements.site.instance(db, row, width)
        children.append(
            {
                "id": child.pk,
                "first_name": child.first_name,
                "last_name": child.last_name,
                "birth_date": child.birth_date,
                "site": {"id": site.pk, "name": site.name},
            }
        )
    return {
        "number": family.number,
        "name": family.name,
        # A family with no guardian (made by staff) has its balance read alone.
        "balance": f"{round_money(balance) if balance is not None else family_balance(family):.2f}",
        "guardians": guardians,
        "children": children,
    }
