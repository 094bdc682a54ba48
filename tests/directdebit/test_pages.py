"""The back office's Prélèvements pages and the parents' "Mes prélèvements"."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from ardoise.billing.statements import invoice_summary
from ardoise.directdebit.models import Collection, CollectionItem, CreditorSettings, ItemStatus, Mandate
from ardoise.messaging.models import OutgoingEmail
from ardoise.towns.models import Role
from tests.directdebit.conftest import COLLECTION_DAY, FAMILY_IBAN, make_invoice, sign_mandate
from tests.factories import FamilyFactory, staff_member
from tests.outbox import sent_text


def url(name: str, town, *args) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"backoffice:{name}", args=[town.slug, *args])


@pytest.fixture
def collected(town, family, creditor, frozen):  # type: ignore[no-untyped-def]
    sign_mandate(family)
    make_invoice(family, "40.00")
    from ardoise.directdebit import actions

    return actions.create_collection(town, None, collection_date=COLLECTION_DAY, today=datetime.date(2027, 3, 9))


def test_it_previews_the_invoices_due_by_the_date_chosen(town, family, creditor, finance_agent, client_for, frozen):
    sign_mandate(family)
    due = make_invoice(family, "40.00")  # due 7 March
    later = make_invoice(family, "25.00", datetime.date(2027, 3, 1))  # due 21 March
    client = client_for(finance_agent)

    page = client.get(url("direct_debit_new", town)).content.decode()
    assert "Aperçu au 10/03/2027" in page
    assert due.number in page
    assert later.number not in page

    page = client.get(url("direct_debit_new", town) + "?collection_date=2027-03-22").content.decode()
    assert "Aperçu au 22/03/2027" in page
    assert due.number in page
    assert later.number in page
    assert 'value="2027-03-22"' in page  # the creation form proposes the date previewed


def test_it_previews_then_creates_a_collection_and_serves_its_file(
    town, family, creditor, finance_agent, client_for, frozen
):
    sign_mandate(family)
    invoice = make_invoice(family, "40.00")
    client = client_for(finance_agent)

    preview = client.get(url("direct_debit_new", town) + "?collection_date=2027-03-10")
    assert preview.status_code == 200
    assert invoice.number in preview.content.decode()

    response = client.post(url("direct_debit_new", town), {"collection_date": "2027-03-10"})

    collection = Collection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("direct_debit_collection", town, collection.pk)
    page = client.get(response["Location"]).content.decode()
    assert invoice.number in page
    assert "Prélevé" in page
    download = client.get(url("direct_debit_xml", town, collection.pk))
    assert download["Content-Type"] == "application/xml"
    assert download.content == bytes(collection.xml)
    assert 'filename="prelevements-PR2027-000001.xml"' in download["Content-Disposition"]


@pytest.mark.parametrize("day", ["2027-03-13", "2027-03-08", "pas une date", ""])
def test_it_refuses_a_wrong_date_with_its_reason(town, family, creditor, finance_agent, client_for, frozen, day):
    sign_mandate(family)
    make_invoice(family, "40.00")
    response = client_for(finance_agent).post(url("direct_debit_new", town), {"collection_date": day})
    assert response.status_code == 422
    assert not Collection.objects.exists()


def test_it_records_a_rejection_from_the_collection_page(
    town, family, parent, collected, finance_agent, client_for, frozen
):
    item = collected.items.get()
    frozen.move_to(datetime.datetime(2027, 3, 15, 9, tzinfo=datetime.UTC))
    client = client_for(finance_agent)
    form = client.get(url("direct_debit_reject", town, item.pk))
    assert "AM04 — Provision insuffisante" in form.content.decode()

    response = client.post(url("direct_debit_reject", town, item.pk), {"reason": "AM04", "rejected_on": "2027-03-15"})

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.REJECTED
    assert invoice_summary(item.invoice).remaining == Decimal("40.00")
    email = OutgoingEmail.objects.get(kind="direct_debit_rejected")
    assert f"/{town.slug}/prelevements/" in sent_text(email)
    listing = client.get(url("direct_debit_rejections", town)).content.decode()
    assert item.invoice.number in listing
    assert "AM04" in listing
    again = client.post(url("direct_debit_reject", town, item.pk), {"reason": "MS02", "rejected_on": "2027-03-15"})
    assert again.status_code == 422
    assert "déjà enregistré" in again.content.decode()


def test_it_shows_a_collection_in_a_constant_number_of_queries(
    town, family, creditor, finance_agent, client_for, frozen, django_assert_num_queries
):
    from ardoise.directdebit import actions

    client = client_for(finance_agent)
    sign_mandate(family)
    make_invoice(family, "40.00")
    small = actions.create_collection(town, None, collection_date=COLLECTION_DAY, today=datetime.date(2027, 3, 9))
    for n in range(2, 8):
        other = FamilyFactory(town=town, number=str(n), name=f"FAMILLE{n}")
        sign_mandate(other, f"Parent {n}")
        make_invoice(other, f"{n}.50")
        make_invoice(other, "3.00")
    big = actions.create_collection(
        town, None, collection_date=datetime.date(2027, 3, 11), today=datetime.date(2027, 3, 9)
    )
    assert big.item_count == 12
    client.get(url("direct_debit_collection", town, small.pk))  # warm the session and the menu
    with django_assert_num_queries(6) as small_queries:
        client.get(url("direct_debit_collection", town, small.pk))
    with django_assert_num_queries(len(small_queries.captured_queries)):
        client.get(url("direct_debit_collection", town, big.pk))


def test_it_saves_the_creditor_settings_with_french_errors(town, finance_agent, client_for):
    client = client_for(finance_agent)
    data = {"ics": "FR12ZZZ123456", "name": "Régie", "iban": "FR7630006000011234567890189", "bic": ""}
    refused = client.post(url("direct_debit_settings", town), data)
    assert refused.status_code == 422
    assert "clé de contrôle" in refused.content.decode()
    assert client.post(url("direct_debit_settings", town), {**data, "ics": "FR72ZZZ123456"}).status_code == 302
    assert CreditorSettings.objects.get(town=town).bic == "AGRIFRPPXXX"


def test_the_front_desk_signs_up_and_revokes_a_mandate(town, family, front_desk, client_for, frozen):
    client = client_for(front_desk)
    data = {"family": "1", "debtor_name": "Marie DUPONT", "iban": FAMILY_IBAN, "bic": "", "signed_on": "2027-03-01"}
    for wrong, message in [
        ({"iban": "FR7630006000010001000000216"}, "clé de contrôle"),
        ({"bic": "AGRIXXPP"}, "pays"),
        ({"signed_on": "2027-03-10"}, "futur"),
        ({"family": "999"}, "Aucune famille"),
    ]:
        response = client.post(url("mandates", town), {**data, **wrong})
        assert response.status_code == 422
        assert message in response.content.decode()
    assert client.post(url("mandates", town), data).status_code == 302
    mandate = Mandate.objects.get()
    page = client.get(url("mandates", town) + "?famille=1").content.decode()
    assert mandate.reference in page
    assert "FR76 **** **** **** **** ***0 215" in page
    assert client.post(url("mandate_revoke", town, mandate.pk), {"revoked_on": "2027-03-09"}).status_code == 302
    mandate.refresh_from_db()
    assert mandate.state == "revoked"


def test_it_answers_404_for_another_towns_collection(town, other_town, collected, client_for):
    admin = staff_member(other_town, Role.ADMIN, email="admin@autreville.test")
    client = client_for(admin)
    item = collected.items.get()
    for name, args in [
        ("direct_debit_collection", [collected.pk]),
        ("direct_debit_xml", [collected.pk]),
        ("direct_debit_reject", [item.pk]),
        ("mandate_revoke", [item.mandate_id]),
    ]:
        assert client.get(reverse(f"backoffice:{name}", args=[other_town.slug, *args])).status_code == 404
        assert (
            client.post(
                reverse(f"backoffice:{name}", args=[other_town.slug, *args]),
                {"reason": "AM04", "rejected_on": "2027-03-15", "revoked_on": "2027-03-09"},
            ).status_code
            == 404
        )
    assert CollectionItem.objects.get().status == ItemStatus.DEBITED


@pytest.mark.parametrize("persona", ["site_agent", "kitchen_agent"])
def test_it_refuses_site_agents_and_the_kitchen(town, collected, persona, request, client_for):
    client = client_for(request.getfixturevalue(persona))
    item = collected.items.get()
    for page in [url("direct_debits", town), url("direct_debit_xml", town, collected.pk), url("mandates", town)]:
        assert client.get(page).status_code == 403
    assert client.post(url("direct_debit_reject", town, item.pk), {"reason": "AM04"}).status_code == 403
    assert client.post(url("direct_debit_new", town), {"collection_date": "2027-03-11"}).status_code == 403


# The parents' page


def portal(town) -> str:  # type: ignore[no-untyped-def]
    return reverse("portal:direct_debits", args=[town.slug])


def test_the_parent_sees_the_mandate_masked_and_the_debits(town, family, parent, collected, client_for):
    page = client_for(parent).get(portal(town)).content.decode()
    item = collected.items.get()
    assert "ARD-SAINT-EXEMPLE-1-1" in page
    assert "FR76 **** **** **** **** ***0 215" in page
    assert "0001000000215" not in page
    assert "Prélèvements à venir" in page
    assert item.invoice.number in page


def test_the_parent_sees_a_rejection_and_can_pay_the_invoice_again(town, family, parent, collected, client_for, frozen):
    from ardoise.directdebit import actions

    item = collected.items.get()
    actions.record_rejection(
        item, None, reason="AC04", rejected_on=datetime.date(2027, 3, 15), today=datetime.date(2027, 3, 15)
    )
    page = client_for(parent).get(portal(town)).content.decode()
    assert "Prélèvements rejetés" in page
    assert "AC04 — Compte clôturé" in page
    assert reverse("portal:pay_invoice", args=[town.slug, item.invoice_id]) in page


def test_another_family_sees_nothing_of_it(town, collected, outsider, client_for):
    page = client_for(outsider).get(portal(town)).content.decode()
    assert "ARD-SAINT-EXEMPLE-1-1" not in page
    assert collected.items.get().invoice.number not in page
    assert "pas de mandat de prélèvement actif" in page


def test_a_town_without_direct_debit_says_so_kindly(town, parent, client_for):
    page = client_for(parent).get(portal(town)).content.decode()
    assert "ne propose pas encore le prélèvement" in page


def test_the_menus_show_the_entries(town, parent, finance_agent, front_desk, client_for):
    assert "Mes prélèvements" in client_for(parent).get(reverse("portal:home", args=[town.slug])).content.decode()
    assert ">Prélèvements<" in client_for(finance_agent).get(url("home", town)).content.decode()
    assert ">Prélèvements<" not in client_for(front_desk).get(url("home", town)).content.decode()
