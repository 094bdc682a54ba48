"""What prepayment does when payments tell it something."""

from typing import Any

from django.utils import timezone

from ardoise.payments.models import OnlinePayment
from ardoise.prepayment import actions


def book_paid_basket(sender: Any, *, online: OnlinePayment, **kwargs: Any) -> None:
    """An online payment succeeded: if it paid a basket, book its days (same transaction).

    The money itself is already the family's payment, allocated by payments:
    days that cannot be booked any more leave it as credit.
    """
    actions.confirm_paid_basket(online.pk, now=timezone.now())
