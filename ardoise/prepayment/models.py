"""Prepayment (seed 002, "Paiement immédiat"): a basket of bookings the parent pays online.

In a town whose billing settings say `prepayment`, the days a parent books go
into a basket instead of being booked; they are booked when the basket's online
payment succeeds. A basket stays until it is paid, abandoned ("Tout supprimer")
or expired, so that a parent who closed the tab finds it again.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ardoise.activities.models import Activity
from ardoise.billing.models import money_field
from ardoise.families.models import Child, Family
from ardoise.payments.models import OnlinePayment
from ardoise.towns.models import TownScoped


class BasketState(models.TextChoices):
    OPEN = "open", _("En attente de paiement")
    PAID = "paid", _("Payé")
    EXPIRED = "expired", _("Expiré")
    ABANDONED = "abandoned", _("Supprimé")
    # A newer basket took its days (those still possible).
    REPLACED = "replaced", _("Repris dans un nouveau panier")


class Basket(TownScoped):
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="baskets")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Deadlines are judged at this moment as long as the basket is paid before `expires_at`.
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    state = models.CharField(max_length=20, choices=BasketState.choices, default=BasketState.OPEN)
    # Euros: what the new bookings cost (sum of the lines).
    cost = money_field(_("coût"))
    # Euros: the family's position when the basket was made, restant dû (> 0) or avoir (< 0).
    position = models.DecimalField(max_digits=10, decimal_places=2)
    # Euros to pay: cost + position, never below zero (the credit may cover it all).
    amount = money_field(_("à payer"))
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("panier")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One basket waiting for payment per family: a new one takes the old one's days.
            models.UniqueConstraint(
                fields=["town", "family"], condition=models.Q(state="open"), name="basket_one_open_per_family"
            ),
        ]
        indexes = [models.Index(fields=["town", "family", "state"])]

    def __str__(self) -> str:
        return f"PANIER{self.pk}"

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        """Expired, or waiting past its time."""
        return self.state == BasketState.EXPIRED or (
            self.state == BasketState.OPEN and self.expires_at <= (now or timezone.now())
        )


class LineResult(models.TextChoices):
    WAITING = "", _("En attente")
    BOOKED = "booked", _("Réservé")
    REQUESTED = "requested", _("Demande envoyée")
    NOT_BOOKED = "not_booked", _("Non réservé (montant en avoir)")


class BasketLine(TownScoped):
    basket = models.ForeignKey(Basket, on_delete=models.CASCADE, related_name="lines")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    # Euros, what one booking of that day costs this child (the portal's price).
    unit_price = money_field(_("prix unitaire"))
    label = models.CharField(max_length=200)
    # What the payment did with the line; `message` says why a day could not be booked.
    result = models.CharField(max_length=20, choices=LineResult.choices, default=LineResult.WAITING, blank=True)
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["day", "child_id", "activity_id"]
        constraints = [
            models.UniqueConstraint(fields=["basket", "child", "activity", "day"], name="basketline_unique_day"),
        ]


class BasketPayment(TownScoped):
    """An online payment started for a basket (a parent may try more than once)."""

    basket = models.ForeignKey(Basket, on_delete=models.CASCADE, related_name="payments")
    online = models.OneToOneField(OnlinePayment, on_delete=models.PROTECT, related_name="basket_link")
