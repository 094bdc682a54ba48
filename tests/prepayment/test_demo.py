"""The demo's second town, Villeneuve-l'Avance, pays when booking."""

import datetime

import pytest

from ardoise.accounts.models import User
from ardoise.billing.models import BillingSettings
from ardoise.demo.builder import build_demo
from ardoise.families.models import Family
from ardoise.payments.models import ProviderConfig, ProviderKind
from ardoise.prepayment.actions import in_prepayment
from ardoise.towns.models import Role, StaffRole, Town

pytestmark = pytest.mark.django_db


def test_it_builds_the_prepayment_demo_town_beside_the_demo_town() -> None:
    today = datetime.date(2027, 3, 9)
    for _ in range(2):  # Built afresh every time.
        build_demo(today)
    avance = Town.objects.get(slug="avance")
    assert avance.name == "Villeneuve-l'Avance"
    assert in_prepayment(avance)
    assert not BillingSettings.objects.filter(town__slug="demo", prepayment=True).exists()
    assert ProviderConfig.objects.get(town=avance).provider == ProviderKind.SIMULATOR
    assert Family.objects.filter(town=avance).count() == 5
    parent = User.objects.get(town=avance, email="parent1@avance.test")
    assert parent.check_password("demo-parent")
    regie = User.objects.get(town=avance, email="regie@avance.test")
    assert regie.check_password("demo-staff")
    assert StaffRole.objects.filter(user=regie, role=Role.FINANCE).exists()
