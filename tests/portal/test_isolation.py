"""A parent reaches only their own family: a matrix over every page of the portal.

The URL names come from the resolver (the `portal` namespace), so a new page is
in the matrix as soon as it is in `portal/urls.py`. A page whose path takes an
id gets the ids of another family (same town) and of another town; a page
without one is asked with another family's ids in its query string and must
show nothing of that family. A path parameter this file does not know makes
the matrix fail: teach `ID_PARAMETERS` what it names.
"""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.billing.models import BillingSettings, Invoice
from ardoise.bookings.models import Absence, Booking, BookingState, Enrollment, Request, RequestKind
from ardoise.families.models import AuthorisedPerson, Family, Guardian
from tests.documents.fixtures import make_supporting_document
from tests.factories import AbsenceReasonFactory, ActivityFactory, BookingFactory, SchoolYearFactory
from tests.messaging import factories as messaging
from tests.moment import NEXT_MONDAY
from tests.portal.holiday_factories import holiday_period_for, holiday_registration_for
from tests.prepayment.conftest import make_basket

# Pages that need no login: the calendar feed is reached by its secret token; online sign-up and its
# confirmation link are for people who have no account yet; the town's accessibility statement and processing
# notice are for everyone (tests/legal).
PUBLIC = {"ical", "signup", "signup_sent", "signup_confirm", "accessibility", "privacy_notice"}


@dataclass(frozen=True)
class Page:
    name: str
    parameters: tuple[str, ...]


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[Page]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _walk(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield Page(prefix + pattern.name, tuple(pattern.pattern.converters))


def portal_pages() -> list[Page]:
    _prefix, resolver = get_resolver().namespace_dict["portal"]
    return sorted(_walk(resolver.url_patterns, "portal:"), key=lambda page: page.name)


PAGES = portal_pages()
PARENT_PAGES = [page for page in PAGES if page.name.removeprefix("portal:") not in PUBLIC]
# Path parameters that name no record (a year): a page with only those is "plain".
NOT_IDS = {"year"}
ID_PAGES = [page for page in PARENT_PAGES if set(page.parameters) - NOT_IDS]
PLAIN_PAGES = [page for page in PARENT_PAGES if not set(page.parameters) - NOT_IDS]


def ids(pages: list[Page]) -> list[str]:
    return [page.name for page in pages]


@dataclass
class Victim:
    """A family whose ids the others try, and what must never leak of it."""

    family: Family
    town_slug: str
    child_id: int
    guardian_id: int
    booking: Booking
    request: Request
    person: AuthorisedPerson
    invoice: Invoice
    secrets: tuple[str, ...]


def make_victim(family: Family, activity: Activity) -> Victim:
    child = family.children.order_by("pk").first()
    assert child is not None
    guardian = Guardian.objects.filter(family=family).order_by("pk").first()
    assert guardian is not None
    booking = BookingFactory(child=child, activity=activity, date=NEXT_MONDAY)
    request = Request.objects.create(
        town=family.town, family=family, kind=RequestKind.BOOKING, child=child, booking=booking
    )
    person = AuthorisedPerson.objects.create(
        town=family.town, child=child, first_name="Secrète", last_name="PERSONNE", phone="0600000000"
    )
    day = datetime.date(2027, 3, 1)
    invoice = Invoice.objects.create(
        town=family.town,
        family=family,
        number=f"F-{family.pk}",
        issued_on=day,
        due_on=day,
        period_start=day,
        period_end=day,
        total="10.00",
        payer_name=family.name,
    )
    return Victim(
        family,
        family.town.slug,
        child.pk,
        guardian.pk,
        booking,
        request,
        person,
        invoice,
        secrets=(child.first_name, guardian.email, family.calendar_token),
    )


# What each path parameter names, taken from the victim.
ID_PARAMETERS: dict[str, Callable[[Victim], Any]] = {
    "child_id": lambda v: v.child_id,
    "guardian_id": lambda v: v.guardian_id,
    "booking_id": lambda v: v.booking.pk,
    "request_id": lambda v: v.request.pk,
    "person_id": lambda v: v.person.pk,
    "authorised_person_id": lambda v: v.person.pk,
    "invoice_id": lambda v: v.invoice.pk,
    "pk": lambda v: v.child_id,
    "token": lambda v: v.family.calendar_token,
    # A tax certificate is the caller's own family's for a year (see NOT_IDS).
    "year": lambda v: 2026,
    # Messaging (tests/messaging/factories.py): made on demand for the victim's family.
    "thread_id": lambda v: messaging.make_thread(v.family).pk,
    "attachment_id": lambda v: messaging.make_attachment(v.family).pk,
    "document_id": lambda v: messaging.document_only_for(v.family).pk,
    # Prepayment (tests/prepayment/conftest.py): a basket waiting for the victim's payment, in a town
    # that pays when booking (the basket pages answer 404 elsewhere).
    "basket_id": lambda v: make_basket(prepaid_family(v.family)).pk,
    "supporting_document_id": lambda v: make_supporting_document(v.family).pk,
    # Holiday registrations (tests/portal/holiday_factories.py): a period at the victim's school, and its
    # request; the period page is a child's (child_id), so another family's answers 404.
    "period_id": lambda v: holiday_period_for(v.family).pk,
    "registration_id": lambda v: holiday_registration_for(v.family).pk,
    # "Se désinscrire": the victim's child enrolled in the booked activity for the current school year.
    "enrollment_id": lambda v: enrollment_for(v).pk,
}


def enrollment_for(victim: Victim) -> Enrollment:
    year = SchoolYearFactory(town=victim.family.town)
    enrollment, _created = Enrollment.objects.get_or_create(
        town=victim.family.town, child_id=victim.child_id, activity=victim.booking.activity, school_year=year
    )
    return enrollment


def url_of(page: Page, slug: str, victim: Victim | None = None) -> str:
    args: list[Any] = [slug]
    for parameter in page.parameters:
        if parameter not in ID_PARAMETERS:
            pytest.fail(f"{page.name} takes <{parameter}>: add it to ID_PARAMETERS in {__name__}.")
        assert victim is not None or parameter in NOT_IDS
        args.append(ID_PARAMETERS[parameter](victim))  # type: ignore[arg-type]
    return reverse(page.name, args=args)


def query_of(victim: Victim) -> str:
    """Another family's ids, in the query string a page without path ids might read."""
    booking = victim.booking
    return (
        f"?child={victim.child_id}&activity={booking.activity_id}&date={booking.date.isoformat()}"
        f"&booking={booking.pk}&request={victim.request.pk}&invoice={victim.invoice.pk}"
    )


@pytest.fixture
def world(family, parent, co_parent, outsider, stranger, frozen, settings, tmp_path) -> dict[str, Victim]:
    settings.MEDIA_ROOT = tmp_path  # attachments and documents the matrix makes
    meals = ActivityFactory(site=family.children.first().site)
    martin = Family.objects.get(pk=outsider.guardian.family_id)
    durand = Family.objects.get(pk=stranger.guardian.family_id)
    far_meals = ActivityFactory(site=durand.children.first().site)
    return {
        "dupont": make_victim(family, meals),
        "martin": make_victim(martin, meals),
        "durand": make_victim(durand, far_meals),
    }


def prepaid_family(family: Family) -> Family:
    BillingSettings.objects.update_or_create(town=family.town, defaults={"prepayment": True})
    return family


def snapshot() -> tuple[Any, ...]:
    """Everything a parent's POST could change."""

    def rows(model: type[Model], *fields: str) -> list[tuple[Any, ...]]:
        return list(model.objects.order_by("pk").values_list("pk", *fields))

    return (
        rows(Booking, "state"),
        rows(Request, "status", "changes"),
        rows(Absence),
        rows(AuthorisedPerson, "first_name", "phone"),
        rows(Family, "calendar_token", "quotient_familial"),
        rows(Guardian, "email", "mobile_phone", "city"),
    )


def assert_nothing_of(victim: Victim, html: str) -> None:
    for secret in victim.secrets:
        assert secret not in html, f"{secret!r} leaked"


def test_it_finds_the_portal_pages():
    names = set(ids(PAGES))
    assert {"portal:home", "portal:absences", "portal:absence_new", "portal:requests", "portal:record"} <= names
    assert "portal:ical" in names
    assert "portal:record_child" in ids(ID_PAGES)


@pytest.mark.parametrize("page", PARENT_PAGES, ids=ids(PARENT_PAGES))
def test_it_sends_anonymous_visitors_to_login(page, town, world):
    url = url_of(page, town.slug, world["dupont"])
    answers = [Client().get(url), Client().post(url)]
    # A page may refuse the method it does not serve (405) before asking who
    # calls: that tells nothing about anyone. The method it serves asks to log in.
    assert {response.status_code for response in answers} <= {302, 405}
    redirected = [response for response in answers if response.status_code == 302]
    assert redirected
    for response in redirected:
        assert response["Location"].startswith(f"/{town.slug}/login/?next=")


@pytest.mark.parametrize("page", PARENT_PAGES, ids=ids(PARENT_PAGES))
@pytest.mark.parametrize("persona", ["front_desk", "town_admin", "stranger"])
def test_it_answers_404_to_staff_and_to_parents_of_another_town(page, persona, town, world, request, client_for):
    user: User = request.getfixturevalue(persona)
    client = client_for(user)
    url = url_of(page, town.slug, world["dupont"])
    before = snapshot()
    statuses = [client.get(url).status_code, client.post(url, {"reason": 1, "city": "Ailleurs"}).status_code]
    assert set(statuses) <= {404, 405}
    assert 404 in statuses
    assert snapshot() == before


@pytest.mark.parametrize("page", ID_PAGES, ids=ids(ID_PAGES))
@pytest.mark.parametrize("victim", ["martin", "durand"])
def test_it_answers_404_for_ids_of_another_family_or_town(page, victim, town, world, parent, client_for):
    client = client_for(parent)
    url = url_of(page, town.slug, world[victim])
    before = snapshot()
    statuses = [
        client.get(url).status_code,
        client.post(url, {"city": "Ailleurs", "first_name": "X", "phone": "0611111111"}).status_code,
    ]
    assert set(statuses) <= {404, 405}
    assert 404 in statuses
    assert snapshot() == before


@pytest.mark.parametrize("page", ID_PAGES, ids=ids(ID_PAGES))
def test_it_lets_the_family_reach_its_own_ids(page, town, world, parent, client_for):
    response = client_for(parent).get(url_of(page, town.slug, world["dupont"]))
    assert response.status_code in (200, 405)


@pytest.mark.parametrize("page", PLAIN_PAGES, ids=ids(PLAIN_PAGES))
def test_it_shows_another_family_nothing_of_the_first(page, town, world, outsider, client_for):
    client = client_for(outsider)
    victim = world["dupont"]
    for url in (url_of(page, town.slug), url_of(page, town.slug) + query_of(victim)):
        response = client.get(url)
        assert response.status_code in (200, 302, 404, 405), url
        assert_nothing_of(victim, response.content.decode(errors="replace"))


@pytest.mark.parametrize("page", PLAIN_PAGES, ids=ids(PLAIN_PAGES))
def test_it_changes_nothing_of_another_family_on_post(page, town, world, outsider, client_for):
    victim = world["dupont"]
    before = snapshot()
    response = client_for(outsider).post(url_of(page, town.slug) + query_of(victim), {"reason": 1})
    assert response.status_code != 500
    after = snapshot()
    # Whatever the page did, it did it to the outsider's family only.
    dupont_rows = [[row for row in table if _belongs(row, victim)] for table in before]
    assert dupont_rows == [[row for row in table if _belongs(row, victim)] for table in after]


def _belongs(row: tuple[Any, ...], victim: Victim) -> bool:
    return row[0] in {victim.family.pk, victim.booking.pk, victim.request.pk, victim.person.pk, victim.guardian_id}


def test_it_answers_404_to_a_declared_absence_on_another_familys_booking(town, world, outsider, client_for):
    victim = world["dupont"]
    reason = AbsenceReasonFactory(town=town)
    client = client_for(outsider)
    url = reverse("portal:absence_new", args=[town.slug]) + query_of(victim)
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": reason.pk}).status_code == 404
    victim.booking.refresh_from_db()
    assert victim.booking.state == BookingState.BOOKED
    assert not Absence.objects.exists()


def test_it_answers_404_to_the_feed_with_another_towns_token(town, world):
    assert (
        Client().get(reverse("portal:ical", args=[town.slug, world["durand"].family.calendar_token])).status_code == 404
    )
    assert (
        Client().get(reverse("portal:ical", args=[town.slug, world["dupont"].family.calendar_token])).status_code == 200
    )
