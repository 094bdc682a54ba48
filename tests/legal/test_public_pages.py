"""The public statements (`/<town>/accessibilite/`, `/<town>/donnees-personnelles/`): open without a login, each
town's own, and linked from every page's footer with the level the law asks for."""

import datetime
from collections.abc import Callable

import pytest
from django.test import Client

from ardoise.accounts.models import User
from ardoise.audit.models import AuditSettings
from ardoise.legal.models import AccessibilityStatement
from ardoise.privacy.models import PrivacySettings
from ardoise.towns.models import Town
from tests.legal.helpers import audited_statement, filled_notice, html, url

pytestmark = pytest.mark.django_db


def test_it_shows_the_statement_without_a_login(client: Client, town: Town) -> None:
    response = client.get(url("portal:accessibility", town))
    assert response.status_code == 200
    page = html(response)
    assert "Déclaration d'accessibilité" in page
    assert "Saint-Exemple s'engage à rendre ses services en ligne accessibles" in page
    assert "<strong>non conforme</strong>" in page
    assert "en l'absence d'un audit de conformité en cours de validité" in page
    assert "axe-core" in page  # Ardoise's part
    assert "Défenseur des droits" in page
    assert "Libre réponse 71120" in page
    assert "http://testserver/saint-exemple/" in page


def test_it_shows_the_towns_audit_and_contact(client: Client, town: Town) -> None:
    audited_statement(town)
    page = html(client.get(url("portal:accessibility", town)))
    assert "<strong>partiellement conforme</strong>" in page
    assert "réalisé par Access42 le 20 novembre 2026 révèle que 78,50 % des critères" in page
    assert "Cet audit reste valable jusqu'au 20 novembre 2029." in page
    assert "Les menus PDF ne sont pas balisés." in page
    assert "mailto:accessibilite@example.test" in page
    assert 'href="https://example.test/schema-pluriannuel.pdf"' in page
    assert 'href="https://example.test/plan-2027.pdf"' in page


def test_it_says_when_the_audit_is_too_old(client: Client, town: Town) -> None:
    statement = audited_statement(town, percent="100")
    AccessibilityStatement.objects.filter(pk=statement.pk).update(audit_date=datetime.date(2024, 3, 8))
    page = html(client.get(url("portal:accessibility", town)))
    assert "<strong>non conforme</strong>" in page
    assert "en l'absence d'un audit de conformité en cours de validité" in page
    assert "Accessibilité : non conforme</a>" in page


def test_it_shows_the_processing_notice_without_a_login(client: Client, town: Town) -> None:
    filled_notice(town)
    response = client.get(url("portal:privacy_notice", town))
    assert response.status_code == 200
    page = html(response)
    for expected in (
        "Responsable du traitement",
        "Saint-Exemple",
        "Centre de gestion de la fonction publique",
        "mailto:dpo@example.test",
        "mission d&#x27;intérêt public",
        "jamais comme une religion",
        "Le prestataire de restauration",
        "https://www.cnil.fr/fr/plaintes",
    ):
        assert expected in page, expected


def test_each_town_shows_its_own(client: Client, town: Town, other_town: Town) -> None:
    audited_statement(town)
    filled_notice(town)
    statement = html(client.get(url("portal:accessibility", other_town)))
    notice = html(client.get(url("portal:privacy_notice", other_town)))
    assert "Access42" not in statement
    assert "<strong>non conforme</strong>" in statement
    assert "dpo@example.test" not in notice
    assert "Autreville" in notice


def test_an_unknown_town_answers_404(client: Client) -> None:
    assert client.get("/nulle-part/accessibilite/").status_code == 404
    assert client.get("/nulle-part/donnees-personnelles/").status_code == 404


def test_someone_of_another_town_gets_404(client_for: Callable[[User], Client], stranger: User, town: Town) -> None:
    assert client_for(stranger).get(url("portal:accessibility", town)).status_code == 404


def test_it_only_reads(client: Client, town: Town) -> None:
    assert client.post(url("portal:accessibility", town)).status_code == 405
    assert client.post(url("portal:privacy_notice", town)).status_code == 405


@pytest.mark.parametrize(
    ("who", "page"),
    [
        (None, "accounts:login"),
        ("parent", "portal:home"),
        ("parent", "portal:invoices"),
        ("town_admin", "backoffice:home"),
        ("front_desk", "backoffice:families"),
        ("town_admin", "backoffice:legal_register"),
    ],
)
def test_every_page_links_the_statement_from_its_footer(
    request: pytest.FixtureRequest, client_for: Callable[[User], Client], town: Town, who: str | None, page: str
) -> None:
    client = client_for(request.getfixturevalue(who)) if who else Client()
    body = html(client.get(url(page, town)))
    footer = body[body.index('<footer class="site-footer">') :]
    assert f'href="/{town.slug}/accessibilite/">Accessibilité : non conforme</a>' in footer
    assert f'href="/{town.slug}/donnees-personnelles/">Données personnelles</a>' in footer
    audited_statement(town, percent="100")
    body = html(client.get(url(page, town)))
    assert "Accessibilité : totalement conforme</a>" in body[body.index('<footer class="site-footer">') :]


def test_the_footer_costs_no_query(
    client_for: Callable[[User], Client], parent: User, town: Town, django_assert_num_queries
) -> None:
    """The level comes with the town's own query (`TownMiddleware`): a page costs the same with a statement."""
    client = client_for(parent)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as without:
        client.get(url("portal:home", town))
    audited_statement(town)
    with django_assert_num_queries(len(without)):
        assert "partiellement conforme" in html(client.get(url("portal:home", town)))


def test_the_public_pages_take_a_fixed_number_of_queries(client: Client, town: Town, django_assert_num_queries) -> None:
    audited_statement(town)
    filled_notice(town)
    with django_assert_num_queries(1):  # the town with its statement
        client.get(url("portal:accessibility", town))
    with django_assert_num_queries(4):  # the town with its statement, the notice, the two retention settings
        client.get(url("portal:privacy_notice", town))


def test_the_notice_says_the_towns_own_retention(client: Client, town: Town) -> None:
    page = html(client.get(url("portal:privacy_notice", town)))
    assert "au plus 3 ans après le dernier jour de service" in page  # the defaults
    assert "le journal des actions du personnel : 5 ans" in page
    PrivacySettings.objects.create(town=town, retention_years=1)
    AuditSettings.objects.create(town=town, retention_years=2)
    page = html(client.get(url("portal:privacy_notice", town)))
    assert "au plus 1 an après le dernier jour de service" in page
    assert "le journal des actions du personnel : 2 ans" in page


def test_the_parents_menu_has_the_notice(client_for: Callable[[User], Client], parent: User, town: Town) -> None:
    body = html(client_for(parent).get(url("portal:home", town)))
    nav = body[body.index('id="main-nav-entries"') : body.index("</nav>")]
    assert f'href="/{town.slug}/donnees-personnelles/">Données personnelles</a>' in nav


def test_the_sign_up_shows_the_notice(client: Client, town: Town) -> None:
    Town.objects.filter(pk=town.pk).update(signup_open=True)
    body = html(client.get(url("portal:signup", town)))
    assert "Vos données personnelles" in body
    assert "dans le cadre de sa mission de service public" in body
    assert f'href="/{town.slug}/donnees-personnelles/">Lire l\'information complète' in body
