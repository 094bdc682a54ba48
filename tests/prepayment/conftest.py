"""A town in prepayment (seed 002) with the simulator, and helpers to book and pay as a parent."""

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ardoise.activities.models import Activity
from ardoise.billing.models import BillingSettings
from ardoise.families.models import Child, Family
from ardoise.payments.models import OnlinePayment, ProviderConfig, ProviderKind
from ardoise.prepayment.models import Basket, BasketLine
from ardoise.towns.models import Town
from tests.factories import ActivityFactory


def make_prepaid(town: Town) -> Town:
    """The town pays when booking, through the simulator."""
    BillingSettings.objects.update_or_create(town=town, defaults={"prepayment": True})
    ProviderConfig.objects.create(town=town, provider=ProviderKind.SIMULATOR)
    return town


@pytest.fixture
def prepaid(town: Town) -> Town:
    """The personas' town pays when booking, through the simulator."""
    return make_prepaid(town)


def ticks(child: Child, activity: Activity, days: list[datetime.date]) -> list[str]:
    return [f"{child.pk}:{activity.pk}:{day.isoformat()}" for day in days]


def changes(child: Child, activity: Activity, days: list[datetime.date], book: bool = True) -> list[str]:
    return [f"{child.pk}:{activity.pk}:{day.isoformat()}:{int(book)}" for day in days]


def confirm(client: Client, town: Town, values: list[str]) -> Any:
    return client.post(reverse("portal:booking_confirm", args=[town.slug]), {"change": values})


def simulate(client: Client, town: Town, response: Any, choice: str = "pay") -> OnlinePayment:
    """Follow the redirect to the simulator's page and answer it as the parent would."""
    assert response.status_code == 302, response.content
    match = re.search(r"/simulateur/([0-9a-f]+)/$", response["Location"])
    assert match, response["Location"]
    answered = client.post(reverse("payments:simulator", args=[town.slug, match.group(1)]), {"choice": choice})
    assert answered.status_code == 302
    return OnlinePayment.objects.get(idop=match.group(1))


def make_basket(family: Family) -> Basket:
    """A basket waiting for payment, with one line (for the isolation matrix)."""
    child = family.children.order_by("pk").first()
    activity = Activity.objects.filter(town=family.town).first() or ActivityFactory(town=family.town, site=child.site)
    now = timezone.now()
    basket = Basket.objects.create(
        town=family.town,
        family=family,
        created_at=now,
        expires_at=now + datetime.timedelta(minutes=30),
        cost=Decimal("2.50"),
        position=Decimal("0.00"),
        amount=Decimal("2.50"),
    )
    BasketLine.objects.create(
        town=family.town,
        basket=basket,
        child=child,
        activity=activity,
        day=now.date(),
        unit_price=Decimal("2.50"),
        label=f"{child.first_name} — {activity.label}",
    )
    return basket
