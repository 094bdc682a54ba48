"""Changes to accounts: the e-mails that let someone choose a password.

One flow serves a forgotten password and a first connection: the account
receives a link, valid once and for `PASSWORD_RESET_TIMEOUT`, to a page where
they choose a password. No password is ever sent by e-mail.

The e-mails are mandatory and go through the outbox
(`ardoise.messaging.notifications.notify_account`): queued within the caller's
transaction, sent after it commits, kept queued while the mail server fails.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ardoise.accounts import throttling
from ardoise.accounts.backends import accounts_for_login
from ardoise.accounts.models import User
from ardoise.audit import actions as audit
from ardoise.families.models import Guardian
from ardoise.messaging.notifications import Kind, notify_account, render_subject
from ardoise.towns.models import Town


def password_link(town: Town, user: User, base_url: str) -> str:
    """The absolute single-use link where `user` chooses a password."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset", kwargs={"town_slug": town.slug, "uidb64": uidb64, "token": token})
    return base_url.rstrip("/") + path


def _base_url(request_or_base_url: HttpRequest | str) -> str:
    if isinstance(request_or_base_url, str):
        return request_or_base_url
    return request_or_base_url.build_absolute_uri("/")


def _queue_password_email(town: Town, user: User, base_url: str, *, activation: bool) -> None:
    """Queue the link in the outbox; it leaves once the current transaction commits."""
    context = {
        "activation": activation,
        "link": password_link(town, user, base_url),
        "login_url": base_url.rstrip("/") + reverse("accounts:login", args=[town.slug]),
        "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    subject = render_subject("emails/password_subject.txt", {**context, "town": town})
    kind = Kind.ACCOUNT_ACCESS if activation else Kind.PASSWORD
    notify_account(town, user, kind, subject, "emails/password", context)


def open_guardian_accounts(town: Town, login: str) -> None:
    """Give an account (with no usable password yet) to the guardians `login` designates.

    Families imported from a town's previous software have guardians with an
    e-mail but no account: their first "Obtenir un mot de passe" opens one
    (seed 004), and the link that follows lets them choose the password.
    """
    login = login.strip()
    if not login:
        return
    guardians = Guardian.objects.filter(town=town, user__isnull=True).exclude(email="")
    guardians = guardians.filter(Q(email__iexact=login) | Q(family__number=login, family__town=town))
    for guardian in guardians.select_for_update():
        open_guardian_account(town, guardian)


def open_guardian_account(town: Town, guardian: Guardian) -> User | None:
    """Give `guardian` an account with no usable password yet; None when it cannot have one.

    A guardian without an e-mail, or whose e-mail is already used by another
    account of this town (a second guardian sharing it, a staff member), is left
    for staff to sort out. A guardian who already has an account keeps it.
    """
    if guardian.user_id is not None:
        return guardian.user
    email = guardian.email.strip().lower()
    if not email or User.objects.filter(town=town, email=email).exists():
        return None
    guardian.user = User.objects.create_user(
        email, None, town=town, first_name=guardian.first_name, last_name=guardian.last_name
    )
    guardian.save(update_fields=["user"])
    return guardian.user


@transaction.atomic
def request_password_reset(town: Town, login: str, request: HttpRequest) -> None:
    """E-mail a link to every active account of `town` that `login` designates.

    Says nothing about whether any account matched, nor whether a limit held:
    the caller answers the same either way. Within the window, an address asks
    at most `PASSWORD_RESET_LIMIT_PER_ADDRESS` times and an account receives at
    most `PASSWORD_RESET_LIMIT_PER_ACCOUNT` links: beyond, nothing is sent. An
    account that never logged in gets the activation wording.
    """
    ip = throttling.client_ip(request)
    if not throttling.reset_address_allowed(town, ip):
        return
    open_guardian_accounts(town, login)
    emailed = throttling.accounts_to_email(list(accounts_for_login(town, login)))
    for user in emailed:
        _queue_password_email(town, user, _base_url(request), activation=user.last_login is None)
    throttling.record_reset_request(town, login, ip, emailed)


def send_access(town: Town, user: User, request_or_base_url: HttpRequest | str) -> None:
    """E-mail `user` a link to activate their account by choosing a password.

    Used by the back office to "send a parent their access". When given the
    staff member's request, the sending is recorded in the audit trail.
    """
    if user.town_id != town.pk:
        raise ValueError("The account does not belong to this town.")
    base_url = _base_url(request_or_base_url)
    if isinstance(request_or_base_url, HttpRequest) and request_or_base_url.user.is_authenticated:
        actor: User = request_or_base_url.user  # type: ignore[assignment]
        audit.record(town, actor, "account.send_access", user, summary=f"Accès envoyé à {user.email}")
    _queue_password_email(town, user, base_url, activation=True)
