"""Invoices to pay, the town's provider, and a fake PayFiP web service on loopback."""

import datetime
import itertools
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from ardoise.billing.models import Invoice
from ardoise.families.models import Family
from ardoise.payments.models import ProviderConfig, ProviderKind
from ardoise.towns.models import Town
from tests.payments import fake_payfip

_numbers = itertools.count(1)


def make_invoice(family: Family, total: str, issued_on: datetime.date = datetime.date(2027, 1, 31)) -> Invoice:
    return Invoice.objects.create(
        town=family.town,
        family=family,
        number=f"2027-{next(_numbers):06d}",
        issued_on=issued_on,
        due_on=issued_on + datetime.timedelta(days=20),
        period_start=issued_on.replace(day=1),
        period_end=issued_on,
        total=Decimal(total),
        payer_name=f"M. {family.name}",
        regie_name=family.town.regie_name,
    )


@pytest.fixture
def invoice_for() -> Callable[..., Invoice]:
    return make_invoice


@pytest.fixture
def payfip(town: Town, settings: Any) -> Iterator[fake_payfip.FakePayFiP]:
    """The town uses PayFiP, whose web service is a fake on 127.0.0.1."""
    fake, server, thread = fake_payfip.start()
    settings.PAYFIP_WSDL_URL = fake.wsdl_url
    ProviderConfig.objects.create(town=town, provider=ProviderKind.PAYFIP_WS, numcli="123456", saisie="T")
    yield fake
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
