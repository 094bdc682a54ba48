"""Bearer tokens of the JSON API. Only a digest is stored: a leaked database
does not give working tokens.

A token ends as a session does: when it expires, when its account is made
inactive, and when the account's password changes (change, reset, or any other
way), because it carries the account's session hash of the day it was issued.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from ardoise.accounts.models import ApiToken, User


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


# What an API request needs of its caller, read with the token in one query: the account, and for a
# parent the guardian and the family (a reverse one-to-one, so staff accounts join to nothing).
CALLER = ("town", "user__guardian__family")


def token_of_town(town_slug: str, token: str, related: tuple[str, ...] = ()) -> ApiToken | None:
    """The live token of the town named `town_slug`, with its town and caller loaded (`CALLER`), in one query.

    The same rules as `user_for_token`; the request's town is then `token.town`, so that an
    authenticated API call reads its town, token, account, guardian and family in one statement.
    `related` adds one-to-one relations of the town (the middleware's `TOWN_RELATED`).
    """
    related_town = tuple(f"town__{name}" for name in related)
    tokens = ApiToken.objects.select_related(*CALLER, *related_town)
    return _live(tokens.filter(town__slug=town_slug, digest=digest_of(token)))


def _live(tokens: QuerySet[ApiToken]) -> ApiToken | None:
    found = tokens.filter(expires_at__gt=timezone.now(), user__is_active=True).first()
    if found is None or not constant_time_compare(found.password_fingerprint, found.user.get_session_auth_hash()):
        return None
    return found


def revoke_token(api_token: ApiToken) -> None:
    api_token.delete()
