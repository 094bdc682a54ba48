"""CPU per API call of the rush, in process, as a multiple of `/healthz` (issue 14).

Runs in the Django project against DATABASE_URL (PostgreSQL on this machine), through Django's test client
(no HTTP server, no network: the request's own cost). For `--families` families of the generated town
(`build_demo --children N`), each call of a phone's session is made once per family and per round:

    healthz, POST auth/token, GET family, GET children/{id}/planning (3 weeks, each child),
    GET activities, POST children/{id}/bookings (a week of `repas`, booked then cancelled on the next round)

CPU of a call = the Django process's CPU (`time.process_time`, per call) + the PostgreSQL backend's CPU (utime +
stime of `/proc/<pg_backend_pid()>/stat`: same machine). The backend's clock ticks are 10 ms, so its share is
the mean over all calls of a kind (its total divided by their number); the Django share is the median.
Each call's figure is also given as a multiple of `/healthz` in the same run, with its query count (one call).

`--project DIR` runs another checkout's code on the same database (e.g. main, for "before").
Prints JSON. Never part of the test suite.
"""

import argparse
import datetime
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import project

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--families", type=int, default=50)
parser.add_argument("--rounds", type=int, default=4, help="even: the bookings end as they began")
parser.add_argument("--town", default="demo")
parser.add_argument("--project", default=str(Path(__file__).resolve().parent.parent))
parser.add_argument("--logins", type=int, default=1, help="rounds of POST auth/token (argon2: costly)")
args = parser.parse_args()

project.start(args.project)

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from measure import QueryCounter, backend_cpu, backend_pid  # noqa: E402

PASSWORD = "demo-parent"  # noqa: S105 - the demo town's published password (DEMO.md)


class Meter:
    """CPU of each kind of call: Django's per call, the backend's in total."""

    def __init__(self) -> None:
        self.django: dict[str, list[float]] = {}
        self.backend: dict[str, float] = {}
        self.queries: dict[str, list[int]] = {}
        self.refused: dict[str, int] = {}
        self.pid: int | None = None

    def call(self, name: str, send: Any) -> Any:
        if self.pid is None or connection.connection is None:
            self.pid = backend_pid()
        counter = QueryCounter()
        backend_before = backend_cpu(self.pid)
        started = time.process_time()
        with connection.execute_wrapper(counter):
            response = send()
        spent = time.process_time() - started
        self.backend[name] = self.backend.get(name, 0.0) + backend_cpu(self.pid) - backend_before
        self.django.setdefault(name, []).append(spent)
        self.queries.setdefault(name, []).append(counter.count)
        self.refused[name] = self.refused.get(name, 0) + (response.status_code == 409)
        assert response.status_code in (200, 409), (name, response.status_code, response.content[:300])
        return response

    def summary(self) -> dict[str, Any]:
        calls = {}
        for name, spent in self.django.items():
            django_ms = statistics.median(spent) * 1000
            backend_ms = self.backend[name] / len(spent) * 1000
            calls[name] = {
                "calls": len(spent),
                "django_cpu_ms": round(django_ms, 2),
                "postgres_cpu_ms": round(backend_ms, 2),
                "cpu_ms": round(django_ms + backend_ms, 2),
                # The first call of a process reads the town's reference data: the median is a warm call's.
                "queries": statistics.median(self.queries[name]),
                "queries_max": max(self.queries[name]),
                "refused_409": self.refused[name],
            }
        floor = calls["healthz"]["cpu_ms"]
        for figures in calls.values():
            figures["x_healthz"] = round(figures["cpu_ms"] / floor, 1) if floor else None
        return calls


def main() -> None:
    from ardoise.families.models import Family, Guardian

    meter = Meter()
    base = f"/{args.town}/api/v1/"
    families = list(Family.objects.filter(town__slug=args.town).order_by("pk")[: args.families])
    logins = {
        guardian.family_id: guardian.user.email
        for guardian in Guardian.objects.filter(family__in=families, user__isnull=False).select_related("user")
    }
    today = timezone.localdate()
    start, end = today + datetime.timedelta(days=14), today + datetime.timedelta(days=34)
    client = Client()
    tokens: dict[int, str] = {}
    for _login_round in range(max(args.logins, 1)):
        for family in families:
            if family.pk not in logins:
                continue
            response = meter.call(
                "token",
                lambda family=family: client.post(
                    base + "auth/token",
                    {"login": logins[family.pk], "password": PASSWORD},
                    content_type="application/json",
                ),
            )
            tokens[family.pk] = response.json()["token"]
    book = True
    for _round in range(args.rounds):
        for family in families:
            if family.pk not in tokens:
                continue
            headers = {"Authorization": f"Bearer {tokens[family.pk]}"}
            meter.call("healthz", lambda: client.get("/healthz"))
            found = meter.call("family", lambda headers=headers: client.get(base + "family", headers=headers)).json()
            days: list[str] = []
            for child in found["children"]:
                planning = meter.call(
                    "planning",
                    lambda child=child, headers=headers: client.get(
                        f"{base}children/{child['id']}/planning", {"from": start, "to": end}, headers=headers
                    ),
                ).json()
                days = days or first_meal_week(planning)
            activities = meter.call(
                "activities", lambda headers=headers: client.get(base + "activities", headers=headers)
            ).json()
            meals = {activity["site_id"]: activity["id"] for activity in activities if activity["code"] == "repas"}
            for child in found["children"]:
                activity_id = meals.get(child["site"]["id"])
                if activity_id is None or not days:
                    continue
                changes = [{"date": day, "activity_id": activity_id, "book": book} for day in days]
                meter.call(
                    "bookings",
                    lambda child=child, changes=changes, headers=headers: client.post(
                        f"{base}children/{child['id']}/bookings",
                        {"changes": changes},
                        content_type="application/json",
                        headers=headers,
                    ),
                )
        book = not book
    json.dump(
        {"families": len(tokens), "rounds": args.rounds, "project": args.project, "calls": meter.summary()},
        sys.stdout,
        indent=2,
    )
    print()


def first_meal_week(planning: dict[str, Any]) -> list[str]:
    """The `repas` days of the first week with a changeable one (booked or not: the rounds alternate)."""
    weeks: dict[str, list[str]] = {}
    for day in planning["days"]:
        for entry in day["activities"]:
            if entry["code"] == "repas" and entry["changeable"] and entry["open"]:
                monday = datetime.date.fromisoformat(day["date"])
                monday -= datetime.timedelta(days=monday.weekday())
                weeks.setdefault(monday.isoformat(), []).append(day["date"])
    return weeks[min(weeks)] if weeks else []


if __name__ == "__main__":
    main()
