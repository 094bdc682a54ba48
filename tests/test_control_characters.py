"""Control characters (NUL and the other C0 characters but tab and line breaks) are refused in every input.

PostgreSQL cannot store a NUL in text: without this rule it answered 500 (SQLite stored it). The API
answers 422 with a French `detail`; HTML pages answer 400; nothing reaches a form or the database.
"""

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings.models import Absence
from ardoise.families.models import Child
from ardoise.messaging.models import Thread
from ardoise.towns.models import Town
from tests.api.test_api import PASSWORD, Api, login
from tests.factories import AbsenceReasonFactory, BookingFactory
from tests.moment import NEXT_MONDAY

pytestmark = pytest.mark.django_db

REFUSED = ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f"]


def assert_refused_as_json(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "caractère de contrôle" in response.json()["detail"]


@pytest.mark.parametrize("character", REFUSED)
def test_it_refuses_a_control_character_in_the_token_login_without_a_500(parent: User, character: str) -> None:
    parent.set_password(PASSWORD)
    parent.save()
    api = Api(parent.town.slug)
    assert_refused_as_json(api.post("auth/token", {"login": f"{parent.email}{character}", "password": PASSWORD}))
    assert_refused_as_json(api.post("auth/token", {"login": parent.email, "password": f"{PASSWORD}{character}"}))


def test_it_names_the_field_that_holds_the_character(parent: User) -> None:
    response = Api(parent.town.slug).post("auth/token", {"login": "a\x00b", "password": "x"})
    assert_refused_as_json(response)
    assert "login" in response.json()["detail"]


def test_it_refuses_a_nul_in_a_message_subject_or_body(parent: User) -> None:
    api = login(parent)
    assert_refused_as_json(api.post("messages", {"subject": "Cantine\x00", "body": "Bonjour"}))
    assert_refused_as_json(api.post("messages", {"subject": "Cantine", "body": "Bon\x00jour"}))
    assert not Thread.objects.exists()


def test_it_refuses_a_nul_in_an_absence_reason_or_comment(parent: User, children: list[Child], meals: Activity) -> None:
    AbsenceReasonFactory(town=meals.town, code="autres", label="Autres", billed=True)
    BookingFactory(child=children[0], activity=meals, date=NEXT_MONDAY)
    api = login(parent)
    path = f"children/{children[0].pk}/absences"
    day = NEXT_MONDAY.isoformat()
    assert_refused_as_json(api.post(path, {"date": day, "activity_id": meals.pk, "reason": "autres\x00"}))
    assert_refused_as_json(
        api.post(path, {"date": day, "activity_id": meals.pk, "reason": "autres", "comment": "fi\x00èvre"})
    )
    assert not Absence.objects.exists()


def test_it_refuses_a_control_character_in_a_json_key_or_nested_list(parent: User, meals: Activity) -> None:
    api = login(parent)
    child = parent.guardian.family.children.first()
    body = {"changes": [{"date": "2027-03-15", "activity_id": meals.pk, "book": True, "x\x00": 1}]}
    assert_refused_as_json(api.post(f"children/{child.pk}/bookings", body))


def test_it_refuses_a_control_character_in_an_api_query_string(parent: User) -> None:
    api = login(parent)
    assert_refused_as_json(api.get("requests", status="pending\x00"))


def test_it_keeps_tabs_and_line_breaks(parent: User) -> None:
    api = login(parent)
    response = api.post("messages", {"subject": "Cantine", "body": "Bonjour,\r\n\tmerci.\n"})
    assert response.status_code == 201
    assert Thread.objects.get().messages.get().body == "Bonjour,\r\n\tmerci."


def test_it_refuses_a_nul_in_the_roll_call_search(
    client_for: Callable[[User], Client], site_agent: User, town: Town, meals: Activity
) -> None:
    url = reverse("backoffice:roll_call", args=[town.slug])
    query = f"?site={meals.site_id}&date=2027-03-09&activity={meals.pk}&q=DUP%00ONT"
    response = client_for(site_agent).get(url + query)
    assert response.status_code == 400


def test_it_refuses_a_nul_in_a_form_post_and_in_a_path(
    client_for: Callable[[User], Client], parent: User, town: Town
) -> None:
    client = client_for(parent)
    response = client.post(
        reverse("portal:message_new", args=[town.slug]), {"subject": "Cantine", "body": "Bon\x01jour"}
    )
    assert response.status_code == 400
    assert not Thread.objects.exists()
    assert client.get(f"/{town.slug}/calendar/abc%00def.ics").status_code == 400


def test_it_ignores_a_cookie_holding_a_nul(parent: User, town: Town) -> None:
    client = Client()
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    response = client.get(reverse("portal:home", args=[town.slug]))
    assert response.status_code == 302  # to the login page, as anyone without a session
    assert response["Location"].startswith(reverse("accounts:login", args=[town.slug]))


def test_it_lets_uploaded_files_hold_any_byte(client_for: Callable[[User], Client], parent: User) -> None:
    """Files are binary: only the text fields of a multipart form are checked."""
    client = client_for(parent)
    upload = SimpleUploadedFile("note.pdf", b"%PDF-1.4\n\x00\x01\x02\n%%EOF\n", content_type="application/pdf")
    response = client.post(
        reverse("portal:message_new", args=[parent.town.slug]),
        {"subject": "Cantine", "body": "Bonjour", "attachments": upload},
    )
    assert response.status_code in (200, 302)
    assert response.status_code != 400
