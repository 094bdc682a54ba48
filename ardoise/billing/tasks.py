"""Background work on invoices (django.tasks; the worker is `manage.py db_worker`).

`publish_invoice` renders an issued invoice's PDF once, stores it, then queues
the e-mail telling the guardians it is available (in the outbox, in the same
transaction that marks the invoice notified; the outbox's own task sends it and
retries while the mail server fails). Each step is skipped when already done,
so that a task run twice (a retry after a crash) neither re-renders nor re-sends.
"""

from django.core.files.base import ContentFile
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from ardoise.billing import notifications
from ardoise.billing.models import Invoice
from ardoise.billing.pdf import render_invoice_pdf


@task
def publish_invoice(invoice_id: int, base_url: str) -> None:
    invoice = Invoice.objects.select_related("town", "family").get(pk=invoice_id)
    if not invoice.pdf:
        content = render_invoice_pdf(invoice)
        invoice.pdf.save(f"facture-{invoice.number}.pdf", ContentFile(content), save=True)
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().select_related("town").get(pk=invoice_id)
        if locked.notified_at is not None:
            return
        notifications.send_invoice_available(locked, base_url)
        locked.notified_at = timezone.now()
        locked.save(update_fields=["notified_at"])


def enqueue_publication(invoice: Invoice, base_url: str) -> None:
    publish_invoice.enqueue(invoice.pk, base_url)
