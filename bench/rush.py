"""The deadline rush: families log in and book a week for their children at once.

A load generator for loopback only. Each simulated family, as a phone app would:

1. POST auth/token with its e-mail and password (argon2: the costly part of a login);
2. GET family (its children);
3. GET children/{id}/planning for three weeks, for its first child;
4. GET activities, to find each child's school's `repas`;
5. POST children/{id}/bookings with the open, still changeable `repas` days of
   the first bookable week, for every child.

`--families` families are shared among `--processes` processes × `--threads`
threads, each thread keeping one HTTP/1.1 connection. Every request's latency
is recorded; the summary gives throughput, p50/p95/p99 per call and the errors.

Also measures, against the same server, a trivial Django JSON view
(`/healthz`) for `--baseline-seconds`, so that the rush reads as a ratio.
"""

import argparse
import datetime
import http.client
import json
import multiprocessing
import statistics
import sys
import threading
import time
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
PASSWORD = "demo-parent"  # noqa: S105 - the demo town's published password (DEMO.md)


class Client:
    def __init__(self, host: str, port: int) -> None:
        self.connection = http.client.HTTPConnection(host, port, timeout=60)
        self.token = ""

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, float]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = json.dumps(body) if body is not None else None
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=payload, headers=headers)
            response = self.connection.getresponse()
            raw = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            self.connection.close()
            return 0, None, time.perf_counter() - started
        elapsed = time.perf_counter() - started
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        return status, data, elapsed


def first_bookable_week(planning: dict[str, Any]) -> list[str]:
    """The changeable open `repas` days of the first week that has any."""
    by_week: dict[str, list[str]] = defaultdict(list)
    for day in planning["days"]:
        for entry in day["activities"]:
            if entry["code"] == "repas" and entry["changeable"] and entry["state"] == "none":
                monday = datetime.date.fromisoformat(day["date"])
                monday -= datetime.timedelta(days=monday.weekday())
                by_week[monday.isoformat()].append(day["date"])
    return by_week[min(by_week)] if by_week else []


def one_family(client: Client, base: str, number: int, record: Any) -> None:
    status, data, elapsed = client.call(
        "POST", f"{base}auth/token", {"login": f"parent{number}@demo.test", "password": PASSWORD}
    )
    record("token", status, elapsed)
    if status != 200:
        return
    client.token = data["token"]
    status, family, elapsed = client.call("GET", f"{base}family")
    record("family", status, elapsed)
    if status != 200 or not family["children"]:
        return
    today = datetime.datetime.now(PARIS).date()
    start, end = today + datetime.timedelta(days=14), today + datetime.timedelta(days=34)
    first = family["children"][0]["id"]
    status, planning, elapsed = client.call("GET", f"{base}children/{first}/planning?from={start}&to={end}")
    record("planning", status, elapsed)
    if status != 200:
        return
    days = first_bookable_week(planning)
    status, activities, elapsed = client.call("GET", f"{base}activities")
    record("activities", status, elapsed)
    if status != 200:
        return
    meals_by_site = {activity["site_id"]: activity["id"] for activity in activities if activity["code"] == "repas"}
    for child in family["children"]:
        activity_id = meals_by_site.get(child["site"]["id"])
        if activity_id is None or not days:
            continue
        changes = [{"date": day, "activity_id": activity_id, "book": True} for day in days]
        status, _, elapsed = client.call("POST", f"{base}children/{child['id']}/bookings", {"changes": changes})
        record("bookings", status, elapsed)


def worker(args: argparse.Namespace, numbers: list[int], queue: Any) -> None:
    samples: list[tuple[str, int, float]] = []
    lock = threading.Lock()

    def record(call: str, status: int, elapsed: float) -> None:
        with lock:
            samples.append((call, status, elapsed))

    chunks = [numbers[index :: args.threads] for index in range(args.threads)]

    def run(chunk: list[int]) -> None:
        for number in chunk:
            one_family(Client(args.host, args.port), f"/{args.town}/api/v1/", number, record)

    threads = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put(samples)


def baseline(args: argparse.Namespace, queue: Any) -> None:
    """Requests per second of a trivial Django JSON view, same server, same client."""
    count = 0
    errors = 0
    stop_at = time.perf_counter() + args.baseline_seconds
    client = Client(args.host, args.port)
    latencies = []
    while time.perf_counter() < stop_at:
        status, _, elapsed = client.call("GET", "/healthz")
        latencies.append(elapsed)
        count += 1
        errors += status != 200
    queue.put((count, errors, latencies))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summarise(samples: list[tuple[str, int, float]], elapsed: float) -> dict[str, Any]:
    calls: dict[str, dict[str, Any]] = {}
    for name in sorted({call for call, _, _ in samples}):
        latencies = [e for call, _, e in samples if call == name]
        statuses: dict[str, int] = defaultdict(int)
        for call, status, _ in samples:
            if call == name:
                statuses[str(status)] += 1
        calls[name] = {
            "count": len(latencies),
            "statuses": dict(statuses),
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        }
    errors = sum(1 for _, status, _ in samples if status == 0 or status >= 500)
    return {
        "seconds": round(elapsed, 1),
        "requests": len(samples),
        "requests_per_second": round(len(samples) / elapsed, 1),
        "families_per_second": round(sum(1 for c, s, _ in samples if c == "token" and s == 200) / elapsed, 1),
        "errors": errors,
        "calls": calls,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--town", default="demo")
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--baseline-seconds", type=float, default=15)
    args = parser.parse_args()
    if not args.host.startswith("127.") and args.host not in ("localhost", "::1"):
        sys.exit("rush.py sends traffic to loopback only")

    queue: Any = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=baseline, args=(args, queue)) for _ in range(args.processes)]
    started = time.perf_counter()
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    baseline_elapsed = time.perf_counter() - started
    latencies = [latency for _, _, values in results for latency in values]
    trivial = {
        "requests_per_second": round(sum(count for count, _, _ in results) / baseline_elapsed, 1),
        "errors": sum(errors for _, errors, _ in results),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
    }

    numbers = list(range(1, args.families + 1))
    shares = [numbers[index :: args.processes] for index in range(args.processes)]
    processes = [multiprocessing.Process(target=worker, args=(args, share, queue)) for share in shares]
    started = time.perf_counter()
    for process in processes:
        process.start()
    samples = [sample for _ in processes for sample in queue.get()]
    for process in processes:
        process.join()
    rush = summarise(samples, time.perf_counter() - started)
    json.dump(
        {
            "families": args.families,
            "concurrency": args.processes * args.threads,
            "trivial_view": trivial,
            "rush": rush,
        },
        sys.stdout,
        indent=2,
    )
    print()


if __name__ == "__main__":
    main()
