"""The family's supporting documents (pièces justificatives): what is asked, where each stands, and uploads.

Not to be confused with `documents.py`, the town's published documents. Each type asked of the family or a
child shows its state (missing, pending, valid, expiring, expired, refused with why) and its dates; a parent
uploads a document (checked as a message's attachment is) and downloads the family's own files only.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ardoise.bookings.uploads import ACCEPT, ALLOWED_LABEL, validate_document
from ardoise.documents import actions
from ardoise.documents.access import access_family_document
from ardoise.documents.models import Concerns, DocumentType
from ardoise.documents.queries import document_types, family_dossier
from ardoise.families.models import Child, Family
from ardoise.messaging.queries import download
from ardoise.towns.access import parent_required
from ardoise.towns.http import AuthedRequest


def target_value(document_type: DocumentType, child: Child | None) -> str:
    return f"{document_type.pk}:{child.pk if child else ''}"


def targets(types: list[DocumentType], children: list[Child]) -> list[tuple[str, str]]:
    """Every (type, person) a parent may upload for: "Carnet de vaccinations — Sarah"."""
    choices = []
    for document_type in types:
        if document_type.concerns == Concerns.FAMILY:
            choices.append((target_value(document_type, None), f"{document_type.label} — {_('famille')}"))
            continue
        for child in children:
            if not document_type.only_with_pai or child.has_pai:
                choices.append((target_value(document_type, child), f"{document_type.label} — {child.first_name}"))
    return choices


class UploadForm(forms.Form):
    target = forms.ChoiceField(
        label=gettext_lazy("Pièce"),
        error_messages={
            "required": gettext_lazy("Choisissez la pièce que vous déposez."),
            "invalid_choice": gettext_lazy("Choisissez une pièce de la liste."),
        },
    )
    dated_on = forms.DateField(
        label=gettext_lazy("Date du document"),
        help_text=gettext_lazy("La date qui figure sur le document (date de l'attestation, du certificat…)."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("Indiquez la date du document."),
            "invalid": gettext_lazy("Date invalide."),
        },
    )
    file = forms.FileField(
        label=gettext_lazy("Fichier"),
        help_text=gettext_lazy("%(allowed)s, 5 Mo au maximum.") % {"allowed": ALLOWED_LABEL},
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={"required": gettext_lazy("Joignez le fichier du document.")},
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["target"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("— choisir —")), *choices]

    def clean_file(self) -> Any:
        file = self.cleaned_data.get("file")
        if file:
            validate_document(file)
        return file


def _person(value: str, types: list[DocumentType], children: list[Child]) -> tuple[DocumentType, Child | None]:
    type_id, _sep, child_id = value.partition(":")
    document_type = next(t for t in types if str(t.pk) == type_id)
    child = next((kid for kid in children if str(kid.pk) == child_id), None)
    return document_type, child


@parent_required
@require_GET
def supporting_documents(request: AuthedRequest, family: Family) -> HttpResponse:
    today = timezone.localdate()
    dossier = family_dossier(family, today)
    return render(
        request,
        "portal/supporting_documents.html",
        {"family": family, "dossier": dossier, "today": today},
    )


@parent_required
@require_http_methods(["GET", "POST"])
def supporting_document_upload(request: AuthedRequest, family: Family) -> HttpResponse:
    types = document_types(family.town)
    children = list(Child.objects.filter(town_id=family.town_id, family=family).order_by("birth_date", "pk"))
    choices = targets(types, children)
    today = timezone.localdate()
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, choices=choices)
        if form.is_valid():
            document_type, child = _person(form.cleaned_data["target"], types, children)
            try:
                document = actions.upload(
                    family,
                    request.user,
                    document_type,
                    child,
                    form.cleaned_data["dated_on"],
                    form.cleaned_data["file"],
                    today=today,
                )
            except ValidationError as error:
                form.add_error("file", error)
            except actions.DocumentRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(
                    request,
                    _("Pièce « %(label)s » déposée : le service va la vérifier.") % {"label": document_type.label}
                    if document.status == "pending"
                    else _("Pièce « %(label)s » enregistrée.") % {"label": document_type.label},
                )
                return redirect("portal:supporting_documents", request.town.slug)
        status = 422
    else:
        wanted = request.GET.get("pour", "")
        form = UploadForm(
            initial={"target": wanted if wanted in dict(choices) else "", "dated_on": today}, choices=choices
        )
        status = 200
    return render(request, "portal/supporting_document_upload.html", {"form": form, "max_date": today}, status=status)


@parent_required
@require_GET
def supporting_document_file(request: AuthedRequest, family: Family, supporting_document_id: int) -> HttpResponse:
    document = access_family_document(family, supporting_document_id)
    return download(document.file, document.file_name, document.content_type)
