"""The family record (seed 001 "Mon compte", "Mes enfants") and the requests to change it.

Parents read everything here but change nothing directly: each "Demander une
modification" form becomes a request for staff (families.actions), showing the
old and new values. The private calendar URL lives here too.
"""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ardoise.families import actions
from ardoise.families.access import access_child, access_guardian
from ardoise.families.models import AuthorisedPerson, Child, Family, Guardian
from ardoise.portal.record_forms import (
    AuthorisedPersonForm,
    ChildChangeForm,
    FamilyChangeForm,
    GuardianChangeForm,
    RecordChangeForm,
)
from ardoise.portal.requests import pending_record_changes
from ardoise.towns.access import parent_required
from ardoise.towns.http import AuthedRequest, TownRequest


def calendar_url(request: TownRequest, family: Family) -> str:
    path = reverse("portal:ical", args=[request.town.slug, family.calendar_token])
    return request.build_absolute_uri(path)


@parent_required
@require_GET
def record(request: AuthedRequest, family: Family) -> HttpResponse:
    guardians = list(Guardian.objects.filter(town_id=family.town_id, family=family))
    children = list(
        Child.objects.filter(town_id=family.town_id, family=family)
        .select_related("site")
        .prefetch_related(
            Prefetch("authorised_people", queryset=AuthorisedPerson.objects.filter(town_id=family.town_id))
        )
    )
    feed = calendar_url(request, family)
    context = {
        "family": family,
        "guardians": guardians,
        "children": children,
        "pending": pending_record_changes(family),
        "calendar_url": feed,
        "webcal_url": "webcal://" + feed.split("://", 1)[1],
    }
    return render(request, "portal/record.html", context)


def _change(
    request: AuthedRequest,
    family: Family,
    form_class: type[RecordChangeForm],
    record: Family | Guardian | Child | AuthorisedPerson,
    *,
    title: str,
    subject: str,
) -> HttpResponse:
    """Show a change form pre-filled with the record's values; on POST, ask for the change."""
    initial = form_class.initial_for(record if record.pk else None)
    form = form_class(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.request_record_change(
                    family,
                    record,
                    form.values(),
                    actor=request.user,
                    comment=form.cleaned_data["comment"].strip(),
                )
            except actions.NothingChanged as unchanged:
                form.add_error(None, unchanged.message)
            else:
                messages.success(
                    request, _("Votre demande a été envoyée au service ; elle sera appliquée une fois acceptée.")
                )
                return redirect("portal:record", request.town.slug)
        status = 422
    return render(
        request, "portal/record_change.html", {"form": form, "title": title, "subject": subject}, status=status
    )


@parent_required
@require_http_methods(["GET", "POST"])
def record_guardian(request: AuthedRequest, family: Family, guardian_id: int) -> HttpResponse:
    guardian = access_guardian(family, guardian_id)
    return _change(
        request, family, GuardianChangeForm, guardian, title=_("Coordonnées du responsable"), subject=guardian.full_name
    )


@parent_required
@require_http_methods(["GET", "POST"])
def record_child(request: AuthedRequest, family: Family, child_id: int) -> HttpResponse:
    child = access_child(family, child_id)
    return _change(
        request,
        family,
        ChildChangeForm,
        child,
        title=_("Santé et autorisations"),
        subject=child.full_name,
    )


@parent_required
@require_http_methods(["GET", "POST"])
def record_person_new(request: AuthedRequest, family: Family, child_id: int) -> HttpResponse:
    child = access_child(family, child_id)
    person = AuthorisedPerson(town_id=family.town_id, child=child)
    return _change(
        request,
        family,
        AuthorisedPersonForm,
        person,
        title=_("Ajouter une personne autorisée à venir chercher l'enfant"),
        subject=child.full_name,
    )


@parent_required
@require_http_methods(["GET", "POST"])
def record_family(request: AuthedRequest, family: Family) -> HttpResponse:
    return _change(
        request, family, FamilyChangeForm, family, title=_("Informations fiscales et CAF"), subject=family.name
    )


@parent_required
@require_POST
def ical_regenerate(request: AuthedRequest, family: Family) -> HttpResponse:
    actions.regenerate_calendar_token(family)
    messages.success(
        request,
        _("Nouveau lien créé. L'ancien ne fonctionne plus : abonnez à nouveau votre agenda avec le lien ci-dessous."),
    )
    return redirect(reverse("portal:record", args=[request.town.slug]) + "#agenda")
