"""Finance's dashboard (Facturation › Tableau de bord): the town's money and attendance as charts.

Attendance per week and activity over the school year, invoiced and paid per
month, the collection rate of each month's invoices, and what overdue invoices
still ask by age; each chart with its numbers as a table. The figures come from
`charts.figures` in a fixed number of queries, whatever the size of the town.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from ardoise.charts import figures, pictures
from ardoise.towns.access import staff_required
from ardoise.towns.http import AuthedRequest
from ardoise.towns.models import Role
from ardoise.towns.replica import reads_from_replica


@require_GET
@staff_required(Role.FINANCE)
@reads_from_replica()
def finance_dashboard(request: AuthedRequest) -> HttpResponse:
    town, today = request.town, timezone.localdate()
    months = figures.money_by_month(town, today)
    charts = [
        pictures.invoiced_and_paid_chart(months),
        pictures.unpaid_chart(figures.unpaid_by_age(town, today)),
        pictures.collection_chart(months),
        pictures.attendance_chart(figures.attendance(town, today)),
    ]
    return render(request, "backoffice/finance_dashboard.html", {"charts": charts, "today": today})


urlpatterns = [path("", finance_dashboard, name="finance_dashboard")]
