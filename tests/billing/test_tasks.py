"""Invoice PDFs rendered in the background, then the family told by e-mail (once)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.billing import runs
from ardoise.billing.models import Invoice, InvoicingRun
from ardoise.billing.pdf import minimal_pdf
from ardoise.billing.tasks import enqueue_publication, publish_invoice
from ardoise.families.models import Child
from ardoise.towns.models import Town
from tests.billing.conftest import Book

pytestmark = pytest.mark.usefixtures("frozen")
BASE = "https://ardoise.example.test/"


@pytest.fixture(autouse=True)
def _fake_pdf_and_media(settings: Any, tmp_path: Any) -> None:
    settings.ARDOISE_PDF_RENDERER = "ardoise.billing.pdf.FakePdfRenderer"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def invoice(
    town: Town,
    children: list[Child],
    meals: Activity,
    book: Book,
    march_run: Callable[..., InvoicingRun],
    parent: User,
    co_parent: User,
) -> Invoice:
    book(children[0], meals, 8)
    [issued] = runs.issue_run(march_run(town, meals), None).invoices
    return issued


@pytest.mark.usefixtures("immediate_tasks")
def test_it_stores_the_pdf_and_tells_every_guardian_once(
    invoice: Invoice, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        publish_invoice.call(invoice.pk, BASE)
    invoice = Invoice.objects.get(pk=invoice.pk)
    with invoice.pdf.open("rb") as stored:
        assert stored.read() == minimal_pdf()
    assert invoice.notified_at is not None
    assert [message.to for message in mail.outbox] == [["marie.dupont@example.test"], ["paul.dupont@example.test"]]
    for message in mail.outbox:
        assert "votre facture 2027-000001 est disponible" in message.subject
        assert f"{BASE}saint-exemple/factures/" in message.body
        assert not message.attachments
    # Run again (a retry): nothing rendered or sent twice.
    with django_capture_on_commit_callbacks(execute=True):
        publish_invoice.call(invoice.pk, BASE)
    assert len(mail.outbox) == 2


@pytest.mark.usefixtures("immediate_tasks")
def test_it_enqueues_one_publication_per_issued_invoice(
    invoice: Invoice,
    django_capture_on_commit_callbacks: Callable[..., Any],
    town: Town,
    children: list[Child],
    meals: Activity,
    book: Book,
    march_run: Callable[..., InvoicingRun],
) -> None:
    book(children[1], meals, 9)
    with django_capture_on_commit_callbacks(execute=True):
        [second] = runs.issue_run(
            march_run(town, meals), None, on_issued=lambda issued: enqueue_publication(issued, BASE)
        ).invoices
    second = Invoice.objects.get(pk=second.pk)
    assert second.pdf
    subject = "Saint-Exemple : votre facture 2027-000002 est disponible"
    assert [(message.to, message.subject) for message in mail.outbox] == [
        (["marie.dupont@example.test"], subject),
        (["paul.dupont@example.test"], subject),
    ]


def test_it_enqueues_into_the_database_queue_by_default(invoice: Invoice) -> None:
    result = publish_invoice.enqueue(invoice.pk, BASE)
    assert result.args == [invoice.pk, BASE]
    assert not Invoice.objects.get(pk=invoice.pk).pdf
