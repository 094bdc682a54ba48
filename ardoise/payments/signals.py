"""Signals of the payments app, for the apps that build on it without it knowing them."""

from django.dispatch import Signal

# Sent inside the settling transaction when an online payment succeeded, with
# `online` (OnlinePayment) and `payment` (the Payment created). A prepayment basket
# (online.invoice is None) confirms its bookings here; a receiver that raises
# rolls the whole settlement back, so the provider's next notification retries it.
online_payment_paid = Signal()
