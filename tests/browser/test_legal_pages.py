"""The town's statements in Chromium, in one journey: from a page's footer a visitor opens the accessibility
statement (with the level the footer announced) and the processing notice; a family signing up reads the notice's
summary and opens it; a parent finds the notice in the menu."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from ardoise.legal import actions
from ardoise.towns.models import Town
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_the_footer_opens_the_statements_and_the_sign_up_and_the_menu_show_the_notice(
    live_server, desktop_page: Page, phone_page: Page, town: Town, parent: User
) -> None:
    actions.save_statement(
        town,
        None,
        audit_date=timezone.localdate() - datetime.timedelta(days=30),
        criteria_met_percent=Decimal(75),
        audited_by="Atelier Accessible",
    )
    page = desktop_page
    page.goto(f"{live_server.url}/{town.slug}/login/")
    footer = page.get_by_role("contentinfo")
    link = footer.get_by_role("link", name="Accessibilité : partiellement conforme")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(rf"/{town.slug}/accessibilite/$"))
    expect(page.get_by_role("heading", name="Déclaration d'accessibilité", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="État de conformité")).to_be_visible()
    expect(page.get_by_text("75 % des critères du RGAA")).to_be_visible()
    expect(page.get_by_role("heading", name="Voies de recours")).to_be_visible()
    expect(page.get_by_role("link", name="Écrire un message au Défenseur des droits")).to_be_visible()
    # The same footer, then the notice.
    page.get_by_role("contentinfo").get_by_role("link", name="Données personnelles").click()
    expect(page.get_by_role("heading", name="Vos données personnelles", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Réclamation auprès de la CNIL")).to_be_visible()

    # A family signing up on a phone reads the notice's summary; nothing to tick (information, not consent).
    Town.objects.filter(pk=town.pk).update(signup_open=True)
    page = phone_page
    page.goto(f"{live_server.url}/{town.slug}/inscription/")
    summary = page.get_by_role("region", name="Vos données personnelles")
    expect(summary).to_contain_text("mission de service public")
    expect(page.get_by_role("checkbox")).to_have_count(0)
    summary.get_by_role("link", name="Lire l'information complète sur vos données personnelles").click()
    expect(page).to_have_url(re.compile(rf"/{town.slug}/donnees-personnelles/$"))
    expect(page.get_by_role("heading", name="Base légale")).to_be_visible()

    # A parent finds it in the menu.
    page.goto(f"{live_server.url}/{town.slug}/login/")
    page.locator("input[name=login]").fill(parent.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile("/login/"))
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation").get_by_role("link", name="Données personnelles").click()
    expect(page.get_by_role("heading", name="Vos données personnelles", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Vos droits")).to_be_visible()
