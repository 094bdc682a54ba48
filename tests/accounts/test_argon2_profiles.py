"""ARGON2_PROFILE: a password hashed under one profile still logs in under the other, and is rehashed."""

from typing import Any

import pytest

from ardoise.accounts.hashers import OwaspArgon2PasswordHasher
from ardoise.accounts.models import User
from ardoise.settings import ARGON2_HASHERS
from tests.api.test_api import Api

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def log_in(user: User) -> int:
    assert user.town is not None
    response = Api(user.town.slug).post("auth/token", {"login": user.email, "password": PASSWORD})
    return int(response.status_code)


@pytest.mark.parametrize(("first", "then"), [("django", "owasp"), ("owasp", "django")])
def test_it_logs_in_under_the_other_profile_and_rehashes(parent: User, settings: Any, first: str, then: str) -> None:
    settings.PASSWORD_HASHERS = [ARGON2_HASHERS[first]]
    parent.set_password(PASSWORD)
    parent.save()
    settings.PASSWORD_HASHERS = [ARGON2_HASHERS[then]]
    assert log_in(parent) == 200
    parent.refresh_from_db()
    memory = OwaspArgon2PasswordHasher.memory_cost if then == "owasp" else 102400
    assert f"m={memory}," in parent.password
    assert log_in(parent) == 200


def test_it_still_refuses_a_wrong_password_under_either_profile(parent: User, settings: Any) -> None:
    settings.PASSWORD_HASHERS = [ARGON2_HASHERS["django"]]
    parent.set_password("another-long-password")
    parent.save()
    settings.PASSWORD_HASHERS = [ARGON2_HASHERS["owasp"]]
    assert log_in(parent) == 401
