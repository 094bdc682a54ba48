"""Documents for the family's schools, over their publication period; menus on the planning."""

import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from ardoise.messaging.models import Menu
from tests.factories import SiteFactory
from tests.messaging.factories import PDF, make_document


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_it_lists_the_documents_of_the_town_and_of_the_childrens_school(
    town, site, other_site, family, parent, client_for
):
    today = timezone.localdate()
    make_document(town, None, "Règlement intérieur")
    make_document(town, site, "Menus Jules Ferry")
    make_document(town, other_site, "Menus Marie Curie")
    make_document(
        town,
        None,
        "Ancien formulaire",
        published_from=today - datetime.timedelta(days=60),
        published_until=today - datetime.timedelta(days=1),
    )
    make_document(town, None, "Menus du mois prochain", published_from=today + datetime.timedelta(days=3))
    html = client_for(parent).get(reverse("portal:documents", args=[town.slug])).content.decode()
    assert "Règlement intérieur" in html
    assert "Menus Jules Ferry" in html
    for hidden in ("Menus Marie Curie", "Ancien formulaire", "Menus du mois prochain"):
        assert hidden not in html


def test_it_downloads_a_published_document(town, site, family, parent, client_for):
    document = make_document(town, site)
    response = client_for(parent).get(reverse("portal:document_file", args=[town.slug, document.pk]))
    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"


def test_it_answers_404_for_a_document_out_of_reach(town, other_town, other_site, family, parent, client_for):
    today = timezone.localdate()
    out_of_reach = [
        make_document(town, other_site),
        make_document(
            town,
            None,
            published_until=today - datetime.timedelta(days=1),
            published_from=today - datetime.timedelta(days=9),
        ),
        make_document(other_town, None),
    ]
    client = client_for(parent)
    for document in out_of_reach:
        assert client.get(reverse("portal:document_file", args=[town.slug, document.pk])).status_code == 404


def test_it_shows_the_days_menu_on_the_planning(town, site, family, parent, client_for, frozen, meals, children):
    other = SiteFactory(town=town, name="École Pasteur")
    day = datetime.date(2027, 3, 11)
    Menu.objects.create(town=town, site=site, date=day, text="Carottes râpées, poisson pané, yaourt")
    Menu.objects.create(town=town, site=other, date=day, text="Menu d'une autre école")
    html = client_for(parent).get(reverse("portal:planning", args=[town.slug]) + "?month=2027-03").content.decode()
    assert "Carottes râpées, poisson pané, yaourt" in html
    assert "Menu d&#x27;une autre école" not in html
