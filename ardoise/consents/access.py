"""Which consent kind a caller may reach: a kind of the caller's town, or 404."""

from ardoise.consents.models import ConsentKind
from ardoise.towns.access import object_or_404
from ardoise.towns.models import Town


def access_kind(town: Town, kind_id: int) -> ConsentKind:
    """A consent kind of this town (active or not), or 404."""
    return object_or_404(ConsentKind.objects.filter(town=town), pk=kind_id)
