"""Two of everything on one database: the parts of `bench/run.sh scale` that are Python.

    bench/scale.py sink --port P --out FILE   a local SMTP server writing one line per message received
                                              ("recipient<TAB>subject"), until SIGTERM
    bench/scale.py balance --port P --to A,B  a TCP proxy giving each new connection to the next port in
                                              turn (the rush opens one connection per family: half each)
    bench/scale.py mark                       what is in the outbox and the task queue before the run (JSON)
    bench/scale.py invoice                    issue the last complete month of town `demo`, each invoice's
                                              PDF and e-mail enqueued as the staff page does
    bench/scale.py check --mark M --sink FILE --timeout S
                                              wait until the task queue is empty, then compare: every task
                                              run once, by which worker; every e-mail queued since the mark
                                              received exactly once (JSON)

Runs against DATABASE_URL like the other benchmarks (`sink` and `balance` need no database).
"""

import argparse
import asyncio
import datetime
import json
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ardoise.settings")


def sink(port: int, out: Path) -> None:
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self) -> None:
            self.file = out.open("a", encoding="utf-8")

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
            subject = " ".join(str(message_from_bytes(envelope.content, policy=policy.default)["Subject"]).split())
            for recipient in envelope.rcpt_tos:
                self.file.write(f"{recipient}\t{subject}\n")
            self.file.flush()
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


def balance(port: int, targets: list[int]) -> None:
    turn = 0

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        nonlocal turn
        target = targets[turn % len(targets)]
        turn += 1
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer))

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def setup() -> None:
    import django

    django.setup()


def mark() -> dict[str, Any]:
    setup()
    from django.db.models import Max
    from django.utils import timezone

    from ardoise.messaging.models import EmailStatus, OutgoingEmail

    return {
        "last_email_id": OutgoingEmail.objects.aggregate(m=Max("pk"))["m"] or 0,
        "queued_email_ids": list(OutgoingEmail.objects.filter(status=EmailStatus.QUEUED).values_list("pk", flat=True)),
        "at": timezone.now().isoformat(),
    }


def invoice() -> dict[str, Any]:
    setup()
    from invoicing import last_month  # bench/invoicing.py: the month its own benchmark issues

    from ardoise.activities.models import Activity
    from ardoise.billing import runs
    from ardoise.billing.models import InvoicingRun
    from ardoise.billing.tasks import enqueue_publication
    from ardoise.towns.models import Town

    town = Town.objects.get(slug="demo")
    start, end = last_month(town)
    run = runs.create_run(
        town, None, period_start=start, period_end=end, activities=list(Activity.objects.filter(town=town))
    )
    run = InvoicingRun.objects.select_related("town").get(pk=run.pk)
    started = time.perf_counter()
    result = runs.issue_run(run, None, on_issued=lambda invoice: enqueue_publication(invoice, "http://127.0.0.1/"))
    return {
        "period": [start.isoformat(), end.isoformat()],
        "invoices": len(result.invoices),
        "issue_seconds": round(time.perf_counter() - started, 1),
    }


def check(marked: dict[str, Any], sink_file: Path, timeout: float) -> dict[str, Any]:
    setup()
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult

    from ardoise.messaging.models import EmailStatus, OutgoingEmail

    def pending() -> int:
        return DBTaskResult.objects.ready().count() + DBTaskResult.objects.running().count()

    started = time.perf_counter()
    while pending() and time.perf_counter() - started < timeout:
        time.sleep(1)
    # The sink may still be writing the last message's line.
    time.sleep(1)
    tasks = list(DBTaskResult.objects.filter(enqueued_at__gte=datetime.datetime.fromisoformat(marked["at"])))
    statuses = Counter(task.status for task in tasks)
    runs_per_task = Counter(len(task.worker_ids) for task in tasks if task.status != "READY")
    by_worker = Counter(task.worker_ids[0] for task in tasks if task.worker_ids)
    emails = OutgoingEmail.objects.filter(Q(pk__gt=marked["last_email_id"]) | Q(pk__in=marked["queued_email_ids"]))
    expected = Counter((email.to, " ".join(email.subject.split())) for email in emails)
    received = Counter(tuple(line.split("\t", 1)) for line in sink_file.read_text(encoding="utf-8").splitlines())
    return {
        "waited_seconds": round(time.perf_counter() - started, 1),
        "tasks": {
            "enqueued": len(tasks),
            "by_status": dict(statuses),
            "by_kind": dict(Counter(task.task_path.rsplit(".", 1)[-1] for task in tasks)),
            "by_worker": dict(by_worker),
            "run_more_than_once": sum(n for runs, n in runs_per_task.items() if runs > 1),
            "still_waiting": pending(),
        },
        "emails": {
            "expected": sum(expected.values()),
            "received": sum(received.values()),
            # Counted per (recipient, subject): a parent may rightly get two e-mails with the same subject.
            "missing": sum((expected - received).values()),
            "duplicated_or_unexpected": sum((received - expected).values()),
            "still_queued": emails.filter(status=EmailStatus.QUEUED).count(),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("sink")
    command.add_argument("--port", type=int, required=True)
    command.add_argument("--out", type=Path, required=True)
    command = commands.add_parser("balance")
    command.add_argument("--port", type=int, required=True)
    command.add_argument("--to", required=True, help="ports, comma-separated")
    commands.add_parser("mark")
    commands.add_parser("invoice")
    command = commands.add_parser("check")
    command.add_argument("--mark", type=Path, required=True)
    command.add_argument("--sink", type=Path, required=True)
    command.add_argument("--timeout", type=float, default=1800)
    options = parser.parse_args()
    if options.command == "sink":
        sink(options.port, options.out)
    elif options.command == "balance":
        balance(options.port, [int(port) for port in options.to.split(",")])
    else:
        if options.command == "mark":
            result = mark()
        elif options.command == "invoice":
            result = invoice()
        else:
            result = check(json.loads(options.mark.read_text()), options.sink, options.timeout)
        json.dump(result, sys.stdout, indent=2)
        print()


if __name__ == "__main__":
    main()
