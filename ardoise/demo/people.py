"""The families of the demo town: guardians, logins, children, who may collect them.

Everything here is unsaved model instances built from a seeded `random.Random`;
the builder inserts them in bulk. Family 1 is DUPONT of seed 001; families 1 to
30 have a child at École Jules Ferry enrolled in the evening care (DEMO.md).
"""

import datetime
import random
import unicodedata
from dataclasses import dataclass, field

from ardoise.accounts.models import User
from ardoise.calendars.deadlines import PARIS
from ardoise.families.models import AuthorisedPerson, Child, Civility, Diet, Family, Guardian, Sex
from ardoise.towns.models import Site, Town

from . import names, spec

GRADES = ["PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2"]
# Grades from which a child may stay for supervised study, or leave alone.
FIRST_STUDY_GRADE = GRADES.index("CP")
FIRST_LEAVING_ALONE_GRADE = GRADES.index("CE2")
FAMILIES_WITH_EVENING_CARE = 30
DEFAULT_FAMILIES = 60
FAMILY_NUMBER_BASE = 1000
MARITAL_STATUSES = ["Marié(e)", "Pacsé(e)", "Vie maritale", "Séparé(e)", "Divorcé(e)", "Célibataire"]
AUTHORISED_RELATIONSHIPS = [
    "Grand-mère",
    "Grand-père",
    "Tante",
    "Oncle",
    "Voisine",
    "Assistante maternelle",
    "Ami de la famille",
]


@dataclass
class ChildPlan:
    child: Child
    grade: int  # In the current school year: 0 = PS … 7 = CM2.
    # Activity code -> weekly pattern (Monday = 0); an empty pattern books day by day.
    activities: dict[str, list[int]]
    # DUPONT's children: their past is written by hand (seed 001), not drawn.
    fixed: bool = False


@dataclass
class FamilyPlan:
    index: int
    family: Family
    user: User
    guardians: list[Guardian]
    children: list[ChildPlan] = field(default_factory=list)
    authorised: list[AuthorisedPerson] = field(default_factory=list)


def parent_email(index: int) -> str:
    return f"parent{index}@{spec.EMAIL_DOMAIN}"


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


def phone(rng: random.Random, prefix: str = "06") -> str:
    return " ".join([prefix, *(f"{rng.randrange(100):02d}" for _ in range(4))])


def french_iban(rng: random.Random) -> tuple[str, str]:
    """A well-formed French IBAN (RIB key and IBAN check digits right) and its BIC."""
    bank, branch, account = rng.randrange(10000, 99999), rng.randrange(10000, 99999), rng.randrange(10**10, 10**11)
    rib_key = 97 - (89 * bank + 15 * branch + 3 * account) % 97
    bban = f"{bank:05d}{branch:05d}{account:011d}{rib_key:02d}"
    # FR = 15 27; the check digits make the number ≡ 1 (mod 97).
    check = 98 - int(bban + "152700") % 97
    iban = f"FR{check:02d}{bban}"
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)), "CMCIFR2A"


class PopulationBuilder:
    """Draws the families of one town; `plans` is the result."""

    def __init__(self, *, town: Town, sites: list[Site], start_year: int, rng: random.Random, password_hash: str):
        self.town = town
        self.sites = sites
        self.jules_ferry = next(site for site in sites if site.name == spec.JULES_FERRY)
        self.marie_curie = next(site for site in sites if site.name == spec.MARIE_CURIE)
        self.start_year = start_year
        self.rng = rng
        self.password_hash = password_hash
        self.date_joined = datetime.datetime(start_year - 1, 8, 25, 9, 0, tzinfo=PARIS)
        self.plans: list[FamilyPlan] = []

    # Whole towns

    def default_town(self) -> list[FamilyPlan]:
        self.plans.append(self.dupont())
        for index in range(2, DEFAULT_FAMILIES + 1):
            self.plans.append(self.family(index, self.draw_size()))
        return self.plans

    def large_town(self, children: int) -> list[FamilyPlan]:
        """Families until exactly `children` children (DUPONT's two included)."""
        self.plans.append(self.dupont())
        remaining = children - 2
        index = 2
        while remaining > 0:
            size = min(self.draw_size(), remaining)
            self.plans.append(self.family(index, size))
            remaining -= size
            index += 1
        return self.plans

    def draw_size(self) -> int:
        return self.rng.choices([1, 2, 3, 4], weights=[35, 40, 18, 7])[0]

    # One family

    def dupont(self) -> FamilyPlan:
        """Family 1 of DEMO.md and seed 001."""
        family = Family(
            town=self.town,
            number=str(FAMILY_NUMBER_BASE + 1),
            name="DUPONT",
            quotient_familial=800,
            resident=True,
            caf_number="1818331",
            caf_regime="caf",
            account_holder="DUPONT JEAN",
        )
        address = {"postcode": spec.TOWN_POSTCODE, "city": spec.TOWN_NAME}
        user = self.user(1, "Jean", "DUPONT")
        guardians = [
            Guardian(
                town=self.town,
                family=family,
                user=user,
                position=1,
                civility=Civility.MONSIEUR,
                first_name="Jean",
                last_name="DUPONT",
                relationship="Père",
                marital_status="Séparé",
                address="12 rue des Bonbons",
                home_phone="02 03 04 05 06",
                email=parent_email(1),
                email_consent=True,
                sms_consent=False,
                **address,
            ),
            Guardian(
                town=self.town,
                family=family,
                position=2,
                civility=Civility.MADAME,
                first_name="Jeanne",
                last_name="DUPONT",
                relationship="Mère",
                marital_status="Séparée",
                address="Lotissement les Bons Bonbons",
                email_consent=True,
                sms_consent=False,
                **address,
            ),
        ]
        plan = FamilyPlan(1, family, user, guardians)
        every_activity = {
            "repas": list(spec.SCHOOL_DAYS),
            "garderie_matin": [spec.MON, spec.THU],
            "garderie_soir": list(spec.SCHOOL_DAYS),
            "etude": [spec.MON, spec.TUE, spec.THU],
            "mercredi": [spec.WED],
        }
        for first_name, grade, birthday in (("Sarah", 6, (3, 14)), ("Chloé", 3, (10, 2))):
            child = Child(
                town=self.town,
                family=family,
                first_name=first_name,
                last_name="DUPONT",
                sex=Sex.FEMALE,
                birth_date=datetime.date(self.birth_year(grade), *birthday),
                site=self.jules_ferry,
                school_class=GRADES[grade],
                doctor="Dr Lefranc",
            )
            activities = dict(every_activity)
            if first_name == "Chloé":
                activities["garderie_matin"] = []
                activities["etude"] = []
            plan.children.append(ChildPlan(child, grade, activities, fixed=True))
        plan.authorised += [
            AuthorisedPerson(
                town=self.town,
                child=child_plan.child,
                first_name="Monique",
                last_name="DUPONT",
                relationship="Grand-mère",
                phone="02 03 04 05 07",
            )
            for child_plan in plan.children
        ]
        return plan

    def family(self, index: int, size: int) -> FamilyPlan:
        rng = self.rng
        last_name = rng.choice(names.SURNAMES)
        resident = rng.random() < 0.88
        quotient = None if rng.random() < 0.06 else int(rng.triangular(250, 2600, 900))
        has_bank = rng.random() < 0.3
        family = Family(
            town=self.town,
            number=str(FAMILY_NUMBER_BASE + index),
            name=last_name,
            quotient_familial=quotient,
            resident=resident,
            caf_number="" if quotient is None else str(rng.randrange(1_000_000, 9_999_999)),
            caf_regime="" if quotient is None else rng.choice(["caf", "caf", "msa"]),
        )
        street = f"{rng.randrange(1, 120)} {rng.choice(names.STREETS)}"
        postcode, city = (spec.TOWN_POSTCODE, spec.TOWN_NAME) if resident else rng.choice(names.OTHER_TOWNS)
        mother_first = rng.choice(names.WOMEN)
        father_first = rng.choice(names.MEN)
        mother_first_in_charge = rng.random() < 0.65
        two_guardians = rng.random() < 0.7
        marital = rng.choice(MARITAL_STATUSES[:3]) if two_guardians else rng.choice(MARITAL_STATUSES[3:])

        first = (
            (mother_first, Civility.MADAME, "Mère")
            if mother_first_in_charge
            else (father_first, Civility.MONSIEUR, "Père")
        )
        user = self.user(index, first[0], last_name)
        guardians = [
            self.guardian(family, 1, first, last_name, marital, street, postcode, city, parent_email(index), user)
        ]
        if two_guardians:
            second = (
                (father_first, Civility.MONSIEUR, "Père")
                if mother_first_in_charge
                else (mother_first, Civility.MADAME, "Mère")
            )
            second_last = last_name if rng.random() < 0.7 else rng.choice(names.SURNAMES)
            email = f"{ascii_slug(second[0])}.{ascii_slug(second_last)}.{index}@{spec.EMAIL_DOMAIN}"
            guardians.append(self.guardian(family, 2, second, second_last, marital, street, postcode, city, email))
        if has_bank:
            family.iban, family.bic = french_iban(rng)
            family.account_holder = f"{last_name} {first[0].upper()}"
            family.bank_name = rng.choice(["Crédit Mutuel", "Crédit Agricole", "Banque Populaire", "La Banque Postale"])

        plan = FamilyPlan(index, family, user, guardians)
        site = self.site_for(index)
        grades = sorted(rng.sample(range(len(GRADES)), size), reverse=True)
        for position, grade in enumerate(grades):
            plan.children.append(self.child(plan, site, grade, needs_evening_care=position == 0))
        return plan

    def site_for(self, index: int) -> Site:
        if index <= FAMILIES_WITH_EVENING_CARE:
            return self.jules_ferry
        if len(self.sites) == 2:
            return self.jules_ferry if self.rng.random() < 0.35 else self.marie_curie
        return self.rng.choice(self.sites)

    def user(self, index: int, first_name: str, last_name: str) -> User:
        return User(
            town=self.town,
            email=parent_email(index),
            first_name=first_name,
            last_name=last_name,
            password=self.password_hash,
            date_joined=self.date_joined,
        )

    def guardian(
        self,
        family: Family,
        position: int,
        who: tuple[str, str, str],
        last_name: str,
        marital: str,
        street: str,
        postcode: str,
        city: str,
        email: str,
        user: User | None = None,
    ) -> Guardian:
        rng = self.rng
        first_name, civility, relationship = who
        return Guardian(
            town=self.town,
            family=family,
            user=user,
            position=position,
            civility=civility,
            first_name=first_name,
            last_name=last_name,
            relationship=relationship,
            marital_status=marital,
            address=street,
            postcode=postcode,
            city=city,
            mobile_phone=phone(rng, rng.choice(["06", "07"])),
            home_phone=phone(rng, "02") if rng.random() < 0.3 else "",
            work_phone=phone(rng, "02") if rng.random() < 0.4 else "",
            email=email,
            profession=rng.choice(names.PROFESSIONS),
            employer=rng.choice(names.EMPLOYERS),
            email_consent=rng.random() < 0.9,
            sms_consent=rng.random() < 0.5,
        )

    def birth_year(self, grade: int) -> int:
        return self.start_year - 3 - grade

    def child(self, plan: FamilyPlan, site: Site, grade: int, *, needs_evening_care: bool) -> ChildPlan:
        rng = self.rng
        sex = rng.choice([Sex.FEMALE, Sex.MALE])
        first_name = rng.choice(names.GIRLS if sex == Sex.FEMALE else names.BOYS)
        birth_date = datetime.date(self.birth_year(grade), 1, 1) + datetime.timedelta(days=rng.randrange(365))
        has_pai = rng.random() < 0.04
        allergies = rng.choice(names.ALLERGIES) if has_pai or rng.random() < 0.06 else ""
        diet = rng.choices(list(Diet), weights=[85, 8, 5, 2])[0]
        wears_glasses = rng.random() < 0.1
        doctor = rng.choice(names.DOCTORS)
        # Drawn still though photo rights are now consent answers (demo/consents.py), so that every later
        # draw, and the town DEMO.md describes, stays the same.
        rng.random()
        child = Child(
            town=self.town,
            family=plan.family,
            first_name=first_name,
            last_name=plan.family.name,
            sex=sex,
            birth_date=birth_date,
            site=site,
            school_class=GRADES[grade],
            allergies=allergies,
            has_pai=has_pai,
            pai_details="Panier repas fourni par la famille ; trousse d'urgence à l'infirmerie." if has_pai else "",
            diet=diet,
            wears_glasses=wears_glasses,
            doctor=doctor,
            may_leave_alone=grade >= FIRST_LEAVING_ALONE_GRADE and rng.random() < 0.3,
        )
        evening = needs_evening_care and site == self.jules_ferry and plan.index <= FAMILIES_WITH_EVENING_CARE
        child_plan = ChildPlan(child, grade, self.draw_activities(grade, force_evening_care=evening))
        for _ in range(rng.choice([0, 1, 1, 2])):
            plan.authorised.append(
                AuthorisedPerson(
                    town=self.town,
                    child=child,
                    first_name=rng.choice(names.WOMEN + names.MEN),
                    last_name=rng.choice([plan.family.name, *names.SURNAMES[:40]]),
                    relationship=rng.choice(AUTHORISED_RELATIONSHIPS),
                    phone=phone(rng),
                )
            )
        return child_plan

    def draw_activities(self, grade: int, *, force_evening_care: bool) -> dict[str, list[int]]:
        rng = self.rng
        chosen: dict[str, list[int]] = {}
        if rng.random() < 0.88:
            chosen["repas"] = self.pattern(spec.SCHOOL_DAYS, full=0.75)
        if rng.random() < 0.3:
            chosen["garderie_matin"] = self.pattern(spec.SCHOOL_DAYS, full=0.3)
        if force_evening_care:
            # Two days a week on average, so that the 20 places at Jules Ferry go round.
            chosen["garderie_soir"] = sorted(rng.sample(spec.SCHOOL_DAYS, rng.choice([1, 2, 2, 3])))
        elif rng.random() < 0.35:
            chosen["garderie_soir"] = self.pattern(spec.SCHOOL_DAYS, full=0.3)
        if grade >= FIRST_STUDY_GRADE and rng.random() < 0.3:
            chosen["etude"] = self.pattern([spec.MON, spec.TUE, spec.THU], full=0.5)
        if rng.random() < 0.18:
            chosen["mercredi"] = [spec.WED] if rng.random() < 0.6 else []
        return chosen or {"repas": list(spec.SCHOOL_DAYS)}

    def pattern(self, weekdays: list[int], *, full: float) -> list[int]:
        """A weekly pattern: every day, some days, or none (booked day by day)."""
        rng = self.rng
        draw = rng.random()
        if draw < full:
            return list(weekdays)
        if draw < full + (1 - full) * 0.6:
            return sorted(rng.sample(weekdays, rng.randrange(1, len(weekdays))))
        return []
