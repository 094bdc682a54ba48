"""Who may reach which family record: a family of the town, its guardians, children and authorised people.

Each answers 404 (Http404) for anything outside the caller's reach, an id that
is not a number or is out of range included. Who the caller is (a parent of the
family, staff holding a role) is checked first by `towns.access`.
"""

from ardoise.families.models import AuthorisedPerson, Child, Family, Guardian
from ardoise.towns.access import object_or_404
from ardoise.towns.models import Town


def access_family(town: Town, family_id: int) -> Family:
    """A family of this town (archived or not), or 404."""
    return object_or_404(Family.objects.filter(town=town).select_related("town"), pk=family_id)


def access_guardian(family: Family, guardian_id: int) -> Guardian:
    """A guardian of this family, or 404."""
    return object_or_404(Guardian.objects.filter(town_id=family.town_id, family=family), pk=guardian_id)


def access_child(family: Family, child_id: int, *, for_update: bool = False) -> Child:
    """A child of this family, or 404; its `family` is the one given (not read again, nor its town).

    `for_update`: the child's row is locked until the current transaction ends (read and lock in one statement).
    """
    children = Child.objects.filter(town_id=family.town_id, family=family).select_related("site")
    if for_update:
        children = children.select_for_update(of=("self",))
    child = object_or_404(children, pk=child_id)
    child.family = family
    return child


def access_person(child: Child, person_id: int) -> AuthorisedPerson:
    """A person authorised to collect this child, or 404."""
    return object_or_404(AuthorisedPerson.objects.filter(town_id=child.town_id, child=child), pk=person_id)
