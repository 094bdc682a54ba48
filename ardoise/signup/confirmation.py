"""The link that confirms a new account's e-mail address: signed, valid 48 hours, used once.

Nothing is stored: the link carries the account's id and a digest of its state
(active or not, password hash, e-mail), signed with the site's secret and
timestamped. Confirming activates the account, which changes that state, so the
same link never works twice; signing up again with a new password voids the
links sent before.
"""

import datetime
import hashlib

from django.core import signing
from django.utils.crypto import constant_time_compare

from ardoise.accounts.models import User
from ardoise.towns.models import Town

SALT = "ardoise.signup.confirmation"
VALID_HOURS = 48


def _state(user: User) -> str:
    raw = f"{user.pk}:{user.is_active}:{user.password}:{user.email}:{user.last_login}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def make_token(user: User) -> str:
    return signing.dumps([user.pk, _state(user)], salt=SALT)


def account_for_token(town: Town, token: str) -> User | None:
    """The account of `town` waiting for this confirmation, or None (forged, expired, already used)."""
    try:
        pk, state = signing.loads(token, salt=SALT, max_age=datetime.timedelta(hours=VALID_HOURS))
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(pk, int) or not isinstance(state, str):
        return None
    user = User.objects.filter(town=town, pk=pk, is_active=False, last_login__isnull=True).first()
    if user is None or not constant_time_compare(_state(user), state):
        return None
    return user
