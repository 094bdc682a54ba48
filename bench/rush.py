"""The deadline rush: families open the app and book a week for their children at once.

A load generator for loopback only. Each simulated session of a family, as a phone app would:

1. POST auth/token with its e-mail and password (argon2: the costly part of a login) — only in a
   measured minority of sessions (`--login-share`, 1 in 10 by default) or when the family has no
   token yet: a phone keeps its token (`--tokens FILE`: one pre-issued token per family number,
   JSON, as `bench/run.sh` writes it) across sessions;
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

With `--rates` (sessions per second, e.g. `1,2,4,8`), sessions also arrive at each rate in turn
for `--step-seconds` (open loop: a session starts at its scheduled time whatever the server's
state, on a pool of client threads), and the summary gives each step's p99 over all its requests.
**Families/s at p99 ≤ 250 ms** is the highest arrival rate (sessions started per second, one family
per session) whose every request's p99 stayed at or under 250 ms (`--p99-ms`); 0 when none did.
"""

import argparse
import datetime
import http.client
import json
import multiprocessing
import random
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


def one_family(client: Client, base: str, number: int, record: Any, login: bool = True) -> None:
    if login or not client.token:
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


def stepped(args: argparse.Namespace, tokens: dict[int, str]) -> dict[str, Any]:
    """Sessions arriving at each rate of `--rates` in turn; families/s at p99 <= `--p99-ms`."""
    base = f"/{args.town}/api/v1/"
    rng = random.Random(args.seed)
    families = list(range(1, args.families + 1))
    steps = []
    lock = threading.Lock()
    for rate in [float(rate) for rate in args.rates.split(",")]:
        samples: list[tuple[str, int, float]] = []

        def record(call: str, status: int, elapsed: float, samples: list[tuple[str, int, float]] = samples) -> None:
            with lock:
                samples.append((call, status, elapsed))

        count = max(1, round(rate * args.step_seconds))
        plan = [(index / rate, rng.choice(families), rng.random() < args.login_share) for index in range(count)]
        cursor = iter(plan)
        started = time.perf_counter()

        def run(cursor: Any = cursor, started: float = started, record: Any = record) -> None:
            while True:
                with lock:
                    item = next(cursor, None)
                if item is None:
                    return
                at, number, login = item
                delay = started + at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                client = Client(args.host, args.port)
                client.token = tokens.get(number, "")
                one_family(client, base, number, record, login=login)
                client.connection.close()

        threads = [threading.Thread(target=run) for _ in range(args.threads * args.processes)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        latencies = [latency for _, _, latency in samples]
        errors = sum(1 for _, status, _ in samples if status == 0 or status >= 500)
        step = {
            "arrival_rate": rate,
            "sessions": count,
            "logins": sum(1 for call, _, _ in samples if call == "token"),
            "seconds": round(elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
            "errors": errors,
            "calls": summarise(samples, elapsed)["calls"],
        }
        steps.append(step)
        print(f"rush: {rate} sessions/s -> p99 {step['p99_ms']} ms", file=sys.stderr)
    within = [
        step["arrival_rate"]
        for step in steps
        if step["p99_ms"] is not None and step["p99_ms"] <= args.p99_ms and not step["errors"]
    ]
    return {
        "login_share": args.login_share,
        "p99_limit_ms": args.p99_ms,
        "families_per_second_at_p99": max(within, default=0),
        "steps": steps,
    }


def worker(args: argparse.Namespace, numbers: list[int], queue: Any, tokens: dict[int, str]) -> None:
    samples: list[tuple[str, int, float]] = []
    lock = threading.Lock()

    def record(call: str, status: int, elapsed: float) -> None:
        with lock:
            samples.append((call, status, elapsed))

    chunks = [numbers[index :: args.threads] for index in range(args.threads)]

    def run(chunk: list[int]) -> None:
        rng = random.Random(args.seed + chunk[0] if chunk else args.seed)
        for number in chunk:
            client = Client(args.host, args.port)
            client.token = tokens.get(number, "")
            one_family(client, f"/{args.town}/api/v1/", number, record, login=rng.random() < args.login_share)

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
        # Sessions that got as far as their family (with a kept token or after logging in).
        "families_per_second": round(sum(1 for c, s, _ in samples if c == "family" and s == 200) / elapsed, 1),
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
    parser.add_argument("--login-share", type=float, default=0.1, help="share of sessions that log in")
    parser.add_argument("--tokens", help="JSON file: family number -> a live token (a phone's kept token)")
    parser.add_argument("--rates", default="", help="arrival rates (sessions/s) to step through, e.g. 1,2,4,8")
    parser.add_argument("--step-seconds", type=float, default=20)
    parser.add_argument("--p99-ms", type=float, default=250)
    parser.add_argument("--seed", type=int, default=14)
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

    tokens: dict[int, str] = {}
    if args.tokens:
        with open(args.tokens) as file:
            tokens = {int(number): token for number, token in json.load(file).items()}
    stepped_result = stepped(args, tokens) if args.rates else None

    numbers = list(range(1, args.families + 1))
    shares = [numbers[index :: args.processes] for index in range(args.processes)]
    processes = [multiprocessing.Process(target=worker, args=(args, share, queue, tokens)) for share in shares]
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
            "arrivals": stepped_result,
        },
        sys.stdout,
        indent=2,
    )
    print()


if __name__ == "__main__":
    main()
