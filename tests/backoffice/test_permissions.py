"""Who reaches which staff page: a matrix over every URL of the back office.

The URL names come from the resolver (the `backoffice` namespace), so a page
is in the matrix as soon as it is in `backoffice/urls.py`. Its roles come from
ACCESS (exact names) or ACCESS_BY_PREFIX; a page in neither makes the matrix
fail, and so does a path parameter ID_PARAMETERS does not know: the author of
a new page says here who may reach it.

For every page and every persona:
- a role allowed → 200 (405 for a page that only takes POST);
- a staff member of this town whose roles lack it → 403;
- a parent, or a staff member of another town → 404;
- nobody logged in → the login page.
And nothing changes on a refused POST. The administrator may reach every page.
"""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.signals import request_finished
from django.db import close_old_connections
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ardoise.accounts.models import User
from ardoise.admissions.models import EnrolmentRequest, ReenrolmentCampaign
from ardoise.audit.models import AuditEntry
from ardoise.billing.models import Invoice, InvoicingRun, Payment
from ardoise.bookings.models import Absence, Booking, BookingState, Enrollment, Request, RequestKind
from ardoise.calendars.models import Closure
from ardoise.consents.models import ConsentKind
from ardoise.families.models import AuthorisedPerson, Child, Family, Guardian
from ardoise.payments.models import DepositSlip
from ardoise.quotients.models import QuotientBatch
from ardoise.towns.models import Role
from tests.directdebit import matrix as direct_debit
from tests.documents.fixtures import make_supporting_document
from tests.factories import (
    AbsenceReasonFactory,
    ActivityFactory,
    BookingFactory,
    ChildFactory,
    ConsentKindFactory,
    EnrollmentFactory,
    SchoolYearFactory,
    staff_member,
)
from tests.messaging import factories as messaging
from tests.portal.holiday_factories import holiday_period_for
from tests.treasury import matrix as treasury

ADMIN, FRONT_DESK, SITE_AGENT, KITCHEN, FINANCE = (
    Role.ADMIN.value,
    Role.FRONT_DESK.value,
    Role.SITE_AGENT.value,
    Role.KITCHEN.value,
    Role.FINANCE.value,
)
EVERY_ROLE = frozenset({ADMIN, FRONT_DESK, SITE_AGENT, KITCHEN, FINANCE})
RECORDS = frozenset({ADMIN, FRONT_DESK})  # families, children, bookings on behalf, requests, messages
ROLL_CALL = frozenset({ADMIN, FRONT_DESK, SITE_AGENT})
KITCHEN_COUNTS = frozenset({ADMIN, KITCHEN, FRONT_DESK})
MONEY = frozenset({ADMIN, FINANCE})
ADMIN_ONLY = frozenset({ADMIN})
# Finance exports its payers (never health data: see test_exports) and reaches the money exports from there.
EXPORTS = frozenset({ADMIN, FRONT_DESK, FINANCE})

# Roles that may reach each page, by URL name (without the namespace).
ACCESS: dict[str, frozenset[str]] = {
    "home": EVERY_ROLE,
    "requests": RECORDS,
    "requests_decide": RECORDS,
    "absence_document": RECORDS,
    "audit": ADMIN_ONLY,
    "families": RECORDS,
    "family": RECORDS,
    "family_new": RECORDS,
    "family_edit": RECORDS,
    "family_archive": RECORDS,
    "guardian_new": RECORDS,
    "guardian_edit": RECORDS,
    "send_access": RECORDS,
    "child_new": RECORDS,
    "child_edit": RECORDS,
    "enrol": RECORDS,
    "unenrol": RECORDS,
    "person_new": RECORDS,
    "person_edit": RECORDS,
    "person_delete": RECORDS,
    "on_behalf": RECORDS,
    "on_behalf_review": RECORDS,
    "on_behalf_confirm": RECORDS,
    "config": ADMIN_ONLY,
    "staff": ADMIN_ONLY,
    "import": ADMIN_ONLY,
    "exports": EXPORTS,
    # Absence reasons may be medical: not for finance.
    "export_attendance": RECORDS,
    "signup_settings": ADMIN_ONLY,
    # Consents: the answers per kind and their export (configuring them is config_…, the administrator's).
    "consents": RECORDS,
    "consent_answers": RECORDS,
    "consent_answers_csv": RECORDS,
    # Enrolment requests: site agents read the queue and the waiting lists; the administrator alone reorders.
    "enrolments": ROLL_CALL,
    "enrolments_decide": RECORDS,
    "waiting_lists": ROLL_CALL,
    "waiting_move": ADMIN_ONLY,
    # Holiday registration periods: the front desk follows them, the administrator configures them.
    "holiday_periods": RECORDS,
    "holiday_period": RECORDS,
    "holiday_period_new": ADMIN_ONLY,
    "holiday_period_edit": ADMIN_ONLY,
    # Re-enrolment campaigns: the administrator opens them, the front desk follows the replies.
    "campaign_new": ADMIN_ONLY,
    "campaign_edit": ADMIN_ONLY,
    # Finance-software exports (Magnus, JVS Millésime) of a run: the money's people.
    "invoicing_run_export": MONEY,
    "treasury_handover_export": MONEY,
    # Quotient familial: the front desk and finance fetch and type it; the administrator alone sets the token.
    "quotient_settings": ADMIN_ONLY,
    # Charts of money and attendance (charts app): finance's dashboard.
    "finance_dashboard": MONEY,
    # Retention: the administrator alone lists and pseudonymises families past it, and sets it.
    "privacy_retention": ADMIN_ONLY,
    "privacy_retention_run": ADMIN_ONLY,
    "privacy_retention_settings": ADMIN_ONLY,
    # Right of access (privacy): a family's whole data, health included, for a written request.
    "family_data": ADMIN_ONLY,
    "family_data_json": ADMIN_ONLY,
    "family_data_pdf": ADMIN_ONLY,
}
# Pages named after their area: every roll_call_… page is the roll call's, and so on.
ACCESS_BY_PREFIX: dict[str, frozenset[str]] = {
    "roll_call": ROLL_CALL,
    # Supporting documents: the queue and lists for the front desk, the types for the administrator.
    "supporting_document_type": ADMIN_ONLY,
    "supporting_document": RECORDS,
    "kitchen": KITCHEN_COUNTS,
    "invoicing": MONEY,
    "payment": MONEY,
    "deposit_slip": MONEY,
    "refund": MONEY,
    "direct_debit": MONEY,
    "treasury": MONEY,
    # The CAF activity report, its downloads and its settings.
    "caf_report": MONEY,
    # The town's statements: the register of processing and its downloads, the accessibility statement's and the
    # processing notice's settings.
    "legal": ADMIN_ONLY,
    "mandate": frozenset({ADMIN, FRONT_DESK, FINANCE}),
    "message": RECORDS,
    "outbox": frozenset({ADMIN, FRONT_DESK, FINANCE}),
    "publications": RECORDS,
    "document": RECORDS,
    "news": RECORDS,
    "menus": frozenset({ADMIN, FRONT_DESK, KITCHEN}),
    "config": ADMIN_ONLY,
    "staff": ADMIN_ONLY,
    "import": ADMIN_ONLY,
    "export": EXPORTS,
    "audit": ADMIN_ONLY,
    "signup": RECORDS,
    "campaign": RECORDS,
    "quotient": frozenset({ADMIN, FRONT_DESK, FINANCE}),
}
# Pages limited to the sites of a site agent: another site's answers 404.
SITE_SCOPED_PREFIXES = ("roll_call",)

PERSONAS = {
    "town_admin": ADMIN,
    "front_desk": FRONT_DESK,
    "site_agent": SITE_AGENT,
    "kitchen_agent": KITCHEN,
    "finance_agent": FINANCE,
}


@dataclass(frozen=True)
class Page:
    name: str
    parameters: tuple[str, ...]

    @property
    def short(self) -> str:
        return self.name.removeprefix("backoffice:")


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[Page]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _walk(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield Page(prefix + pattern.name, tuple(pattern.pattern.converters))


def backoffice_pages() -> list[Page]:
    _prefix, resolver = get_resolver().namespace_dict["backoffice"]
    return sorted(_walk(resolver.url_patterns, "backoffice:"), key=lambda page: page.name)


PAGES = backoffice_pages()


def ids(pages: list[Page]) -> list[str]:
    return [page.name for page in pages]


def roles_for(page: Page) -> frozenset[str]:
    if page.short in ACCESS:
        return ACCESS[page.short]
    for prefix, roles in ACCESS_BY_PREFIX.items():
        if page.short.startswith(prefix):
            return roles
    pytest.fail(f"{page.name} is in no role table: add it to ACCESS in {__name__} (who may reach it?).")


@dataclass
class World:
    """Rows of the town every page's ids point to, and what must never leak."""

    family: Family
    child: Child
    guardian: Guardian
    person: AuthorisedPerson
    enrollment: Enrollment
    booking: Booking
    absence: Absence
    request: Request
    invoice: Invoice
    elsewhere_child: Child
    closure: Closure
    staff: User


# What each path parameter names.
ID_PARAMETERS: dict[str, Callable[[World], Any]] = {
    "family_id": lambda w: w.family.pk,
    "child_id": lambda w: w.child.pk,
    "guardian_id": lambda w: w.guardian.pk,
    "person_id": lambda w: w.person.pk,
    "enrollment_id": lambda w: w.enrollment.pk,
    "booking_id": lambda w: w.booking.pk,
    "absence_id": lambda w: w.absence.pk,
    "request_id": lambda w: w.request.pk,
    "activity_id": lambda w: w.booking.activity_id,
    "site_id": lambda w: w.child.site_id,
    "reason_id": lambda w: w.absence.reason_id,
    "invoice_id": lambda w: w.invoice.pk,
    "run_id": lambda w: (
        InvoicingRun.objects.get_or_create(
            town_id=w.family.town_id, period_start=datetime.date(2027, 3, 1), period_end=datetime.date(2027, 3, 31)
        )[0].pk
    ),
    "closure_id": lambda w: w.closure.pk,
    "payment_id": lambda w: (
        Payment.objects.get_or_create(
            town_id=w.family.town_id,
            number="R2027-000001",
            defaults={"family": w.family, "method": "cheque", "received_on": datetime.date(2027, 3, 9), "amount": 5},
        )[0].pk
    ),
    "slip_id": lambda w: (
        DepositSlip.objects.get_or_create(
            town_id=w.family.town_id,
            number="B2027-000001",
            defaults={"method": "cheque", "deposited_on": datetime.date(2027, 3, 9), "total": "0.00"},
        )[0].pk
    ),
    "user_id": lambda w: w.staff.pk,
    "thread_id": lambda w: messaging.make_thread(w.family).pk,
    "attachment_id": lambda w: messaging.make_attachment(w.family).pk,
    "document_id": lambda w: messaging.make_document(w.family.town).pk,
    "news_id": lambda w: messaging.make_news(w.family.town).pk,
    "collection_id": lambda w: direct_debit.item_of(w.family).collection_id,
    "item_id": lambda w: direct_debit.item_of(w.family).pk,
    "mandate_id": lambda w: direct_debit.mandate_of(w.family).pk,
    "handover_id": lambda w: treasury.handover_of(w.family).pk,
    "software": lambda w: "magnus",
    "export_id": lambda w: treasury.run_export_of(w.family).pk,
    "code_id": lambda w: treasury.product_code_of(w.family).pk,
    "supporting_document_id": lambda w: make_supporting_document(w.family).pk,
    "document_type_id": lambda w: make_supporting_document(w.family).document_type_id,
    "kind_id": lambda w: (
        (ConsentKind.objects.filter(town_id=w.family.town_id).first() or ConsentKindFactory(town=w.family.town)).pk
    ),
    "enrolment_request_id": lambda w: (
        EnrolmentRequest.objects.get_or_create(
            town_id=w.family.town_id,
            family=w.family,
            child=w.child,
            activity=w.booking.activity,
            school_year=w.enrollment.school_year,
            defaults={"status": "waiting", "waiting_since": w.booking.created_at},
        )[0].pk
    ),
    "period_id": lambda w: holiday_period_for(w.family).pk,
    "batch_id": lambda w: (
        QuotientBatch.objects.get_or_create(
            town_id=w.family.town_id, year=2027, defaults={"applies_from": datetime.date(2027, 9, 1), "state": "done"}
        )[0].pk
    ),
    "campaign_id": lambda w: (
        ReenrolmentCampaign.objects.get_or_create(
            town_id=w.family.town_id,
            school_year=SchoolYearFactory(town=w.family.town, start_year=2027),
            defaults={"opens_on": datetime.date(2027, 3, 1), "closes_on": datetime.date(2027, 3, 31)},
        )[0].pk
    ),
}

ALLERGY = "ALLERGIE-SECRETE-ARACHIDE"
PAI = "PAI-SECRET-ADRENALINE"
HEALTH_NOTE = "NOTE-SANTE-SECRETE"


@pytest.fixture
def world(town, site, other_site, family, parent, frozen, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    child = family.children.order_by("birth_date").first()
    Child.objects.filter(pk=child.pk).update(allergies=ALLERGY, has_pai=True, pai_details=PAI, health_notes=HEALTH_NOTE)
    child.refresh_from_db()
    year = SchoolYearFactory(town=town, start_year=2026)
    meals = ActivityFactory(site=site)
    enrollment = EnrollmentFactory(child=child, activity=meals, school_year=year)
    booking = BookingFactory(child=child, activity=meals, date=datetime.date(2027, 3, 9))
    absent = BookingFactory(
        child=child, activity=meals, date=datetime.date(2027, 3, 8), state=BookingState.ABSENT_EXCUSED
    )
    absence = Absence(town=town, booking=absent, reason=AbsenceReasonFactory(town=town, document_required=True))
    absence.document.save("certificat.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    absence.save()
    request = Request.objects.create(
        town=town, family=family, kind=RequestKind.ABSENCE, child=child, booking=absent, comment="Angine"
    )
    person = AuthorisedPerson.objects.create(
        town=town, child=child, first_name="Jeanne", last_name="MARTIN", phone="0611223344"
    )
    day = datetime.date(2027, 3, 1)
    invoice = Invoice.objects.create(
        town=town,
        family=family,
        number="2027-000001",
        issued_on=day,
        due_on=day,
        period_start=day,
        period_end=day,
        total="10.00",
        payer_name=family.name,
    )
    elsewhere = ChildFactory(family=family, site=other_site, first_name="Léon", allergies=ALLERGY + "-CURIE")
    BookingFactory(child=elsewhere, activity=ActivityFactory(site=other_site), date=datetime.date(2027, 3, 9))
    closure = Closure.objects.create(
        town=town, starts_on=datetime.date(2027, 5, 7), ends_on=datetime.date(2027, 5, 7), label="Grève"
    )
    staff = staff_member(town, Role.FRONT_DESK, email="accueil-bis@example.test")
    return World(
        family,
        child,
        parent.guardian,
        person,
        enrollment,
        booking,
        absence,
        request,
        invoice,
        elsewhere,
        closure,
        staff,
    )


def url_of(page: Page, town, world: World) -> str:
    args: list[Any] = [town.slug]
    for parameter in page.parameters:
        if parameter not in ID_PARAMETERS:
            pytest.fail(f"{page.name} takes <{parameter}>: add it to ID_PARAMETERS in {__name__}.")
        args.append(ID_PARAMETERS[parameter](world))
    return reverse(page.name, args=args)


def query_of(world: World) -> str:
    """What a page of a site, an activity and a day may read from its query string."""
    booking = world.booking
    return f"?site={world.child.site_id}&activity={booking.activity_id}&date={booking.date.isoformat()}"


def fetch(client: Client, url: str, method: str = "get", data: dict[str, str] | None = None) -> tuple[int, str]:
    """Status and text of a page; a file response is read and closed."""
    response = getattr(client, method)(url, data or {})
    content = b"".join(response.streaming_content) if response.streaming else response.content
    # close() sends request_finished, whose close_old_connections would drop the
    # test's database connection (inside its transaction): keep it away, as the
    # test client itself does while it serves a request.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    return response.status_code, content.decode(errors="replace")


def snapshot() -> tuple[Any, ...]:
    """Everything a refused POST could change."""

    def rows(model: type[Model], *fields: str) -> list[tuple[Any, ...]]:
        return list(model.objects.order_by("pk").values_list("pk", *fields))

    return (
        rows(Booking, "state"),
        rows(Request, "status"),
        rows(Absence),
        rows(Family, "name", "archived_on", "quotient_familial"),
        rows(Guardian, "email", "city"),
        rows(Child, "first_name", "allergies"),
        rows(AuthorisedPerson, "first_name"),
        rows(Enrollment),
        AuditEntry.objects.count(),
    )


def test_it_finds_the_backoffice_pages():
    names = set(ids(PAGES))
    assert {"backoffice:home", "backoffice:requests", "backoffice:requests_decide", "backoffice:audit"} <= names
    assert "backoffice:absence_document" in names


def test_it_knows_who_may_reach_every_page():
    for page in PAGES:
        assert ADMIN in roles_for(page), f"{page.name}: the administrator may reach every page"
        for parameter in page.parameters:
            assert parameter in ID_PARAMETERS, f"{page.name} takes <{parameter}>: add it to ID_PARAMETERS"


@pytest.mark.parametrize("page", PAGES, ids=ids(PAGES))
@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_it_lets_each_role_reach_only_its_pages(page, persona, town, world, request, client_for):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    url = url_of(page, town, world)
    if PERSONAS[persona] in roles_for(page):
        status, _html = fetch(client, url + query_of(world))
        # 422: reached, and only the (generic) query was refused; 302: reached, and sent
        # back to the step before (an import's mapping without a file).
        assert status in (200, 302, 405, 422), f"{persona} should reach {page.name}, got {status}"
        return
    before = snapshot()
    statuses = [fetch(client, url)[0], fetch(client, url, "post", {"reason": "x"})[0]]
    assert set(statuses) <= {403, 405}, f"{persona} should get 403 on {page.name}, got {statuses}"
    assert 403 in statuses
    assert snapshot() == before


@pytest.mark.parametrize("page", PAGES, ids=ids(PAGES))
@pytest.mark.parametrize("persona", ["parent", "stranger_admin"])
def test_it_answers_404_to_parents_and_to_staff_of_another_town(
    page, persona, town, other_town, world, request, client_for
):
    if persona == "stranger_admin":
        user = staff_member(other_town, Role.ADMIN, email="admin@autreville.test")
    else:
        user = request.getfixturevalue(persona)
    client = client_for(user)
    url = url_of(page, town, world)
    before = snapshot()
    statuses = [fetch(client, url)[0], fetch(client, url, "post", {"reason": "x"})[0]]
    assert set(statuses) <= {404, 405}, statuses
    assert 404 in statuses
    assert snapshot() == before


@pytest.mark.parametrize("page", PAGES, ids=ids(PAGES))
def test_it_sends_anonymous_visitors_to_login(page, town, world):
    url = url_of(page, town, world)
    before = snapshot()
    answers = [Client().get(url), Client().post(url)]
    assert {response.status_code for response in answers} <= {302, 405}
    redirected = [response for response in answers if response.status_code == 302]
    assert redirected
    for response in redirected:
        assert response["Location"].startswith(f"/{town.slug}/login/?next=")
    assert snapshot() == before


def test_it_keeps_site_agents_to_their_own_sites(town, site, other_site, world, site_agent, client_for):
    client = client_for(site_agent)
    home = client.get(reverse("backoffice:home", args=[town.slug])).content.decode()
    assert site.name in home
    assert other_site.name not in home
    elsewhere = world.elsewhere_child
    foreign_booking = Booking.objects.get(child=elsewhere)
    for page in PAGES:
        if not page.short.startswith(SITE_SCOPED_PREFIXES):
            continue
        args: list[Any] = [town.slug]
        for parameter in page.parameters:
            args.append({"site_id": other_site.pk, "booking_id": foreign_booking.pk}.get(parameter, 0))
        url = reverse(page.name, args=args)
        query = f"?site={other_site.pk}&activity={foreign_booking.activity_id}&date={foreign_booking.date.isoformat()}"
        before = snapshot()
        statuses = [client.get(url + query).status_code, client.post(url + query, {"state": "present"}).status_code]
        assert set(statuses) <= {404, 405}, f"{page.name}: another site's page answered {statuses}"
        assert snapshot() == before


def _reachable(role: str) -> list[Page]:
    return [page for page in PAGES if role in roles_for(page)]


def test_it_never_shows_health_data_to_finance(town, world, finance_agent, client_for):
    client = client_for(finance_agent)
    pages = _reachable(FINANCE)
    assert pages  # at least the home page
    for page in pages:
        _status, html = fetch(client, url_of(page, town, world) + query_of(world))
        for secret in (ALLERGY, PAI, HEALTH_NOTE):
            assert secret not in html, f"{page.name} shows health data to finance"


def test_it_never_shows_another_sites_health_data_to_a_site_agent(town, world, site_agent, client_for):
    client = client_for(site_agent)
    for page in _reachable(SITE_AGENT):
        _status, html = fetch(client, url_of(page, town, world) + query_of(world))
        assert ALLERGY + "-CURIE" not in html, page.name
