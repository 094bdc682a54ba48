"""Publishing documents, news and menus: periods, sites, checked files, audit, roles."""

import datetime
from collections import Counter
from html.parser import HTMLParser
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
            "document-title": "Menus de mars",
            "document-kind": "menu",
            "document-site": site.pk,
            "document-file": SimpleUploadedFile("menus.pdf", PDF),
            "document-published_from": today.isoformat(),
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
        ({"document-file": SimpleUploadedFile("virus.pdf", EXE)}, "n&#x27;est ni un PDF"),
        ({"document-published_until": "2000-01-01"}, "La fin de publication précède son début."),
    ],
)
def test_it_refuses_a_wrong_document(town, front_desk, client_for, fields, error):
    data = {
        "document-title": "Règlement",
        "document-kind": "rules",
        "document-file": SimpleUploadedFile("r.pdf", PDF),
        "document-published_from": timezone.localdate().isoformat(),
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
        {
            "news-title": "Grève jeudi",
            "news-body": "Pas de cantine <b>jeudi</b>.",
            "news-published_from": today.isoformat(),
        },
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


class Forms(HTMLParser):
    """Every element id of a page, and for each form its labels' `for` and its fields' ids."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.forms: list[dict[str, set[str]]] = []
        self.open_form: dict[str, set[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(found["id"])
        if tag == "form":
            self.open_form = {"labels": set(), "fields": set()}
            self.forms.append(self.open_form)
        elif self.open_form is not None and tag == "label" and found.get("for"):
            self.open_form["labels"].add(found["for"])
        elif self.open_form is not None and tag in ("input", "select", "textarea") and found.get("id"):
            self.open_form["fields"].add(found["id"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.open_form = None


@pytest.mark.parametrize("invalid", [None, "document_new", "news_new"])
def test_it_gives_each_form_its_own_ids_and_labels(town, site, front_desk, client_for, invalid):
    client = client_for(front_desk)
    if invalid is None:
        response = client.get(url(town, "publications"))
    else:  # Re-rendered with its errors.
        response = client.post(url(town, invalid), {})
        assert response.status_code == 422
    page = Forms()
    page.feed(response.content.decode())
    assert [id_ for id_, count in Counter(page.ids).items() if count > 1] == []
    labelled = [form for form in page.forms if form["labels"]]
    assert len(labelled) == 2
    for form in labelled:
        assert form["labels"] <= form["fields"], form
