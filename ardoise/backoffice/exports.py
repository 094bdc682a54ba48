"""Exports for the town's own spreadsheets: families and children, attendance over a period.

CSV (semicolon, UTF-8 with a byte-order mark so that Excel reads the accents)
is streamed row by row; XLSX is written by openpyxl's write-only workbook into a
temporary file. Either way the rows are read in chunks, so memory stays bounded
for a town of 10,000 children. Health data goes into the families export only
when asked for, and only for roles that may read it.
"""

import datetime
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit import actions as audit
from ardoise.backoffice.config_forms import DateInput, TownChoiceField
from ardoise.backoffice.invoicing import invoicing_unpaid_csv
from ardoise.backoffice.payments import deposit_slips
from ardoise.bookings.models import Booking, BookingState
from ardoise.families.models import Child, Diet, Family, Guardian, Sex
from ardoise.towns import spreadsheets
from ardoise.towns.access import may_open, roles_of, staff_required
from ardoise.towns.models import Role, Site, Town
from ardoise.towns.replica import rows_from_replica

# Finance exports the families (its payers) and reaches the money exports from here; never health data
# (may_export_health), so not the attendance either: its absence reasons may be medical.
export_required = staff_required(Role.ADMIN, Role.FRONT_DESK, Role.FINANCE)
attendance_export_required = staff_required(Role.ADMIN, Role.FRONT_DESK)

CHUNK = 1000
# Longest period of one attendance export.
MAX_PERIOD_DAYS = 366
FORMATS = [("csv", "CSV"), ("xlsx", "Excel (XLSX)")]
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def may_export_health(user: User, town: Town) -> bool:
    """Town-wide readers of health records (see towns.access.may_read_health)."""
    return bool(roles_of(user, town) & {Role.ADMIN, Role.FRONT_DESK, Role.KITCHEN})


def _page_context(user: User, town: Town) -> dict[str, Any]:
    """What the exports page offers this staff member: each section only to the roles that may download it."""
    held = roles_of(user, town)
    return {
        "may_export_health": may_export_health(user, town),
        "may_export_attendance": may_open(export_attendance, held),
        "may_export_money": may_open(invoicing_unpaid_csv, held) and may_open(deposit_slips, held),
    }


class FamiliesExportForm(forms.Form):
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=FORMATS, initial="csv")
    health = forms.BooleanField(
        label=gettext_lazy("Inclure les données de santé (allergies, PAI, régime)"),
        required=False,
        help_text=gettext_lazy("Données sensibles : à ne transmettre qu'aux personnes qui en ont besoin."),
    )


class AttendanceExportForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("Du"), widget=DateInput())
    end = forms.DateField(label=gettext_lazy("Au"), widget=DateInput())
    site = TownChoiceField(
        label=gettext_lazy("École"), queryset=Site.objects.none(), required=False, empty_label=gettext_lazy("Toutes")
    )
    activity = TownChoiceField(
        label=gettext_lazy("Activité"),
        queryset=Activity.objects.none(),
        required=False,
        empty_label=gettext_lazy("Toutes"),
    )
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=FORMATS, initial="csv")

    def __init__(self, *args: Any, town: Town, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site, activity = self.fields["site"], self.fields["activity"]
        assert isinstance(site, forms.ModelChoiceField)
        assert isinstance(activity, forms.ModelChoiceField)
        site.queryset = Site.objects.filter(town=town)
        activity.queryset = Activity.objects.filter(town=town).select_related("site")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("La fin de la période doit suivre son début."))
            elif (end - start).days >= MAX_PERIOD_DAYS:
                self.add_error("end", _("La période ne peut dépasser un an."))
        return data


# Rows


def family_header(health: bool) -> list[str]:
    header = [
        _("N° famille"),
        _("Famille"),
        _("Quotient familial"),
        _("Réside dans la commune"),
        _("Archivée le"),
        _("Responsable 1 : civilité"),
        _("Responsable 1 : nom"),
        _("Responsable 1 : prénom"),
        _("Responsable 1 : courriel"),
        _("Responsable 1 : téléphone"),
        _("Adresse"),
        _("Code postal"),
        _("Ville"),
        _("Responsable 2 : nom"),
        _("Responsable 2 : prénom"),
        _("Responsable 2 : courriel"),
        _("Responsable 2 : téléphone"),
        _("Enfant : nom"),
        _("Enfant : prénom"),
        _("Sexe"),
        _("Date de naissance"),
        _("École"),
        _("Classe"),
    ]
    if health:
        header += [_("Allergies"), _("PAI"), _("Régime alimentaire"), _("Informations médicales")]
    return header


def _date(day: datetime.date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def family_rows(town: Town, *, health: bool) -> Iterator[list[Any]]:
    """One row per child (one per family without children), families by name, in chunks."""
    yes, no = _("oui"), _("non")
    # Labels as plain text: openpyxl cannot write lazy translations.
    sexes = {value: str(label) for value, label in Sex.choices}
    diets = {value: str(label) for value, label in Diet.choices}
    families = (
        Family.objects.filter(town=town)
        .order_by("name", "number", "pk")
        .prefetch_related(
            Prefetch("guardians", queryset=Guardian.objects.filter(town=town).order_by("position", "pk")),
            Prefetch("children", queryset=Child.objects.filter(town=town).select_related("site")),
        )
    )
    for family in families.iterator(chunk_size=CHUNK):
        guardians: list[Guardian | None] = [*family.guardians.all()[:2], None, None]
        first, second = guardians[0], guardians[1]
        common = [
            family.number,
            family.name,
            family.quotient_familial if family.quotient_familial is not None else "",
            yes if family.resident else no,
            _date(family.archived_on),
            first.civility if first else "",
            first.last_name if first else "",
            first.first_name if first else "",
            first.email if first else "",
            first.phone if first else "",
            first.address if first else "",
            first.postcode if first else "",
            first.city if first else "",
            second.last_name if second else "",
            second.first_name if second else "",
            second.email if second else "",
            second.phone if second else "",
        ]
        children = list(family.children.all())
        if not children:
            yield common + [""] * (len(family_header(health)) - len(common))
        for child in children:
            row = [
                *common,
                child.last_name,
                child.first_name,
                sexes.get(child.sex, child.sex),
                _date(child.birth_date),
                child.site.name,
                child.school_class,
            ]
            if health:
                row += [
                    child.allergies,
                    yes if child.has_pai else no,
                    diets.get(child.diet, child.diet),
                    child.health_notes,
                ]
            yield row


ATTENDANCE_HEADER = [
    gettext_lazy("Date"),
    gettext_lazy("École"),
    gettext_lazy("Activité"),
    gettext_lazy("N° famille"),
    gettext_lazy("Nom"),
    gettext_lazy("Prénom"),
    gettext_lazy("Classe"),
    gettext_lazy("État"),
    gettext_lazy("Motif d'absence"),
]


def attendance_rows(
    town: Town, start: datetime.date, end: datetime.date, *, site: Site | None = None, activity: Activity | None = None
) -> Iterator[list[Any]]:
    """One row per child, activity and day booked in start..end, with its state."""
    states = {value: str(label) for value, label in BookingState.choices}
    bookings = Booking.objects.filter(town=town, date__gte=start, date__lte=end)
    if site is not None:
        bookings = bookings.filter(activity__site=site)
    if activity is not None:
        bookings = bookings.filter(activity=activity)
    rows = bookings.order_by(
        "date", "activity__site__name", "activity__label", "child__last_name", "child__first_name", "pk"
    )
    for day, site_name, label, number, last_name, first_name, school_class, state, reason in rows.values_list(
        "date",
        "activity__site__name",
        "activity__label",
        "child__family__number",
        "child__last_name",
        "child__first_name",
        "child__school_class",
        "state",
        "absence__reason__label",
    ).iterator(chunk_size=CHUNK):
        yield [
            _date(day),
            site_name,
            label,
            number,
            last_name,
            first_name,
            school_class,
            states.get(state, state),
            reason or "",
        ]


# Files


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_response(header: list[Any], rows: Iterable[list[Any]], filename: str) -> StreamingHttpResponse:
    writer = spreadsheets.csv_writer(_Echo(), delimiter=";")

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow([str(cell) for cell in header])
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _xlsx_response(header: list[Any], rows: Iterable[list[Any]], filename: str, title: str) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(spreadsheets.safe_row(str(cell) for cell in header))
    for row in rows:
        sheet.append(spreadsheets.safe_row(row))
    output = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it once sent.
    workbook.save(output)
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=f"{filename}.xlsx", content_type=CONTENT_TYPES["xlsx"])


def spreadsheet_response(
    fmt: str, header: list[Any], rows: Iterable[list[Any]], filename: str, title: str
) -> HttpResponse:
    """The one way the back office answers a list as a download: CSV (";", BOM for spreadsheets) or XLSX."""
    if fmt == "xlsx":
        return _xlsx_response(header, rows, filename, title)
    return _csv_response(header, rows, filename)


# Views


@export_required
@require_GET
def exports(request: HttpRequest) -> HttpResponse:
    town = request.town  # type: ignore[attr-defined]
    today = timezone.localdate()
    first_of_month = today.replace(day=1)
    context = {
        "families_form": FamiliesExportForm(),
        "attendance_form": AttendanceExportForm(town=town, initial={"start": first_of_month, "end": today}),
    } | _page_context(request.user, town)  # type: ignore[arg-type]
    return render(request, "backoffice/exports.html", context)


@export_required
@require_GET
def export_families(request: HttpRequest) -> HttpResponse:
    town = request.town  # type: ignore[attr-defined]
    form = FamiliesExportForm(request.GET)
    if not form.is_valid():
        context = {
            "families_form": form,
            "attendance_form": AttendanceExportForm(town=town),
        } | _page_context(request.user, town)  # type: ignore[arg-type]
        return render(request, "backoffice/exports.html", context, status=422)
    health = form.cleaned_data["health"] and may_export_health(request.user, town)  # type: ignore[arg-type]
    audit.record(
        town,
        request.user,  # type: ignore[arg-type]
        "export.families",
        None,
        summary=_("Export des familles (%(format)s%(health)s)")
        % {"format": form.cleaned_data["format"].upper(), "health": _(", avec données de santé") if health else ""},
    )
    filename = f"familles-{town.slug}-{timezone.localdate():%Y-%m-%d}"
    # The rows, read once the response streams, come from the replica; the audit entry above went to the primary.
    rows = rows_from_replica(family_rows(town, health=health))
    return spreadsheet_response(form.cleaned_data["format"], family_header(health), rows, filename, _("Familles"))


@attendance_export_required
@require_GET
def export_attendance(request: HttpRequest) -> HttpResponse:
    town = request.town  # type: ignore[attr-defined]
    form = AttendanceExportForm(request.GET, town=town)
    if not form.is_valid():
        context = {
            "families_form": FamiliesExportForm(),
            "attendance_form": form,
        } | _page_context(request.user, town)  # type: ignore[arg-type]
        return render(request, "backoffice/exports.html", context, status=422)
    data = form.cleaned_data
    audit.record(
        town,
        request.user,  # type: ignore[arg-type]
        "export.attendance",
        None,
        summary=_("Export des présences du %(start)s au %(end)s")
        % {"start": _date(data["start"]), "end": _date(data["end"])},
    )
    rows = rows_from_replica(
        attendance_rows(town, data["start"], data["end"], site=data["site"], activity=data["activity"])
    )
    filename = f"presences-{town.slug}-{data['start']:%Y-%m-%d}-{data['end']:%Y-%m-%d}"
    return spreadsheet_response(data["format"], list(ATTENDANCE_HEADER), rows, filename, _("Présences"))
