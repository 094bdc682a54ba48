"""Throttling of password guessing, shared by the login page and the API token endpoint.

A failed attempt is recorded per town, login and address. Once
`LOGIN_FAILURE_LIMIT` failures for the same login, or
`LOGIN_FAILURE_LIMIT_PER_ADDRESS` from the same address (higher: many parents
share one address behind a mobile carrier's or a school's NAT),
fall within the last `LOGIN_FAILURE_WINDOW_SECONDS`, further attempts are
refused — even with the right password — until the oldest failures leave the
window. A successful login clears the failures of its login (not of its
address, so that logging in to one's own account does not reset the count of
guesses made against others from the same address).

Callers:

    if is_throttled(town, login, ip):
        ...refuse (HTTP 429)...
    user = authenticate(request, town=town, login=login, password=password)
    if user is None:
        record_failure(town, login, ip)
    else:
        clear_failures(town, login)
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from ardoise.accounts.models import LoginFailure
from ardoise.towns.models import Town


def normalise_login(login: str) -> str:
    """The key failures are counted under: e-mails are case-insensitive."""
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


def _window_start(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def is_throttled(town: Town, login: str, ip: str | None) -> bool:
    """Whether attempts for `login` or from `ip` must be refused for now."""
    key = normalise_login(login)
    same_ip = Q(ip_address=ip) if ip else Q(pk__in=[])
    counts = LoginFailure.objects.filter(
        Q(login=key) | same_ip, town=town, at__gte=_window_start(timezone.now())
    ).aggregate(
        by_login=Count("pk", filter=Q(login=key)),
        by_ip=Count("pk", filter=same_ip),
    )
    return (
        counts["by_login"] >= settings.LOGIN_FAILURE_LIMIT
        or counts["by_ip"] >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
    )


def record_failure(town: Town, login: str, ip: str | None) -> None:
    """Count one failed attempt, and forget the town's failures that left the window."""
    now = timezone.now()
    LoginFailure.objects.filter(town=town, at__lt=_window_start(now)).delete()
    LoginFailure.objects.create(town=town, login=normalise_login(login), ip_address=ip, at=now)


def clear_failures(town: Town, login: str) -> None:
    """Forget the failures of a login after it succeeded."""
    LoginFailure.objects.filter(town=town, login=normalise_login(login)).delete()
