"""Staff and parent pages on a generated town (`build_demo --children N`): time and SQL queries.

Runs in the Django project against DATABASE_URL, through Django's test client
(no HTTP server: this is the page's own cost). For each page, `--repeat`
requests after one warm-up; prints the median and worst time and the number of
queries of one request, as JSON. The query counts must not grow with the town
(the tests assert that on small data; this shows it on a big one).

Pages: the front desk's family search (by family name prefix, by child name,
by family number), the roll call of the busiest site, activity and past school
day, the kitchen counts of the next days, and a parent's month planning.
"""

import json
import statistics
import sys
import time
from typing import Any

import project

project.start()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from measure import QueryCounter  # noqa: E402

from ardoise.accounts.models import User  # noqa: E402
from ardoise.bookings.models import Booking, BookingState  # noqa: E402
from ardoise.families.models import Child, Family  # noqa: E402
from ardoise.towns.models import Town  # noqa: E402


def measure(client: Client, url: str, repeat: int) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    queries = QueryCounter()
    with connection.execute_wrapper(queries):
        client.get(url)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    return {
        "url": url,
        "queries": queries.count,
        "median_ms": round(statistics.median(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
    }


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    town = Town.objects.get(slug="demo")
    slug = town.slug
    staff = Client()
    staff.force_login(User.objects.get(town=town, email="admin@demo.test"))
    today = timezone.localdate()
    busiest = (
        Booking.objects.filter(town=town, date__lt=today, state=BookingState.PRESENT)
        .values("activity__site_id", "activity_id", "date")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    assert busiest is not None, "the town has no roll call to show"
    family = Family.objects.filter(town=town).order_by("pk")[50]
    child = Child.objects.filter(town=town, family=family).first()
    assert child is not None
    families_url = reverse("backoffice:families", args=[slug])
    pages = {
        "family search, name prefix": f"{families_url}?q={family.name[:3]}",
        "family search, child's first name": f"{families_url}?q={child.first_name}",
        "family search, family number": f"{families_url}?q={family.number}",
        "roll call, busiest day": (
            reverse("backoffice:roll_call", args=[slug])
            + f"?site={busiest['activity__site_id']}&activity={busiest['activity_id']}&date={busiest['date']}"
        ),
        "kitchen, next days": reverse("backoffice:kitchen", args=[slug]),
    }
    results = {name: measure(staff, url, repeat) for name, url in pages.items()}
    results["roll call, busiest day"]["children"] = busiest["n"]
    parent = Client()
    parent.force_login(family.guardians.exclude(user=None).first().user)
    results["parent month planning, all children"] = measure(
        parent, reverse("portal:planning", args=[slug]) + "?child=all", repeat
    )
    json.dump(
        {
            "children": Child.objects.filter(town=town).count(),
            "bookings": Booking.objects.filter(town=town).count(),
            "repeat": repeat,
            "pages": results,
        },
        sys.stdout,
        indent=2,
    )
    print()


if __name__ == "__main__":
    main()
