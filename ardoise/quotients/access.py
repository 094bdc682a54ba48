"""Who may reach which QF batch: a batch of the caller's town, or 404."""

from ardoise.quotients.models import QuotientBatch
from ardoise.towns.access import object_or_404
from ardoise.towns.models import Town


def access_batch(town: Town, batch_id: object) -> QuotientBatch:
    """A QF batch of this town, or 404."""
    return object_or_404(QuotientBatch.objects.filter(town=town), pk=batch_id)
