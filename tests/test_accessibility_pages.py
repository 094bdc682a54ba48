"""The list of pages the accessibility test checks (tests/accessibility_pages.py) follows the URL configuration.

These run without a browser: a page added to a urls.py is checked without being listed, a download or an
action is left out by rule, every page left out by name still exists, and a path parameter nobody knows
makes the browser test fail with the name to add.
"""

import hashlib
from collections.abc import Iterable
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import include, path
from django.views.decorators.http import require_POST

from tests.accessibility_pages import (
    ADMIN,
    DOWNLOAD_SUFFIXES,
    EXCLUDED,
    PARENT,
    PREPAID_PARENT,
    ROLES,
    VISITOR,
    Page,
    checked_pages,
    every_page,
    role_of,
    why_not_checked,
)
from tests.browser.test_accessibility import LOGINS, PARAMETERS, QUERIES, Demo, url_of


def a_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("<!doctype html><title>Nouvelle page</title>")


# A URL configuration with one new page of each kind, as a later urls.py would add them.
urlpatterns = [
    path(
        "<slug:town_slug>/",
        include(
            (
                [
                    path("nouvelle-page/", a_view, name="new_page"),
                    path("nouvelle-page/<int:widget_id>/", a_view, name="new_widget"),
                    path("nouvelle-page/export.pdf", a_view, name="new_pdf"),
                    path("nouvelle-page/valider/", require_POST(a_view), name="new_action"),
                ],
                "portal",
            )
        ),
    ),
]


def names(pages: "Iterable[Page]") -> set[str]:
    return {page.name for page in pages}


def test_the_parent_and_staff_pages_are_checked_and_downloads_and_actions_are_not():
    checked = names(checked_pages())
    assert {"portal:home", "portal:planning", "portal:invoices", "backoffice:home", "backoffice:families"} <= checked
    assert {"accounts:login", "backoffice:family", "portal:record_child"} <= checked
    assert not any(name.startswith("api:") for name in names(every_page()))
    pages = {page.name: page for page in every_page()}
    assert why_not_checked(pages["portal:invoice_pdf"]) == "download (file extension)"
    assert why_not_checked(pages["accounts:logout"]) == "action (POST only)"
    assert why_not_checked(pages["portal:booking_confirm"]) == "action (POST only)"
    assert why_not_checked(pages["backoffice:export_families"]) == EXCLUDED["backoffice:export_families"]
    assert len(checked) > 100


def test_every_page_excluded_by_name_exists_and_is_not_already_left_out_by_a_rule():
    pages = {page.name: page for page in every_page()}
    assert set(EXCLUDED) <= set(pages), "EXCLUDED names pages that no longer exist: remove them."
    for name in EXCLUDED:
        page = pages[name]
        assert not page.post_only, f"{name} is POST only: the rule leaves it out already."
        assert not page.route.endswith(DOWNLOAD_SUFFIXES), f"{name}: the rule leaves it out."


@override_settings(ROOT_URLCONF=__name__)
def test_a_new_page_is_checked_without_being_listed_and_its_downloads_and_actions_are_left_out():
    assert names(checked_pages()) == {"portal:new_page", "portal:new_widget"}
    assert role_of(next(page for page in every_page() if page.name == "portal:new_page")) == PARENT


@override_settings(ROOT_URLCONF=__name__)
def test_a_new_path_parameter_fails_with_the_name_to_add(town, family):
    widget = next(page for page in every_page() if page.name == "portal:new_widget")
    with pytest.raises(pytest.fail.Exception, match=r"portal:new_widget takes <widget_id>: add it to PARAMETERS"):
        url_of(widget.name, widget.parameters, Demo(town, family))


def test_every_role_logs_in_and_every_parameter_of_a_checked_page_is_known():
    assert set(LOGINS) == set(ROLES)
    assert LOGINS[VISITOR][1] is None
    assert {role_of(page) for page in checked_pages()} == set(ROLES)
    assert role_of(next(page for page in every_page() if page.name == "portal:basket")) == PREPAID_PARENT
    assert role_of(next(page for page in every_page() if page.name == "backoffice:home")) == ADMIN
    unknown = {(page.name, name) for page in checked_pages() for name in page.parameters if name not in PARAMETERS}
    assert not unknown, f"Path parameters without an object of the demo town in PARAMETERS: {sorted(unknown)}"
    assert set(QUERIES) <= names(checked_pages())


def test_the_vendored_axe_core_is_the_one_its_readme_describes():
    folder = Path(__file__).parent / "browser" / "vendor" / "axe-core"
    readme = (folder / "README.md").read_text()
    for name in ("axe.min.js", "LICENSE", "LICENSE-3RD-PARTY.txt"):
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert f"`{name}`: {digest}" in readme, f"{name} is not the file whose SHA-256 the README gives."
    assert (folder / "axe.min.js").read_text().startswith("/*! axe v4.14.1")
