"""CESU and chèques-vacances in the demo town: the setting, and a few payments by titres at the desk.

The town accepts CESU for its morning and evening care and its Wednesday centre (the care of children under 6
only, see payments.vouchers), and chèques-vacances for the evening care and the Wednesday centre. Then the régie
takes, through the same action as its desk (`payments.actions.record_payment`), CESU of two or three 10 € titres
from the first families whose open invoices have room for them, and chèques-vacances from one more; they wait
on "Bordereaux de remise" to be sent to the CRCESU and the ANCV. Built after this year's invoicing, so that
there are invoices to pay; a family with no room gets nothing (the rule would refuse it), and DUPONT keeps the
unpaid April invoice of seed 001.
"""

import datetime
from collections import Counter
from decimal import Decimal

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.billing.models import PaymentMethod
from ardoise.families.models import Family
from ardoise.payments import actions
from ardoise.payments.vouchers import Titre
from ardoise.towns.models import Town

from .people import FAMILY_NUMBER_BASE

CESU_ACTIVITIES = ("garderie_matin", "garderie_soir", "mercredi")
ANCV_ACTIVITIES = ("garderie_soir", "mercredi")
# Face value of the demo's titres, euros, and how many a family hands over at most.
TITRE_VALUE = Decimal("10.00")
MOST_TITRES = 3
CESU_FAMILIES, ANCV_FAMILIES = 3, 1
DUPONT = str(FAMILY_NUMBER_BASE + 1)


def create_voucher_payments(town: Town, today: datetime.date, staff: dict[str, User], counts: Counter[str]) -> None:
    by_code = list(Activity.objects.filter(town=town).values_list("pk", "code"))
    actions.set_voucher_activities(
        town,
        staff["admin@demo.test"],
        {
            PaymentMethod.CESU: [pk for pk, code in by_code if code in CESU_ACTIVITIES],
            PaymentMethod.ANCV: [pk for pk, code in by_code if code in ANCV_ACTIVITIES],
        },
    )
    regie = staff["regie@demo.test"]
    received_on = today - datetime.timedelta(days=1)
    serial = 0
    families = list(Family.objects.filter(town=town).exclude(number=DUPONT).order_by("number"))
    for method, how_many in ((PaymentMethod.CESU, CESU_FAMILIES), (PaymentMethod.ANCV, ANCV_FAMILIES)):
        for family in families:
            if how_many == 0:
                break
            titres = min(int(actions.voucher_room(family, method) // TITRE_VALUE), MOST_TITRES)
            if titres == 0:
                continue
            given = []
            for _ in range(titres):
                serial += 1
                prefix = "1" if method == PaymentMethod.CESU else "7"
                given.append(Titre(number=f"{prefix}{today:%y}{serial:07d}", value=TITRE_VALUE))
            actions.record_payment(
                family, regie, method=method, received_on=received_on, amount=TITRE_VALUE * titres, titres=given
            )
            how_many -= 1
            counts["billing.Payment"] += 1
            counts["payments.Voucher"] += titres
