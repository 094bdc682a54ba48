"""The one place that sends e-mails to families: an outbox and a background task.

`notify(town, recipients, kind, subject, template, context)` keeps one e-mail
per guardian in the outbox (`OutgoingEmail`: its subject, its template and the
template's context as JSON, `messaging.email_context`) and, once the caller's
transaction has committed, asks a background task to render it (French text and
HTML from `<template>.txt` and `<template>.html`; the text and the subject are
text, never HTML-escaped: `render_text`) and hand it to the mail server. The
request that queues an e-mail does not render it. If the server
fails, the e-mail stays queued: the task tries again later (when the task
backend can defer), and staff see it on "E-mails en attente" with a retry
button. Nothing is lost.

Optional notifications (a new message, a booking confirmation, a request
decision) go only to guardians who agreed to receive e-mails
(`Guardian.email_consent`) and did not turn that kind off in their preferences;
mandatory ones (access, password, invoices, payments, reminders) always go.

`notify_account(town, user, kind, subject, template, context)` is the same
outbox for the e-mails about an account itself (its access link, a new
password), to staff and parents alike. Their links let someone into the
account: once sent, their bodies are blanked in the outbox.
"""

import datetime
import logging
import smtplib
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import default_task_backend, task
from django.template import Context, Engine
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ardoise.accounts.models import User
from ardoise.audit.actions import record
from ardoise.families.models import Guardian
from ardoise.messaging.email_context import freeze, thaw
from ardoise.messaging.models import EmailStatus, NotificationPreference, OutgoingEmail
from ardoise.towns.bulk import insert_instances
from ardoise.towns.models import Town

logger = logging.getLogger(__name__)


class Kind(StrEnum):
    # Optional: each guardian chooses.
    NEW_MESSAGE = "new_message"
    BOOKING_CONFIRMATION = "booking_confirmation"
    REQUEST_DECISION = "request_decision"
    # Mandatory: always sent to every guardian with an address.
    ACCOUNT_ACCESS = "account_access"
    PASSWORD = "password"  # noqa: S105 - the kind of e-mail, not a secret
    INVOICE_AVAILABLE = "invoice_available"
    PAYMENT_RECEIVED = "payment_received"
    REMINDER = "reminder"
    DIRECT_DEBIT_REJECTED = "direct_debit_rejected"
    DOCUMENT_DECISION = "document_decision"
    DOCUMENT_EXPIRING = "document_expiring"
    # Online sign-up (ardoise.signup): the e-mail's confirmation link, the answer to a sign-up with an
    # address that already has an account, and staff's decision on the family's file.
    SIGNUP_CONFIRMATION = "signup_confirmation"
    SIGNUP_EXISTING_ACCOUNT = "signup_existing_account"
    SIGNUP_DECISION = "signup_decision"
    # Enrolment requests (admissions): a decision (accepted, refused, waiting list, offer lapsed), a place offered.
    ENROLMENT_DECISION = "enrolment_decision"
    PLACE_OFFERED = "place_offered"
    # Re-enrolment campaigns: families without a reply reminded by staff.
    REENROLMENT_REMINDER = "reenrolment_reminder"


# The optional kinds, each with its field on NotificationPreference and its label.
OPTIONAL: dict[Kind, str] = {
    Kind.NEW_MESSAGE: "new_message",
    Kind.BOOKING_CONFIRMATION: "booking_confirmation",
    Kind.REQUEST_DECISION: "request_decision",
}
KIND_LABELS: dict[str, Any] = {
    Kind.NEW_MESSAGE: _("Nouveau message"),
    Kind.BOOKING_CONFIRMATION: _("Confirmation de réservation"),
    Kind.REQUEST_DECISION: _("Réponse à une demande"),
    Kind.ACCOUNT_ACCESS: _("Accès au compte"),
    Kind.PASSWORD: _("Mot de passe"),
    Kind.INVOICE_AVAILABLE: _("Facture disponible"),
    Kind.PAYMENT_RECEIVED: _("Paiement reçu"),
    Kind.REMINDER: _("Relance"),
    Kind.DIRECT_DEBIT_REJECTED: _("Prélèvement rejeté"),
    Kind.DOCUMENT_DECISION: _("Pièce justificative vérifiée"),
    Kind.DOCUMENT_EXPIRING: _("Pièce justificative bientôt expirée"),
    Kind.SIGNUP_CONFIRMATION: _("Confirmation d'inscription"),
    Kind.SIGNUP_EXISTING_ACCOUNT: _("Inscription : compte existant"),
    Kind.SIGNUP_DECISION: _("Décision sur le dossier d'inscription"),
    Kind.ENROLMENT_DECISION: _("Réponse à une demande d'inscription"),
    Kind.PLACE_OFFERED: _("Place proposée"),
    Kind.REENROLMENT_REMINDER: _("Relance de réinscription"),
}

# The kinds whose body holds a link into the account.
SECRET_KINDS = frozenset({Kind.ACCOUNT_ACCESS, Kind.PASSWORD, Kind.SIGNUP_CONFIRMATION})

# After this many failed attempts the task stops retrying on its own; the
# e-mail stays queued until staff retry it.
MAX_ATTEMPTS = 5
# Seconds before the 2nd, 3rd, 4th and 5th attempts.
RETRY_DELAYS = (60, 5 * 60, 30 * 60, 2 * 3600)


def render_text(template_name: str, context: Mapping[str, Any]) -> str:
    """A plain-text template (an e-mail's subject or text body) rendered as text.

    Autoescaping is for HTML: here it would write a town "L'Étang & <Bourg>" as
    "L&#x27;Étang &amp; &lt;Bourg&gt;" in the parent's mailbox.
    """
    return Engine.get_default().get_template(template_name).render(Context(dict(context), autoescape=False))


def render_subject(template_name: str, context: Mapping[str, Any]) -> str:
    """An e-mail's subject from its template: text, on one line."""
    return " ".join(render_text(template_name, context).split())


def is_optional(kind: str) -> bool:
    return kind in OPTIONAL


def wanted_by(guardians: list[Guardian], kind: str) -> list[Guardian]:
    """The guardians who receive `kind`: all with an address for mandatory kinds; for optional
    ones, those who consented to e-mails and did not turn the kind off."""
    with_address = [guardian for guardian in guardians if guardian.email]
    if not is_optional(kind):
        return with_address
    field = OPTIONAL[Kind(kind)]
    # Guardians read with their preferences (`select_related("notification_preference")`) cost no query.
    preference = Guardian.notification_preference.related
    unknown = [guardian.pk for guardian in with_address if not preference.is_cached(guardian)]
    refused = (
        set(
            NotificationPreference.objects.filter(guardian__in=unknown, **{field: False}).values_list(
                "guardian_id", flat=True
            )
        )
        if unknown
        else set()
    )
    for guardian in with_address:
        if preference.is_cached(guardian):
            chosen = preference.get_cached_value(guardian)
            if chosen is not None and not getattr(chosen, field):
                refused.add(guardian.pk)
    return [guardian for guardian in with_address if guardian.email_consent and guardian.pk not in refused]


def notify(
    town: Town,
    recipients: Iterable[Guardian],
    kind: str,
    subject: str,
    template: str,
    context: Mapping[str, Any],
) -> list[OutgoingEmail]:
    """Queue `kind` for each recipient who receives it; rendered and sent after the current transaction commits.

    `template` names a pair of templates without their extension (`emails/message_new`
    → `emails/message_new.txt` and `.html`); they get `context` (kept as JSON: what
    `messaging.email_context` can keep), `town` and `guardian`.
    """
    guardians = [guardian for guardian in recipients if guardian.town_id == town.pk]
    addressed: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for guardian in wanted_by(guardians, kind):
        # Two guardians sharing an address get one e-mail, greeting the first.
        addressed.setdefault(guardian.email.strip().lower(), (guardian.email, {"guardian": guardian}))
    return _queue(town, kind, subject, template, context, list(addressed.values()))


def notify_account(
    town: Town, user: User, kind: str, subject: str, template: str, context: Mapping[str, Any]
) -> list[OutgoingEmail]:
    """Queue a mandatory e-mail about `user`'s own account (staff or parent) to its address.

    The templates get `context`, `town` and `user`; rendered and sent after the current transaction commits.
    """
    if is_optional(kind):
        raise ValueError(f"An e-mail about an account is mandatory, not {kind!r}.")
    if user.town_id != town.pk or not user.email:
        return []
    return _queue(town, kind, subject, template, context, [(user.email, {"user": user})])


def _queue(
    town: Town,
    kind: str,
    subject: str,
    template: str,
    context: Mapping[str, Any],
    addressed: list[tuple[str, Mapping[str, Any]]],
) -> list[OutgoingEmail]:
    """Keep one e-mail per (address, personal context) in the outbox, rendered and sent after the commit."""
    if not addressed:
        return []
    # The town is the row's own: given back when the e-mail is rendered, not kept twice.
    shared = freeze({key: value for key, value in context.items() if key != "town"})
    now = timezone.now()
    emails = [
        OutgoingEmail(
            town=town,
            kind=kind,
            to=to,
            subject=subject,
            template=template,
            context={**shared, **freeze(personal)},
            created_at=now,
        )
        for to, personal in addressed
    ]
    # In one statement from column arrays (towns.bulk): every value is set (`created_at` is `auto_now_add`).
    insert_instances(emails)
    ids = [email.pk for email in emails]
    # robust: whatever happens to the task queue, the e-mails are in the outbox.
    transaction.on_commit(lambda: enqueue(ids), robust=True)
    return emails


def render(email: OutgoingEmail, town: Town) -> tuple[str, str]:
    """The e-mail's text and HTML bodies: a queued e-mail's rendered from its template and context, a sent
    one's (or one queued with its bodies written) as they were kept."""
    if email.status == EmailStatus.SENT or not email.template:
        return email.body_text, email.body_html
    context = {**thaw(email.context), "town": town}
    with translation.override(settings.LANGUAGE_CODE):
        return (
            render_text(f"{email.template}.txt", context),
            render_to_string(f"{email.template}.html", context),
        )


# E-mails per task: those queued together (a booking's confirmation to both parents) cost one task, and a
# town's whole queue retried by staff is still shared out among the workers.
TASK_BATCH = 20


def enqueue(ids: Iterable[int]) -> None:
    email_ids = list(ids)
    for start in range(0, len(email_ids), TASK_BATCH):
        send_queued_emails.enqueue(email_ids[start : start + TASK_BATCH])


def deliver(email_id: int) -> bool:
    """Hand one queued e-mail to the mail server; True once it is sent (now or before).

    A failure is recorded on the e-mail, which stays queued. The outbox row is locked from
    the read to the update: the same e-mail queued twice (the automatic retry and staff's
    retry both due) and taken by two task workers at once is sent by the first, and the
    second finds it sent. A worker dying mid-send releases the lock and leaves it queued.
    """
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status == EmailStatus.SENT:
            return True
        town = Town.objects.get(pk=email.town_id)
        body_text, body_html = render(email, town)
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=body_text,
            to=[email.to],
            reply_to=[town.email] if town.email else None,
            alternatives=[(body_html, "text/html")] if body_html else None,
        )
        now = timezone.now()
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as error:
            logger.warning("E-mail %s to %s not sent: %s", email.pk, email.to, error)
            OutgoingEmail.objects.filter(pk=email.pk, status=EmailStatus.QUEUED).update(
                attempts=email.attempts + 1, last_attempt_at=now, last_error=str(error)[:500] or type(error).__name__
            )
            return False
        # The sent bodies are kept (staff and a parent's data export read them) and the context is no longer
        # needed; a sent access or password link is not kept: it would let whoever reads the outbox into the account.
        if email.kind in SECRET_KINDS:
            body_text = body_html = ""
        OutgoingEmail.objects.filter(pk=email.pk).update(
            status=EmailStatus.SENT,
            attempts=email.attempts + 1,
            last_attempt_at=now,
            sent_at=now,
            last_error="",
            body_text=body_text,
            body_html=body_html,
            context={},
        )
        return True


@task()
def send_queued_emails(email_ids: list[int]) -> bool:
    """The background task: send each e-mail, and try those that failed again later while attempts remain."""
    failed = [email_id for email_id in email_ids if not deliver(email_id)]
    if failed and default_task_backend.supports_defer:
        attempts = dict(OutgoingEmail.objects.filter(pk__in=failed).values_list("pk", "attempts"))
        later: dict[int, list[int]] = {}
        for email_id in failed:
            tried = attempts.get(email_id, 0)
            if 0 < tried < MAX_ATTEMPTS:
                later.setdefault(RETRY_DELAYS[min(tried, len(RETRY_DELAYS)) - 1], []).append(email_id)
        for delay, retried in later.items():
            send_queued_emails.using(run_after=timezone.now() + datetime.timedelta(seconds=delay)).enqueue(retried)
    return not failed


def queued(town: Town) -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.filter(town=town, status=EmailStatus.QUEUED).order_by("created_at", "pk"))


def retry_queued(town: Town, actor: User) -> int:
    """Staff's retry button: every queued e-mail of the town goes back to the task; returns how many."""
    ids = list(OutgoingEmail.objects.filter(town=town, status=EmailStatus.QUEUED).values_list("pk", flat=True))
    if ids:
        record(town, actor, "email.retried", None, f"Nouvel essai d'envoi de {len(ids)} e-mail(s)")
    transaction.on_commit(lambda: enqueue(ids), robust=True)
    return len(ids)
