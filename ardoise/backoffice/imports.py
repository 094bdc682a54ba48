"""Importing families from the town's previous software (administrators only).

Three steps: upload the CSV file (kept in a private temporary file named in the
session), map its columns to Ardoise's fields and run a dry run that lists
every error by line, then import — everything or nothing
(families.importing.apply).
"""

import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ardoise.families import importing
from ardoise.towns.access import staff_required
from ardoise.towns.http import AuthedRequest, TownRequest
from ardoise.towns.models import Role

admin_required = staff_required(Role.ADMIN)

SESSION_KEY = "family_import"
ALLOWED_SUFFIXES = (".csv", ".txt")
# Uploaded files left behind (an import abandoned half-way) are removed after this long.
STALE_AFTER_SECONDS = 24 * 3600


def upload_dir() -> Path:
    directory = Path(tempfile.gettempdir()) / "ardoise-imports"
    directory.mkdir(mode=0o700, exist_ok=True)
    return directory


def _remove_stale_files() -> None:
    limit = time.time() - STALE_AFTER_SECONDS
    for path in upload_dir().glob("*.csv"):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier CSV"),
        help_text=gettext_lazy("Séparateur point-virgule ou virgule, UTF-8 ou Windows-1252, 5 Mo au maximum."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
        error_messages={"required": gettext_lazy("Choisissez le fichier à importer.")},
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > importing.MAX_FILE_SIZE:
            raise forms.ValidationError(_("Le fichier dépasse 5 Mo : découpez-le en plusieurs fichiers."))
        if not upload.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(
                _("Seuls les fichiers CSV (.csv) sont acceptés : exportez les familles au format CSV.")
            )
        data = upload.read()
        try:
            self.parsed = importing.parse(data)
        except importing.ImportFileError as error:
            raise forms.ValidationError(str(error)) from None
        self.data_bytes = data
        return upload


class MappingForm(forms.Form):
    """One choice of field per column of the file."""

    def __init__(self, *args: Any, headers: list[str], initial_mapping: dict[int, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = [("", _("— ne pas importer —")), *[(f.key, f.label) for f in importing.FIELDS]]
        for index, header in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header or _("Colonne %(number)s") % {"number": index + 1},
                choices=choices,
                required=False,
                initial=initial_mapping.get(index, ""),
            )

    def mapping(self) -> dict[int, str]:
        return {index: self.cleaned_data.get(f"col_{index}", "") for index in range(len(self.headers))}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            for problem in importing.mapping_errors(self.mapping(), self.headers):
                self.add_error(None, problem)
        return data

    def samples(self, parsed: importing.ParsedFile) -> list[str]:
        first = parsed.rows[0][1] if parsed.rows else []
        return [first[i] if i < len(first) else "" for i in range(len(self.headers))]


def _stored(request: TownRequest) -> tuple[importing.ParsedFile, dict[str, Any]] | None:
    """The file uploaded earlier in this session for this town, parsed; None when gone."""
    stored = request.session.get(SESSION_KEY)
    if not isinstance(stored, dict) or stored.get("town") != request.town.pk:
        return None
    token = str(stored.get("token", ""))
    if not token.isalnum():
        return None
    path = upload_dir() / f"{token}.csv"
    try:
        return importing.parse(path.read_bytes()), stored
    except (OSError, importing.ImportFileError):
        return None


def _forget(request: HttpRequest) -> None:
    stored = request.session.pop(SESSION_KEY, None)
    if isinstance(stored, dict) and str(stored.get("token", "")).isalnum():
        (upload_dir() / f"{stored['token']}.csv").unlink(missing_ok=True)


def _restart(request: TownRequest) -> HttpResponse:
    messages.warning(request, _("Le fichier n'est plus disponible : déposez-le à nouveau."))
    return redirect("backoffice:import", request.town.slug)


@admin_required
@require_http_methods(["GET", "POST"])
def upload(request: AuthedRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        _forget(request)
        _remove_stale_files()
        token = secrets.token_hex(16)
        path = upload_dir() / f"{token}.csv"
        path.write_bytes(form.data_bytes)
        path.chmod(0o600)
        request.session[SESSION_KEY] = {
            "town": request.town.pk,
            "token": token,
            "name": form.cleaned_data["file"].name[:200],
        }
        return redirect("backoffice:import_mapping", request.town.slug)
    status = 422 if request.method == "POST" else 200
    return render(request, "backoffice/import.html", {"form": form}, status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def mapping(request: AuthedRequest) -> HttpResponse:
    """Choose the columns; a POST runs the dry run and shows its report."""
    stored = _stored(request)
    if stored is None:
        return _restart(request)
    parsed, info = stored
    form = MappingForm(
        request.POST or None, headers=parsed.headers, initial_mapping=importing.guess_mapping(parsed.headers)
    )
    plan = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            plan = importing.check(request.town, parsed, form.mapping())
        status = 200 if plan is not None and not plan.errors else 422
    context = {
        "form": form,
        "columns": list(zip(form, form.samples(parsed), strict=True)),
        "parsed": parsed,
        "file_name": info.get("name", ""),
        "plan": plan,
    }
    return render(request, "backoffice/import_mapping.html", context, status=status)


@admin_required
@require_POST
def apply(request: AuthedRequest) -> HttpResponse:
    """Import for real, with the mapping of the dry run (sent again): all or nothing."""
    stored = _stored(request)
    if stored is None:
        return _restart(request)
    parsed, _info = stored
    form = MappingForm(request.POST, headers=parsed.headers, initial_mapping={})
    if not form.is_valid():
        messages.error(request, _("La correspondance des colonnes est incomplète : vérifiez-la."))
        return redirect("backoffice:import_mapping", request.town.slug)
    plan = importing.check(request.town, parsed, form.mapping())
    if plan.errors:
        messages.error(request, _("Le fichier contient des erreurs : rien n'a été importé. Corrigez-les d'abord."))
        return redirect("backoffice:import_mapping", request.town.slug)
    try:
        result = importing.apply(request.town, request.user, plan)
    except IntegrityError:
        messages.error(
            request, _("Une autre opération a modifié les familles entre-temps : rien n'a été importé, réessayez.")
        )
        return redirect("backoffice:import_mapping", request.town.slug)
    _forget(request)
    messages.success(
        request,
        _("Import terminé : %(families)s familles, %(guardians)s responsables et %(children)s enfants créés.")
        % {"families": result.families, "guardians": result.guardians, "children": result.children},
    )
    if result.already_present:
        messages.info(
            request,
            _("%(count)s familles déjà présentes n'ont pas été modifiées (n° %(numbers)s).")
            % {"count": len(result.already_present), "numbers": ", ".join(result.already_present[:20])},
        )
    return redirect("backoffice:import", request.town.slug)
