"""The back office's pages for titres: the desk payment form with CESU and chèques-vacances, their deposit slips
(print, CSV) and the town's setting of the activities they pay. Refusals first."""

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.audit.models import AuditEntry
from ardoise.billing.models import Payment
from ardoise.families.models import Family
from ardoise.payments import actions
from ardoise.payments.models import Voucher, VoucherActivity
from ardoise.payments.vouchers import Titre
from ardoise.towns.models import Site, Town
from tests.factories import FamilyFactory, GuardianFactory, SiteFactory
from tests.payments.voucher_fixtures import JANUARY, Setting, billed_invoice, voucher_setting

D = Decimal
DAY = datetime.date(2027, 3, 9)


def url(town: Town, name: str, *args: object) -> str:
    return reverse(f"backoffice:{name}", args=[town.slug, *args])


@pytest.fixture
def setting(town: Town, site: Site) -> Setting:
    voucher = voucher_setting(town, site)
    billed_invoice(
        voucher.family,
        [(voucher.young, voucher.care, "40.00", JANUARY), (voucher.young, voucher.canteen, "30.00", JANUARY)],
    )
    return voucher


def form(**changes: str) -> dict[str, str]:
    return {
        "family": "50",
        "method": "cesu",
        "amount": "30,00",
        "titres": "1234 5678 20,00\n12345679 10",
        "received_on": "2027-03-09",
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"titres": ""}, "Indiquez les titres remis"),
        ({"titres": "12345678"}, "Ligne 1 : indiquez le numéro"),
        ({"titres": "12345678 20\n12345678 10"}, "saisi deux fois"),
        ({"amount": "25,00"}, "Les titres font 30,00"),
        ({"method": "cheque"}, "Seuls les CESU et les chèques-vacances"),
        ({"amount": "50,00", "titres": "12345678 25\n12345679 25"}, "au plus 40,00"),
    ],
)
def test_it_redisplays_a_refused_payment_by_titres_and_records_nothing(
    town: Town,
    setting: Setting,
    finance_agent: User,
    client_for: Callable[[User], Client],
    changes: dict[str, str],
    message: str,
) -> None:
    response = client_for(finance_agent).post(url(town, "payments"), form(**changes))
    assert response.status_code == 422
    assert message in response.content.decode().replace("&nbsp;", "\xa0").replace("&#x27;", "'")
    assert not Payment.objects.exists()
    assert not Voucher.objects.exists()


def test_it_records_a_cesu_of_two_titres_at_the_desk(
    town: Town, setting: Setting, finance_agent: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(finance_agent)
    response = client.post(url(town, "payments"), form())
    payment = Payment.objects.get()
    assert response["Location"] == url(town, "payment", payment.pk)
    assert (payment.method, payment.amount) == ("cesu", D("30.00"))
    assert list(payment.vouchers.order_by("pk").values_list("number", flat=True)) == ["12345678", "12345679"]
    detail = client.get(url(town, "payment", payment.pk)).content.decode()
    assert "12345678" in detail
    assert "12345679" in detail
    listing = client.get(url(town, "payments")).content.decode()
    assert "titres n° 12345678, 12345679" in listing


def test_it_makes_a_cesu_slip_for_the_crcesu_with_every_titre(
    town: Town, setting: Setting, finance_agent: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(finance_agent)
    client.post(url(town, "payments"), form())
    payment = Payment.objects.get()
    waiting = client.get(url(town, "deposit_slips"), {"nature": "cesu"}).content.decode()
    assert "À remettre au CRCESU" in waiting
    assert "12345679" in waiting
    assert payment.number not in client.get(url(town, "deposit_slips")).content.decode()  # not with the cheques
    response = client.post(
        url(town, "deposit_slips"),
        {"method": "cesu", "payment": [payment.pk], "deposited_on": "2027-03-10"},
        follow=True,
    )
    page = response.content.decode()
    assert "CESU (remise au CRCESU)" in page
    assert "Centre de remboursement du CESU" in page
    assert "12345678" in page
    assert "2 titres" in page
    slip_id = response.resolver_match.kwargs["slip_id"]
    lines = client.get(url(town, "deposit_slip_csv", slip_id)).content.decode().splitlines()
    assert lines[0] == "bordereau;date_remise;nature;titre;valeur;reglement;date;famille;nom"
    assert lines[1] == f"B2027-000001;2027-03-10;cesu;12345678;20.00;{payment.number};2027-03-09;50;PETIT"
    assert lines[2].startswith("B2027-000001;2027-03-10;cesu;12345679;10.00;")
    assert lines[-1] == "B2027-000001;2027-03-10;TOTAL;2 titres;30.00;;;;"


def test_it_shows_a_slip_of_titres_in_a_constant_number_of_queries(
    town: Town,
    site: Site,
    setting: Setting,
    finance_agent: User,
    client_for: Callable[[User], Client],
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(finance_agent)

    def slip_of(families: int) -> int:
        payments = []
        for index in range(families):
            other = voucher_setting(town, site, number=f"{100 + families * 10 + index}")
            billed_invoice(other.family, [(other.young, other.care, "20.00", JANUARY)])
            payments.append(
                actions.record_payment(
                    other.family,
                    None,
                    method="cesu",
                    received_on=DAY,
                    amount=D("20.00"),
                    titres=[Titre(f"{families}{index}0001", D("10.00")), Titre(f"{families}{index}0002", D("10.00"))],
                )
            )
        ids = [payment.pk for payment in payments]
        return actions.create_deposit_slip(town, None, method="cesu", payment_ids=ids, deposited_on=DAY).pk

    def counts(slip_id: int) -> list[int]:
        # One request per capture: each request resets Django's query log, which a capture reads lazily.
        measured = []
        for address, query in (
            (url(town, "deposit_slip", slip_id), {}),
            (url(town, "deposit_slip_csv", slip_id), {}),
            (url(town, "deposit_slips"), {"nature": "cesu"}),
        ):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(address, query).status_code == 200
            measured.append(len(captured))
        return measured

    small = slip_of(1)
    counts(small)
    budget = counts(small)
    large = slip_of(4)
    assert counts(large) == budget, budget


def test_it_lets_only_the_administrator_choose_the_activities_titres_pay(
    town: Town,
    setting: Setting,
    town_admin: User,
    finance_agent: User,
    client_for: Callable[[User], Client],
) -> None:
    page = url(town, "config_payment_vouchers")
    assert client_for(finance_agent).get(page).status_code == 403
    assert client_for(finance_agent).post(page, {"cesu": [setting.canteen.pk]}).status_code == 403
    client = client_for(town_admin)
    shown = client.get(page).content.decode()
    assert "moins de 6 ans" in shown
    assert client.post(page, {"cesu": ["999999"]}).status_code == 422
    response = client.post(page, {"cesu": [setting.care.pk, setting.wednesday.pk], "ancv": [setting.wednesday.pk]})
    assert response.status_code == 302
    accepted = set(VoucherActivity.objects.filter(town=town).values_list("kind", "activity_id"))
    assert accepted == {("cesu", setting.care.pk), ("cesu", setting.wednesday.pk), ("ancv", setting.wednesday.pk)}
    entry = AuditEntry.objects.get(action="payments.vouchers")
    assert entry.actor == town_admin
    assert set(entry.changes) == {"cesu", "ancv"}


def test_it_keeps_another_towns_activities_out_of_the_setting(
    town: Town,
    other_town: Town,
    setting: Setting,
    town_admin: User,
    client_for: Callable[[User], Client],
) -> None:
    elsewhere = voucher_setting(other_town, SiteFactory(town=other_town), number="9")
    before = set(VoucherActivity.objects.values_list("pk", flat=True))
    response = client_for(town_admin).post(url(town, "config_payment_vouchers"), {"cesu": [elsewhere.care.pk]})
    assert response.status_code == 422
    assert set(VoucherActivity.objects.values_list("pk", flat=True)) == before


def test_it_lists_payments_by_titres_in_a_constant_number_of_queries(
    town: Town,
    site: Site,
    setting: Setting,
    family: Family,
    finance_agent: User,
    client_for: Callable[[User], Client],
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(finance_agent)
    client.post(url(town, "payments"), form())
    client.get(url(town, "payments"))
    with CaptureQueriesContext(connection) as one:
        client.get(url(town, "payments"))
    # Counted now: the next requests reset Django's query log, which `one` reads lazily.
    budget = len(one)
    for index in range(4):
        other = voucher_setting(town, site, number=f"{200 + index}")
        billed_invoice(other.family, [(other.young, other.care, "20.00", JANUARY)])
        client.post(url(town, "payments"), form(family=other.family.number, amount="20", titres=f"9{index}000001 20"))
        FamilyFactory(town=town)
    assert Payment.objects.count() == 5
    with django_assert_max_num_queries(budget):
        client.get(url(town, "payments"))


def test_it_shows_the_titres_on_the_familys_statement_and_on_its_record(
    town: Town,
    setting: Setting,
    finance_agent: User,
    town_admin: User,
    client_for: Callable[[User], Client],
) -> None:
    client_for(finance_agent).post(url(town, "payments"), form())
    guardian = GuardianFactory(family=setting.family, position=1, email="maman.petit@example.test")
    page = client_for(guardian.user).get(reverse("portal:statement", args=[town.slug]), {"annee": "2026"})
    assert "Règlement : CESU, titres n° 12345678, 12345679" in page.content.decode()
    record = client_for(town_admin).get(url(town, "family", setting.family.pk)).content.decode()
    assert "Règlement : CESU, titres n° 12345678, 12345679" in record
