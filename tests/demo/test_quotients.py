"""The demo's quotient familial: API Particulier set up against the local fake, consents, identities, history."""

import datetime

import pytest

from ardoise.demo.quotients import FAKE_API_URL
from ardoise.families.models import Family
from ardoise.quotients import queries
from ardoise.quotients.models import AllocataireIdentity, ApiParticulierSettings, QuotientRecord
from tests.demo.dates import TODAY

pytestmark = pytest.mark.django_db


def family(demo, n: int) -> Family:
    return Family.objects.get(town=demo, number=str(1000 + n))


def test_it_sets_api_particulier_up_against_the_local_fake(demo):
    settings = ApiParticulierSettings.objects.get(town=demo)
    assert settings.base_url == FAKE_API_URL
    assert settings.ready


def test_it_has_families_2_to_5_consent_and_leaves_dupont_alone(demo):
    consenting = Family.objects.filter(town=demo, qf_consent_at__isnull=False).values_list("number", flat=True)
    assert sorted(consenting) == ["1002", "1003", "1004", "1005"]
    assert sorted(AllocataireIdentity.objects.filter(town=demo).values_list("family__number", flat=True)) == [
        "1002",
        "1003",
        "1004",
    ]
    assert not QuotientRecord.objects.filter(family=family(demo, 1)).exists()


def test_it_keeps_a_history_whose_next_value_applies_next_month(demo):
    six = family(demo, 6)
    next_month = (TODAY.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    today_value = queries.quotient_on(six, TODAY)
    assert today_value is not None
    assert queries.quotient_on(six, next_month) == today_value + 120
    assert six.quotient_familial == queries.quotient_on(six, TODAY)
    assert QuotientRecord.objects.filter(town=demo, family__number__in=["1006", "1007", "1008"]).count() >= 5
