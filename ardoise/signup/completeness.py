"""What a family's file lacks: a pure rule over its guardians and children, used by the sign-up's
progress list and by staff's list of incomplete files ("Dossiers incomplets")."""

from collections.abc import Sequence

from django.utils.translation import gettext as _

from ardoise.families.models import Child, Guardian


def missing(guardians: Sequence[Guardian], children: Sequence[Child]) -> list[str]:
    """What is missing, in French (empty: the file is complete). Reads no database."""
    lacks: list[str] = []
    first = min(guardians, key=lambda guardian: guardian.position, default=None)
    if first is None or not first.first_name or not first.last_name or not first.civility:
        lacks.append(_("l'identité du responsable principal"))
    if first is None or not (first.address and first.postcode and first.city):
        lacks.append(_("l'adresse"))
    if not any(guardian.phone for guardian in guardians):
        lacks.append(_("un téléphone"))
    if not any(guardian.email for guardian in guardians):
        lacks.append(_("un courriel"))
    if not children:
        lacks.append(_("un enfant"))
    return lacks
