"""Finance pages: runs (new, preview, issue), invoices and credit notes, reminders, tax certificates."""

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.billing import runs
from ardoise.billing.models import CreditNote, Invoice, InvoicingRun, RunStatus
from ardoise.families.models import Child
from ardoise.towns.models import Town
from tests.billing.conftest import Book, book_day, new_march_run

D = Decimal
pytestmark = pytest.mark.usefixtures("frozen")
ClientFor = Callable[[User], Client]


@pytest.fixture
def book() -> Book:
    return book_day


@pytest.fixture
def march_run() -> Callable[..., InvoicingRun]:
    return new_march_run


@pytest.fixture(autouse=True)
def _fake_pdf_immediate_tasks(settings: Any, tmp_path: Any) -> None:
    settings.ARDOISE_PDF_RENDERER = "ardoise.billing.pdf.FakePdfRenderer"
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def billed(
    town: Town, children: list[Child], meals: Activity, book: Book, march_run: Callable[..., InvoicingRun], parent: User
) -> InvoicingRun:
    """A draft run of March with two days to bill to the DUPONTs."""
    book(children[0], meals, 8)
    book(children[1], meals, 9)
    return march_run(town, meals)


def url(name: str, town: Town, *args: object) -> str:
    return reverse(f"backoffice:{name}", args=[town.slug, *args])


def every_url(town: Town, run: InvoicingRun, invoice: Invoice) -> list[tuple[str, str]]:
    """(method, url) of every finance page."""
    family_id = invoice.family_id
    return [
        ("get", url("invoicing", town)),
        ("get", url("invoicing_new", town)),
        ("post", url("invoicing_new", town)),
        ("get", url("invoicing_run", town, run.pk)),
        ("get", url("invoicing_run_family", town, run.pk, family_id)),
        ("post", url("invoicing_issue", town, run.pk)),
        ("get", url("invoicing_invoice", town, invoice.pk)),
        ("post", url("invoicing_invoice", town, invoice.pk)),
        ("get", url("invoicing_invoice_pdf", town, invoice.pk)),
        ("get", url("invoicing_reminders", town)),
        ("post", url("invoicing_reminders_send", town)),
        ("post", url("invoicing_settings", town)),
        ("get", url("invoicing_unpaid_csv", town)),
        ("get", url("invoicing_tax_certificate", town)),
    ]


def test_it_refuses_staff_without_the_finance_role_and_hides_everything_from_others(
    town: Town,
    billed: InvoicingRun,
    client_for: ClientFor,
    front_desk: User,
    site_agent: User,
    kitchen_agent: User,
    parent: User,
    stranger: User,
) -> None:
    [invoice] = runs.issue_run(billed, None).invoices
    for method, address in every_url(town, billed, invoice):
        for user, status in (
            (front_desk, 403),
            (site_agent, 403),
            (kitchen_agent, 403),
            (parent, 404),
            (stranger, 404),
        ):
            response = getattr(client_for(user), method)(address)
            assert response.status_code == status, (method, address, user)
    assert Invoice.objects.count() == 1
    assert not CreditNote.objects.exists()


def test_it_answers_404_for_another_town_s_run_and_invoice(
    town: Town, other_town: Town, billed: InvoicingRun, client_for: ClientFor, finance_agent: User
) -> None:
    [invoice] = runs.issue_run(billed, None).invoices
    foreign_run = runs.create_run(
        other_town, None, period_start=datetime.date(2027, 3, 1), period_end=datetime.date(2027, 3, 31), activities=[]
    )
    client = client_for(finance_agent)
    assert client.get(url("invoicing_run", town, foreign_run.pk)).status_code == 404
    assert client.post(url("invoicing_issue", town, foreign_run.pk), {"confirm": "1"}).status_code == 404
    # Finance staff of this town reaching the other town's URLs.
    assert client.get(url("invoicing_invoice", other_town, invoice.pk)).status_code == 404
    assert client.get(url("invoicing_run", town, 10**12)).status_code == 404
    # Beyond the database's integers (2**63 overflows SQLite's): 404 too, never a 500.
    for name, args in (
        ("invoicing_run", [2**63]),
        ("invoicing_run_family", [billed.pk, 2**63]),
        ("invoicing_invoice", [2**63]),
        ("invoicing_invoice_pdf", [2**63]),
    ):
        assert client.get(url(name, town, *args)).status_code == 404, name


def test_it_takes_finance_from_a_new_run_through_preview_to_issued_invoices(
    town: Town,
    children: list[Child],
    meals: Activity,
    book: Book,
    client_for: ClientFor,
    finance_agent: User,
    parent: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    book(children[0], meals, 8)
    book(children[1], meals, 9)
    client = client_for(finance_agent)
    form = client.get(url("invoicing_new", town))
    assert form.status_code == 200
    # The previous month is proposed, every activity ticked.
    assert 'value="2027-02-01"' in form.text
    refused = client.post(url("invoicing_new", town), {"period_start": "2027-03-31", "period_end": "2027-03-01"})
    assert refused.status_code == 422
    assert "se termine avant de commencer" in refused.text
    created = client.post(
        url("invoicing_new", town), {"period_start": "2027-03-01", "period_end": "2027-03-31", "activities": [meals.pk]}
    )
    run = InvoicingRun.objects.get(town=town)
    assert created.url == url("invoicing_run", town, run.pk)

    preview = client.get(created.url)
    assert "Aperçu avant émission" in preview.text
    assert "DUPONT" in preview.text
    assert "5,00" in preview.text
    family_page = client.get(url("invoicing_run_family", town, run.pk, children[0].family_id))
    assert "Sarah DUPONT" in family_page.text
    assert "Chloé DUPONT" in family_page.text

    unconfirmed = client.post(url("invoicing_issue", town, run.pk), follow=True)
    assert "Cochez la confirmation" in unconfirmed.text
    assert not Invoice.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        issued = client.post(url("invoicing_issue", town, run.pk), {"confirm": "1"}, follow=True)
    invoice = Invoice.objects.get(town=town)
    assert invoice.total == D("5.00")
    assert "1 facture émise." in issued.text
    assert invoice.number in issued.text
    assert Invoice.objects.get(pk=invoice.pk).pdf
    assert [message.to for message in mail.outbox] == [["marie.dupont@example.test"]]
    run.refresh_from_db()
    assert run.status == RunStatus.ISSUED
    pdf = client.get(url("invoicing_invoice_pdf", town, invoice.pk))
    assert pdf["Content-Type"] == "application/pdf"


def test_it_corrects_an_invoice_with_a_credit_note_and_refuses_too_much(
    town: Town, billed: InvoicingRun, client_for: ClientFor, finance_agent: User
) -> None:
    [invoice] = runs.issue_run(billed, None).invoices
    client = client_for(finance_agent)
    page = url("invoicing_invoice", town, invoice.pk)
    too_much = client.post(page, {"amount": "5,01", "reason": "Erreur"})
    assert too_much.status_code == 422
    assert "ne peut dépasser" in too_much.text
    no_reason = client.post(page, {"amount": "1", "reason": ""})
    assert no_reason.status_code == 422
    done = client.post(page, {"amount": "2,50", "reason": "Sortie scolaire"})
    assert done.status_code == 302
    note = CreditNote.objects.get(invoice=invoice)
    assert (note.amount, note.number, note.created_by) == (D("2.50"), "AV-2027-000001", finance_agent)
    assert "AV-2027-000001" in client.get(page).text


def test_it_lists_overdue_invoices_sends_reminders_and_exports_them(
    town: Town, billed: InvoicingRun, client_for: ClientFor, finance_agent: User
) -> None:
    client = client_for(finance_agent)
    assert "Aucune facture échue" in client.get(url("invoicing_reminders", town)).text
    # Issued in January, due on 1 February: 36 days late on 9 March.
    [invoice] = runs.issue_run(billed, None, today=datetime.date(2027, 1, 2)).invoices
    page = client.get(url("invoicing_reminders", town))
    assert invoice.number in page.text
    assert "1re relance due" in page.text
    sent = client.post(url("invoicing_reminders_send", town), follow=True)
    assert "1 relance(s) envoyée(s)" in sent.text
    assert invoice.reminders.get().level == 1
    export = client.get(url("invoicing_unpaid_csv", town))
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    assert invoice.number in export.content.decode()


def test_it_changes_the_reminder_schedule_and_refuses_a_second_before_the_first(
    town: Town, client_for: ClientFor, finance_agent: User
) -> None:
    client = client_for(finance_agent)
    fields = {"payment_days": "20", "first_reminder_days": "30", "second_reminder_days": "10"}
    refused = client.post(url("invoicing_settings", town), fields)
    assert refused.status_code == 422
    assert "après la première" in refused.text
    assert client.post(url("invoicing_settings", town), {**fields, "second_reminder_days": "60"}).status_code == 302
    settings = runs.billing_settings(town)
    assert (settings.payment_days, settings.first_reminder_days, settings.second_reminder_days) == (20, 30, 60)
    assert client.post(url("invoicing_settings", town), {"payment_days": "x"}).status_code == 422


def test_it_gives_the_tax_certificate_to_finance_and_to_the_parent_only(
    town: Town, family: Any, client_for: ClientFor, finance_agent: User, parent: User, outsider: User, stranger: User
) -> None:
    page = url("invoicing_tax_certificate", town)
    finance = client_for(finance_agent)
    assert finance.get(page).status_code == 200
    unknown = finance.get(page, {"family_number": "999", "year": "2026"})
    assert unknown.status_code == 422
    assert finance.get(page, {"family_number": "1", "year": "1900"}).status_code == 422
    pdf = finance.get(page, {"family_number": "1", "year": "2026"})
    assert pdf["Content-Type"] == "application/pdf"
    assert "attestation-fiscale-2026-1.pdf" in pdf["Content-Disposition"]

    mine = reverse("portal:tax_certificate", args=[town.slug, 2026])
    assert client_for(parent).get(mine)["Content-Type"] == "application/pdf"
    # The outsider downloads their own family's, never the DUPONTs'.
    assert "attestation-fiscale-2026-2.pdf" in client_for(outsider).get(mine)["Content-Disposition"]
    assert client_for(stranger).get(mine).status_code == 404
    assert client_for(parent).get(reverse("portal:tax_certificate", args=[town.slug, 1990])).status_code == 404


def test_it_lists_runs_and_issued_invoices_in_constant_queries(
    town: Town,
    children: list[Child],
    meals: Activity,
    book: Book,
    march_run: Callable[..., InvoicingRun],
    client_for: ClientFor,
    finance_agent: User,
) -> None:
    client = client_for(finance_agent)
    book(children[0], meals, 8)
    run = march_run(town, meals)
    runs.issue_run(run, None)
    client.get(url("invoicing", town))
    with CaptureQueriesContext(connection) as one:
        client.get(url("invoicing", town))
    with CaptureQueriesContext(connection) as one_invoice:
        client.get(url("invoicing_run", town, run.pk))
    for n in (9, 11, 12):
        book(children[1], meals, n)
        march_run(town, meals)
        runs.issue_run(run, None)
    assert Invoice.objects.filter(run=run).count() == 4
    with CaptureQueriesContext(connection) as many:
        client.get(url("invoicing", town))
    with CaptureQueriesContext(connection) as many_invoices:
        client.get(url("invoicing_run", town, run.pk))
    assert len(many) == len(one)
    assert len(many_invoices) == len(one_invoice)
