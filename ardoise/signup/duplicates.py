"""Possible duplicates of a family that signed up: the same child, or the same e-mail, already known.

Names are compared folded (`fold`: accents, case, spaces and hyphens ignored), a
pure rule tested with hypothesis; `possible_duplicates` reads the town's records.
"""

import datetime
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.families.models import Child, Family, Guardian


def fold(name: str) -> str:
    """A name as compared: "Élodie-Marie  DURAND" and "elodie marie durand" fold alike."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    words = letters.casefold().replace("-", " ").replace("'", " ").replace("’", " ").split()
    return " ".join(words)


def child_key(first_name: str, last_name: str, birth_date: datetime.date) -> tuple[str, str, datetime.date]:
    return fold(first_name), fold(last_name), birth_date


def same_children(
    ours: Iterable[tuple[str, str, datetime.date]], theirs: Iterable[tuple[str, str, datetime.date]]
) -> set[tuple[str, str, datetime.date]]:
    """The (first name, last name, birth date) keys found on both sides, names folded."""
    return {child_key(*child) for child in ours} & {child_key(*child) for child in theirs}


@dataclass(frozen=True)
class Duplicate:
    reason: str  # in French, for staff
    family: Family | None  # the family already known (None: a staff member's account)


def possible_duplicates(family: Family) -> list[Duplicate]:
    """The town's other families (and accounts) that look like `family`: same child, or same e-mail."""
    found: list[Duplicate] = []
    children = list(Child.objects.filter(town_id=family.town_id, family=family))
    if children:
        keys = {child_key(child.first_name, child.last_name, child.birth_date): child for child in children}
        others = (
            Child.objects.filter(town_id=family.town_id, birth_date__in={child.birth_date for child in children})
            .exclude(family=family)
            .select_related("family")
            .order_by("family__name", "pk")
        )
        for other in others:
            mine = keys.get(child_key(other.first_name, other.last_name, other.birth_date))
            if mine is not None:
                found.append(
                    Duplicate(
                        _("Même enfant : %(child)s, né(e) le %(born)s")
                        % {"child": other.full_name, "born": other.birth_date.strftime("%d/%m/%Y")},
                        other.family,
                    )
                )
    guardians = list(Guardian.objects.filter(town_id=family.town_id, family=family).exclude(email=""))
    emails = {guardian.email.strip().lower() for guardian in guardians}
    if emails:
        matching = Q()
        for email in emails:
            matching |= Q(email__iexact=email)
        for guardian in (
            Guardian.objects.filter(matching, town_id=family.town_id)
            .exclude(family=family)
            .select_related("family")
            .order_by("family__name", "pk")
        ):
            found.append(Duplicate(_("Même courriel : %(email)s") % {"email": guardian.email}, guardian.family))
        own_accounts = [guardian.user_id for guardian in guardians if guardian.user_id]
        for user in (
            User.objects.filter(matching, town_id=family.town_id, guardian__isnull=True)
            .exclude(pk__in=own_accounts)
            .order_by("pk")
        ):
            found.append(Duplicate(_("Même courriel qu'un compte existant : %(email)s") % {"email": user.email}, None))
    return found
