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
    found = (
        ApiToken.objects.select_related("user")
        .filter(town_id=town_id, digest=digest_of(token), expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
    if found is None or not constant_time_compare(found.password_fingerprint, found.user.get_session_auth_hash()):
        return None
    return found


def revoke_token(api_token: ApiToken) -> None:
    api_token.delete()
