"""Quotient familial pages of the back office: a family's QF (history, fetch from the CAF or MSA through API
Particulier, manual entry, consent, the allocataire's identity), the yearly batches with their progress and
per-family results, and the town's API Particulier settings (the token is write-only).

Roles: the front desk and finance for the QF and the batches, the administrator for the settings.
Every change goes through ardoise.quotients.actions.
"""

import datetime
from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ardoise.families.access import access_family
from ardoise.families.models import Civility, Family, Guardian
from ardoise.quotients import actions, queries
from ardoise.quotients.access import access_batch
from ardoise.quotients.actions import MAX_QUOTIENT
from ardoise.quotients.models import AllocataireSex, ResultKind
from ardoise.towns.access import may_open, roles_of, staff_required
from ardoise.towns.http import AuthedRequest
from ardoise.towns.models import Role

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

QF_ROLES = (Role.FRONT_DESK, Role.FINANCE)
# Seconds between two updates of a batch's progress while it works (htmx polls the page; "Actualiser" without it).
REFRESH_SECONDS = 3


def date_field(label: "StrOrPromise", help_text: "StrOrPromise" = "") -> forms.DateField:
    return forms.DateField(
        label=label, help_text=help_text, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


APPLIES_FROM_HELP = gettext_lazy(
    "Les jours à partir de cette date sont facturés à ce quotient ; les jours déjà facturés ne changent pas."
)


class StoreForm(forms.Form):
    """Typing a QF (its ids differ from FetchForm's: both are on one page)."""

    value = forms.IntegerField(label=gettext_lazy("Quotient familial (€)"), min_value=0, max_value=MAX_QUOTIENT)
    applies_from = date_field(gettext_lazy("Applicable à partir du"), APPLIES_FROM_HELP)

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("auto_id", "qf-store-%s")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class FetchForm(forms.Form):
    applies_from = date_field(gettext_lazy("Applicable à partir du"), APPLIES_FROM_HELP)

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("auto_id", "qf-fetch-%s")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class IdentityForm(forms.Form):
    birth_name = forms.CharField(label=gettext_lazy("Nom de naissance"), max_length=100)
    first_names = forms.CharField(
        label=gettext_lazy("Prénoms"), max_length=200, help_text=gettext_lazy("Tous les prénoms de l'état civil.")
    )
    birth_date = date_field(gettext_lazy("Date de naissance"))
    sex = forms.ChoiceField(label=gettext_lazy("Sexe (état civil)"), choices=AllocataireSex.choices)
    birth_commune_code = forms.RegexField(
        label=gettext_lazy("Code INSEE de la commune de naissance"),
        regex=r"^[0-9][0-9AB][0-9]{3}$",
        required=False,
        help_text=gettext_lazy("Pour une personne née en France (par exemple 08480). Ce n'est pas le code postal."),
        error_messages={"invalid": gettext_lazy("Un code INSEE a 5 caractères (2A/2B pour la Corse).")},
    )
    birth_country_code = forms.RegexField(
        label=gettext_lazy("Code INSEE du pays de naissance"),
        regex=r"^99[0-9]{3}$",
        initial="99100",
        help_text=gettext_lazy("99100 pour la France."),
        error_messages={"invalid": gettext_lazy("Un code pays INSEE commence par 99 (99100 pour la France).")},
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        born = data.get("birth_date")
        if isinstance(born, datetime.date) and born >= timezone.localdate():
            self.add_error("birth_date", _("La date de naissance doit être passée."))
        if data.get("birth_country_code") == "99100" and not data.get("birth_commune_code"):
            self.add_error(
                "birth_commune_code", _("Pour une personne née en France, le code de la commune est requis.")
            )
        return data


class BatchForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Année"), min_value=2000, max_value=2100)
    applies_from = date_field(gettext_lazy("Les QF trouvés s'appliquent à partir du"))


class SettingsForm(forms.Form):
    base_url = forms.URLField(
        label=gettext_lazy("Adresse de l'API"),
        assume_scheme="https",
        help_text=gettext_lazy("https://particulier.api.gouv.fr en production."),
    )
    recipient_siret = forms.RegexField(
        label=gettext_lazy("SIRET de la commune"),
        regex=r"^[0-9]{14}$",
        error_messages={"invalid": gettext_lazy("Un SIRET a 14 chiffres.")},
    )
    timeout_seconds = forms.IntegerField(label=gettext_lazy("Délai d'attente (secondes)"), min_value=1, max_value=60)
    # Write-only: never filled from the stored value, never rendered back after a POST.
    token = forms.CharField(
        label=gettext_lazy("Nouveau jeton"),
        required=False,
        max_length=4000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=gettext_lazy("Laissez vide pour garder le jeton enregistré. Il n'est jamais réaffiché."),
    )
    forget_token = forms.BooleanField(label=gettext_lazy("Effacer le jeton enregistré"), required=False)


# A family's QF


def _may_open_family_page(request: AuthedRequest, family: Family) -> bool:
    url = reverse("backoffice:family", args=[request.town.slug, family.pk])
    return may_open(resolve(url).func, roles_of(request.user, request.town))


def _family_back(request: AuthedRequest, family: Family) -> HttpResponse:
    """Back to the family page when the form came from there (and the user may open it), else the QF page."""
    town = request.town
    if request.POST.get("next") == "family" and _may_open_family_page(request, family):
        return redirect(reverse("backoffice:family", args=[town.slug, family.pk]) + "#quotient")
    return redirect("backoffice:quotient_family", town.slug, family.pk)


def panel_context(family: Family, today: datetime.date) -> dict[str, object]:
    """What `backoffice/quotients/_panel.html` needs (the family page includes it too)."""
    return {
        "quotient": queries.panel(family, today),
        "store_form": StoreForm(initial={"applies_from": today}),
        "fetch_form": FetchForm(initial={"applies_from": today}),
    }


def _family_page(
    request: AuthedRequest,
    family: Family,
    *,
    store_form: StoreForm | None = None,
    fetch_form: FetchForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "family": family,
        **panel_context(family, timezone.localdate()),
        "family_open": _may_open_family_page(request, family),
    }
    if store_form is not None:
        context["store_form"] = store_form
    if fetch_form is not None:
        context["fetch_form"] = fetch_form
    return render(request, "backoffice/quotients/family.html", context, status=status)


@staff_required(*QF_ROLES)
@require_http_methods(["GET"])
def quotient_family(request: AuthedRequest, family_id: int) -> HttpResponse:
    """A family's QF: in force today, its history, fetching it, typing it."""
    return _family_page(request, access_family(request.town, family_id))


@staff_required(*QF_ROLES)
@require_POST
def quotient_family_fetch(request: AuthedRequest, family_id: int) -> HttpResponse:
    """Ask API Particulier for this family's QF now."""
    family = access_family(request.town, family_id)
    form = FetchForm(request.POST)
    if not form.is_valid():
        return _family_page(request, family, fetch_form=form, status=422)
    fetched = actions.fetch_for_family(family, request.user, form.cleaned_data["applies_from"])
    if fetched.record is not None:
        messages.success(
            request,
            _("Quotient familial trouvé : %(value)s € (%(source)s), applicable à partir du %(day)s.")
            % {
                "value": fetched.record.value,
                "source": fetched.record.get_source_display(),
                "day": fetched.record.applies_from.strftime("%d/%m/%Y"),
            },
        )
    else:
        messages.error(request, "%s : %s" % (ResultKind(fetched.kind).label, fetched.message))  # noqa: UP031
    return _family_back(request, family)


@staff_required(*QF_ROLES)
@require_POST
def quotient_family_store(request: AuthedRequest, family_id: int) -> HttpResponse:
    """Type a QF (an attestation brought to the desk), applicable from a chosen day."""
    family = access_family(request.town, family_id)
    form = StoreForm(request.POST)
    if form.is_valid():
        try:
            record = actions.store_quotient(
                family, form.cleaned_data["value"], form.cleaned_data["applies_from"], "staff", request.user
            )
        except actions.QuotientRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                _("Quotient familial de %(value)s € enregistré, applicable à partir du %(day)s.")
                % {"value": record.value, "day": record.applies_from.strftime("%d/%m/%Y")},
            )
            return _family_back(request, family)
    return _family_page(request, family, store_form=form, status=422)


@staff_required(*QF_ROLES)
@require_POST
def quotient_family_consent(request: AuthedRequest, family_id: int) -> HttpResponse:
    """Record the family's consent given on paper at the desk, or its withdrawal."""
    family = access_family(request.town, family_id)
    given = request.POST.get("consent") == "yes"
    if actions.set_consent(family, given, request.user):
        messages.success(request, _("Accord enregistré.") if given else _("Accord retiré."))
    return _family_back(request, family)


def _identity_initial(family: Family) -> dict[str, object]:
    guardian = Guardian.objects.filter(town_id=family.town_id, family=family).order_by("position", "pk").first()
    if guardian is None:
        return {"birth_country_code": "99100"}
    return {
        "birth_name": guardian.last_name.upper(),
        "first_names": guardian.first_name,
        "sex": "F" if guardian.civility == Civility.MADAME else "M",
        "birth_country_code": "99100",
    }


@staff_required(*QF_ROLES)
@require_http_methods(["GET", "POST"])
def quotient_family_identity(request: AuthedRequest, family_id: int) -> HttpResponse:
    """The allocataire's civil status, which API Particulier needs to find the QF."""
    family = access_family(request.town, family_id)
    identity = queries.panel(family, timezone.localdate()).identity
    if identity is not None:
        initial: dict[str, object] = {name: getattr(identity, name) for name in actions.IDENTITY_FIELDS}
    else:
        initial = _identity_initial(family)
    form = IdentityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actions.save_identity(family, request.user, **form.cleaned_data)
        messages.success(request, _("Identité de l'allocataire enregistrée."))
        return redirect("backoffice:quotient_family", request.town.slug, family.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "backoffice/quotients/identity.html", {"family": family, "form": form}, status=status)


# Batches


@staff_required(*QF_ROLES)
@require_http_methods(["GET", "POST"])
def quotients(request: AuthedRequest) -> HttpResponse:
    """The yearly batches, newest first, and starting a new one."""
    town = request.town
    today = timezone.localdate()
    form = BatchForm(request.POST or None, initial={"year": today.year, "applies_from": today})
    if request.method == "POST" and form.is_valid():
        try:
            batch = actions.start_batch(
                town, request.user, form.cleaned_data["applies_from"], form.cleaned_data["year"]
            )
        except actions.QuotientRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Consultation groupée lancée."))
            return redirect("backoffice:quotient_batch", town.slug, batch.pk)
    settings = queries.api_settings(town)
    context = {
        "form": form,
        "batches": list(queries.batches(town)),
        "api_ready": settings is not None and settings.ready,
        "consenting": queries.batch_families(town).filter(qf_consent_at__isnull=False).count(),
        "settings_open": may_open(quotient_settings, roles_of(request.user, town)),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "backoffice/quotients/batches.html", context, status=status)


@staff_required(*QF_ROLES)
@require_http_methods(["GET"])
def quotient_batch(request: AuthedRequest, batch_id: int) -> HttpResponse:
    """A batch's progress and its result for every family (its progress updates itself while it works)."""
    batch = access_batch(request.town, batch_id)
    kind = request.GET.get("resultat", "")
    if kind not in ResultKind.values:
        kind = ""
    context = {
        "batch": batch,
        "results": list(queries.results(batch, kind)),
        "kind": kind,
        "kinds": ResultKind.choices,
        "refresh": REFRESH_SECONDS if batch.at_work else None,
        # htmx's poll: its last answer (the batch done) keeps "Actualiser", which shows the results below.
        "polled": request.headers.get("HX-Request") == "true",
        "family_open": may_open(quotient_family, roles_of(request.user, request.town)),
    }
    return render(request, "backoffice/quotients/batch.html", context)


@staff_required(*QF_ROLES)
@require_POST
def quotient_batch_resume(request: AuthedRequest, batch_id: int) -> HttpResponse:
    """Resume an interrupted batch (its families in error are asked again)."""
    batch = access_batch(request.town, batch_id)
    try:
        actions.resume_batch(batch, request.user)
    except actions.QuotientRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Consultation reprise."))
    return redirect("backoffice:quotient_batch", request.town.slug, batch.pk)


# Settings


@staff_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def quotient_settings(request: AuthedRequest) -> HttpResponse:
    """Where to call API Particulier and with which token (written, never shown back)."""
    town = request.town
    current = queries.api_settings(town)
    initial: dict[str, object] = {"base_url": "https://particulier.api.gouv.fr", "timeout_seconds": 10}
    if current is not None:
        initial = {
            "base_url": current.base_url,
            "recipient_siret": current.recipient_siret,
            "timeout_seconds": current.timeout_seconds,
        }
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actions.save_settings(town, request.user, **form.cleaned_data)
        messages.success(request, _("Paramètres API Particulier enregistrés."))
        return redirect("backoffice:quotient_settings", town.slug)
    context = {"form": form, "has_token": bool(current and current.token), "current": current}
    status = 422 if request.method == "POST" else 200
    return render(request, "backoffice/quotients/settings.html", context, status=status)


urlpatterns = [
    path("", quotients, name="quotients"),
    path("consultations/<int:batch_id>/", quotient_batch, name="quotient_batch"),
    path("consultations/<int:batch_id>/reprendre/", quotient_batch_resume, name="quotient_batch_resume"),
    path("parametres/", quotient_settings, name="quotient_settings"),
    path("familles/<int:family_id>/", quotient_family, name="quotient_family"),
    path("familles/<int:family_id>/consulter/", quotient_family_fetch, name="quotient_family_fetch"),
    path("familles/<int:family_id>/saisir/", quotient_family_store, name="quotient_family_store"),
    path("familles/<int:family_id>/accord/", quotient_family_consent, name="quotient_family_consent"),
    path("familles/<int:family_id>/identite/", quotient_family_identity, name="quotient_family_identity"),
]
