"""Direct debit in the demo town: the town as a SEPA creditor (a valid test
identifier and IBAN) and active mandates for families 2 to 8. Family 1 has none,
so that its account reproduces seed 001."""

import datetime
from collections import Counter

from schwifty import IBAN

from ardoise.directdebit.actions import mandate_reference
from ardoise.directdebit.models import CreditorSettings, Mandate
from ardoise.families.models import Family, Guardian
from ardoise.towns.models import Town

from . import spec
from .people import FAMILY_NUMBER_BASE

# A French test creditor identifier whose check digits are right (ISO 7064 MOD 97-10).
DEMO_ICS = "FR72ZZZ123456"
# The régie's account at the Banque de France's public treasury code (30001), a made-up account number.
REGIE_IBAN = str(IBAN.generate("FR", bank_code="30001", branch_code="00064", account_code="00000012345").compact)
REGIE_BIC = "BDFEFRPPCCT"
# "Family N" of DEMO.md has the number FAMILY_NUMBER_BASE + N.
MANDATED_FAMILIES = [str(FAMILY_NUMBER_BASE + n) for n in range(2, 9)]


def create_direct_debit(town: Town, today: datetime.date, counts: Counter[str]) -> None:
    CreditorSettings.objects.create(town=town, ics=DEMO_ICS, name=spec.REGIE_NAME, iban=REGIE_IBAN, bic=REGIE_BIC)
    counts["directdebit.CreditorSettings"] += 1
    families = Family.objects.filter(town=town, number__in=MANDATED_FAMILIES).order_by("pk")
    holders = {
        guardian.family_id: guardian
        for guardian in Guardian.objects.filter(town=town, family__in=families).order_by("-position", "-pk")
    }
    mandates = []
    for family in families:
        holder = holders.get(family.pk)
        name = f"{holder.first_name} {holder.last_name}" if holder else family.name
        iban = IBAN.generate("FR", bank_code="30006", branch_code="00001", account_code=f"{int(family.number):011d}")
        mandates.append(
            Mandate(
                town=town,
                family=family,
                reference=mandate_reference(town, family, 1),
                debtor_name=name[:70],
                iban=str(iban.compact),
                bic="AGRIFRPPXXX",
                signed_on=datetime.date(today.year - 1, 9, 1) if today.month < 9 else datetime.date(today.year, 9, 1),
            )
        )
    Mandate.objects.bulk_create(mandates)
    counts["directdebit.Mandate"] += len(mandates)
