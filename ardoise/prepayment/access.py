"""Who may reach which basket: 404 (Http404) for anything outside the caller's reach."""

from ardoise.families.models import Family
from ardoise.prepayment.models import Basket
from ardoise.towns.access import object_or_404


def access_basket(family: Family, basket_id: int) -> Basket:
    """A basket of this family, or 404."""
    return object_or_404(
        Basket.objects.filter(town_id=family.town_id, family=family).select_related("family"), pk=basket_id
    )
