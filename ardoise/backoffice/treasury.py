"""Trésor public pages of the back office: the bordereaux of titres handed to the comptable public (PES V2
files, downloaded again byte for byte), handing over a month's unpaid invoices, a run exported to PES V2,
and the town's PES settings and product codes.

Roles: finance (and administrators). Every change goes through ardoise.treasury.actions.
"""

import datetime

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ardoise.activities.models import Activity
from ardoise.billing.access import access_run
from ardoise.calendars.wording import date_fr
from ardoise.towns.access import staff_required
from ardoise.towns.http import AuthedRequest
from ardoise.towns.models import Role, Town
from ardoise.treasury import actions, queries
from ardoise.treasury.access import access_handover, access_product_code, access_run_export
from ardoise.treasury.models import ProductCode, TreasurySettings

FINANCE = (Role.FINANCE,)
# Months offered to hand over: the last ones ended.
MONTHS_OFFERED = 12


def _today() -> datetime.date:
    return timezone.localdate()


def ended_months(today: datetime.date, count: int = MONTHS_OFFERED) -> list[tuple[int, int]]:
    """The `count` months ended before `today`, the latest first."""
    year, month = today.year, today.month
    months = []
    for _index in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        months.append((year, month))
    return months


def month_label(year: int, month: int) -> str:
    """ "février 2027" """
    return date_fr(datetime.date(year, month, 1), "F Y")


class HandOverForm(forms.Form):
    month = forms.ChoiceField(label=gettext_lazy("Mois"))

    def __init__(self, *args: object, today: datetime.date, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["month"].choices = [  # type: ignore[attr-defined]
            (f"{year}-{month:02d}", month_label(year, month)) for year, month in ended_months(today)
        ]

    def chosen(self) -> tuple[int, int]:
        year, month = self.cleaned_data["month"].split("-")
        return int(year), int(month)


class SettingsForm(forms.Form):
    siret = forms.CharField(label=gettext_lazy("SIRET de la collectivité"), max_length=20)
    collectivity_code = forms.CharField(label=gettext_lazy("Code collectivité (3 caractères)"), max_length=3)
    budget_code = forms.CharField(label=gettext_lazy("Code budget (2 caractères)"), max_length=2)
    accounting_post_code = forms.CharField(label=gettext_lazy("Code du poste comptable (7 chiffres)"), max_length=10)
    label = forms.CharField(label=gettext_lazy("Libellé collectivité / budget"), max_length=50)
    accountant_name = forms.CharField(label=gettext_lazy("Comptable public"), max_length=200)
    accountant_address = forms.CharField(
        label=gettext_lazy("Adresse du comptable public"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    accountant_contact = forms.CharField(
        label=gettext_lazy("Téléphone ou courriel du comptable"), max_length=200, required=False
    )


class ProductCodeForm(forms.Form):
    activity = forms.ModelChoiceField(
        label=gettext_lazy("Activité"),
        queryset=Activity.objects.none(),
        required=False,
        empty_label=gettext_lazy("Par défaut (toute activité sans code propre)"),
    )
    code = forms.CharField(label=gettext_lazy("Code produit (4 caractères au plus)"), max_length=4)
    nature = forms.CharField(label=gettext_lazy("Imputation : nature (compte)"), max_length=10)
    function = forms.CharField(label=gettext_lazy("Imputation : fonction"), max_length=10, required=False)
    label = forms.CharField(label=gettext_lazy("Libellé"), max_length=100)

    def __init__(self, *args: object, town: Town, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["activity"]
        field.queryset = Activity.objects.filter(town=town).select_related("site")  # type: ignore[attr-defined]
        field.label_from_instance = lambda activity: f"{activity.label} ({activity.site.name})"  # type: ignore[attr-defined]


def _settings_initial(current: TreasurySettings | None) -> dict[str, str]:
    if current is None:
        return {"budget_code": "00"}
    return {name: getattr(current, name) for name in actions.SETTINGS_FIELDS}


# The Trésor public page: bordereaux and handing over


def _treasury_page(request: AuthedRequest, form: HandOverForm, status: int = 200) -> HttpResponse:
    town = request.town
    today = _today()
    year, month = form.chosen() if form.is_bound and form.is_valid() else ended_months(today)[0]
    start, end = actions.month_bounds(year, month)
    unpaid = actions.unpaid_of_period(town, start, end)
    context = {
        "form": form,
        "settings": TreasurySettings.objects.filter(town=town).first(),
        "handovers": list(queries.handovers(town)),
        "run_exports": list(queries.run_exports(town)[:20]),
        "preview_month": month_label(year, month),
        "unpaid": unpaid,
        "unpaid_total": actions.total_due(unpaid),
    }
    return render(request, "backoffice/treasury/index.html", context, status=status)


@require_GET
@staff_required(*FINANCE)
def treasury(request: AuthedRequest) -> HttpResponse:
    """The bordereaux handed over, newest first; hand over a month's unpaid invoices (last month proposed)."""
    today = _today()
    data = request.GET if "month" in request.GET else None
    form = HandOverForm(data, today=today, initial={"month": "{}-{:02d}".format(*ended_months(today)[0])})
    return _treasury_page(request, form, 422 if form.is_bound and not form.is_valid() else 200)


@require_POST
@staff_required(*FINANCE)
def treasury_hand_over(request: AuthedRequest) -> HttpResponse:
    today = _today()
    form = HandOverForm(request.POST, today=today)
    if form.is_valid():
        year, month = form.chosen()
        try:
            handover = actions.hand_over(request.town, request.user, year=year, month=month, today=today)
        except actions.TreasuryRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                _("Bordereau %(year)s-%(number)s : %(count)s facture(s) transmise(s) au comptable public, %(total)s €.")
                % {
                    "year": handover.year,
                    "number": handover.number,
                    "count": handover.invoice_count,
                    "total": handover.total,
                },
            )
            return redirect("backoffice:treasury_handover", request.town.slug, handover.pk)
    return _treasury_page(request, form, status=422)


@require_GET
@staff_required(*FINANCE)
def treasury_handover(request: AuthedRequest, handover_id: int) -> HttpResponse:
    """A bordereau's titles, each with its invoice and family. A constant number of queries."""
    handover = access_handover(request.town, handover_id)
    context = {"handover": handover, "items": list(queries.handover_items(handover))}
    return render(request, "backoffice/treasury/handover.html", context)


def _xml(data: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/xml; charset=iso-8859-1")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


@require_GET
@staff_required(*FINANCE)
def treasury_handover_pes(request: AuthedRequest, handover_id: int) -> HttpResponse:
    """The bordereau's PES V2 file, the very bytes made when it was handed over."""
    handover = access_handover(request.town, handover_id)
    return _xml(bytes(handover.pes), handover.file_name)


# A run exported


@require_POST
@staff_required(*FINANCE)
def treasury_run_export(request: AuthedRequest, run_id: int) -> HttpResponse:
    run = access_run(request.town, run_id)
    try:
        export = actions.export_run(run, request.user, today=_today())
    except actions.TreasuryRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Bordereau de titres %(year)s-%(number)s prêt : téléchargez le fichier PES V2.")
            % {"year": export.year, "number": export.number},
        )
    return redirect("backoffice:invoicing_run", request.town.slug, run.pk)


@require_GET
@staff_required(*FINANCE)
def treasury_run_export_pes(request: AuthedRequest, export_id: int) -> HttpResponse:
    export = access_run_export(request.town, export_id)
    return _xml(bytes(export.pes), export.file_name)


# Settings and product codes


def _settings_page(
    request: AuthedRequest, form: SettingsForm, code_form: ProductCodeForm, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "code_form": code_form,
        "codes": list(queries.product_codes(request.town)),
    }
    return render(request, "backoffice/treasury/settings.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required(*FINANCE)
def treasury_settings(request: AuthedRequest) -> HttpResponse:
    """The town's PES identifiers and comptable public; its product codes."""
    town = request.town
    current = TreasurySettings.objects.filter(town=town).first()
    form = SettingsForm(request.POST or None, initial=_settings_initial(current))
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_settings(town, request.user, **form.cleaned_data)
        except actions.TreasuryRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Paramètres du Trésor public enregistrés."))
            return redirect("backoffice:treasury_settings", town.slug)
    status = 422 if request.method == "POST" else 200
    return _settings_page(request, form, ProductCodeForm(town=town), status)


def _save_code(request: AuthedRequest, form: ProductCodeForm, product_code: ProductCode | None) -> bool:
    if not form.is_valid():
        return False
    try:
        actions.save_product_code(request.town, request.user, product_code=product_code, **form.cleaned_data)
    except actions.TreasuryRefused as refused:
        form.add_error(None, refused.message)
        return False
    messages.success(request, _("Code produit enregistré."))
    return True


@require_POST
@staff_required(*FINANCE)
def treasury_product_code_new(request: AuthedRequest) -> HttpResponse:
    town = request.town
    form = ProductCodeForm(request.POST, town=town)
    if _save_code(request, form, None):
        return redirect("backoffice:treasury_settings", town.slug)
    current = TreasurySettings.objects.filter(town=town).first()
    return _settings_page(request, SettingsForm(initial=_settings_initial(current)), form, status=422)


@require_http_methods(["GET", "POST"])
@staff_required(*FINANCE)
def treasury_product_code(request: AuthedRequest, code_id: int) -> HttpResponse:
    town = request.town
    product_code = access_product_code(town, code_id)
    initial = {name: getattr(product_code, name) for name in actions.PRODUCT_CODE_FIELDS}
    form = ProductCodeForm(request.POST or None, town=town, initial=initial)
    if request.method == "POST" and _save_code(request, form, product_code):
        return redirect("backoffice:treasury_settings", town.slug)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "backoffice/treasury/product_code.html", {"form": form, "product_code": product_code}, status=status
    )


@require_POST
@staff_required(*FINANCE)
def treasury_product_code_delete(request: AuthedRequest, code_id: int) -> HttpResponse:
    product_code = access_product_code(request.town, code_id)
    actions.delete_product_code(product_code, request.user)
    messages.success(request, _("Code produit supprimé."))
    return redirect("backoffice:treasury_settings", request.town.slug)


urlpatterns = [
    path("", treasury, name="treasury"),
    path("transmettre/", treasury_hand_over, name="treasury_hand_over"),
    path("bordereaux/<int:handover_id>/", treasury_handover, name="treasury_handover"),
    path("bordereaux/<int:handover_id>.xml", treasury_handover_pes, name="treasury_handover_pes"),
    path("facturations/<int:run_id>/pes/", treasury_run_export, name="treasury_run_export"),
    path("exports/<int:export_id>.xml", treasury_run_export_pes, name="treasury_run_export_pes"),
    path("parametres/", treasury_settings, name="treasury_settings"),
    path("codes-produits/ajouter/", treasury_product_code_new, name="treasury_product_code_new"),
    path("codes-produits/<int:code_id>/", treasury_product_code, name="treasury_product_code"),
    path("codes-produits/<int:code_id>/supprimer/", treasury_product_code_delete, name="treasury_product_code_delete"),
]
