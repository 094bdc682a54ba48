"""The demo town's online sign-up: open, two new families waiting, one the likely duplicate of family 1."""

import pytest
from django.contrib.auth.hashers import check_password

from ardoise.accounts.models import User
from ardoise.families.models import FileStatus
from ardoise.signup.duplicates import possible_duplicates
from ardoise.signup.queries import waiting_families


@pytest.mark.django_db
def test_it_opens_signup_with_two_families_waiting(demo, settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert demo.signup_open
    waiting = {family.guardians.get().email: family for family in waiting_families(demo)}
    assert set(waiting) == {"famille.martin@demo.test", "famille.dupont-bis@demo.test"}
    for email in waiting:
        assert check_password("demo-parent", User.objects.get(town=demo, email=email).password)
    assert possible_duplicates(waiting["famille.martin@demo.test"]) == []
    [duplicate] = possible_duplicates(waiting["famille.dupont-bis@demo.test"])
    assert duplicate.family is not None
    assert duplicate.family.guardians.filter(email="parent1@demo.test").exists()
    assert all(family.file_status == FileStatus.SUBMITTED for family in waiting.values())
