"""The town's statements, for its administrator: the register of processing (`registre-des-traitements/`, with its
CSV and PDF for the DPO), and the town's part of the accessibility statement and of the information on personal
data, through `legal.actions` (audited). The public pages are the portal's (`portal/legal.py`)."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from ardoise.backoffice.exports import spreadsheet_response
from ardoise.billing.pdf import get_renderer
from ardoise.legal import actions, queries
from ardoise.legal.models import AccessibilityStatement, ProcessingNotice
from ardoise.privacy.queries import retention_years
from ardoise.towns.access import staff_required
from ardoise.towns.http import AuthedRequest
from ardoise.towns.models import Role, Town

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class StatementForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = AccessibilityStatement
        fields = actions.STATEMENT_FIELDS
        widgets = {
            "audit_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "tools": TEXTAREA,
            "pages_audited": TEXTAREA,
            "non_conforming": TEXTAREA,
            "derogations": TEXTAREA,
            "not_subject": TEXTAREA,
            "contact_address": TEXTAREA,
        }
        help_texts = {
            "criteria_met_percent": gettext_lazy(
                "Le niveau affiché en découle : 100 % totalement conforme, 50 % ou plus partiellement conforme, "
                "moins de 50 % ou sans audit de moins de trois ans non conforme."
            ),
            "tools": gettext_lazy("Vide : les outils des tests d'Ardoise."),
            "pages_audited": gettext_lazy("Vide : les pages principales du portail."),
            "contact_email": gettext_lazy("Vide : le courriel de la commune."),
            "contact_address": gettext_lazy("Vide : l'adresse de la commune."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        percent = self.fields["criteria_met_percent"]
        percent.validators += [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]
        percent.localize = True
        percent.widget.is_localized = True


class NoticeForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ProcessingNotice
        fields = actions.NOTICE_FIELDS
        widgets = dict.fromkeys(
            ("controller_address", "dpo_address", "recipients", "retention", "security_measures", "extra"), TEXTAREA
        )
        help_texts = {
            "controller_name": gettext_lazy("Vide : le nom de la commune."),
            "controller_address": gettext_lazy("Vide : l'adresse de la commune."),
            "dpo_email": gettext_lazy("Vide : le courriel de la commune."),
            "recipients": gettext_lazy(
                "Ajoutés aux destinataires prévus par Ardoise (par exemple le prestataire de restauration)."
            ),
            "retention": gettext_lazy("Ajoutées aux durées prévues par Ardoise."),
            "security_measures": gettext_lazy("Ajoutées aux mesures d'Ardoise dans le registre."),
        }


def _fields(form: forms.ModelForm, names: tuple[str, ...]) -> dict[str, Any]:  # type: ignore[type-arg]
    return {name: form.cleaned_data[name] for name in names}


@staff_required(Role.ADMIN)
def legal_accessibility(request: AuthedRequest) -> HttpResponse:
    town: Town = request.town
    form = StatementForm(request.POST or None, instance=queries.statement_or_new(town))
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_statement(town, request.user, **_fields(form, actions.STATEMENT_FIELDS))
        except actions.LegalRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Déclaration d'accessibilité enregistrée."))
            return redirect("backoffice:legal_accessibility", town.slug)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "town": town, "conformity": queries.conformity_of(town, timezone.localdate())}
    return render(request, "backoffice/legal/accessibility.html", context, status=status)


@staff_required(Role.ADMIN)
def legal_notice(request: AuthedRequest) -> HttpResponse:
    town: Town = request.town
    form = NoticeForm(request.POST or None, instance=queries.notice_or_new(town))
    if request.method == "POST" and form.is_valid():
        actions.save_notice(town, request.user, **_fields(form, actions.NOTICE_FIELDS))
        messages.success(request, _("Information sur les données personnelles enregistrée."))
        return redirect("backoffice:legal_notice", town.slug)
    status = 422 if request.method == "POST" else 200
    return render(request, "backoffice/legal/notice.html", {"form": form, "town": town}, status=status)


def _register_context(town: Town) -> dict[str, Any]:
    notice, lines = queries.register(town, retention_years(town))
    return {"town": town, "notice": notice, "lines": lines, "generated_at": timezone.localtime()}


@staff_required(Role.ADMIN)
@require_GET
def legal_register(request: AuthedRequest) -> HttpResponse:
    return render(request, "backoffice/legal/register.html", _register_context(request.town))


REGISTER_COLUMNS = (
    ("name", gettext_lazy("Traitement")),
    ("controller", gettext_lazy("Responsable")),
    ("finalities", gettext_lazy("Finalités")),
    ("legal_basis", gettext_lazy("Base légale")),
    ("people", gettext_lazy("Personnes concernées")),
    ("data", gettext_lazy("Catégories de données")),
    ("recipients", gettext_lazy("Destinataires")),
    ("transfers", gettext_lazy("Transferts hors UE")),
    ("retention", gettext_lazy("Durées de conservation")),
    ("security", gettext_lazy("Mesures de sécurité")),
)


@staff_required(Role.ADMIN)
@require_GET
def legal_register_csv(request: AuthedRequest) -> HttpResponse:
    town: Town = request.town
    _notice, lines = queries.register(town, retention_years(town))
    header = [str(label) for _name, label in REGISTER_COLUMNS]
    rows = [[getattr(line, name) for name, _label in REGISTER_COLUMNS] for line in lines]
    return spreadsheet_response("csv", header, rows, f"registre-des-traitements_{town.slug}", _("Registre"))


@staff_required(Role.ADMIN)
@require_GET
def legal_register_pdf(request: AuthedRequest) -> HttpResponse:
    town: Town = request.town
    pdf = get_renderer().render(render_to_string("backoffice/legal/register_pdf.html", _register_context(town)))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="registre-des-traitements_{town.slug}.pdf"'
    return response


urlpatterns = [
    path("registre-des-traitements/", legal_register, name="legal_register"),
    path("registre-des-traitements.csv", legal_register_csv, name="legal_register_csv"),
    path("registre-des-traitements.pdf", legal_register_pdf, name="legal_register_pdf"),
    path("declaration-accessibilite/", legal_accessibility, name="legal_accessibility"),
    path("donnees-personnelles/", legal_notice, name="legal_notice"),
]
