"""What each staff chart shows and says: titles, summaries and labels in French, from the figures.

Pure functions from `figures`' data to `svg.Chart`s, rendered: no database here.
"""

import dataclasses
import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ardoise.billing.money import ZERO, format_euros
from ardoise.calendars.wording import date_fr

from .figures import AgeBand, Attendance, MonthMoney, collection_rate
from .svg import Chart, Kind, Number, RenderedChart, Series, render

MONTHS_SHORT = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")


def count_fr(value: Number) -> str:
    """12 345 (a narrow no-break space between thousands)."""
    return f"{int(value):,}".replace(",", "\u202f")


def euros_fr(value: Number) -> str:
    return format_euros(Decimal(value))


def whole_euros_fr(value: Number) -> str:
    """An axis tick: 1 200 € (no cents)."""
    return f"{count_fr(round(value))}\u00a0€"


def percent_fr(value: Number) -> str:
    """87,5 % (87 % when whole)."""
    number = Decimal(value).quantize(Decimal("0.1"))
    text = f"{number:f}".removesuffix(".0").replace(".", ",")
    return f"{text}\u00a0%"


def month_label(month: datetime.date, first: bool) -> str:
    """ "déc." or, for the first month shown and every January, "janv.\\n2027"."""
    name = MONTHS_SHORT[month.month - 1]
    return f"{name}\n{month.year}" if first or month.month == 1 else name


def week_label(monday: datetime.date) -> str:
    return f"{monday.day} {MONTHS_SHORT[monday.month - 1]}"


def attendance_chart(figures: Attendance) -> RenderedChart:
    """Stacked bars: per week, the children present in each activity."""
    total = figures.total
    if figures.school_year is None or not total:
        description = _("Aucune présence pointée cette année scolaire pour l'instant.")
    else:
        codes = [code for code, _label in figures.activities]
        week_totals = {week: sum(figures.present.get((code, week), 0) for code in codes) for week in figures.weeks}
        busiest = max(figures.weeks, key=lambda week: (week_totals[week], week))
        description = ngettext(
            "%(total)s présence pointée depuis le %(start)s ; la semaine du %(week)s en compte le plus (%(most)s).",
            "%(total)s présences pointées depuis le %(start)s ; la semaine du %(week)s en compte le plus (%(most)s).",
            total,
        ) % {
            "total": count_fr(total),
            "start": date_fr(figures.school_year.starts_on, "j F Y"),
            "week": date_fr(busiest, "j F"),
            "most": count_fr(week_totals[busiest]),
        }
    chart = Chart(
        slug="attendance",
        kind=Kind.STACKED,
        title=_("Présences par semaine et par activité"),
        description=description,
        categories=[week_label(week) for week in figures.weeks],
        series=[Series(label, figures.series(code)) for code, label in figures.activities],
        format_value=count_fr,
        table_caption=_("Enfants présents par semaine (semaine du lundi) et par activité"),
        category_header=_("Semaine du"),
        total_label=_("Total"),
    )
    return render(chart)


def invoiced_and_paid_chart(months: list[MonthMoney]) -> RenderedChart:
    """Bars side by side: invoiced and paid, month by month."""
    invoiced = sum((month.invoiced for month in months), ZERO)
    paid = sum((month.paid for month in months), ZERO)
    chart = Chart(
        slug="invoiced-paid",
        kind=Kind.BARS,
        title=_("Facturé et encaissé par mois"),
        description=_("Sur les %(count)s derniers mois : %(invoiced)s facturés, %(paid)s encaissés.")
        % {"count": len(months), "invoiced": format_euros(invoiced), "paid": format_euros(paid)},
        categories=[month_label(month.month, index == 0) for index, month in enumerate(months)],
        series=[
            Series(_("Facturé (factures − avoirs)"), [month.invoiced for month in months]),
            Series(_("Encaissé (règlements − rejets)"), [month.paid for month in months]),
        ],
        format_value=euros_fr,
        format_tick=whole_euros_fr,
        table_caption=_("Montants facturés et encaissés par mois"),
        category_header=_("Mois"),
    )
    return render(chart)


def age_band_label(band: AgeBand) -> str:
    if band.high is None:
        return _("plus de %(days)s jours") % {"days": band.low - 1}
    return _("%(low)s à %(high)s jours") % {"low": band.low - 1, "high": band.high}


def unpaid_chart(bands: list[AgeBand]) -> RenderedChart:
    """Bars: what overdue invoices still ask, by how long they have been overdue."""
    total = sum((band.amount for band in bands), ZERO)
    invoices = sum(band.invoices for band in bands)
    if not invoices:
        description = _("Aucune facture échue ne reste à payer.")
    else:
        description = ngettext(
            "%(total)s restent dus sur %(count)s facture échue, dont %(old)s depuis plus de 90 jours.",
            "%(total)s restent dus sur %(count)s factures échues, dont %(old)s depuis plus de 90 jours.",
            invoices,
        ) % {"total": format_euros(total), "count": invoices, "old": format_euros(bands[-1].amount)}
    chart = Chart(
        slug="unpaid",
        kind=Kind.BARS,
        title=_("Impayés par ancienneté"),
        description=description,
        categories=[age_band_label(band) for band in bands],
        series=[Series(_("Reste dû"), [band.amount for band in bands])],
        format_value=euros_fr,
        format_tick=whole_euros_fr,
        table_caption=_("Reste dû des factures échues, par jours de retard depuis l'échéance"),
        category_header=_("Retard"),
    )
    rendered = render(chart)
    if not invoices:  # Nothing overdue is good news, not missing data: the empty bars say so.
        return dataclasses.replace(rendered, empty=False)
    return rendered


def collection_chart(months: list[MonthMoney]) -> RenderedChart:
    """A line: the share of each month's invoices settled so far."""
    overall = collection_rate(sum((m.asked for m in months), ZERO), sum((m.settled for m in months), ZERO))
    if overall is None:
        description = _("Aucune facture émise sur la période.")
    else:
        description = _(
            "Part du montant des factures émises chaque mois déjà réglée à ce jour ; %(rate)s sur %(count)s mois."
        ) % {"rate": percent_fr(overall), "count": len(months)}
    chart = Chart(
        slug="collection",
        kind=Kind.LINE,
        title=_("Taux de recouvrement par mois d'émission"),
        description=description,
        categories=[month_label(month.month, index == 0) for index, month in enumerate(months)],
        series=[Series(_("Recouvré"), [month.rate for month in months])],
        format_value=percent_fr,
        y_max=100,
        table_caption=_("Part réglée des factures émises chaque mois"),
        category_header=_("Mois d'émission"),
    )
    return render(chart)
