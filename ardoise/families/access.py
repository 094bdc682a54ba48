"""Who may reach which family record: a family of the town, its guardians, children and authorised people.

Each answers 404 (Http404) for anything outside the caller's reach, an id that
is not a number or is out of range included. Who the caller is (a parent of the
family, staff holding a role) is checked first by `towns.access`.
"""

from typing import Any

from django.db import connections, router
from django.db.transaction import TransactionManagementError
from django.http import Http404

from ardoise.families.models import AuthorisedPerson, Child, Family, Guardian
from ardoise.towns.access import id_or_404, object_or_404
from ardoise.towns.models import Town
from ardoise.towns.rows import Columns, column_of, written_once


def access_family(town: Town, family_id: int) -> Family:
    """A family of this town (archived or not), or 404."""
    return object_or_404(Family.objects.filter(town=town).select_related("town"), pk=family_id)


def access_guardian(family: Family, guardian_id: int) -> Guardian:
    """A guardian of this family, or 404."""
    return object_or_404(Guardian.objects.filter(town_id=family.town_id, family=family), pk=guardian_id)


class _ChildStatement:
    """`access_child`'s statement, written once per process, database and lock (towns.rows; every planning
    and booking of the API reads its child through it): the ORM's `Child.objects.filter(town_id=…,
    family=…, pk=…).select_related("site")`, `.select_for_update(of=("self",))` for `for_update`."""

    def __init__(self, db: str, for_update: bool) -> None:
        connection = connections[db]
        quote = connection.ops.quote_name
        self.site_field: Any = Child._meta.get_field("site")
        self.child, self.site = Columns(Child, "c"), Columns(self.site_field.related_model, "s")
        # SQLite has no row locks: its write transaction already holds the database's one write lock.
        self.locks = for_update and connection.features.has_select_for_update
        lock = " FOR UPDATE OF c" if self.locks else ""
        self.sql = (
            f"SELECT {self.child.select(quote)}, {self.site.select(quote)} "  # noqa: S608 - our own names
            f"FROM {quote(self.child.table)} c INNER JOIN {quote(self.site.table)} s "
            f"ON s.{quote('id')} = c.{quote(column_of(self.site_field))} "
            f"WHERE c.{quote('id')} = %s AND c.{quote('town_id')} = %s AND c.{quote('family_id')} = %s{lock}"
        )

    def read(self, db: str, family: Family, child_id: int) -> Child | None:
        connection = connections[db]
        if self.locks and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [child_id, family.town_id, family.pk])
            row = cursor.fetchone()
        if row is None:
            return None
        child = self.child.instance(db, row)
        self.site_field.set_cached_value(child, self.site.instance(db, row, len(self.child)))
        return child  # type: ignore[no-any-return]


def access_child(family: Family, child_id: int, *, for_update: bool = False) -> Child:
    """A child of this family, or 404; its `family` is the one given (not read again, nor its town).

    `for_update`: the child's row is locked until the current transaction ends (read and lock in one statement).
    """
    pk = id_or_404(child_id)
    # A locking read is a write's (the ORM's `select_for_update` routes it so).
    db = router.db_for_write(Child) if for_update else router.db_for_read(Child)
    child = written_once(_ChildStatement, db, for_update).read(db, family, pk)
    if child is None:
        raise Http404
    child.family = family
    return child


def access_person(child: Child, person_id: int) -> AuthorisedPerson:
    """A person authorised to collect this child, or 404."""
    return object_or_404(AuthorisedPerson.objects.filter(town_id=child.town_id, child=child), pk=person_id)
