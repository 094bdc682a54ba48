"""The re-enrolment reminder reads as text with awkward names (see tests/messaging/test_email_text.py)."""

import pytest

from ardoise.accounts.models import User
from ardoise.admissions import campaigns
from ardoise.families.models import Family
from ardoise.messaging.notifications import Kind
from ardoise.towns.models import Town
from tests.admissions.campaign_setup import make_campaign
from tests.messaging.test_email_text import SURNAME, TOWN, assert_text_and_html, odd_names  # noqa: F401

pytestmark = pytest.mark.usefixtures("odd_names")


def test_it_writes_a_reenrolment_reminder_as_text(
    town: Town, family: Family, parent: User, front_desk: User, frozen: object
) -> None:
    campaign = make_campaign(town, message="Dossiers à rendre <avant> le 31 & pas après")
    campaigns.remind_families(campaign, front_desk, link="https://ardoise.example.test/x/reinscriptions/")
    assert_text_and_html(
        Kind.REENROLMENT_REMINDER,
        subject=f"{TOWN} : réinscriptions 2027–2028, votre réponse est attendue",
        names=(SURNAME.upper(), "Dossiers à rendre <avant> le 31 & pas après"),
    )
