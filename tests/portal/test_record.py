"""The family record (portal:record) and the change requests it opens, never direct edits."""

import pytest
from django.urls import reverse

from ardoise.bookings.models import Request, RequestKind, RequestStatus
from ardoise.families import actions
from ardoise.families.models import AuthorisedPerson, Child, Diet, Family, Guardian
from tests.factories import GuardianFactory


@pytest.fixture
def sarah(family: Family) -> Child:
    child = family.children.get(first_name="Sarah")
    child.allergies = "Arachide"
    child.doctor = "Dr Martin"
    child.save()
    AuthorisedPerson.objects.create(
        town=family.town,
        child=child,
        first_name="Josiane",
        last_name="DUPONT",
        relationship="Grand-mère",
        phone="06 11 22 33 44",
    )
    return child


@pytest.fixture
def banked(family: Family) -> Family:
    family.iban = "FR76 3000 6000 0112 3456 7890 189"
    family.account_holder = "DUPONT MARIE"
    family.caf_number = "1234567"
    family.save()
    return family


def url(name: str, town, *args) -> str:
    return reverse(f"portal:{name}", args=[town.slug, *args])


def guardian_data(guardian: Guardian, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "address": guardian.address,
        "postcode": guardian.postcode,
        "city": guardian.city,
        "mobile_phone": guardian.mobile_phone,
        "home_phone": guardian.home_phone,
        "work_phone": guardian.work_phone,
        "email": guardian.email,
        "profession": guardian.profession,
        "employer": guardian.employer,
        "employer_address": guardian.employer_address,
    }
    if guardian.email_consent:
        data["email_consent"] = "on"
    if guardian.sms_consent:
        data["sms_consent"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_it_requires_login(client, town):
    response = client.get(url("record", town))
    assert response.status_code == 302


def test_it_shows_guardians_fiscal_bank_and_children(client_for, parent, co_parent, banked, sarah, town):
    html = client_for(parent).get(url("record", town)).content.decode()
    assert "Marie" in html
    assert "Paul" in html
    assert "Conjoint(e)" in html
    assert "800&nbsp;€" in html  # quotient familial
    assert "1234567" in html
    assert "FR76 **** **** 0189" in html
    assert "3456 7890" not in html  # the full IBAN never reaches the page
    assert "Arachide" in html
    assert "Dr Martin" in html
    assert "Josiane DUPONT" in html
    assert "Grand-mère" in html
    assert "École Jules Ferry" in html
    assert "CM1" in html
    assert f"/{town.slug}/calendar/{banked.calendar_token}.ics" in html


def test_it_prefills_the_change_form(client_for, parent, town):
    guardian = parent.guardian
    html = client_for(parent).get(url("record_guardian", town, guardian.pk)).content.decode()
    assert 'value="06 12 34 56 78"' in html
    assert 'value="marie.dupont@example.test"' in html


def test_it_asks_for_a_guardian_change_without_editing_the_record(client_for, parent, town):
    guardian = parent.guardian
    client = client_for(parent)
    response = client.post(
        url("record_guardian", town, guardian.pk),
        guardian_data(guardian, mobile_phone="07 00 00 00 01", city="Toulouse", sms_consent="on", comment="Déménagé"),
    )
    assert response.status_code == 302
    assert response["Location"] == url("record", town)
    request = Request.objects.get()
    assert (request.kind, request.status, request.target, request.target_id) == (
        RequestKind.RECORD_CHANGE,
        RequestStatus.PENDING,
        "guardian",
        guardian.pk,
    )
    assert request.changes == {
        "mobile_phone": ["06 12 34 56 78", "07 00 00 00 01"],
        "city": ["Saint-Exemple", "Toulouse"],
        "sms_consent": [False, True],
    }
    assert request.comment == "Déménagé"
    assert request.created_by == parent
    guardian.refresh_from_db()
    assert guardian.mobile_phone == "06 12 34 56 78"
    assert guardian.city == "Saint-Exemple"
    # The record page lists the pending change, old → new.
    html = client.get(url("record", town)).content.decode()
    assert "Modifications en attente de validation" in html
    assert "<td>06 12 34 56 78</td><td>07 00 00 00 01</td>" in html


def test_it_lets_a_parent_ask_for_the_co_parents_change(client_for, parent, co_parent, town):
    other = co_parent.guardian
    response = client_for(parent).post(
        url("record_guardian", town, other.pk), guardian_data(other, profession="Boulanger")
    )
    assert response.status_code == 302
    assert Request.objects.get().changes == {"profession": ["", "Boulanger"]}


def test_it_refuses_a_submission_that_changes_nothing(client_for, parent, town):
    guardian = parent.guardian
    response = client_for(parent).post(url("record_guardian", town, guardian.pk), guardian_data(guardian))
    assert response.status_code == 422
    assert "Vous n&#x27;avez rien modifié" in response.content.decode()
    assert not Request.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "marie@", "Saisissez une adresse de courriel valide."),
        ("mobile_phone", "12345", "Numéro de téléphone invalide"),
        ("home_phone", "06 12 34 56 7a", "Numéro de téléphone invalide"),
        ("postcode", "3140", "Code postal invalide"),
        ("city", "x" * 101, "au plus 100 caractères"),
        ("address", "x" * 301, "au plus 300 caractères"),
    ],
)
def test_it_validates_every_field(client_for, parent, town, field, value, message):
    guardian = parent.guardian
    response = client_for(parent).post(
        url("record_guardian", town, guardian.pk), guardian_data(guardian, **{field: value})
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Request.objects.exists()


@pytest.mark.parametrize(
    "phone", ["06 12 34 56 78", "06.12.34.56.78", "+33 6 12 34 56 78", "0612345678", "+44 20 7946 0958"]
)
def test_it_accepts_usual_phone_formats(client_for, parent, town, phone):
    guardian = parent.guardian
    response = client_for(parent).post(
        url("record_guardian", town, guardian.pk), guardian_data(guardian, work_phone=phone)
    )
    assert response.status_code == 302


def test_it_asks_for_a_health_change(client_for, parent, sarah, town):
    response = client_for(parent).post(
        url("record_child", town, sarah.pk),
        {
            "allergies": "Arachide, kiwi",
            "has_pai": "on",
            "pai_details": "Trousse d'urgence à la cantine",
            "diet": Diet.NO_PORK,
            "doctor": "Dr Martin",
            "health_notes": "",
            "may_leave_alone": "on",
        },
    )
    assert response.status_code == 302
    request = Request.objects.get()
    assert (request.target, request.target_id, request.child) == ("child", sarah.pk, sarah)
    assert request.changes == {
        "allergies": ["Arachide", "Arachide, kiwi"],
        "has_pai": [False, True],
        "pai_details": ["", "Trousse d'urgence à la cantine"],
        "diet": ["standard", "no_pork"],
        "may_leave_alone": [False, True],
    }
    sarah.refresh_from_db()
    assert (sarah.allergies, sarah.has_pai, sarah.diet) == ("Arachide", False, Diet.STANDARD)
    html = client_for(parent).get(url("requests", town) + "?type=record_change").content.decode()
    assert "<td>Standard</td><td>Sans porc</td>" in html


def test_it_asks_to_add_an_authorised_person(client_for, parent, sarah, town):
    response = client_for(parent).post(
        url("record_person_new", town, sarah.pk),
        {"first_name": "Lucie", "last_name": "BERNARD", "relationship": "Voisine", "phone": "06 99 88 77 66"},
    )
    assert response.status_code == 302
    request = Request.objects.get()
    assert (request.target, request.target_id, request.child) == ("authorised_person", None, sarah)
    assert request.changes == {
        "first_name": [None, "Lucie"],
        "last_name": [None, "BERNARD"],
        "relationship": [None, "Voisine"],
        "phone": [None, "06 99 88 77 66"],
    }
    assert sarah.authorised_people.count() == 1


def test_it_requires_a_phone_for_an_authorised_person(client_for, parent, sarah, town):
    response = client_for(parent).post(
        url("record_person_new", town, sarah.pk), {"first_name": "Lucie", "last_name": "BERNARD"}
    )
    assert response.status_code == 422
    assert not Request.objects.exists()


def test_it_asks_for_a_fiscal_change(client_for, parent, banked, town):
    response = client_for(parent).post(
        url("record_family", town), {"quotient_familial": "650", "caf_number": "1234567", "caf_regime": "msa"}
    )
    assert response.status_code == 302
    assert Request.objects.get().changes == {"quotient_familial": [800, 650], "caf_regime": ["", "msa"]}
    banked.refresh_from_db()
    assert banked.quotient_familial == 800


def test_it_refuses_a_record_of_another_family_in_the_action(parent, outsider, family):
    with pytest.raises(ValueError, match="another family"):
        actions.request_record_change(family, outsider.guardian, {"city": "X"}, actor=parent)


def test_it_compares_with_the_stored_record(parent, family):
    guardian = parent.guardian
    stale = Guardian.objects.get(pk=guardian.pk)
    Guardian.objects.filter(pk=guardian.pk).update(city="Toulouse")
    with pytest.raises(actions.NothingChanged):
        actions.request_record_change(family, stale, {"city": "Toulouse"}, actor=parent)


def test_it_regenerates_the_calendar_link(client_for, parent, family, town):
    old = family.calendar_token
    client = client_for(parent)
    assert client.get(url("ical", town, old)).status_code == 200
    assert client.get(url("ical_regenerate", town)).status_code == 405
    response = client.post(url("ical_regenerate", town))
    assert response.status_code == 302
    family.refresh_from_db()
    assert family.calendar_token != old
    assert client.get(url("ical", town, old)).status_code == 404
    assert client.get(url("ical", town, family.calendar_token)).status_code == 200
    assert "Nouveau lien créé" in client.get(url("record", town)).content.decode()


def test_it_shows_a_guardian_without_account(client_for, parent, family, town):
    GuardianFactory(family=family, user=None, position=2, first_name="Jeanne", email="")
    html = client_for(parent).get(url("record", town)).content.decode()
    assert "Jeanne" in html


def test_it_answers_404_for_a_guardian_of_another_family(client_for, parent, outsider, town):
    assert client_for(parent).get(url("record_guardian", town, outsider.guardian.pk)).status_code == 404
