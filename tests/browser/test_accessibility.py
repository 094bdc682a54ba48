"""axe-core on every page of Ardoise, at a phone's width and a desktop's, in the demo town: 0 violations.

The pages come from the URL configuration (tests/accessibility_pages.py): a new page is checked
without being listed anywhere. Each role logs in once, in one browser context; each page is opened
once, then checked at 1280 px and at 390 px (the same document, resized). axe-core is the vendored
copy of tests/browser/vendor/axe-core/ (its README says where it comes from), injected into the
page by Playwright; Ardoise never serves it. A page that cannot be checked (it redirects, it is not
HTML, it does not answer 200) fails too: give it a parameter it can show, or exclude it with why.
"""

import datetime
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError

from ardoise.accounts.models import User
from ardoise.activities.models import AbsenceReason, Activity
from ardoise.admissions.models import EnrolmentRequest, ReenrolmentCampaign, RegistrationPeriod
from ardoise.billing.models import Invoice, InvoicingRun, Payment
from ardoise.billing.statements import invoice_summary
from ardoise.bookings.models import Absence, Booking, Enrollment
from ardoise.calendars.models import Closure
from ardoise.consents.models import ConsentKind
from ardoise.demo.builder import build_demo
from ardoise.directdebit.models import Collection, CollectionItem, Mandate
from ardoise.documents.models import DocumentType, SupportingDocument
from ardoise.families.models import AuthorisedPerson, Child, Family, Guardian
from ardoise.messaging.models import Document, News
from ardoise.payments.actions import start_online_payment
from ardoise.payments.models import DepositSlip, OnlinePayment
from ardoise.prepayment.models import Basket
from ardoise.quotients.models import QuotientBatch
from ardoise.towns.models import Site, Town
from ardoise.treasury.models import ProductCode
from tests.accessibility_pages import ADMIN, NEWCOMER, PARENT, PREPAID_PARENT, ROLES, VISITOR, checked_pages, role_of
from tests.browser.test_invoicing_journey import PARENT_PASSWORD, STAFF_PASSWORD
from tests.messaging import factories as messaging
from tests.moment import NOW
from tests.treasury import matrix as treasury

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
# While fixing: ARDOISE_AXE_ONLY=portal:home,backoffice:home checks only these pages.
ONLY = {name for name in os.environ.get("ARDOISE_AXE_ONLY", "").split(",") if name}
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Each role's town and log-in (DEMO.md); the visitor does not log in.
LOGINS = {
    VISITOR: ("demo", None, None),
    NEWCOMER: ("demo", "famille.martin@demo.test", PARENT_PASSWORD),
    PARENT: ("demo", "parent1@demo.test", PARENT_PASSWORD),
    PREPAID_PARENT: ("avance", "parent1@avance.test", PARENT_PASSWORD),
    ADMIN: ("demo", "admin@demo.test", STAFF_PASSWORD),
}
NEXT_FRAME = "() => new Promise((resolve) => requestAnimationFrame(() => resolve()))"
RUN_AXE = """
async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    rule: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")),
  }));
}
"""


@dataclass
class Demo:
    town: Town
    family: Family  # the family whose pages the role sees (family 1, DUPONT, for the staff)


def first(queryset: Any) -> int | None:
    row = queryset.order_by("pk").first()
    return row.pk if row is not None else None


def online_payment(demo: Demo) -> OnlinePayment:
    """The family's online payment, started on its first unpaid invoice the first time."""
    started = OnlinePayment.objects.filter(family=demo.family).order_by("pk").first()
    if started is not None:
        return started
    unpaid = next(i for i in Invoice.objects.filter(family=demo.family).order_by("pk") if invoice_summary(i).remaining)
    email = demo.family.guardians.order_by("pk").values_list("email", flat=True).first() or ""
    online, _url = start_online_payment(unpaid, email, lambda name, op: f"http://localhost/{name}/{op.token}/")
    return online


# What each path parameter names, in the demo town.
PARAMETERS: dict[str, Callable[[Demo], int | str | None]] = {
    "family_id": lambda d: d.family.pk,
    "child_id": lambda d: first(Child.objects.filter(family=d.family)),
    "guardian_id": lambda d: first(Guardian.objects.filter(family=d.family)),
    "person_id": lambda d: first(AuthorisedPerson.objects.filter(child__family=d.family)),
    "enrollment_id": lambda d: first(Enrollment.objects.filter(child__family=d.family)),
    "invoice_id": lambda d: first(Invoice.objects.filter(family=d.family)),
    "payment_id": lambda d: first(Payment.objects.filter(family=d.family)),
    "request_id": lambda d: first(EnrolmentRequest.objects.filter(family=d.family)),
    "registration_id": lambda d: first(
        EnrolmentRequest.objects.filter(family=d.family, registration_period__isnull=False)
    ),
    "enrolment_request_id": lambda d: first(EnrolmentRequest.objects.filter(town=d.town)),
    "booking_id": lambda d: first(Booking.objects.filter(child__family=d.family)),
    "absence_id": lambda d: first(Absence.objects.filter(booking__child__family=d.family)),
    "activity_id": lambda d: first(Activity.objects.filter(site__town=d.town)),
    "site_id": lambda d: first(Site.objects.filter(town=d.town)),
    "reason_id": lambda d: first(AbsenceReason.objects.filter(town=d.town)),
    "closure_id": lambda d: first(Closure.objects.filter(town=d.town)),
    "run_id": lambda d: first(InvoicingRun.objects.filter(town=d.town)),
    "slip_id": lambda d: first(DepositSlip.objects.filter(town=d.town)),
    "user_id": lambda d: first(User.objects.filter(town=d.town, email="accueil@demo.test")),
    "kind_id": lambda d: first(ConsentKind.objects.filter(town=d.town)),
    "period_id": lambda d: first(RegistrationPeriod.objects.filter(town=d.town)),
    "campaign_id": lambda d: first(ReenrolmentCampaign.objects.filter(town=d.town)),
    "collection_id": lambda d: first(Collection.objects.filter(town=d.town)),
    "item_id": lambda d: first(CollectionItem.objects.filter(town=d.town)),
    "mandate_id": lambda d: first(Mandate.objects.filter(town=d.town)),
    "code_id": lambda d: first(ProductCode.objects.filter(town=d.town)),
    "document_type_id": lambda d: first(DocumentType.objects.filter(town=d.town)),
    "supporting_document_id": lambda d: first(SupportingDocument.objects.filter(family=d.family)),
    "news_id": lambda d: first(News.objects.filter(town=d.town)),
    "document_id": lambda d: first(Document.objects.filter(town=d.town)),
    # Not in the demo: made here, as the back office's permission matrix makes them.
    "thread_id": lambda d: messaging.make_thread(d.family).pk,
    "attachment_id": lambda d: messaging.make_attachment(d.family).pk,
    "handover_id": lambda d: treasury.handover_of(d.family).pk,
    "export_id": lambda d: treasury.run_export_of(d.family).pk,
    "basket_id": lambda d: (
        Basket.objects.create(
            town=d.town, family=d.family, expires_at=NOW + datetime.timedelta(hours=1), cost=0, position=0, amount=0
        ).pk
    ),
    # The parent's online payment of family 1's unpaid invoice, on the demo's simulator.
    "token": lambda d: str(online_payment(d).token),
    "idop": lambda d: online_payment(d).idop,
    "batch_id": lambda d: (
        QuotientBatch.objects.get_or_create(town=d.town, year=NOW.year, defaults={"applies_from": NOW.date()})[0].pk
    ),
}


# Pages that read their object from the query string, not from the path: what to add to their URL.
QUERIES: dict[str, Callable[[Demo], str]] = {
    "portal:absence_new": lambda d: next(
        f"?child={b.child_id}&activity={b.activity_id}&date={b.date.isoformat()}"
        for b in Booking.objects.filter(child__family=d.family, state="booked", date__gt=NOW.date()).order_by("date")
    ),
}


@pytest.fixture
def demo_town(transactional_db: None, frozen: time_machine.Traveller) -> Town:
    return build_demo(NOW.date())


def url_of(name: str, parameters: tuple[str, ...], demo: Demo) -> str:
    kwargs: dict[str, Any] = {"town_slug": demo.town.slug}
    for parameter in parameters:
        if parameter not in PARAMETERS:
            pytest.fail(f"{name} takes <{parameter}>: add it to PARAMETERS in {__name__} (an object of the demo town).")
        value = PARAMETERS[parameter](demo)
        if value is None:
            pytest.fail(f"{name} takes <{parameter}> and the demo town has none: make one in PARAMETERS.")
        kwargs[parameter] = value
    return reverse(name, kwargs=kwargs)


def log_in(page: Page, town_url: str, email: str, password: str) -> None:
    page.goto(f"{town_url}/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile("/login/"))


def check(page: Page, url: str, clock: dict[str, float]) -> tuple[str | None, dict[str, list[dict[str, Any]]]]:
    """Opens a page and runs axe at every width: (why it could not be checked, violations by width).

    `clock` adds up the seconds spent loading pages and running axe.
    """
    started = time.monotonic()
    try:
        response = page.goto(url)
    except PlaywrightError as error:  # a file download, for one
        return f"does not open as a page ({error.message.splitlines()[0]})", {}
    finally:
        clock["load"] += time.monotonic() - started
    if response is None or response.status != 200:
        return f"answers {response.status if response else 'nothing'}", {}
    if urlsplit(page.url)[2:4] != urlsplit(url)[2:4]:
        return f"redirects to {urlsplit(page.url).path}", {}
    if "text/html" not in (response.headers.get("content-type") or ""):
        return f"is not HTML ({response.headers.get('content-type')})", {}
    started = time.monotonic()
    page.add_script_tag(path=str(AXE))
    found = {}
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        # The next frame: the page's resize handlers have run (js/scroll-regions.js), as for a person.
        page.evaluate(NEXT_FRAME)
        found[label] = page.evaluate(RUN_AXE, TAGS)
    clock["axe"] += time.monotonic() - started
    return None, found


def test_axe_finds_a_violation_planted_in_a_page(browser: Browser) -> None:
    """The vendored axe runs and reports: an image without a text alternative, a field without a label."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page = context.new_page()
    page.set_content('<html lang="fr"><title>Essai</title><main><img src="data:,"><input type="text"></main></html>')
    page.add_script_tag(path=str(AXE))
    found = {item["rule"]: item["targets"] for item in page.evaluate(RUN_AXE, TAGS)}
    context.close()
    assert found.get("image-alt") == ["img"]
    assert "label" in found


def test_every_page_has_no_axe_violation_at_phone_and_desktop_widths(
    live_server, demo_town: Town, browser: Browser, record_property
):
    started = time.monotonic()
    worlds = {}
    for role, (slug, email, _password) in LOGINS.items():
        town = Town.objects.get(slug=slug)
        family_of = email if role in (NEWCOMER, PARENT, PREPAID_PARENT) else "parent1@demo.test"
        worlds[role] = Demo(town, Family.objects.get(town=town, guardians__email=family_of))
    by_role: dict[str, list[tuple[str, str]]] = {}
    for listed in checked_pages():
        role = role_of(listed)
        url = url_of(listed.name, listed.parameters, worlds[role])
        if listed.name in QUERIES:
            url += QUERIES[listed.name](worlds[role])
        if not ONLY or listed.name in ONLY:
            by_role.setdefault(role, []).append((listed.name, url))

    unchecked: list[str] = []
    violations: list[str] = []
    checks = 0
    clock = {"load": 0.0, "axe": 0.0}
    for role in ROLES:
        # bypass_csp: the site's Content-Security-Policy rightly refuses the injected axe script.
        width, height = WIDTHS["desktop"]
        context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR", bypass_csp=True)
        page = context.new_page()
        slug, email, password = LOGINS[role]
        if email and password:
            log_in(page, f"{live_server.url}/{slug}", email, password)
        for name, path in by_role.get(role, []):
            problem, found = check(page, live_server.url + path, clock)
            if problem:
                unchecked.append(f"{name} ({path}, as {role}) {problem}")
                continue
            for label, items in found.items():
                checks += 1
                for item in items:
                    for target in item["targets"]:
                        violations.append(f"{name} ({path}) at {label}: {item['rule']} ({item['impact']}) {target}")
        context.close()
    duration = time.monotonic() - started
    record_property("axe_checks", checks)
    record_property("axe_seconds", round(duration, 1))
    # Shown with -s (and in the JUnit report above): how many checks, how long.
    print(  # noqa: T201
        f"axe: {checks} checks (pages × widths), {len(violations)} violations, {duration:.1f}s"
        f" (loading pages {clock['load']:.1f}s, axe {clock['axe']:.1f}s)"
    )

    report = [
        f"{len(unchecked)} pages could not be checked (give them a parameter or exclude them):",
        *unchecked,
        f"{len(violations)} axe violations (page, width, rule, impact, element):",
        *violations,
    ]
    if unchecked or violations:
        pytest.fail("\n".join(report))
