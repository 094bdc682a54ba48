"""Bearer tokens of the JSON API. Only a digest is stored: a leaked database
does not give working tokens.

A token ends as a session does: when it expires, when its account is made
inactive, and when the account's password changes (change, reset, or any other
way), because it carries the account's session hash of the day it was issued.
"""

import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from ardoise.accounts.models import ApiToken, User
from ardoise.towns.models import Town
from ardoise.towns.rows import Columns, column_of, written_once


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, datetime.datetime]:
    assert user.town_id is not None
    token = secrets.token_urlsafe(32)
    expires_at = timezone.now() + datetime.timedelta(seconds=settings.API_TOKEN_LIFETIME_SECONDS)
    ApiToken.objects.create(
        town_id=user.town_id,
        user=user,
        digest=digest_of(token),
        password_fingerprint=user.get_session_auth_hash(),
        expires_at=expires_at,
    )
    return token, expires_at


def user_for_token(town_id: int, token: str) -> ApiToken | None:
    """The live token of this town, or None (unknown, expired, other town, inactive user, password changed)."""
    return _live(ApiToken.objects.select_related("user").filter(town_id=town_id, digest=digest_of(token)))


class _CallerStatement:
    """What an API request needs of its caller, read with the token in one query: the account, and for a
    parent the guardian and the family (a reverse one-to-one, so staff accounts join to nothing).

    The statement of `token_of_town`, written once per process and database from the models (towns.rows):
    the token joined to its town (and the town's one-to-one relations `related`), its account, and the
    account's guardian and family (LEFT JOINs: a staff account has none). The same rows and rules as
    `ApiToken.objects.select_related("town", "user__guardian__family")` filtered as `_live` does, without
    building the statement through the ORM on every call (that cost three times what PostgreSQL takes to plan
    and run it)."""

    def __init__(self, db: str, related: tuple[str, ...]) -> None:
        quote = connections[db].ops.quote_name
        self.token, self.town, self.user = Columns(ApiToken, "t"), Columns(Town, "w"), Columns(User, "u")
        self.guardian_rel: Any = User._meta.get_field("guardian")
        self.guardian = Columns(self.guardian_rel.related_model, "g")
        self.family_field: Any = self.guardian.model._meta.get_field("family")
        self.family = Columns(self.family_field.related_model, "f")
        self.town_related: list[tuple[Any, Columns]] = []
        joins = [
            f"INNER JOIN {quote(self.town.table)} w ON w.{quote('id')} = t.{quote('town_id')}",
            f"INNER JOIN {quote(self.user.table)} u ON u.{quote('id')} = t.{quote('user_id')}",
        ]
        for index, name in enumerate(related):
            rel: Any = Town._meta.get_field(name)
            columns = Columns(rel.related_model, f"r{index}")
            self.town_related.append((rel, columns))
            on = f"r{index}.{quote(column_of(rel.field))} = w.{quote('id')}"
            joins.append(f"LEFT OUTER JOIN {quote(columns.table)} r{index} ON {on}")
        guardian_user, family_id = quote(column_of(self.guardian_rel.field)), quote(column_of(self.family_field))
        joins += [
            f"LEFT OUTER JOIN {quote(self.guardian.table)} g ON g.{guardian_user} = u.{quote('id')}",
            f"LEFT OUTER JOIN {quote(self.family.table)} f ON f.{quote('id')} = g.{family_id}",
        ]
        self.parts = [self.token, self.town, *(columns for _rel, columns in self.town_related), self.user]
        self.parts += [self.guardian, self.family]
        select = ", ".join(part.select(quote) for part in self.parts)
        self.sql = (
            f"SELECT {select} FROM {quote(self.token.table)} t {' '.join(joins)} "  # noqa: S608 - our own names
            f"WHERE t.{quote('digest')} = %s AND w.{quote('slug')} = %s AND t.{quote('expires_at')} > %s "
            f"AND u.{quote('is_active')}"
        )

    def read(self, db: str, town_slug: str, digest: str) -> ApiToken | None:
        connection = connections[db]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [digest, town_slug, connection.ops.adapt_datetimefield_value(timezone.now())])
            row = cursor.fetchone()
        if row is None:
            return None
        start = 0
        found = []
        for part in self.parts:
            found.append(part.instance(db, row, start))
            start += len(part)
        token, town, *town_related, user, guardian, family = found
        ApiToken._meta.get_field("town").set_cached_value(token, town)
        ApiToken._meta.get_field("user").set_cached_value(token, user)
        for (rel, _columns), value in zip(self.town_related, town_related, strict=True):
            rel.set_cached_value(town, value)
            if value is not None:
                rel.field.set_cached_value(value, town)
        self.guardian_rel.set_cached_value(user, guardian)
        if guardian is not None:
            self.guardian_rel.field.set_cached_value(guardian, user)
            self.family_field.set_cached_value(guardian, family)
        return token  # type: ignore[no-any-return]


def token_of_town(town_slug: str, token: str, related: tuple[str, ...] = ()) -> ApiToken | None:
    """The live token of the town named `town_slug`, with its town and caller loaded, in one query.

    The same rules as `user_for_token`; the request's town is then `token.town`, so that an
    authenticated API call reads its town, token, account, guardian and family in one statement.
    `related` adds one-to-one relations of the town (the middleware's `TOWN_RELATED`).
    """
    db = router.db_for_read(ApiToken)
    statement = written_once(_CallerStatement, db, related)
    found = statement.read(db, town_slug, digest_of(token))
    if found is None or not constant_time_compare(found.password_fingerprint, found.user.get_session_auth_hash()):
        return None
    return found


def _live(tokens: QuerySet[ApiToken]) -> ApiToken | None:
    found = tokens.filter(expires_at__gt=timezone.now(), user__is_active=True).first()
    if found is None or not constant_time_compare(found.password_fingerprint, found.user.get_session_auth_hash()):
        return None
    return found


def revoke_token(api_token: ApiToken) -> None:
    api_token.delete()
