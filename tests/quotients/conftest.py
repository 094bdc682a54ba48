"""The fake API Particulier on loopback, and a town set up to call it."""

import datetime
from collections.abc import Iterator

import pytest

from ardoise.families.models import Family
from ardoise.quotients.models import AllocataireIdentity, ApiParticulierSettings
from ardoise.towns.models import Town
from tests.quotients.fake_api_particulier import TOKEN, FakeApiParticulier

SIRET = "21990000900016"


@pytest.fixture(scope="session")
def fake_api() -> Iterator[FakeApiParticulier]:
    server = FakeApiParticulier.start()
    yield server
    server.stop()


@pytest.fixture
def api_settings(town: Town, fake_api: FakeApiParticulier) -> ApiParticulierSettings:
    return ApiParticulierSettings.objects.create(
        town=town, base_url=fake_api.url, token=TOKEN, recipient_siret=SIRET, timeout_seconds=1
    )


def identify(family: Family, birth_name: str, first_names: str, born: datetime.date, sex: str = "F") -> None:
    AllocataireIdentity.objects.update_or_create(
        town=family.town,
        family=family,
        defaults={
            "birth_name": birth_name,
            "first_names": first_names,
            "birth_date": born,
            "sex": sex,
            "birth_commune_code": "08480",
        },
    )


# The documentation's allocataires (see fake_api_particulier).
BERNARD = ("BERNARD", "ELODIE", datetime.date(1990, 3, 18))
ROUX = ("ROUX", "JEANNE STEPHANIE", datetime.date(1987, 6, 27))
UNKNOWN = ("DUPONT", "ALEXIS", datetime.date(1982, 12, 27))
