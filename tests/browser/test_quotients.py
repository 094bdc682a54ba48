"""Issue 12's "a batch QF fetch runs against the fake API with progress": a parent consents on "Mon dossier",
the administrator sets API Particulier up (the token is never shown back), finance launches the yearly batch,
watches its page reload by itself (no JavaScript) while the task worker fetches every family's QF from the
fake API on loopback, and reads each family's result; the QF found is on the family's page with its source."""

import datetime
import re
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from ardoise.families.models import Family
from ardoise.quotients.models import ApiParticulierSettings, BatchState, QuotientBatch
from ardoise.towns.models import Town
from tests.factories import PASSWORD, FamilyFactory, GuardianFactory
from tests.quotients.conftest import ROUX, SIRET, UNKNOWN, identify
from tests.quotients.fake_api_particulier import TOKEN, FakeApiParticulier

pytestmark = pytest.mark.browser


@pytest.fixture
def fake_api() -> Iterator[FakeApiParticulier]:
    server = FakeApiParticulier.start()
    yield server
    server.stop()


def log_in(page: Page, base: str, town: Town, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/{town.slug}/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile("/login/"))


def test_a_batch_fetches_every_consenting_family_s_qf_with_progress_and_results(
    live_server,
    phone_page: Page,
    desktop_page: Page,
    town: Town,
    family: Family,
    parent,
    town_admin,
    finance_agent,
    fake_api,
) -> None:
    page = desktop_page
    base = live_server.url
    # The DUPONTs' allocataire is the documentation's ELODIE BERNARD (CAF, 650); ROUX is at the MSA (150);
    # the caisse does not know INCONNU; SANSACCORD never agreed.
    identify(family, "BERNARD", "ELODIE JUDITH GERTRUDE", datetime.date(1990, 3, 18))
    roux = FamilyFactory(town=town, number="20", name="ROUX", qf_consent_at=datetime.datetime.now(tz=datetime.UTC))
    GuardianFactory(family=roux)
    identify(roux, *ROUX)
    unknown = FamilyFactory(town=town, number="21", name="INCONNU", qf_consent_at=roux.qf_consent_at)
    identify(unknown, *UNKNOWN)
    FamilyFactory(town=town, number="22", name="SANSACCORD")

    # The parent agrees on "Mon dossier", on a phone, after reading why.
    log_in(phone_page, base, town, parent.email)
    phone_page.goto(f"{base}/{town.slug}/dossier/")
    expect(phone_page.get_by_text("par « API Particulier »")).to_be_visible()
    phone_page.get_by_label("J'accepte que le service consulte mon quotient familial").check()
    phone_page.get_by_role("button", name="Enregistrer mon choix").click()
    expect(phone_page.get_by_text(re.compile(r"Accord donné le \d\d/\d\d/\d{4}"))).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360

    # The administrator gives the town's token; the page never shows it back.
    log_in(page, base, town, town_admin.email)
    page.get_by_role("navigation").get_by_role("link", name="Quotients familiaux").click()
    page.get_by_role("link", name="Paramètres API Particulier").click()
    page.get_by_label("Adresse de l'API").fill(fake_api.url)
    page.get_by_label("SIRET de la commune").fill(SIRET)
    page.get_by_label("Délai d'attente (secondes)").fill("5")
    page.get_by_label("Nouveau jeton").fill(TOKEN)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Paramètres API Particulier enregistrés.")).to_be_visible()
    assert TOKEN not in page.content()
    assert ApiParticulierSettings.objects.get(town=town).token == TOKEN

    # Finance launches the yearly batch: it waits for the task worker, and its page says so.
    log_in(page, base, town, finance_agent.email)
    page.get_by_role("navigation").get_by_role("link", name="Quotients familiaux").click()
    page.get_by_label("Année").fill("2027")
    page.get_by_label("Les QF trouvés s'appliquent à partir du").fill("2027-09-01")
    page.get_by_role("button", name="Lancer la consultation").click()
    expect(page.get_by_role("heading", name="Consultation des QF 2027")).to_be_visible()
    families = Family.objects.filter(town=town).count()
    expect(page.locator(".qf-state")).to_contain_text(f"En attente — 0 familles sur {families}")

    # The worker runs the batch; the page reloads by itself and shows the progress, then every family's result.
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert QuotientBatch.objects.get().state == BatchState.DONE
    expect(page.locator(".qf-state")).to_contain_text(f"Terminé — {families} familles sur {families}", timeout=10_000)
    # Only the progress card updates itself (nothing moves under the reader's feet); "Actualiser" shows the results.
    page.locator("#avancement-card").get_by_role("link", name="Actualiser").click()
    results = page.locator("table.qf-results")
    expect(results.locator("tr", has_text="DUPONT")).to_contain_text("Trouvé")
    expect(results.locator("tr", has_text="DUPONT")).to_contain_text("650")
    expect(results.locator("tr", has_text="ROUX")).to_contain_text("150")
    expect(results.locator("tr", has_text="INCONNU")).to_contain_text("Non trouvé")
    expect(results.locator("tr", has_text="INCONNU")).to_contain_text("code 37003")
    expect(results.locator("tr", has_text="SANSACCORD")).to_contain_text("Pas d'accord de la famille")

    page.get_by_role("link", name="Trouvé", exact=True).click()
    expect(results.locator("tbody tr")).to_have_count(2)
    results.get_by_role("link", name="ROUX").click()
    expect(page.get_by_role("heading", name=re.compile("Quotient familial — famille ROUX"))).to_be_visible()
    history = page.locator("table.qf-history")
    expect(history).to_contain_text("MSA (API Particulier)")
    expect(history).to_contain_text("01/09/2027")
