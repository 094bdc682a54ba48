"""The main navigation of the layout, for parents and for staff.

Each entry is a label and a URL name; an entry whose URL does not exist yet is
left out, so adding a page to the menu is one line here. Staff see only the
entries their roles open (the roles come from the view's `staff_required`).
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, get_urlconf, resolve, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ardoise.towns.access import family_of, may_open, roles_of

register = template.Library()

PARENT_NAV: list[tuple[Promise, str]] = [
    (_("Accueil"), "portal:home"),
    (_("Planning"), "portal:planning"),
    (_("Absences"), "portal:absences"),
    (_("Demandes"), "portal:requests"),
    (_("Inscriptions"), "portal:enrolments"),
    (_("Vacances"), "portal:holidays"),
    (_("Mon dossier"), "portal:record"),
    (_("Pièces justificatives"), "portal:supporting_documents"),
    (_("Factures"), "portal:invoices"),
    (_("Mes prélèvements"), "portal:direct_debits"),
    (_("Messages"), "portal:messages"),
    (_("Documents"), "portal:documents"),
    (_("Données personnelles"), "portal:privacy_notice"),
    (_("Mot de passe"), "accounts:password_change"),
]

# A family whose file staff have not accepted yet (online sign-up): its file, and what makes sense before booking.
SIGNUP_NAV: list[tuple[Promise, str]] = [
    (_("Accueil"), "portal:home"),
    (_("Mon dossier"), "portal:signup_file"),
    (_("Messages"), "portal:messages"),
    (_("Contact"), "portal:contact"),
    (_("Documents"), "portal:documents"),
    (_("Données personnelles"), "portal:privacy_notice"),
    (_("Mot de passe"), "accounts:password_change"),
]

STAFF_NAV: list[tuple[Promise, str]] = [
    (_("Accueil"), "backoffice:home"),
    (_("Familles"), "backoffice:families"),
    (_("Nouvelles familles"), "backoffice:signup_queue"),
    (_("Demandes"), "backoffice:requests"),
    (_("Pièces à vérifier"), "backoffice:supporting_documents"),
    (_("Inscriptions"), "backoffice:enrolments"),
    (_("Réinscriptions"), "backoffice:campaigns"),
    (_("Pointage"), "backoffice:roll_call"),
    (_("Cuisine"), "backoffice:kitchen"),
    (_("Facturation"), "backoffice:invoicing"),
    (_("Tableau de bord"), "backoffice:finance_dashboard"),
    (_("Règlements"), "backoffice:payments"),
    (_("Prélèvements"), "backoffice:direct_debits"),
    (_("Trésor public"), "backoffice:treasury"),
    (_("Rapport CAF"), "backoffice:caf_report"),
    (_("Quotients familiaux"), "backoffice:quotients"),
    (_("Messages"), "backoffice:messages"),
    (_("Vacances"), "backoffice:holiday_periods"),
    (_("Configuration"), "backoffice:config"),
    (_("Registre RGPD"), "backoffice:legal_register"),
    (_("Publications"), "backoffice:publications"),
    (_("Exports"), "backoffice:exports"),
    (_("Données personnelles"), "backoffice:privacy_retention"),
    (_("Mot de passe"), "accounts:password_change"),
]


@dataclass(frozen=True)
class NavEntry:
    label: str
    url: str
    current: bool


@functools.cache
def _view_of(name: str, urlconf: Any) -> Callable[..., Any]:
    """The view of a URL name, whatever the town (the same for every town's address): resolved once per process
    rather than on each page (a staff menu has two dozen entries)."""
    return resolve(reverse(name, args=["town"], urlconf=urlconf), urlconf=urlconf).func


@register.simple_tag(takes_context=True)
def main_nav(context: template.Context) -> list[NavEntry]:
    """The entries of the logged-in user's menu in this town (none when logged out)."""
    request = context.get("request")
    town = getattr(request, "town", None)
    if request is None or town is None or not request.user.is_authenticated:
        return []
    held = roles_of(request.user, town)
    family = None if held else family_of(request.user)
    if held:
        entries = STAFF_NAV
    elif family is not None:
        entries = PARENT_NAV if family.is_accepted else SIGNUP_NAV
    else:
        entries = [(label, name) for label, name in PARENT_NAV if name.startswith("accounts:")]
    nav: list[NavEntry] = []
    for index, (label, name) in enumerate(entries):
        try:
            url = reverse(name, args=[town.slug])
        except NoReverseMatch:
            continue
        if held and not may_open(_view_of(name, get_urlconf() or settings.ROOT_URLCONF), held):
            continue
        # The home entry is current on itself only; the others on their sub-pages too
        # (the booking review is part of the planning).
        current = request.path == url if index == 0 else request.path.startswith(url)
        nav.append(NavEntry(label=str(label), url=url, current=current))
    # A page under two entries (/dossier/pieces/ under /dossier/) belongs to the more precise one.
    longest = max((len(entry.url) for entry in nav if entry.current), default=0)
    return [NavEntry(entry.label, entry.url, entry.current and len(entry.url) == longest) for entry in nav]


@register.simple_tag(takes_context=True)
def home_url(context: template.Context) -> Any:
    """The logged-in user's home in this town, or the login page."""
    request = context.get("request")
    town = getattr(request, "town", None)
    if town is None:
        return ""
    if request.user.is_authenticated and roles_of(request.user, town):
        return reverse("backoffice:home", args=[town.slug])
    if request.user.is_authenticated:
        return reverse("portal:home", args=[town.slug])
    return reverse("accounts:login", args=[town.slug])
