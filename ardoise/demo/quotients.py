"""The demo town's quotient familial: API Particulier set up against the local fake, a few consents and
allocataire identities (those of the API's public test cases), and some history.

- The settings call `http://127.0.0.1:8089` with the test token: start the fake there with
  `python -m tests.quotients.fake_api_particulier 8089` to try a fetch (nothing leaves the machine).
- Families 2 to 5 have consented (three weeks ago). Family 2's allocataire is ELODIE BERNARD (a CAF QF of 650
  in the fake), family 3's JEANNE ROUX (MSA, 150), family 4's is unknown to the caisse (not found), family 5
  has no identity yet (an error until the front desk fills it in). Family 1 (DUPONT, seed 001) is left alone.
- Families 6 to 8 have a history: the attestation typed at the rentrée (the file's value, so nothing
  already invoiced changes); family 6 brought a new one, which applies from the 1st of next month.
"""

import datetime
from collections import Counter

from ardoise.accounts.models import User
from ardoise.calendars.deadlines import PARIS
from ardoise.families.models import Family
from ardoise.quotients import actions
from ardoise.quotients.models import AllocataireIdentity, ApiParticulierSettings
from ardoise.towns.models import Town

from .people import FAMILY_NUMBER_BASE

FAKE_API_URL = "http://127.0.0.1:8089"
FAKE_TOKEN = "test-token"  # noqa: S105 (the fake's public test token, not a secret)
DEMO_SIRET = "21990000900016"

# "Family N" of DEMO.md → the allocataire's civil status (None: to be filled in by the front desk).
IDENTITIES: dict[int, tuple[str, str, datetime.date, str] | None] = {
    2: ("BERNARD", "ELODIE JUDITH GERTRUDE", datetime.date(1990, 3, 18), "F"),
    3: ("ROUX", "JEANNE STEPHANIE", datetime.date(1987, 6, 27), "F"),
    4: ("DUPONT", "ALEXIS", datetime.date(1982, 12, 27), "F"),
    5: None,
}
WITH_HISTORY = (6, 7, 8)


def _family(town: Town, n: int) -> Family | None:
    return Family.objects.filter(town=town, number=str(FAMILY_NUMBER_BASE + n)).first()


def create_quotients(
    town: Town, today: datetime.date, rentree: datetime.date, front_desk: User, counts: Counter[str]
) -> None:
    ApiParticulierSettings.objects.create(
        town=town, base_url=FAKE_API_URL, token=FAKE_TOKEN, recipient_siret=DEMO_SIRET, timeout_seconds=5
    )
    counts["quotients.ApiParticulierSettings"] += 1
    consented_at = datetime.datetime.combine(today - datetime.timedelta(days=21), datetime.time(18, 30), tzinfo=PARIS)
    for n, identity in IDENTITIES.items():
        family = _family(town, n)
        if family is None:
            continue
        actions.set_consent(family, True, None, now=consented_at)
        if identity is not None:
            birth_name, first_names, born, sex = identity
            AllocataireIdentity.objects.create(
                town=town,
                family=family,
                birth_name=birth_name,
                first_names=first_names,
                birth_date=born,
                sex=sex,
                birth_commune_code="08480",
            )
            counts["quotients.AllocataireIdentity"] += 1
    for n in WITH_HISTORY:
        family = _family(town, n)
        if family is None or family.quotient_familial is None:
            continue
        actions.store_quotient(family, family.quotient_familial, rentree, "staff", front_desk, today=today)
        counts["quotients.QuotientRecord"] += 2  # the file's value, then the attestation
        if n == WITH_HISTORY[0]:
            next_month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
            actions.store_quotient(family, family.quotient_familial + 120, next_month, "staff", front_desk, today=today)
            counts["quotients.QuotientRecord"] += 1
