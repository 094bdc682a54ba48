"""A parent logs in on a phone and sees their children on the home page."""

import re

import pytest
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_it_logs_a_parent_in_on_a_phone(live_server, phone_page: Page, parent: User) -> None:
    town = parent.town
    phone_page.goto(f"{live_server.url}/{town.slug}/login/")
    expect(phone_page.get_by_role("heading", name="Connexion", exact=True)).to_be_visible()

    phone_page.locator("input[name=login]").fill(parent.email)
    phone_page.locator("input[name=password]").fill(PASSWORD)
    phone_page.get_by_role("button", name="Se connecter").click()

    expect(phone_page).to_have_url(re.compile(rf"/{town.slug}/$"))
    expect(phone_page.get_by_text(town.name).first).to_be_visible()
    for first_name in ("Sarah", "Chloé"):
        expect(phone_page.get_by_text(first_name).first).to_be_visible()
