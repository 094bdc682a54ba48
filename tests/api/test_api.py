"""API v1 (../shared/API.md): answers, refusals, and isolation between families and towns."""

import datetime
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings.models import Booking, BookingState
from ardoise.families.models import Child
from tests.factories import AbsenceReasonFactory, BookingFactory, seed_001_account
from tests.moment import NEXT_MONDAY, week

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


class Api:
    """A JSON client for one town, with an optional bearer token."""

    def __init__(self, town_slug: str, token: str | None = None) -> None:
        self.client = Client()
        self.base = f"/{town_slug}/api/v1/"
        self.token = token

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(self.base + path, params, headers=self.headers())

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(
            self.base + path, json.dumps(body), content_type="application/json", headers=self.headers()
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(self.base + path, headers=self.headers())


def login(user: User, slug: str | None = None) -> Api:
    user.set_password(PASSWORD)
    user.save()
    assert user.town is not None
    api = Api(slug or user.town.slug)
    response = api.post("auth/token", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.content
    api.token = response.json()["token"]
    return api


def test_it_gives_a_token_for_the_email_or_the_family_number(parent: User, frozen: Any) -> None:
    parent.set_password(PASSWORD)
    parent.save()
    api = Api(parent.town.slug)
    for login_name in (parent.email, parent.email.upper(), parent.guardian.family.number):
        response = api.post("auth/token", {"login": login_name, "password": PASSWORD})
        assert response.status_code == 200
        # Thirty days after 9 March: summer time, and said so.
        assert response.json()["expires_at"].endswith("+02:00")


def test_it_refuses_bad_credentials_then_throttles(parent: User, settings: Any) -> None:
    settings.LOGIN_FAILURE_LIMIT = 3
    parent.set_password(PASSWORD)
    parent.save()
    api = Api(parent.town.slug)
    for _ in range(3):
        response = api.post("auth/token", {"login": parent.email, "password": "wrong"})
        assert response.status_code == 401
        assert response.json()["detail"] == "Identifiant ou mot de passe incorrect."
    response = api.post("auth/token", {"login": parent.email, "password": PASSWORD})
    assert response.status_code == 429


def test_it_requires_a_valid_token(parent: User) -> None:
    assert Api(parent.town.slug).get("family").status_code == 401
    assert Api(parent.town.slug, token="forged").get("family").status_code == 401


def test_it_forgets_a_deleted_token(parent: User) -> None:
    api = login(parent)
    assert api.delete("auth/token").status_code == 204
    assert api.get("family").status_code == 401


def test_it_refuses_a_token_in_another_town(parent: User, stranger: User) -> None:
    api = login(parent)
    api.base = f"/{stranger.town.slug}/api/v1/"
    assert api.get("family").status_code == 401


def test_it_describes_the_family(parent: User, co_parent: User, children: list[Child]) -> None:
    body = login(parent).get("family").json()
    assert body["number"] == "1"
    assert body["balance"] == "0.00"
    assert {guardian["first_name"] for guardian in body["guardians"]} == {"Marie", "Paul"}
    assert sorted(child["first_name"] for child in body["children"]) == sorted(c.first_name for c in children)
    assert body["children"][0]["site"]["name"] == "École Jules Ferry"


def test_it_lists_activities_and_absence_reasons(parent: User, meals: Activity, wednesdays: Activity) -> None:
    AbsenceReasonFactory(town=meals.town, code="medical", label="Raison médicale", document_required=True)
    api = login(parent)
    activities = {activity["code"]: activity for activity in api.get("activities").json()}
    assert activities["repas"]["weekdays"] == [0, 1, 3, 4]
    assert activities["repas"]["deadline_rule"] == "Le jeudi à 12h00 pour la semaine suivante"
    assert activities["mercredi"]["needs_validation"] is True
    assert activities["mercredi"]["capacity"] == 24
    reasons = api.get("absence-reasons").json()
    assert reasons == [{"code": "medical", "label": "Raison médicale", "billed": False, "document_required": True}]


def test_it_gives_the_planning_with_states_deadlines_and_prices(
    parent: User, children: list[Child], meals: Activity
) -> None:
    sarah = children[0]
    BookingFactory(child=sarah, activity=meals, date=NEXT_MONDAY)
    body = login(parent).get(f"children/{sarah.pk}/planning", **{"from": "2027-03-15", "to": "2027-03-29"}).json()
    days = {day["date"]: day["activities"][0] for day in body["days"]}
    assert len(days) == 15
    assert days["2027-03-15"] == {
        "activity_id": meals.pk,
        "code": "repas",
        "state": "booked",
        "open": True,
        "closed_reason": None,
        "deadline": "2027-03-11T12:00:00+01:00",
        "changeable": True,
        "unit_price": "2.50",
    }
    assert days["2027-03-17"]["closed_reason"] == "not_running"
    assert days["2027-03-17"]["deadline"] is None
    assert days["2027-03-29"]["closed_reason"] == "public_holiday"
    assert days["2027-03-16"]["state"] == "none"


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2027-03-15"},
        {"from": "not-a-date", "to": "2027-03-20"},
        {"from": "2027-03-20", "to": "2027-03-15"},
        {"from": "2027-01-01", "to": "2027-06-30"},
        {"from": "2027-02-30", "to": "2027-03-01"},
    ],
)
def test_it_refuses_a_malformed_planning_period(
    parent: User, children: list[Child], meals: Activity, params: dict[str, str]
) -> None:
    response = login(parent).get(f"children/{children[0].pk}/planning", **params)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_it_quotes_without_saving(parent: User, children: list[Child], meals: Activity) -> None:
    changes = [{"date": day.isoformat(), "activity_id": meals.pk, "book": True} for day in week(NEXT_MONDAY)]
    body = login(parent).post(f"children/{children[0].pk}/bookings/quote", {"changes": changes}).json()
    assert body["total"] == "10.00"
    assert [line["unit_price"] for line in body["lines"]] == ["2.50"] * 4
    assert not Booking.objects.exists()


def test_it_books_all_or_nothing(parent: User, children: list[Child], meals: Activity) -> None:
    api = login(parent)
    sarah = children[0]
    good = [{"date": day.isoformat(), "activity_id": meals.pk, "book": True} for day in week(NEXT_MONDAY)]
    late = {"date": "2027-03-12", "activity_id": meals.pk, "book": True}
    refused = api.post(f"children/{sarah.pk}/bookings", {"changes": [*good, late]})
    assert refused.status_code == 409
    assert refused.json()["errors"] == [
        {
            "date": "2027-03-12",
            "activity_id": meals.pk,
            "code": "deadline_passed",
            "message": refused.json()["errors"][0]["message"],
        }
    ]
    assert not Booking.objects.exists()
    first = api.post(f"children/{sarah.pk}/bookings", {"changes": good})
    second = api.post(f"children/{sarah.pk}/bookings", {"changes": good})
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["total"] == "10.00"
    assert Booking.objects.filter(state=BookingState.BOOKED).count() == 4


@pytest.mark.usefixtures("immediate_tasks")
def test_it_emails_the_same_booking_confirmation_as_the_portal(
    town: Any,
    parent: User,
    client_for: Any,
    children: list[Child],
    meals: Activity,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sarah, chloe = children
    api = login(parent)
    booking = [{"date": day.isoformat(), "activity_id": meals.pk, "book": True} for day in week(NEXT_MONDAY)]
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"children/{sarah.pk}/bookings", {"changes": booking}).status_code == 200
    assert len(mailoutbox) == 1
    through_api = mailoutbox[0]
    assert through_api.to == [parent.email]
    assert through_api.subject == "Saint-Exemple : vos réservations sont enregistrées"
    assert "Lundi 15/03/2027 · Repas · Réservé · 2,50\xa0€" in through_api.body
    assert f"http://testserver/{town.slug}/planning/" in through_api.body
    # The same days booked on the portal for the other child: the same e-mail, but for the name.
    portal = [f"{chloe.pk}:{meals.pk}:{day.isoformat()}:1" for day in week(NEXT_MONDAY)]
    with django_capture_on_commit_callbacks(execute=True):
        client_for(parent).post(reverse("portal:booking_confirm", args=[town.slug]), {"change": portal})
    assert len(mailoutbox) == 2
    through_portal = mailoutbox[1]
    assert through_portal.subject == through_api.subject
    assert through_portal.body == through_api.body.replace(sarah.first_name, chloe.first_name)
    assert through_portal.alternatives == [
        (html.replace(sarah.first_name, chloe.first_name), mimetype) for html, mimetype in through_api.alternatives
    ]


def test_it_sends_no_confirmation_when_a_batch_is_refused(
    parent: User, children: list[Child], meals: Activity, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    late = {"date": "2027-03-12", "activity_id": meals.pk, "book": True}
    with django_capture_on_commit_callbacks(execute=True):
        assert login(parent).post(f"children/{children[0].pk}/bookings", {"changes": [late]}).status_code == 409
    assert mailoutbox == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"changes": "everything"},
        {"changes": [{"date": "2027-03-15", "activity_id": "repas", "book": True}]},
        {"changes": [{"date": "15/03/2027", "activity_id": 1, "book": True}]},
        {"changes": [{"date": "2027-03-15", "activity_id": 1, "book": True, "extra": 1}]},
        {"changes": [], "surprise": True},
    ],
)
def test_it_refuses_malformed_bookings_with_422(
    parent: User, children: list[Child], meals: Activity, body: dict[str, Any]
) -> None:
    response = login(parent).post(f"children/{children[0].pk}/bookings", body)
    assert response.status_code == 422
    assert response.json()["detail"] == "Données invalides."


def test_it_refuses_a_body_that_is_not_json(parent: User, children: list[Child]) -> None:
    api = login(parent)
    response = api.client.post(
        f"{api.base}children/{children[0].pk}/bookings",
        "{not json",
        content_type="application/json",
        headers=api.headers(),
    )
    assert response.status_code in (400, 422)


def test_it_declares_an_absence(parent: User, children: list[Child], meals: Activity) -> None:
    AbsenceReasonFactory(town=meals.town, code="medical", billed=False)
    late_day = NEXT_MONDAY - datetime.timedelta(days=4)  # this Thursday: its deadline has passed
    BookingFactory(child=children[0], activity=meals, date=late_day)
    api = login(parent)
    body = {"date": late_day.isoformat(), "activity_id": meals.pk, "reason": "medical", "comment": "Fièvre"}
    response = api.post(f"children/{children[0].pk}/absences", body)
    assert response.status_code == 201
    assert response.json()["state"] == "absent_excused"
    assert response.json()["billed"] is False
    # The day is no longer booked: a second declaration is refused.
    assert api.post(f"children/{children[0].pk}/absences", body).status_code == 409
    assert api.post(f"children/{children[0].pk}/absences", {**body, "reason": "unknown"}).status_code == 422


def test_it_lists_requests_by_status(parent: User, children: list[Child], wednesdays: Activity) -> None:
    api = login(parent)
    change = {"date": "2027-03-17", "activity_id": wednesdays.pk, "book": True}
    assert api.post(f"children/{children[0].pk}/bookings", {"changes": [change]}).status_code == 200
    pending = api.get("requests", status="pending").json()
    assert [(item["kind"], item["date"], item["status"]) for item in pending] == [("booking", "2027-03-17", "pending")]
    assert api.get("requests", status="refused").json() == []
    assert api.get("requests", status="nonsense").status_code == 422


def test_it_answers_404_for_another_familys_child_on_every_call(
    parent: User, outsider: User, stranger: User, children: list[Child], meals: Activity
) -> None:
    api = login(parent)
    foreign_children = [outsider.guardian.family.children.get(), stranger.guardian.family.children.get()]
    batch = {"changes": [{"date": NEXT_MONDAY.isoformat(), "activity_id": meals.pk, "book": True}]}
    absence = {"date": NEXT_MONDAY.isoformat(), "activity_id": meals.pk, "reason": "x", "comment": ""}
    for child in [*foreign_children]:
        assert api.get(f"children/{child.pk}/planning", **{"from": "2027-03-15", "to": "2027-03-20"}).status_code == 404
        assert api.post(f"children/{child.pk}/bookings/quote", batch).status_code == 404
        assert api.post(f"children/{child.pk}/bookings", batch).status_code == 404
        assert api.post(f"children/{child.pk}/absences", absence).status_code in (404, 422)
    assert not Booking.objects.exists()


def test_it_serves_its_openapi_document(town: Any) -> None:
    response = Client().get(f"/{town.slug}/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert f"/{town.slug}/api/v1/children/{{child_id}}/planning" in paths
    assert Client().get(f"/{town.slug}/api/v1/docs").status_code == 200


def test_it_answers_404_for_an_unknown_town(db: None) -> None:
    assert Client().get("/nowhere/api/v1/family").status_code == 404


def test_it_lists_invoices_with_what_is_paid(parent: User, family: Any) -> None:
    seed_001_account(family)
    api = login(parent)
    invoices = {invoice["number"]: invoice for invoice in api.get("invoices").json()}
    assert invoices["2027-000012"]["status"] == "paid"
    assert invoices["2027-000012"]["paid"] == "243.20"
    assert invoices["2027-000036"] == {
        **invoices["2027-000036"],
        "total": "120.60",
        "paid": "0.00",
        "status": "unpaid",
        "period_start": "2027-04-01",
    }
    assert api.get("family").json()["balance"] == "120.60"


def test_it_gives_the_statement_of_a_school_year(parent: User, family: Any) -> None:
    seed_001_account(family)
    body = login(parent).get("statement", school_year=2026).json()
    assert body["opening_balance"] == "0.00"
    assert body["balance"] == "120.60"
    assert sorted((op["debit"], op["credit"]) for op in body["operations"]) == [
        ("0.00", "243.20"),
        ("120.60", "0.00"),
        ("243.20", "0.00"),
    ]
    assert login(parent).get("statement", school_year="deux-mille").status_code == 422


def test_it_serves_an_invoice_pdf_to_its_family_only(parent: User, outsider: User, family: Any, settings: Any) -> None:
    settings.ARDOISE_PDF_RENDERER = "ardoise.billing.pdf.FakePdfRenderer"
    _, april = seed_001_account(family)
    response = login(parent).get(f"invoices/{april.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    other = login(outsider)
    assert other.get(f"invoices/{april.pk}/pdf").status_code == 404
    assert other.post(f"invoices/{april.pk}/payment", {}).status_code == 404


def test_it_refuses_to_pay_a_settled_invoice(parent: User, family: Any) -> None:
    february, _ = seed_001_account(family)
    response = login(parent).post(f"invoices/{february.pk}/payment", {})
    assert response.status_code == 409
    assert response.json()["detail"] == "Cette facture est déjà réglée."


def test_it_ends_the_tokens_when_the_password_changes(parent: User, client_for: Any) -> None:
    api = login(parent)
    other_device = Api(parent.town.slug)
    other_device.token = other_device.post("auth/token", {"login": parent.email, "password": PASSWORD}).json()["token"]
    assert api.get("family").status_code == other_device.get("family").status_code == 200
    client = client_for(parent)
    new = "un-nouveau-mot-de-passe-42"
    response = client.post(
        f"/{parent.town.slug}/password/change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert api.get("family").status_code == 401
    assert other_device.get("family").status_code == 401
    # A token taken with the new password works.
    fresh = Api(parent.town.slug)
    fresh.token = fresh.post("auth/token", {"login": parent.email, "password": new}).json()["token"]
    assert fresh.get("family").status_code == 200


def test_it_ends_the_tokens_when_the_password_is_reset(parent: User) -> None:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    api = login(parent)
    uidb64 = urlsafe_base64_encode(force_bytes(parent.pk))
    link = f"/{parent.town.slug}/password/reset/{uidb64}/{default_token_generator.make_token(parent)}/"
    new = "un-nouveau-mot-de-passe-42"
    assert Client().post(link, {"new_password1": new, "new_password2": new}).status_code == 302
    assert api.get("family").status_code == 401


def test_it_ends_the_tokens_of_a_password_changed_any_other_way_only(parent: User, co_parent: User) -> None:
    """`manage.py changepassword`, a shell: whatever changes the password ends the account's tokens."""
    parent_api, co_parent_api = login(parent), login(co_parent)
    parent.set_password("un-nouveau-mot-de-passe-42")
    parent.save()
    assert parent_api.get("family").status_code == 401
    assert co_parent_api.get("family").status_code == 200


def test_it_refuses_a_token_by_family_number_while_the_account_is_locked(parent: User, settings: Any) -> None:
    parent.set_password(PASSWORD)
    parent.save()
    town = parent.town
    assert town is not None
    per_address = settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS_AND_ACCOUNT
    for index in range(settings.LOGIN_FAILURE_LIMIT):
        Client(REMOTE_ADDR=f"192.0.2.{index // per_address + 1}").post(
            f"/{town.slug}/login/", {"login": parent.email, "password": "mauvais"}
        )
    response = Api(town.slug).post("auth/token", {"login": parent.guardian.family.number, "password": PASSWORD})
    assert response.status_code == 429
