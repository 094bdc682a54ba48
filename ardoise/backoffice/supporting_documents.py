"""Staff's pages for supporting documents: the queue "Pièces à vérifier" (one by one or in bulk), the lists of
missing and expiring documents with their CSV exports, the expiry reminders, and the admin's document types.

Each view reads top to bottom: access (front desk and administrator; types: administrator) → form →
`documents.actions` (atomic, audited, decision e-mailed through the outbox) → redirect.
"""

import datetime
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ardoise.activities.models import Activity
from ardoise.backoffice import decision_forms
from ardoise.backoffice.decision_forms import SelectionDecisionForm
from ardoise.backoffice.exports import spreadsheet_response
from ardoise.documents import actions, reminders
from ardoise.documents.access import access_document_type, access_town_document
from ardoise.documents.models import DocumentType
from ardoise.documents.queries import document_types, dossiers, pending_documents
from ardoise.documents.status import EXPIRING_DAYS, State
from ardoise.families.models import Family
from ardoise.messaging.queries import download
from ardoise.towns.access import may_open, roles_of, staff_required
from ardoise.towns.http import AuthedRequest
from ardoise.towns.models import Role

desk_required = staff_required(Role.FRONT_DESK)  # and the administrator, always
admin_required = staff_required(Role.ADMIN)


class BulkDecisionForm(SelectionDecisionForm):
    selection = "document"
    nothing_selected = gettext_lazy("Sélectionnez au moins une pièce.")


class DecisionForm(decision_forms.DecisionForm):
    valid_from = forms.DateField(
        label=gettext_lazy("Valable à partir du"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": gettext_lazy("Indiquez le début de validité."), "invalid": _("Date invalide.")},
    )
    valid_until = forms.DateField(
        label=gettext_lazy("Valable jusqu'au (vide : sans expiration)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Date invalide.")},
    )


def _queue_context(request: AuthedRequest, form: BulkDecisionForm | None = None) -> dict[str, Any]:
    town = request.town
    return {
        "documents": list(pending_documents(town)),
        "form": form or BulkDecisionForm(),
        "selected": set(form.selected()) if form is not None else set(),
        "types_open": may_open(types, roles_of(request.user, town)),
    }


@desk_required
@require_GET
def queue(request: AuthedRequest) -> HttpResponse:
    return render(request, "backoffice/supporting_documents.html", _queue_context(request))


@desk_required
@require_POST
def decide_many(request: AuthedRequest) -> HttpResponse:
    form = BulkDecisionForm(request.POST)
    if form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        try:
            decided = actions.decide_many(
                request.town,
                request.user,
                form.cleaned_data["selected"],
                actions.Decision(accept, form.cleaned_data["reason"]),
                base_url=request.build_absolute_uri("/"),
            )
        except actions.DocumentRefused as refused:
            form.add_error(None, refused.message)
        else:
            text = (
                ngettext("%(count)d pièce acceptée.", "%(count)d pièces acceptées.", len(decided))
                if accept
                else ngettext("%(count)d pièce refusée.", "%(count)d pièces refusées.", len(decided))
            )
            messages.success(request, text % {"count": len(decided)})
            return redirect("backoffice:supporting_documents", request.town.slug)
    return render(request, "backoffice/supporting_documents.html", _queue_context(request, form), status=422)


@desk_required
@require_http_methods(["GET", "POST"])
def document_detail(request: AuthedRequest, supporting_document_id: int) -> HttpResponse:
    document = access_town_document(request.town, supporting_document_id)
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            accept = form.cleaned_data["decision"] == "accept"
            decision = actions.Decision(
                accept,
                form.cleaned_data["reason"],
                valid_from=form.cleaned_data["valid_from"],
                valid_until=form.cleaned_data["valid_until"],
                clear_valid_until=form.cleaned_data["valid_until"] is None,
            )
            try:
                actions.decide(document, request.user, decision, base_url=request.build_absolute_uri("/"))
            except actions.DocumentRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(
                    request,
                    (_("Pièce acceptée : %(label)s.") if accept else _("Pièce refusée : %(label)s."))
                    % {"label": document.document_type.label},
                )
                return redirect("backoffice:supporting_documents", request.town.slug)
        status = 422
    else:
        form = DecisionForm(initial={"valid_from": document.valid_from, "valid_until": document.valid_until})
        status = 200
    return render(request, "backoffice/supporting_document.html", {"document": document, "form": form}, status=status)


@desk_required
@require_GET
def document_file(request: AuthedRequest, supporting_document_id: int) -> HttpResponse:
    document = access_town_document(request.town, supporting_document_id)
    return download(document.file, document.file_name, document.content_type)


# Lists and exports


def _missing_rows(request: AuthedRequest, today: datetime.date) -> Iterator[list[Any]]:
    families = Family.objects.filter(town=request.town, archived_on__isnull=True).order_by("name", "number")
    for dossier in dossiers(request.town, families, today):
        for line in dossier.incomplete():
            yield [
                dossier.family.number,
                dossier.family.name,
                line.child.full_name if line.child else "",
                line.document_type.label,
                line.state_label,
                line.refusal_reason,
            ]


MISSING_HEADER = ["numero_famille", "famille", "enfant", "piece", "etat", "motif_refus"]


@desk_required
@require_GET
def missing(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    if request.GET.get("format") == "csv":
        lines = _missing_rows(request, today)
        return spreadsheet_response(
            "csv", MISSING_HEADER, lines, f"pieces-manquantes-{today.isoformat()}", _("Pièces manquantes")
        )
    return render(
        request,
        "backoffice/supporting_documents_list.html",
        {
            "title": _("Pièces manquantes"),
            "kind": "missing",
            "rows": list(_missing_rows(request, today)),
            "header": _missing_columns(),
        },
    )


def _missing_columns() -> list[str]:
    return [_("N° famille"), _("Famille"), _("Enfant"), _("Pièce"), _("État"), _("Motif du refus")]


def _expiring_rows(request: AuthedRequest, today: datetime.date) -> Iterator[list[Any]]:
    families = Family.objects.filter(town=request.town, archived_on__isnull=True).order_by("name", "number")
    for dossier in dossiers(request.town, families, today):
        for line in dossier.lines:
            if line.state == State.EXPIRING and line.standing.until is not None:
                yield [
                    dossier.family.number,
                    dossier.family.name,
                    line.child.full_name if line.child else "",
                    line.document_type.label,
                    line.standing.until.isoformat(),
                ]


EXPIRING_HEADER = ["numero_famille", "famille", "enfant", "piece", "valable_jusqu_au"]


@desk_required
@require_GET
def expiring(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    if request.GET.get("format") == "csv":
        lines = _expiring_rows(request, today)
        return spreadsheet_response(
            "csv", EXPIRING_HEADER, lines, f"pieces-expirant-{today.isoformat()}", _("Pièces qui expirent")
        )
    return render(
        request,
        "backoffice/supporting_documents_list.html",
        {
            "title": _("Pièces qui expirent dans les %(days)s jours") % {"days": EXPIRING_DAYS},
            "kind": "expiring",
            "rows": list(_expiring_rows(request, today)),
            "header": [_("N° famille"), _("Famille"), _("Enfant"), _("Pièce"), _("Valable jusqu'au")],
        },
    )


@desk_required
@require_POST
def send_reminders(request: AuthedRequest) -> HttpResponse:
    sent = reminders.send_expiry_reminders(
        request.town, today=timezone.localdate(), base_url=request.build_absolute_uri("/")
    )
    messages.success(
        request,
        ngettext("%(count)d rappel envoyé.", "%(count)d rappels envoyés.", len(sent)) % {"count": len(sent)},
    )
    return redirect("backoffice:supporting_documents_expiring", request.town.slug)


# Document types (administrator)


class DocumentTypeForm(forms.ModelForm[DocumentType]):
    class Meta:
        model = DocumentType
        fields = ["label", "concerns", "activities", "validity_months", "checked_by_staff", "only_with_pai", "position"]
        widgets = {"activities": forms.CheckboxSelectMultiple}
        help_texts = {
            "activities": gettext_lazy(
                "Les activités qu'on ne peut réserver sans cette pièce valable. Aucune : demandée à tous, "
                "exigée pour rien."
            ),
            "validity_months": gettext_lazy("Vide : la pièce n'expire pas."),
        }

    def __init__(self, *args: Any, town: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["activities"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Activity.objects.filter(town=town).select_related("site").order_by("site__name", "label")
        field.required = False
        self.town = town

    def validate_unique(self) -> None:
        # The town is not a field of the form: check the label's uniqueness within it here.
        label = self.cleaned_data.get("label")
        clash = DocumentType.objects.filter(town=self.town, label=label).exclude(pk=self.instance.pk)
        if label and clash.exists():
            self.add_error("label", _("Un type de pièce porte déjà ce libellé."))


@admin_required
@require_GET
def types(request: AuthedRequest) -> HttpResponse:
    return render(request, "backoffice/supporting_document_types.html", {"types": document_types(request.town)})


@admin_required
@require_http_methods(["GET", "POST"])
def type_edit(request: AuthedRequest, document_type_id: int | None = None) -> HttpResponse:
    instance = access_document_type(request.town, document_type_id) if document_type_id is not None else None
    form = DocumentTypeForm(request.POST or None, instance=instance, town=request.town)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in actions.TYPE_FIELDS}
        actions.save_document_type(request.town, request.user, instance, values, list(form.cleaned_data["activities"]))
        messages.success(request, _("Type de pièce enregistré : %(label)s.") % {"label": values["label"]})
        return redirect("backoffice:supporting_document_types", request.town.slug)
    return render(
        request,
        "backoffice/config_form.html",
        {"form": form, "title": instance.label if instance else _("Nouveau type de pièce justificative")},
        status=422 if request.method == "POST" else 200,
    )


# Included under "pieces/" by backoffice/urls.py, in the backoffice namespace.
urlpatterns = [
    path("", queue, name="supporting_documents"),
    path("decider/", decide_many, name="supporting_documents_decide"),
    path("<int:supporting_document_id>/", document_detail, name="supporting_document"),
    path("<int:supporting_document_id>/fichier/", document_file, name="supporting_document_file"),
    path("manquantes/", missing, name="supporting_documents_missing"),
    path("expirent/", expiring, name="supporting_documents_expiring"),
    path("expirent/rappels/", send_reminders, name="supporting_documents_remind"),
    path("types/", types, name="supporting_document_types"),
    path("types/ajouter/", type_edit, name="supporting_document_type_new"),
    path("types/<int:document_type_id>/", type_edit, name="supporting_document_type_edit"),
]
