"""The staff's family pages: search, record, forms, archive, send access, and who may reach them."""

import datetime
import html
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.audit.models import AuditEntry
from ardoise.bookings.models import Booking, BookingState
from ardoise.families.models import AuthorisedPerson, Child, Family, Guardian
from ardoise.payments.models import Refund, RefundMethod
from ardoise.towns.models import Site, Town
from tests.directdebit.matrix import mandate_of
from tests.factories import BookingFactory, ChildFactory, FamilyFactory, GuardianFactory

VALID_IBAN = "FR76 3000 6000 0112 3456 7890 189"

ClientFor = Callable[[User], Client]


def url(name: str, town: Town, *args: object) -> str:
    return reverse(f"backoffice:{name}", args=[town.slug, *args])


def family_values(**overrides: str) -> dict[str, str]:
    values = {"number": "", "name": "Leroy", "quotient_familial": "650", "resident": "on"}
    return values | overrides


def search(client: Client, town: Town, **params: str) -> str:
    response = client.get(url("families", town), params)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


# Search


@pytest.mark.parametrize("text", ["DUP", "dupont", "1", "Sarah", "chlo", "Sarah DUPONT", "marie.dupont@example.test"])
def test_it_finds_a_family_by_each_key(
    client_for: ClientFor, front_desk: User, family: Family, parent: User, outsider: User, text: str
) -> None:
    page = search(client_for(front_desk), family.town, q=text)
    assert "DUPONT" in page
    assert "MARTIN" not in page


def test_it_finds_a_family_by_a_guardian_last_name(client_for: ClientFor, front_desk: User, family: Family) -> None:
    GuardianFactory(family=family, last_name="BERNARD", email="b@example.test")
    assert "DUPONT" in search(client_for(front_desk), family.town, q="bern")


def test_it_shows_children_and_balance_in_the_results(client_for: ClientFor, front_desk: User, family: Family) -> None:
    from tests.factories import seed_001_account

    seed_001_account(family)
    page = search(client_for(front_desk), family.town, q="DUPONT")
    assert "Sarah, Chloé" in page
    assert "120,60" in page


def test_the_results_count_refunds_as_the_family_page_does(
    client_for: ClientFor, front_desk: User, family: Family
) -> None:
    from tests.factories import seed_001_account

    seed_001_account(family)
    Refund.objects.create(
        town=family.town, family=family, number="RB-1", refunded_on=datetime.date(2026, 9, 30),
        amount="10.00", method=RefundMethod.TRANSFER, reason="Trop-perçu rendu",
    )  # fmt: skip
    client = client_for(front_desk)
    assert "130,60" in search(client, family.town, q="DUPONT")  # 120.60 owed, 10.00 given back
    assert "130,60" in client.get(reverse("backoffice:family", args=[family.town.slug, family.pk])).content.decode()


def test_it_never_finds_another_towns_family(client_for: ClientFor, front_desk: User, stranger: User) -> None:
    durand = Family.objects.get(name="DURAND")
    for text in ("DURAND", "Emma", "1", "claire.durand@example.test"):
        page = search(client_for(front_desk), front_desk.town, q=text)  # type: ignore[arg-type]
        assert f"/{durand.pk}/" not in page
        assert "Aucune famille ne correspond." in page


def test_it_hides_archived_families_unless_asked(client_for: ClientFor, front_desk: User, family: Family) -> None:
    family.archived_on = datetime.date(2026, 1, 1)
    family.save()
    client = client_for(front_desk)
    link = f"/{family.pk}/"
    assert link not in search(client, family.town, q="DUPONT")
    assert link not in search(client, family.town)
    assert link in search(client, family.town, q="DUPONT", archived="on")


# Access


def test_it_answers_404_for_another_towns_family(client_for: ClientFor, front_desk: User, stranger: User) -> None:
    durand = Family.objects.get(name="DURAND")
    client = client_for(front_desk)
    assert client.get(url("family", front_desk.town, durand.pk)).status_code == 404  # type: ignore[arg-type]
    response = client.post(url("family_edit", front_desk.town, durand.pk), family_values(number="9"))  # type: ignore[arg-type]
    assert response.status_code == 404
    assert Family.objects.get(pk=durand.pk).name == "DURAND"


def test_it_answers_404_for_another_familys_child(
    client_for: ClientFor, front_desk: User, family: Family, outsider: User
) -> None:
    leo = Child.objects.get(first_name="Léo")
    assert client_for(front_desk).get(url("child_edit", family.town, family.pk, leo.pk)).status_code == 404


@pytest.mark.parametrize("persona", ["site_agent", "kitchen_agent", "finance_agent"])
@pytest.mark.parametrize("name", ["families", "family", "family_edit", "family_new", "on_behalf"])
def test_it_refuses_other_roles(
    request: pytest.FixtureRequest, client_for: ClientFor, family: Family, persona: str, name: str
) -> None:
    user = request.getfixturevalue(persona)
    args = () if name in ("families", "family_new") else (family.pk,)
    assert client_for(user).get(url(name, family.town, *args)).status_code == 403


def test_it_answers_404_to_a_parent_and_to_another_towns_user(
    client_for: ClientFor, parent: User, stranger: User, family: Family
) -> None:
    assert client_for(parent).get(url("families", family.town)).status_code == 404
    assert client_for(stranger).get(url("family", family.town, family.pk)).status_code == 404


def test_it_shows_the_health_record_to_the_front_desk(
    client_for: ClientFor, front_desk: User, town_admin: User, family: Family
) -> None:
    Child.objects.filter(first_name="Sarah").update(allergies="Arachides")
    assert "Arachides" in html.unescape(
        client_for(front_desk).get(url("family", family.town, family.pk)).content.decode()
    )
    assert "Arachides" in html.unescape(
        client_for(town_admin).get(url("family", family.town, family.pk)).content.decode()
    )


def test_finance_never_sees_health_data(client_for: ClientFor, finance_agent: User, family: Family) -> None:
    Child.objects.filter(first_name="Sarah").update(allergies="Arachides")
    for name in ("families", "family", "child_edit"):
        args = {"families": (), "family": (family.pk,), "child_edit": (family.pk, family.children.first().pk)}[name]  # type: ignore[union-attr]
        response = client_for(finance_agent).get(url(name, family.town, *args), {"q": "DUPONT"})
        assert response.status_code == 403
        assert "Arachides" not in html.unescape(response.content.decode())


# Create and edit


def test_it_creates_a_family_with_the_next_free_number(client_for: ClientFor, front_desk: User, family: Family) -> None:
    FamilyFactory(town=family.town, number="41")
    FamilyFactory(town=family.town, number="X-7")
    response = client_for(front_desk).post(url("family_new", family.town), family_values())
    created = Family.objects.get(town=family.town, name="LEROY")
    assert created.number == "42"
    assert response.status_code == 302
    assert response["Location"] == url("family", family.town, created.pk)
    entry = AuditEntry.objects.get(action="family.create", object_id=created.pk)
    assert entry.actor == front_desk
    assert entry.changes["number"] == [None, "42"]


def test_it_creates_a_family_with_a_typed_number(client_for: ClientFor, front_desk: User, town: Town) -> None:
    client_for(front_desk).post(url("family_new", town), family_values(number="2027-15"))
    assert Family.objects.get(town=town, name="LEROY").number == "2027-15"


def test_it_draws_again_when_another_agent_took_the_number(
    front_desk: User, town: Town, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ardoise.families import actions

    FamilyFactory(town=town, number="1")
    draws = iter(["1", "2"])
    monkeypatch.setattr(actions, "next_family_number", lambda town: next(draws))
    created = actions.create_family(town, {"name": "LEROY"}, actor=front_desk)
    assert created.number == "2"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("number", "1", "Le n° de famille 1 est déjà utilisé dans la commune."),
        ("quotient_familial", "-5", "Le quotient familial ne peut pas être négatif."),
        ("iban", "FR76 3000 6000 0112 3456 7890 188", "la clé de contrôle ne correspond pas"),
        ("iban", "12345", "IBAN invalide : 2 lettres, 2 chiffres"),
        ("bic", "AB", "BIC invalide"),
        ("caf_number", "12ab", "N° allocataire CAF invalide"),
        ("name", "", "Indiquez le nom de la famille."),
    ],
)
def test_it_explains_invalid_family_data_in_french(
    client_for: ClientFor, front_desk: User, family: Family, field: str, value: str, message: str
) -> None:
    data = family_values(account_holder="Marie DUPONT") | {field: value}
    response = client_for(front_desk).post(url("family_new", family.town), data)
    assert response.status_code == 422
    assert message in html.unescape(response.content.decode())
    assert not Family.objects.filter(name="LEROY").exists()


def test_it_audits_a_family_edit_with_old_and_new_values(
    client_for: ClientFor, front_desk: User, family: Family
) -> None:
    data = family_values(number="1", name="DUPONT", quotient_familial="950", iban=VALID_IBAN, account_holder="M. D")
    response = client_for(front_desk).post(url("family_edit", family.town, family.pk), data)
    assert response.status_code == 302
    family.refresh_from_db()
    assert family.quotient_familial == 950
    assert family.iban == VALID_IBAN.replace(" ", "")
    entry = AuditEntry.objects.get(action="family.update")
    assert entry.actor == front_desk
    assert entry.changes["quotient_familial"] == [800, 950]
    # Bank details stay masked in the trail.
    assert entry.changes["iban"] == [None, "FR76 **** 0189"] or entry.changes["iban"] == ["", "FR76 **** 0189"]
    assert "name" not in entry.changes


def guardian_values(**overrides: str) -> dict[str, str]:
    values = {
        "civility": "Mme",
        "first_name": "Inès",
        "last_name": "DUPONT",
        "postcode": "31400",
        "mobile_phone": "06 11 22 33 44",
        "email": "ines@example.test",
        "email_consent": "on",
    }
    return values | overrides


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "pas-un-courriel", "Adresse courriel invalide"),
        ("mobile_phone", "12 34", "Numéro de téléphone invalide"),
        ("postcode", "314", "Code postal invalide : 5 chiffres"),
        ("first_name", "", "Indiquez le prénom."),
    ],
)
def test_it_explains_invalid_guardian_data_in_french(
    client_for: ClientFor, front_desk: User, family: Family, field: str, value: str, message: str
) -> None:
    response = client_for(front_desk).post(
        url("guardian_new", family.town, family.pk), guardian_values(**{field: value})
    )
    assert response.status_code == 422
    assert message in html.unescape(response.content.decode())
    assert not Guardian.objects.filter(first_name="Inès").exists()


def test_it_adds_and_edits_a_guardian_with_audit(
    client_for: ClientFor, front_desk: User, family: Family, parent: User
) -> None:
    client = client_for(front_desk)
    assert client.post(url("guardian_new", family.town, family.pk), guardian_values()).status_code == 302
    ines = Guardian.objects.get(first_name="Inès")
    assert ines.family == family
    assert ines.position == 2
    marie = Guardian.objects.get(user=parent)
    data = guardian_values(first_name="Marie", email="marie.new@example.test")
    assert client.post(url("guardian_edit", family.town, family.pk, marie.pk), data).status_code == 302
    parent.refresh_from_db()
    assert parent.email == "marie.new@example.test"
    entry = AuditEntry.objects.get(action="guardian.update")
    assert entry.changes["email"] == ["marie.dupont@example.test", "marie.new@example.test"]


def test_it_refuses_an_email_of_another_account(
    client_for: ClientFor, front_desk: User, family: Family, parent: User
) -> None:
    marie = Guardian.objects.get(user=parent)
    data = guardian_values(first_name="Marie", email="accueil@example.test")
    response = client_for(front_desk).post(url("guardian_edit", family.town, family.pk, marie.pk), data)
    assert response.status_code == 422
    assert "déjà celui d'un autre compte" in html.unescape(response.content.decode())


def child_values(school: Site, **overrides: str) -> dict[str, str]:
    values = {
        "first_name": "Hugo",
        "last_name": "DUPONT",
        "sex": "M",
        "birth_date": "2019-05-02",
        "site": str(school.pk),
        "school_class": "CE1",
        "diet": "standard",
    }
    return values | overrides


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("birth_date", "2030-01-01", "La date de naissance est dans le futur."),
        ("birth_date", "1950-01-01", "Date de naissance improbable"),
        ("birth_date", "32/13/2019", "Indiquez une date valide"),
        ("has_pai", "on", "Décrivez le PAI"),
        ("sex", "", "Choisissez fille ou garçon."),
    ],
)
def test_it_explains_invalid_child_data_in_french(
    client_for: ClientFor, front_desk: User, family: Family, site: Site, field: str, value: str, message: str
) -> None:
    response = client_for(front_desk).post(
        url("child_new", family.town, family.pk), child_values(site, **{field: value})
    )
    assert response.status_code == 422
    assert message in html.unescape(response.content.decode())


def test_it_refuses_a_school_of_another_town(
    client_for: ClientFor, front_desk: User, family: Family, site: Site, stranger: User
) -> None:
    far = Site.objects.get(name="École Victor Hugo")
    response = client_for(front_desk).post(
        url("child_new", family.town, family.pk), child_values(site, site=str(far.pk))
    )
    assert response.status_code == 422
    assert "Choisissez une école de la commune." in html.unescape(response.content.decode())


def test_it_adds_a_child_and_audits_a_health_change(
    client_for: ClientFor, front_desk: User, family: Family, site: Site
) -> None:
    client = client_for(front_desk)
    assert client.post(url("child_new", family.town, family.pk), child_values(site)).status_code == 302
    hugo = Child.objects.get(first_name="Hugo", family=family)
    data = child_values(site, allergies="Œufs", has_pai="on", pai_details="Trousse d'urgence")
    assert client.post(url("child_edit", family.town, family.pk, hugo.pk), data).status_code == 302
    entry = AuditEntry.objects.get(action="child.update", object_id=hugo.pk)
    # Health values stay out of the trail (audit.actions.REDACTED_FIELDS): it says which fields changed.
    assert entry.changes["allergies"] == "champ modifié"
    assert entry.changes["has_pai"] == "champ modifié"


def test_it_adds_and_removes_an_authorised_person(client_for: ClientFor, front_desk: User, family: Family) -> None:
    sarah = Child.objects.get(first_name="Sarah")
    client = client_for(front_desk)
    bad = client.post(
        url("person_new", family.town, family.pk, sarah.pk), {"first_name": "Jean", "last_name": "R", "phone": "12"}
    )
    assert bad.status_code == 422
    assert "Numéro de téléphone invalide" in html.unescape(bad.content.decode())
    data = {"first_name": "Jean", "last_name": "ROUX", "relationship": "Grand-père", "phone": "06 01 02 03 04"}
    assert client.post(url("person_new", family.town, family.pk, sarah.pk), data).status_code == 302
    jean = AuthorisedPerson.objects.get(child=sarah)
    assert client.post(url("person_delete", family.town, family.pk, sarah.pk, jean.pk)).status_code == 302
    assert not AuthorisedPerson.objects.filter(child=sarah).exists()
    entry = AuditEntry.objects.get(action="authorised_person.delete")
    assert entry.changes["last_name"] == ["ROUX", None]


# Archive


def test_it_archives_a_family_cancelling_only_later_bookings(
    client_for: ClientFor, front_desk: User, family: Family, frozen: object
) -> None:
    sarah = Child.objects.get(first_name="Sarah")
    past = BookingFactory(child=sarah, date=datetime.date(2027, 3, 1), state=BookingState.PRESENT)
    before = BookingFactory(child=sarah, date=datetime.date(2027, 3, 12), activity=past.activity)
    after = BookingFactory(child=sarah, date=datetime.date(2027, 3, 16), activity=past.activity)
    response = client_for(front_desk).post(url("family_archive", family.town, family.pk), {"archived_on": "2027-03-12"})
    assert response.status_code == 302
    family.refresh_from_db()
    assert family.archived_on == datetime.date(2027, 3, 12)
    states = dict(Booking.objects.values_list("pk", "state"))
    assert states == {past.pk: BookingState.PRESENT, before.pk: BookingState.BOOKED, after.pk: BookingState.CANCELLED}
    entry = AuditEntry.objects.get(action="family.archive")
    assert entry.changes == {"archived_on": [None, "2027-03-12"], "cancelled_bookings": 1}


def test_it_refuses_an_archive_date_far_away(client_for: ClientFor, front_desk: User, family: Family) -> None:
    response = client_for(front_desk).post(url("family_archive", family.town, family.pk), {"archived_on": "1999-01-01"})
    assert response.status_code == 422
    assert "Choisissez une date dans l'année" in html.unescape(response.content.decode())


# Send access


@pytest.mark.usefixtures("immediate_tasks")
def test_it_sends_access_to_a_guardian_with_an_account(
    client_for: ClientFor, front_desk: User, family: Family, parent: User, django_capture_on_commit_callbacks: Any
) -> None:
    marie = Guardian.objects.get(user=parent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(front_desk).post(url("send_access", family.town, family.pk, marie.pk))
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["marie.dupont@example.test"]]
    assert AuditEntry.objects.filter(action="account.send_access", actor=front_desk).exists()


@pytest.mark.usefixtures("immediate_tasks")
def test_it_opens_the_account_when_missing_then_sends_access(
    client_for: ClientFor, front_desk: User, family: Family, django_capture_on_commit_callbacks: Any
) -> None:
    ines = GuardianFactory(family=family, first_name="Inès", email="Ines@Example.test", user=None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(front_desk).post(url("send_access", family.town, family.pk, ines.pk))
    assert response.status_code == 302
    ines.refresh_from_db()
    assert ines.user is not None
    assert ines.user.email == "ines@example.test"
    assert not ines.user.has_usable_password()
    assert [message.to for message in mail.outbox] == [["ines@example.test"]]


def test_it_says_why_access_cannot_be_sent(client_for: ClientFor, front_desk: User, family: Family) -> None:
    nobody = GuardianFactory(family=family, first_name="Sans", email="", user=None)
    taken = GuardianFactory(family=family, first_name="Double", email="accueil@example.test", user=None)
    client = client_for(front_desk)
    page = html.unescape(
        client.post(url("send_access", family.town, family.pk, nobody.pk), follow=True).content.decode()
    )
    assert "n'a pas d'adresse courriel" in page
    page = html.unescape(
        client.post(url("send_access", family.town, family.pk, taken.pk), follow=True).content.decode()
    )
    assert "déjà celui d'un autre compte" in page
    assert mail.outbox == []


def test_it_refuses_to_send_access_by_get(
    client_for: ClientFor, front_desk: User, family: Family, parent: User
) -> None:
    marie = Guardian.objects.get(user=parent)
    assert client_for(front_desk).get(url("send_access", family.town, family.pk, marie.pk)).status_code == 405
    assert mail.outbox == []


def test_the_family_page_shows_its_record(
    client_for: ClientFor, front_desk: User, family: Family, parent: User
) -> None:
    ChildFactory(family=family, first_name="Zoé", site=family.children.first().site)  # type: ignore[union-attr]
    page = html.unescape(client_for(front_desk).get(url("family", family.town, family.pk)).content.decode())
    for text in ("DUPONT", "Marie", "Sarah", "Chloé", "Zoé", "Envoyer ses accès", "Réserver pour la famille"):
        assert text in page


def test_it_leads_from_the_family_to_its_direct_debit_mandate(
    client_for: ClientFor, front_desk: User, family: Family
) -> None:
    page = html.unescape(client_for(front_desk).get(url("family", family.town, family.pk)).content.decode())
    assert "aucun mandat actif" in page
    assert f"mandats/?famille={family.number}" in page

    mandate = mandate_of(family)
    page = html.unescape(client_for(front_desk).get(url("family", family.town, family.pk)).content.decode())
    assert f"mandat {mandate.reference}" in page
    assert "voir les mandats" in page
