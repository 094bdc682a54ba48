"""What the charts say in French: labels, values and summaries (no database)."""

import datetime
from decimal import Decimal

from ardoise.calendars.models import SchoolYear
from ardoise.charts import pictures
from ardoise.charts.figures import AgeBand, Attendance, MonthMoney

D = Decimal


def test_it_writes_numbers_the_french_way():
    assert pictures.count_fr(12345) == "12\u202f345"
    assert pictures.euros_fr(D("1234.5")) == "1\u202f234,50\u00a0€"
    assert pictures.whole_euros_fr(2500.0) == "2\u202f500\u00a0€"
    assert pictures.percent_fr(D("87.54")) == "87,5\u00a0%"
    assert pictures.percent_fr(100) == "100\u00a0%"


def test_it_names_months_and_weeks_briefly():
    assert pictures.month_label(datetime.date(2026, 12, 1), first=False) == "déc."
    assert pictures.month_label(datetime.date(2026, 12, 1), first=True) == "déc.\n2026"
    assert pictures.month_label(datetime.date(2027, 1, 1), first=False) == "janv.\n2027"
    assert pictures.week_label(datetime.date(2026, 8, 31)) == "31 août"


def test_it_names_the_age_bands():
    labels = [pictures.age_band_label(AgeBand(low, high, D(0), 0)) for low, high in ((1, 30), (31, 60), (91, None))]
    assert labels == ["0 à 30 jours", "30 à 60 jours", "plus de 90 jours"]


def test_it_sums_up_the_unpaid_and_says_when_nothing_is_overdue():
    bands = [
        AgeBand(1, 30, D("10.00"), 1),
        AgeBand(31, 60, D(0), 0),
        AgeBand(61, 90, D(0), 0),
        AgeBand(91, None, D("5.50"), 2),
    ]
    chart = pictures.unpaid_chart(bands)
    assert (
        chart.description == "15,50\u00a0€ restent dus sur 3 factures échues, dont 5,50\u00a0€ depuis plus de 90 jours."
    )
    assert chart.table.rows[-1] == ("plus de 90 jours", ["5,50\u00a0€"])
    nothing = pictures.unpaid_chart([AgeBand(b.low, b.high, D(0), 0) for b in bands])
    assert nothing.description == "Aucune facture échue ne reste à payer."
    assert not nothing.empty  # good news is drawn, not hidden


def test_it_sums_up_the_attendance_with_its_busiest_week():
    weeks = [datetime.date(2026, 8, 31), datetime.date(2026, 9, 7)]
    figures = Attendance(
        None, weeks, [("repas", "Repas"), ("etude", "Étude")], {("repas", weeks[1]): 3, ("etude", weeks[1]): 1}
    )
    assert pictures.attendance_chart(figures).description.startswith("Aucune présence")
    year = SchoolYear(start_year=2026, starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2027, 7, 3))
    chart = pictures.attendance_chart(Attendance(year, weeks, figures.activities, figures.present))
    assert (
        chart.description
        == "4 présences pointées depuis le 1er septembre 2026 ; la semaine du 7 septembre en compte le plus (4)."
    )
    assert chart.table.headers == ["Semaine du", "Repas", "Étude", "Total"]
    assert chart.table.rows == [("31 août", ["0", "0", "0"]), ("7 sept.", ["3", "1", "4"])]


def test_it_sums_up_money_over_the_months():
    months = [
        MonthMoney(datetime.date(2027, 1, 1), D("100.00"), D("80.00"), D("100.00"), D("90.00")),
        MonthMoney(datetime.date(2027, 2, 1), D("0.00"), D("10.00"), D("0.00"), D("0.00")),
    ]
    paid = pictures.invoiced_and_paid_chart(months)
    assert paid.description == "Sur les 2 derniers mois : 100,00\u00a0€ facturés, 90,00\u00a0€ encaissés."
    rate = pictures.collection_chart(months)
    assert rate.table.rows == [("janv. 2027", ["90\u00a0%"]), ("févr.", ["—"])]
    assert "90\u00a0% sur 2 mois" in rate.description
