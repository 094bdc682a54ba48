"""Throttling of password guessing (login page and API token endpoint) and of password e-mails.

Failures are counted per ACCOUNT, whatever identifier was typed: the e-mail and
the family number of one account share one count (a family number designates
both guardians' accounts, and counts against each). Three limits apply within
`LOGIN_FAILURE_WINDOW_SECONDS`:

- `LOGIN_FAILURE_LIMIT_PER_ADDRESS_AND_ACCOUNT` failures from one address
  against one account stop that address for that account. It is the first
  barrier, lower than the account's own limit, so that one address alone never
  locks an account out for its owner;
- `LOGIN_FAILURE_LIMIT` failures against one account, from any addresses, lock
  the account (a guessing spread over many addresses), admin included;
- `LOGIN_FAILURE_LIMIT_PER_ADDRESS` failures from one address, against any
  logins, known or not, stop that address (higher: many parents share one
  address behind a mobile carrier's or a school's NAT).

Refused attempts are not counted, and even the right password is refused while
a limit holds. A successful login clears the failures of the accounts its
login designates (with a family number, both guardians': the caller only knows
the typed text), but not its address's, so that logging in to one's own account
does not reset the count of guesses made against others from the same address.
Choosing a new password through the e-mailed link clears its account's failures
too: it proves control of the mailbox, and lets a locked-out parent in at once.

Every door that takes a password (the login page, the API's `auth/token`) calls
`authenticate_counted`, which checks the limits, authenticates and counts the outcome.

Password e-mails (`reset_address_allowed`, `accounts_to_email`, `record_reset_request`) are limited
to `PASSWORD_RESET_LIMIT_PER_ACCOUNT` per account and
`PASSWORD_RESET_LIMIT_PER_ADDRESS` requests per address within
`PASSWORD_RESET_WINDOW_SECONDS`.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from ardoise.accounts.backends import accounts_for_login
from ardoise.accounts.models import LoginFailure, PasswordResetRequest, ThrottledAttempt, User
from ardoise.towns.models import Town


def normalise_login(login: str) -> str:
    """What was typed, as recorded: e-mails are case-insensitive."""
    return login.strip().lower()[:254]


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address; behind a reverse proxy, the address it forwarded.

    `X-Forwarded-For` is only trusted when `LOGIN_TRUST_X_FORWARDED_FOR` is set
    (the proxy appends the real client address last); otherwise anyone could
    pick the address their failures are counted under.
    """
    if getattr(settings, "LOGIN_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def _since(seconds: int) -> datetime:
    return timezone.now() - timedelta(seconds=seconds)


def _attempts_from(model: type[ThrottledAttempt], town: Town, ip: str | None, since: datetime) -> int:
    if not ip:
        return 0
    return model.objects.filter(town=town, ip_address=ip, at__gte=since).count()


def _attempts_against(
    model: type[ThrottledAttempt], accounts: list[User], ip: str | None, since: datetime
) -> dict[int, tuple[int, int]]:
    """Attempts against each of `accounts` that has any, in one query: {account id: (from anywhere, from `ip`)}."""
    from_ip = Q(ip_address=ip) if ip else Q(pk__in=[])
    rows = (
        model.objects.filter(accounts__in=accounts, at__gte=since)
        .order_by()
        .values("accounts")
        .annotate(total=Count("pk"), from_ip=Count("pk", filter=from_ip))
    )
    return {row["accounts"]: (row["total"], row["from_ip"]) for row in rows}


def _attempts_typed(
    model: type[ThrottledAttempt], town: Town, login: str, ip: str | None, since: datetime
) -> tuple[int, int]:
    """Attempts with the typed `login` (for a login that designates no account): (from anywhere, from `ip`)."""
    from_ip = Q(ip_address=ip) if ip else Q(pk__in=[])
    counts = model.objects.filter(town=town, login=normalise_login(login), at__gte=since).aggregate(
        total=Count("pk"), from_ip=Count("pk", filter=from_ip)
    )
    return counts["total"], counts["from_ip"]


def _record(model: type[ThrottledAttempt], town: Town, login: str, ip: str | None, accounts: list[User]) -> None:
    attempt = model.objects.create(town=town, login=normalise_login(login), ip_address=ip)
    attempt.accounts.set(accounts)


# Logins


class LoginThrottled(Exception):
    """A limit holds: the attempt is refused (HTTP 429) without its password being checked."""


def authenticate_counted(request: HttpRequest, town: Town, login: str, password: str) -> User | None:
    """The account `login` and `password` designate in `town`, or None; each failure is counted.

    Raises LoginThrottled while a limit holds, even for the right password.
    """
    ip = client_ip(request)
    if is_throttled(town, login, ip):
        raise LoginThrottled
    user = authenticate(request, town=town, login=login, password=password)
    if user is None:
        record_failure(town, login, ip)
        return None
    clear_failures(town, login)
    return user


def is_throttled(town: Town, login: str, ip: str | None) -> bool:
    """Whether attempts with `login` from `ip` must be refused for now.

    Refused when the address is over its limit, or when any account `login`
    designates is locked, or over its limit from this address. A login that
    designates no account is held to the same limits by its typed text, so that
    it is refused exactly when an account would be: throttling never tells
    which accounts exist.
    """
    since = _since(settings.LOGIN_FAILURE_WINDOW_SECONDS)
    if _attempts_from(LoginFailure, town, ip, since) >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS:
        return True
    accounts = list(accounts_for_login(town, login))
    if accounts:
        counts = list(_attempts_against(LoginFailure, accounts, ip, since).values())
    else:
        counts = [_attempts_typed(LoginFailure, town, login, ip, since)]
    return any(
        total >= settings.LOGIN_FAILURE_LIMIT or from_address >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS_AND_ACCOUNT
        for total, from_address in counts
    )


def record_failure(town: Town, login: str, ip: str | None) -> None:
    """Count one failed attempt against the accounts `login` designates and its address.

    Forgets the town's failures that left the window.
    """
    LoginFailure.objects.filter(town=town, at__lt=_since(settings.LOGIN_FAILURE_WINDOW_SECONDS)).delete()
    _record(LoginFailure, town, login, ip, list(accounts_for_login(town, login)))


def clear_failures(town: Town, login: str) -> None:
    """Forget the failures counted against the accounts `login` designates, after it succeeded.

    The failures stay counted against their addresses. Forgets the town's failures that left the window.
    """
    LoginFailure.objects.filter(town=town, at__lt=_since(settings.LOGIN_FAILURE_WINDOW_SECONDS)).delete()
    LoginFailure.accounts.through.objects.filter(
        loginfailure__town=town, user__in=accounts_for_login(town, login)
    ).delete()


# Password e-mails


def reset_address_allowed(town: Town, ip: str | None) -> bool:
    """Whether `ip` may still ask for password links."""
    since = _since(settings.PASSWORD_RESET_WINDOW_SECONDS)
    return _attempts_from(PasswordResetRequest, town, ip, since) < settings.PASSWORD_RESET_LIMIT_PER_ADDRESS


def accounts_to_email(accounts: list[User]) -> list[User]:
    """Those of `accounts` that were not e-mailed a password link too often already."""
    since = _since(settings.PASSWORD_RESET_WINDOW_SECONDS)
    limit = settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT
    counts = _attempts_against(PasswordResetRequest, accounts, None, since) if accounts else {}
    return [user for user in accounts if counts.get(user.pk, (0, 0))[0] < limit]


def record_reset_request(town: Town, login: str, ip: str | None, emailed: list[User]) -> None:
    """Count one request for password links from `ip`, e-mailed to `emailed`.

    Forgets the town's requests that left the window.
    """
    PasswordResetRequest.objects.filter(town=town, at__lt=_since(settings.PASSWORD_RESET_WINDOW_SECONDS)).delete()
    _record(PasswordResetRequest, town, login, ip, emailed)
