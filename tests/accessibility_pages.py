"""Every HTML page a person can open, from the URL configuration, for the accessibility checks.

The pages come from Django's resolver: the `portal`, `backoffice`, `accounts` and `payments`
namespaces (the API is JSON, not pages). A new page is checked as
soon as it is in a urls.py; what is left out is said here, by rule or by name, with why:

- a route ending in a file extension (.pdf, .csv, .xml, .ics, .zip, .json) is a download;
- a view that refuses GET (`require_POST`, `require_http_methods` without GET) is an action;
- EXCLUDED names the few other pages left out, each with its reason.

Each page is opened by one ROLE of the demo town (DEMO.md); its path parameters are filled by
name from PARAMETERS, objects of the demo town visible to that role (family 1, DUPONT, for the
parent). A page taking a parameter PARAMETERS does not know fails the checks, with the name to add.
"""

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

NAMESPACES = ("portal", "backoffice", "accounts", "payments")
DOWNLOAD_SUFFIXES = (".pdf", ".csv", ".xml", ".ics", ".zip", ".json")

# Pages left out by name (the rules above catch the rest): the reason says why.
EXCLUDED: dict[str, str] = {
    # Files served as they were uploaded or generated, without a suffix in their route.
    "portal:supporting_document_file": "download (an uploaded supporting document)",
    "portal:message_attachment": "download (a message's attachment)",
    "portal:document_file": "download (a published document)",
    "backoffice:supporting_document_file": "download (an uploaded supporting document)",
    "backoffice:message_attachment": "download (a message's attachment)",
    "backoffice:document_file": "download (a published document)",
    "backoffice:absence_document": "download (an absence's certificate)",
    "backoffice:export_families": "download (CSV export)",
    "backoffice:export_attendance": "download (CSV export)",
    "backoffice:invoicing_run_export": "download (finance software export)",
    "backoffice:treasury_handover_export": "download (finance software export)",
    # Pages reached only through a one-time token sent by e-mail.
    "accounts:password_reset": "one-time link from an e-mail (its form is the same as password_change's)",
    "portal:signup_confirm": "one-time link from an e-mail; redirects once used",
    # The online payment's hops: the provider's call to the server, and the parent's way back (a redirect to
    # payments:result, which is checked).
    "payments:notification": "the payment provider's server-to-server notification, not a page",
    "payments:return": "redirects to payments:result (checked)",
    # A step that needs the previous one's upload in the session (without it, back to the upload's page).
    "backoffice:import_mapping": "second step of the import: needs a file uploaded in the session",
}


@dataclass(frozen=True)
class Page:
    name: str  # namespaced URL name, e.g. "portal:invoices"
    route: str  # the pattern below the town, for messages
    parameters: tuple[str, ...]  # path parameters but the town's slug
    post_only: bool

    @property
    def namespace(self) -> str:
        return self.name.split(":", 1)[0]


def _allowed_methods(view: Callable[..., Any]) -> list[str] | None:
    """The methods of Django's require_http_methods around a view (through its wrappers), or None."""
    function: Any = view
    for _depth in range(10):
        if function is None:
            return None
        try:
            nonlocals = inspect.getclosurevars(function).nonlocals
        except TypeError:
            nonlocals = {}
        if "request_method_list" in nonlocals:
            return list(nonlocals["request_method_list"])
        function = getattr(function, "__wrapped__", None)
    return None


def _walk(patterns: list[Any], namespace: str = "", route: str = "") -> Iterator[Page]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, inner or namespace, route + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            parameters = tuple(name for name in pattern.pattern.converters if name != "town_slug")
            methods = _allowed_methods(pattern.callback)
            yield Page(
                name=f"{namespace}:{pattern.name}",
                route=route.removeprefix("<slug:town_slug>/") + str(pattern.pattern),
                parameters=parameters,
                post_only=methods is not None and "GET" not in methods,
            )


def every_page() -> list[Page]:
    """Every named URL of the checked namespaces, checked or not."""
    pages = [page for page in _walk(get_resolver().url_patterns) if page.namespace in NAMESPACES]
    return sorted(pages, key=lambda page: page.name)


def why_not_checked(page: Page) -> str | None:
    """Why a page is left out of the checks, or None when it is checked."""
    if page.name in EXCLUDED:
        return EXCLUDED[page.name]
    if page.route.endswith(DOWNLOAD_SUFFIXES):
        return "download (file extension)"
    if page.post_only:
        return "action (POST only)"
    return None


def checked_pages() -> list[Page]:
    return [page for page in every_page() if why_not_checked(page) is None]


# Who opens a page: the anonymous visitor (log-in, sign-up), a new family whose sign-up waits
# (famille.martin@demo.test), the parent of family 1 (parent1@demo.test), a parent of the demo's town
# in prepayment (parent1@avance.test: baskets exist only there), the demo town's administrator.
VISITOR, NEWCOMER, PARENT, PREPAID_PARENT, ADMIN = "visitor", "newcomer", "parent", "prepaid parent", "admin"
ROLES = (VISITOR, NEWCOMER, PARENT, PREPAID_PARENT, ADMIN)
VISITOR_PAGES = {
    "accounts:login",
    "accounts:password_forgot",
    "accounts:password_forgot_sent",
    "portal:signup",
    "portal:signup_sent",
}


def role_of(page: Page) -> str:
    if page.name in VISITOR_PAGES:
        return VISITOR
    if page.namespace == "backoffice":
        return ADMIN
    if page.name.startswith("portal:signup"):
        return NEWCOMER
    if page.name.startswith("portal:basket"):
        return PREPAID_PARENT
    return PARENT
