"""The e-mail before a document expires: 30 days before, once (not every day), not when a newer one takes over;
the daily command sends it, with time moved."""

import datetime
from collections.abc import Callable
from io import StringIO
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command

from ardoise.documents.models import DocumentType, SupportingDocument
from ardoise.families.models import Child
from ardoise.messaging.models import OutgoingEmail
from ardoise.messaging.notifications import Kind
from ardoise.towns.models import Town

PARIS = ZoneInfo("Europe/Paris")
BASE = "https://ardoise.example.test/"


def reminders() -> list[str]:
    return list(OutgoingEmail.objects.filter(kind=Kind.DOCUMENT_EXPIRING).values_list("subject", flat=True))


def run_on(day: datetime.date) -> str:
    out = StringIO()
    with time_machine.travel(datetime.datetime(day.year, day.month, day.day, 6, 0, tzinfo=PARIS), tick=False):
        call_command("send_document_reminders", "--base-url", BASE, stdout=out)
    return out.getvalue()


def test_it_reminds_thirty_days_before_and_only_once(
    town: Town,
    parent: object,
    children: list[Child],
    insurance: DocumentType,
    uploaded: Callable[..., SupportingDocument],
) -> None:
    uploaded(insurance, children[0], dated_on=datetime.date(2026, 5, 1))  # valid until 30 April 2027
    assert run_on(datetime.date(2027, 3, 30)) == "0 rappel(s) envoyé(s).\n"
    assert reminders() == []
    assert run_on(datetime.date(2027, 3, 31)) == "1 rappel(s) envoyé(s).\n"
    [subject] = reminders()
    assert subject == f"Saint-Exemple : {insurance.label} de {children[0].full_name} expire le 30 avril 2027"
    for day in (datetime.date(2027, 3, 31), datetime.date(2027, 4, 1), datetime.date(2027, 4, 29)):
        assert run_on(day) == "0 rappel(s) envoyé(s).\n"
    assert len(reminders()) == 1
    # Expired: nothing more.
    assert run_on(datetime.date(2027, 5, 2)) == "0 rappel(s) envoyé(s).\n"


def test_it_does_not_remind_when_a_newer_document_takes_over(
    town: Town,
    parent: object,
    children: list[Child],
    insurance: DocumentType,
    vaccinations: DocumentType,
    uploaded: Callable[..., SupportingDocument],
) -> None:
    uploaded(insurance, children[0], dated_on=datetime.date(2026, 4, 1), today=datetime.date(2027, 3, 1))
    uploaded(insurance, children[0], dated_on=datetime.date(2027, 3, 1), today=datetime.date(2027, 3, 1))
    uploaded(vaccinations, children[0])  # No expiry: never reminded.
    assert run_on(datetime.date(2027, 3, 9)) == "0 rappel(s) envoyé(s).\n"
    # A pending renewal does not stop the reminder: the family still has to see it accepted.
    uploaded(insurance, children[1], dated_on=datetime.date(2026, 4, 1))
    uploaded(insurance, children[1], dated_on=datetime.date(2027, 3, 1), accepted=False)
    assert run_on(datetime.date(2027, 3, 9)) == "1 rappel(s) envoyé(s).\n"
