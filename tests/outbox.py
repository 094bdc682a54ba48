"""What the outbox's e-mails say as sent: the task worker renders a queued e-mail when it sends it (`deliver`)."""

from django.core import mail
from django.core.mail import EmailMultiAlternatives

from ardoise.messaging.models import EmailStatus, OutgoingEmail
from ardoise.messaging.notifications import deliver


def sent(email: OutgoingEmail) -> tuple[str, str]:
    """`email`'s text and HTML as the mail server received them: sent now through `deliver` (Django's test
    mail backend) if it is still queued, or as the outbox kept them once sent."""
    email.refresh_from_db()
    if email.status == EmailStatus.SENT:
        return email.body_text, email.body_html
    before = len(mail.outbox)
    assert deliver(email.pk)
    [message] = mail.outbox[before:]
    assert message.to == [email.to]
    assert isinstance(message, EmailMultiAlternatives)
    html = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    return str(message.body), str(html[0]) if html else ""


def sent_text(email: OutgoingEmail) -> str:
    return sent(email)[0]
