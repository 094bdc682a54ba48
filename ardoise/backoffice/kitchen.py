"""Meal counts for the kitchen: per site and day, by diet, with allergies and PAI by name.

- `kitchen`: the page (print-friendly), for the next school days or any period
  of at most `counts.MAX_PERIOD_DAYS` days;
- `kitchen_csv`: the same counts for a spreadsheet (`;`, UTF-8 with a BOM so
  that Excel reads the accents);
- `kitchen_pdf`: the same page as a PDF, through the PDF engine of
  `billing.pdf` (WeasyPrint, or the fake chosen by settings).

What counts as a meal is decided in `bookings.counts`.
"""

import datetime
import io
from html import escape
from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from ardoise.billing.pdf import get_renderer
from ardoise.bookings import counts
from ardoise.calendars.wording import date_fr
from ardoise.families.models import Diet
from ardoise.towns import spreadsheets
from ardoise.towns.access import staff_required
from ardoise.towns.http import AuthedRequest, TownRequest
from ardoise.towns.models import Role, Town
from ardoise.towns.replica import reads_from_replica

KITCHEN_ROLES = (Role.ADMIN, Role.KITCHEN, Role.FRONT_DESK)


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("Du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("La date de début n'est pas valide (jj/mm/aaaa).")},
    )
    end = forms.DateField(
        label=gettext_lazy("Au"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("La date de fin n'est pas valide (jj/mm/aaaa).")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and not end:
            data["end"] = end = start
        if end and not start:
            data["start"] = start = end
        if start and end:
            if end < start:
                raise forms.ValidationError(_("La date de fin est avant la date de début."))
            if (end - start).days + 1 > counts.MAX_PERIOD_DAYS:
                raise forms.ValidationError(
                    _("La période ne peut pas dépasser %(days)s jours.") % {"days": counts.MAX_PERIOD_DAYS}
                )
        return data


def _period(request: TownRequest) -> tuple[PeriodForm, tuple[datetime.date, datetime.date] | None]:
    """The period asked for (the next school days when none), or None when the form is invalid."""
    town: Town = request.town
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return form, None
    start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    if start is None or end is None:
        start, end = counts.default_period(town, timezone.localdate())
        form = PeriodForm(initial={"start": start, "end": end})
    return form, (start, end)


def _query(start: datetime.date, end: datetime.date) -> str:
    return f"start={start.isoformat()}&end={end.isoformat()}"


class _FlaggedItems:
    """The `<li>` items of the children with an allergy or a PAI, as HTML written here rather than in the
    template: a town's week lists thousands of them, and the template engine took most of the page's time.
    `escape` is the standard library's (what Django's `escape` returns, without its lazy-text wrapper).
    Each child's item is written once for the whole period (the same child eats on several days)."""

    def __init__(self) -> None:
        self.pai = escape(_("PAI"))
        self.allergies = escape(_("Allergies :"))
        self.items: dict[int, str] = {}

    def item(self, child: counts.FlaggedChild) -> str:
        found = self.items.get(child.child_id)
        if found is None:
            parts = ["<li><strong>", escape(child.full_name), "</strong>"]
            if child.school_class:
                parts += [" (", escape(child.school_class), ")"]
            if child.diet != Diet.STANDARD:
                parts += [" · ", escape(child.diet_label)]
            if child.has_pai:
                parts += [" · <strong>", self.pai, "</strong>"]
                if child.pai_details:
                    parts += [" : ", escape(child.pai_details)]
            if child.allergies:
                parts += [" · ", self.allergies, " ", escape(child.allergies)]
            parts.append("</li>")
            found = self.items[child.child_id] = "".join(parts)
        return found

    def html(self, children: list[counts.FlaggedChild]) -> SafeString:
        return mark_safe("".join(self.item(child) for child in children))  # noqa: S308 - every value escaped above


def _figures_html(figures: list[int]) -> str:
    # Plain str(): the figures are ints and the project shows no thousand separator (as `{{ n }}` did).
    return "".join(f'<td class="num">{n}</td>' for n in figures)


def _day_html(
    day: datetime.date, meal_counts: counts.MealCounts, flagged: _FlaggedItems, titles: dict[int, str]
) -> tuple[SafeString, SafeString]:
    """A day's table rows (one per site) and its lists of flagged children (one per site that has any),
    written here rather than in the template for the same reason as `_FlaggedItems` (40 sites × 5 days)."""
    rows, lists = [], []
    for site in meal_counts.sites:
        reason = meal_counts.closed.get((day, site.pk))
        closed = f' <span class="muted">({escape(str(reason.label))})</span>' if reason else ""
        figures = _figures_html(meal_counts.cell(day, site.pk).figures())
        rows.append(f'<tr><th scope="row">{escape(site.name)}{closed}</th>{figures}</tr>')
        children = meal_counts.flagged.get((day, site.pk))
        if children:
            lists += ['<h3 class="kitchen-flagged__title">', titles[site.pk], "</h3>"]
            lists += ['<ul class="kitchen-flagged">', flagged.html(children), "</ul>"]
    return mark_safe("\n".join(rows)), mark_safe("".join(lists))  # noqa: S308 - every value escaped above


def _context(town: Town, meal_counts: counts.MealCounts) -> dict[str, object]:
    flagged = _FlaggedItems()
    titles = {site.pk: escape(_("Allergies et PAI — %(site)s") % {"site": site.name}) for site in meal_counts.sites}
    rows = []
    for day in meal_counts.days:
        body, lists = _day_html(day, meal_counts, flagged, titles)
        total = meal_counts.by_day.get(day) or counts.Tally()
        rows.append({"day": day, "body": body, "flagged": lists, "total": total})
    return {
        "counts": meal_counts,
        "rows": rows,
        "diets": Diet.choices,
        "site_totals": [
            (site, (meal_counts.by_site.get(site.pk) or counts.Tally()).figures()) for site in meal_counts.sites
        ],
        "query": _query(meal_counts.start, meal_counts.end),
        "generated_at": timezone.localtime(),
        "town": town,
    }


@staff_required(*KITCHEN_ROLES)
@require_GET
@reads_from_replica()
def kitchen(request: AuthedRequest) -> HttpResponse:
    town: Town = request.town
    form, period = _period(request)
    if period is None:
        return render(request, "backoffice/kitchen.html", {"form": form}, status=400)
    context = _context(town, counts.meal_counts(town, *period))
    return render(request, "backoffice/kitchen.html", {"form": form, **context})


def _refused(form: PeriodForm) -> HttpResponse:
    errors = " ".join(str(error) for errors in form.errors.values() for error in errors)
    return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")


def _filename(start: datetime.date, end: datetime.date, extension: str) -> str:
    return f"repas_{start:%Y-%m-%d}_{end:%Y-%m-%d}.{extension}"


@staff_required(*KITCHEN_ROLES)
@require_GET
@reads_from_replica()
def kitchen_csv(request: AuthedRequest) -> HttpResponse:
    town: Town = request.town
    form, period = _period(request)
    if period is None:
        return _refused(form)
    meal_counts = counts.meal_counts(town, *period)
    out = io.StringIO()
    writer = spreadsheets.csv_writer(out, delimiter=";", lineterminator="\r\n")
    diet_labels = [str(label) for _value, label in Diet.choices]
    writer.writerow([_("Date"), _("École"), _("Repas"), *diet_labels, _("dont PAI"), _("dont allergies"), _("Fermé")])

    for day in meal_counts.days:
        for site in meal_counts.sites:
            reason = meal_counts.closed.get((day, site.pk))
            writer.writerow(
                [
                    day.isoformat(),
                    site.name,
                    *meal_counts.cell(day, site.pk).figures(),
                    str(reason.label) if reason else "",
                ]
            )
        writer.writerow(
            [day.isoformat(), _("Total du jour"), *(meal_counts.by_day.get(day) or counts.Tally()).figures(), ""]
        )
    writer.writerow([_("Période"), _("Total"), *meal_counts.total.figures(), ""])
    writer.writerow([])
    writer.writerow([_("Date"), _("École"), _("Enfant"), _("Classe"), _("Régime"), _("PAI"), _("Allergies")])
    sites = {site.pk: site.name for site in meal_counts.sites}
    for children in meal_counts.flagged.values():
        for child in children:
            writer.writerow(
                [
                    child.day.isoformat(),
                    sites.get(child.site_id, ""),
                    child.full_name,
                    child.school_class,
                    child.diet_label,
                    (_("oui") + (f" : {child.pai_details}" if child.pai_details else "")) if child.has_pai else "",
                    child.allergies,
                ]
            )
    response = HttpResponse(("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(*period, "csv")}"'
    return response


@staff_required(*KITCHEN_ROLES)
@require_GET
@reads_from_replica()
def kitchen_pdf(request: AuthedRequest) -> HttpResponse:
    town: Town = request.town
    form, period = _period(request)
    if period is None:
        return _refused(form)
    context = _context(town, counts.meal_counts(town, *period))
    context["title"] = _("Repas du %(start)s au %(end)s") % {
        "start": date_fr(period[0], "j F Y"),
        "end": date_fr(period[1], "j F Y"),
    }
    html = render_to_string("backoffice/kitchen_pdf.html", context)
    pdf = get_renderer().render(html)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_filename(*period, "pdf")}"'
    return response
