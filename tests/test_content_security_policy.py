"""Content-Security-Policy: every page allows only the site's own scripts and styles."""

import re
from pathlib import Path

from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from ardoise import settings as project_settings
from ardoise.towns.middleware import PageContentSecurityPolicyMiddleware

TEMPLATES = Path(project_settings.BASE_DIR) / "ardoise" / "templates"
# E-mails and PDFs are not pages a browser loads from the site: their inline styles are theirs.
NOT_PAGES = ("emails/", "_pdf.html", "_pdf.css")


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split("; ")}


def assert_strict(response) -> None:
    policy = directives(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"].split()[0] == "'self'"
    assert "unsafe" not in response["Content-Security-Policy"]


def test_it_sends_the_policy_on_the_login_page(town) -> None:
    response = Client().get(reverse("accounts:login", args=[town.slug]))
    assert response.status_code == 200
    assert_strict(response)


def test_it_sends_the_policy_on_a_parents_page(town, parent, client_for) -> None:
    response = client_for(parent).get(reverse("portal:home", args=[town.slug]))
    assert response.status_code == 200
    assert_strict(response)


def test_it_sends_the_policy_on_a_staff_page(town, town_admin, client_for) -> None:
    response = client_for(town_admin).get(reverse("backoffice:home", args=[town.slug]))
    assert response.status_code == 200
    assert_strict(response)


def test_it_lets_payer_reach_payfip_only_as_a_form_target() -> None:
    policy = project_settings.SECURE_CSP
    assert policy["form-action"] == ["'self'", "https://www.payfip.gouv.fr"]
    assert "https://www.payfip.gouv.fr" not in str({k: v for k, v in policy.items() if k != "form-action"})


def test_it_has_no_inline_script_style_or_handler_in_page_templates() -> None:
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:|hx-on", re.IGNORECASE)
    found = []
    for path in TEMPLATES.rglob("*.html"):
        name = path.relative_to(TEMPLATES).as_posix()
        if any(part in name for part in NOT_PAGES):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if inline.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == []


def test_it_keeps_htmx_from_injecting_its_indicator_style(town) -> None:
    html = Client().get(reverse("accounts:login", args=[town.slug])).content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in html


def test_it_leaves_pdfs_to_the_browsers_viewer(rf) -> None:
    middleware = PageContentSecurityPolicyMiddleware(lambda request: HttpResponse())
    pdf = middleware.process_response(rf.get("/"), HttpResponse(b"%PDF-1.7", content_type="application/pdf"))
    page = middleware.process_response(rf.get("/"), HttpResponse(b"<p>", content_type="text/html; charset=utf-8"))
    assert "Content-Security-Policy" not in pdf
    assert_strict(page)
