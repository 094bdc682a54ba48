"""Online sign-up in the demo town: open, with two new families waiting in staff's "Nouvelles familles".

- famille.martin@demo.test (MARTIN, Inès at the first school): a plain new family;
- famille.dupont-bis@demo.test (ROUSSEL: Sarah's stepfather signing her up again, a second "Sarah DUPONT" born on
  the day DUPONT's Sarah was): the likely duplicate of family 1, as a parent who does not know an account exists
  would make it. (Its family name is not DUPONT: DEMO.md's family 1 stays the one DUPONT.)
Both log in with the parents' password (`demo-parent`) and see their file waiting for a decision.
"""

import datetime
from collections import Counter
from collections.abc import Sequence

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from ardoise.accounts.models import User
from ardoise.families.actions import next_family_number
from ardoise.families.models import Child, Civility, Family, FileStatus, Guardian, Sex
from ardoise.signup.models import SignupProgress
from ardoise.towns.models import Site, Town

PASSWORD = "demo-parent"  # noqa: S105 - the demo's documented password (DEMO.md)


def create_waiting_families(town: Town, today: datetime.date, sites: Sequence[Site], counts: Counter[str]) -> None:
    Town.objects.filter(pk=town.pk).update(signup_open=True)
    town.signup_open = True
    # Family 1 of DEMO.md: parent1@demo.test's DUPONT family, whose elder child is Sarah.
    sarah = Child.objects.filter(town=town, family__guardians__email="parent1@demo.test", first_name="Sarah").first()
    password = make_password(PASSWORD)
    sent = timezone.now() - datetime.timedelta(days=1)
    newcomers = [
        (
            "famille.martin@demo.test",
            "Camille",
            "Martin",
            "Inès",
            "MARTIN",
            Sex.FEMALE,
            datetime.date(today.year - 7, 2, 11),
        ),
        (
            "famille.dupont-bis@demo.test",
            "Julien",
            "Roussel",
            "Sarah",
            "DUPONT",
            Sex.FEMALE,
            sarah.birth_date if sarah else datetime.date(today.year - 9, 6, 1),
        ),
    ]
    for email, first_name, last_name, child_name, child_last_name, sex, born in newcomers:
        user = User.objects.create(
            town=town, email=email, password=password, first_name=first_name, last_name=last_name, is_active=True
        )
        family = Family.objects.create(
            town=town,
            number=next_family_number(town),
            name=last_name.upper(),
            file_status=FileStatus.SUBMITTED,
            file_submitted_at=sent,
        )
        Guardian.objects.create(
            town=town,
            family=family,
            user=user,
            position=1,
            civility=Civility.MADAME if first_name == "Camille" else Civility.MONSIEUR,
            first_name=first_name,
            last_name=last_name,
            email=email,
            address="8 allée des Tilleuls",
            postcode="31400",
            city=town.name,
            mobile_phone="06 10 20 30 40",
        )
        Child.objects.create(
            town=town,
            family=family,
            first_name=child_name,
            last_name=child_last_name,
            sex=sex,
            birth_date=born,
            site=sites[0],
            school_class="CE1",
        )
        SignupProgress.objects.create(town=town, family=family, steps_done=["family", "second_guardian", "children"])
        counts["families waiting for sign-up acceptance"] += 1
