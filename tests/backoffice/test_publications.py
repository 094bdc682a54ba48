"""Publishing documents, news and menus: periods, sites, checked files, audit, roles."""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ardoise.audit.models import AuditEntry
from ardoise.messaging.models import Document, Menu, News
from tests.messaging.factories import EXE, PDF, make_document, make_news


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def url(town, name, *args):
    return reverse(f"backoffice:{name}", args=[town.slug, *args])


def test_it_publishes_a_document_for_a_site(town, site, family, parent, front_desk, client_for):
    today = timezone.localdate()
    response = client_for(front_desk).post(
        url(town, "document_new"),
        {
            "title": "Menus de mars",
            "kind": "menu",
            "site": site.pk,
            "file": SimpleUploadedFile("menus.pdf", PDF),
            "published_from": today.isoformat(),
        },
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.site, document.content_type) == (site, "application/pdf")
    assert AuditEntry.objects.filter(action="document.published", actor=front_desk).exists()
    assert "Menus de mars" in client_for(parent).get(reverse("portal:documents", args=[town.slug])).content.decode()


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"file": SimpleUploadedFile("virus.pdf", EXE)}, "n&#x27;est ni un PDF"),
        ({"published_until": "2000-01-01"}, "La fin de publication précède son début."),
    ],
)
def test_it_refuses_a_wrong_document(town, front_desk, client_for, fields, error):
    data = {
        "title": "Règlement",
        "kind": "rules",
        "file": SimpleUploadedFile("r.pdf", PDF),
        "published_from": timezone.localdate().isoformat(),
    } | fields
    response = client_for(front_desk).post(url(town, "document_new"), data)
    assert response.status_code == 422
    assert error in response.content.decode()
    assert not Document.objects.exists()


def test_it_withdraws_a_document(town, front_desk, client_for):
    document = make_document(town)
    assert client_for(front_desk).post(url(town, "document_delete", document.pk)).status_code == 302
    assert not Document.objects.exists()
    assert AuditEntry.objects.filter(action="document.withdrawn").exists()


def test_it_publishes_news_shown_on_home_and_login_over_their_period(town, family, parent, front_desk, client_for):
    today = timezone.localdate()
    client_for(front_desk).post(
        url(town, "news_new"),
        {"title": "Grève jeudi", "body": "Pas de cantine <b>jeudi</b>.", "published_from": today.isoformat()},
    )
    make_news(
        town,
        "Ancienne nouvelle",
        published_from=today - datetime.timedelta(days=30),
        published_until=today - datetime.timedelta(days=1),
    )
    make_news(town, "Pas encore", published_from=today + datetime.timedelta(days=2))
    assert News.objects.count() == 3
    for html in (
        client_for(parent).get(reverse("portal:home", args=[town.slug])).content.decode(),
        Client().get(reverse("accounts:login", args=[town.slug])).content.decode(),
    ):
        assert "Grève jeudi" in html
        assert "Pas de cantine &lt;b&gt;jeudi&lt;/b&gt;." in html
        assert "Ancienne nouvelle" not in html
        assert "Pas encore" not in html


def test_it_withdraws_news(town, front_desk, client_for):
    news = make_news(town)
    client_for(front_desk).post(url(town, "news_delete", news.pk))
    assert not News.objects.exists()


def test_it_answers_404_for_another_towns_publications(town, other_town, front_desk, client_for):
    document = make_document(other_town)
    news = make_news(other_town)
    client = client_for(front_desk)
    assert client.post(url(town, "document_delete", document.pk)).status_code == 404
    assert client.get(url(town, "document_file", document.pk)).status_code == 404
    assert client.post(url(town, "news_delete", news.pk)).status_code == 404
    assert Document.objects.count() == 1
    assert News.objects.count() == 1


def test_it_lets_the_kitchen_enter_menus_but_not_publish(town, site, kitchen_agent, site_agent, client_for):
    client = client_for(kitchen_agent)
    assert client.get(url(town, "publications")).status_code == 403
    assert client_for(site_agent).get(url(town, "menus")).status_code == 403
    monday = datetime.date(2027, 3, 8)
    response = client.post(
        url(town, "menus"),
        {"site": site.pk, "semaine": monday.isoformat(), "menu-2027-03-08": "Lasagnes", "menu-2027-03-09": ""},
    )
    assert response.status_code == 302
    menu = Menu.objects.get()
    assert (menu.date, menu.text, menu.site) == (monday, "Lasagnes", site)
    # Emptying a day removes its menu; both changes are audited.
    client.post(url(town, "menus"), {"site": site.pk, "semaine": monday.isoformat(), "menu-2027-03-08": " "})
    assert not Menu.objects.exists()
    assert AuditEntry.objects.filter(action="menu.changed").count() == 2
    html = client.get(url(town, "menus") + f"?site={site.pk}&semaine=nonsense").content.decode()
    assert "Menus de la semaine" in html
