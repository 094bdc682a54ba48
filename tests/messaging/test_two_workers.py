"""Two real task workers (`manage.py db_worker`) on one database: every task runs once, every e-mail arrives once.

Ardoise may run several task workers (one per application server). Each is a separate process polling
django_tasks_db's table; a task is claimed under a row lock (SELECT … FOR UPDATE SKIP LOCKED), and an e-mail
is sent under its outbox row's lock, so that the same e-mail queued twice (the automatic retry and staff's
"Réessayer" both due) is still sent once when two workers pick up its two tasks at the same moment.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import connection
from django_tasks_db.models import DBTaskResult

from ardoise.messaging import notifications
from ardoise.messaging.models import EmailStatus, OutgoingEmail
from ardoise.messaging.notifications import Kind
from tests.factories import TownFactory
from tests.messaging.conftest import Inbox, SmtpServer, free_port

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two processes on one database need PostgreSQL"),
]

EMAILS = 30
ROOT = Path(__file__).resolve().parents[2]


class SlowInbox(Inbox):
    """A mail server taking a moment per message, as a real one does: two workers overlap."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.inbox = SlowInbox()
    server.start()
    yield server
    server.stop()


def database_url_of_tests() -> str:
    """The URL of the test database (pytest-django's, with its xdist suffix), for another process."""
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(name: str, smtp_port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_tests(),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_TIMEOUT": "10",
    }
    with log.open("wb") as output:  # the worker keeps its own copy of the file
        return subprocess.Popen(  # noqa: S603 - our own manage.py, arguments written here
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.05",
                "--worker-id",
                name,
                "--verbosity",
                "1",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def wait_until_started(worker: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while "Starting worker" not in log.read_text():
        assert worker.poll() is None, f"the worker stopped before starting: {log.read_text()}"
        assert time.monotonic() < deadline, "the worker did not start in a minute"
        time.sleep(0.1)


def stop(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def test_two_workers_run_every_task_once_and_send_every_email_once(slow_smtp: SmtpServer, tmp_path: Path) -> None:
    town = TownFactory()
    emails = OutgoingEmail.objects.bulk_create(
        OutgoingEmail(
            town=town,
            kind=Kind.INVOICE_AVAILABLE,
            to=f"famille{index}@example.test",
            subject="Votre facture est disponible",
            body_text=f"Bonjour famille {index}",
        )
        for index in range(EMAILS)
    )
    names = ("worker-a", "worker-b")
    workers = [start_worker(name, slow_smtp.port, tmp_path / f"{name}.log") for name in names]
    try:
        for name, worker in zip(names, workers, strict=True):
            wait_until_started(worker, tmp_path / f"{name}.log")
        # Each e-mail queued twice, one task right after the other: the two workers take them together.
        for email in emails:
            notifications.enqueue([email.pk])
            notifications.enqueue([email.pk])
        deadline = time.monotonic() + 120
        while DBTaskResult.objects.exclude(status__in=["SUCCESSFUL", "FAILED"]).exists():
            assert time.monotonic() < deadline, "the workers did not empty the queue in 2 minutes"
            assert all(worker.poll() is None for worker in workers), "a worker died"
            time.sleep(0.1)
    finally:
        for worker in workers:
            stop(worker)

    results = list(DBTaskResult.objects.all())
    assert len(results) == 2 * EMAILS
    assert Counter(result.status for result in results) == {"SUCCESSFUL": 2 * EMAILS}
    # Each task claimed by one worker, once; and both workers did their share.
    assert all(len(result.worker_ids) == 1 for result in results)
    assert {result.worker_ids[0] for result in results} == {"worker-a", "worker-b"}
    # Every e-mail arrived, each exactly once; the outbox says sent, after one attempt.
    received = Counter(slow_smtp.inbox.recipients)
    assert received == {email.to: 1 for email in emails}
    assert set(OutgoingEmail.objects.values_list("status", "attempts")) == {(EmailStatus.SENT, 1)}
