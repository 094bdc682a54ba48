"""Whether an invoice can be paid online from the portal.

Decided on the amount alone, without a query, so that the portal's pages keep
their fixed number of queries: a town that offers no online payment answers the
click with a message (actions.start_online_payment).
"""

from decimal import Decimal

from django import template

from ardoise.payments.providers import MINIMUM

register = template.Library()


@register.filter
def payable_online(remaining: Decimal) -> bool:
    return remaining >= MINIMUM
