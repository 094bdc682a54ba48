"""Every page works under the Content-Security-Policy in Chromium: no violation, no console error.

Pages of a parent (home, planning, the review loaded by htmx, statement, record, messages, a new
absence), of staff (home, families, a family, booking on behalf, roll call with its htmx search,
kitchen, exports) and the API's documentation page. Violations are reported to the console by a
listener Playwright adds before each page's own scripts.
"""

import datetime
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.families.models import Child
from tests.factories import PASSWORD, AbsenceReasonFactory, BookingFactory
from tests.moment import NEXT_MONDAY

pytestmark = pytest.mark.browser

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.blockedURI || "inline"} in ${event.sourceFile}`;
  console.error(`CSP violation: ${event.violatedDirective} blocked ${where}`);
});
"""


@pytest.fixture
def watched_page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A desktop page and the list of console errors (CSP violations among them) it gathers."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # Browsers ask for /favicon.ico on their own; the site has none (not a policy matter).
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    yield page, errors
    context.close()


def log_in(page: Page, base: str, user: User) -> None:
    page.goto(f"{base}/{user.town.slug}/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Déconnexion")).to_be_visible()


def status_of(page: Page, url: str) -> int:
    response = page.goto(url)
    assert response is not None
    return response.status


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Déconnexion").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()


def test_every_page_works_under_the_policy(
    live_server,
    watched_page: tuple[Page, list[str]],
    parent: User,
    town_admin: User,
    children: list[Child],
    meals: Activity,
) -> None:
    page, errors = watched_page
    town = parent.town
    BookingFactory(child=children[0], activity=meals, date=NEXT_MONDAY + datetime.timedelta(days=7))
    AbsenceReasonFactory(town=town, label="Raison médicale", document_required=True, position=1)
    base = f"{live_server.url}/{town.slug}"

    log_in(page, live_server.url, parent)
    assert page.evaluate("document.querySelectorAll('head style, body style').length") == 0
    page.goto(f"{base}/planning/?child=all&view=week&week={NEXT_MONDAY}")
    page.locator(f'[id="w-{children[0].pk}:{meals.pk}:{NEXT_MONDAY}"]').check()
    page.locator(".plan-form:visible").get_by_role("button", name="Vérifier et confirmer").last.click()
    expect(page.locator(".review")).to_contain_text("Total des nouvelles réservations")
    for path in ("releve/", "factures/", "dossier/", "messages/", "messages/ecrire/", "absences/"):
        assert status_of(page, f"{base}/{path}") < 400, path
    # A new absence: picking a reason loads its hint through htmx.
    page.get_by_role("link", name=re.compile("Déclarer une absence")).first.click()
    page.get_by_label("Raison médicale").check()
    page.wait_for_load_state("networkidle")
    log_out(page)

    log_in(page, live_server.url, town_admin)
    family = children[0].family
    for path in (
        "staff/",
        "staff/familles/",
        f"staff/familles/{family.pk}/",
        "staff/demandes/",
        "staff/messages/",
        "staff/exports/",
        "staff/cuisine/",
        "staff/pointage/",
        f"staff/familles/{family.pk}/planning/",
        "staff/publications/",
        "staff/facturation/",
        "staff/reglements/",
    ):
        assert status_of(page, f"{base}/{path}") < 400, path
    log_out(page)

    page.goto(f"{base}/api/v1/docs")
    expect(page.locator(".swagger-ui .info")).to_be_visible()

    assert errors == []
