"""Who may see what: isolation between towns, parents and staff roles.

The decorators (`parent_required`, `staff_required`) and the role logic live
here; the checks of one domain's objects live in that domain's `access.py`
(`families.access`, `bookings.access`, `billing.access`, `prepayment.access`,
`activities.access`; messaging's in `messaging.queries`), all reading through
`object_or_404`. Every read that needs permission goes through one of them and
answers 404 (Http404) for anything outside the caller's reach.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Exists, Model, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.families.models import Child, Family, Guardian
from ardoise.towns.http import AuthedRequest, TownRequest
from ardoise.towns.models import Role, Site, StaffRole, Town


def family_of(user: User) -> Family | None:
    """The family a parent account belongs to, or None for staff accounts."""
    guardian: Guardian | None = getattr(user, "guardian", None)
    if guardian is None or guardian.town_id != user.town_id:
        return None
    return guardian.family


def roles_of(user: User, town: Town) -> set[str]:
    if not user.is_authenticated or user.town_id != town.pk:
        return set()
    cached = getattr(user, "_roles_cache", None)
    if cached is None:
        cached = set(StaffRole.objects.filter(town=town, user=user).values_list("role", flat=True))
        user._roles_cache = cached  # type: ignore[attr-defined]
    return cached


def site_ids_of(user: User, town: Town) -> set[int]:
    """Sites a site agent works at (empty for other roles)."""
    return set(StaffRole.objects.filter(town=town, user=user, role=Role.SITE_AGENT).values_list("site_id", flat=True))


def is_staff_member(user: User, town: Town) -> bool:
    return bool(roles_of(user, town))


def accessible_sites(user: User, town: Town) -> QuerySet[Site]:
    """Every site for admins and the front desk; their own sites for a site agent."""
    sites = Site.objects.filter(town=town).order_by("name")
    if roles_of(user, town).intersection({Role.ADMIN, Role.FRONT_DESK}):
        return sites
    return sites.filter(pk__in=site_ids_of(user, town))


def object_or_404[M: Model](queryset: QuerySet[M], **lookup: Any) -> M:
    """The one object `lookup` finds in `queryset`, or 404.

    Every `access_…` helper reads through here, so that an id that is not a
    number, or one beyond the database's integers (2**63 on SQLite raises
    OverflowError), is 404 like any id outside the caller's reach.
    """
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


# The database's integers (2**63 and beyond find nothing).
_IDS = range(-(2**63), 2**63)


def id_or_404(value: Any) -> int:
    """`value` as a row id, or 404: `object_or_404`'s rule for an id that is not a number or beyond the
    database's integers, for the few statements written by hand (towns.rows)."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if pk not in _IDS:
        raise Http404
    return pk


def access_staff(town: Town, user_id: int) -> User:
    """A staff account of this town (holding a role), or 404 — never a parent's account."""
    return object_or_404(
        User.objects.filter(Exists(StaffRole.objects.filter(town=town, user=OuterRef("pk"))), town=town), pk=user_id
    )


def _login_redirect(request: TownRequest) -> HttpResponse:
    return redirect_to_login(request.get_full_path(), reverse("accounts:login", args=[request.town.slug]))


def parent_required[**P](
    view: Callable[Concatenate[AuthedRequest, Family, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """The view gets the parent's family as its second argument."""

    @wraps(view)
    def wrapper(http_request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        request = cast(TownRequest, http_request)  # TownMiddleware set `town` for every page under /<town>/
        if not request.user.is_authenticated:
            return _login_redirect(request)
        family = family_of(request.user)
        if family is None or family.town_id != request.town.pk:
            raise Http404
        return view(cast(AuthedRequest, request), family, *args, **kwargs)

    return wrapper


# A view as written (it receives what the decorator checked) and as Django calls it.
type AuthedView[**P] = Callable[Concatenate[AuthedRequest, P], HttpResponse]
type View[**P] = Callable[Concatenate[HttpRequest, P], HttpResponse]


def staff_required[**P](*roles: str) -> Callable[[AuthedView[P]], View[P]]:
    """Staff of this town holding one of `roles` (any role when none given).

    Someone who is not staff of this town gets 404; a staff member of this town
    whose role lacks the page gets 403.
    """

    def decorator(view: AuthedView[P]) -> View[P]:
        @wraps(view)
        def wrapper(http_request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            request = cast(TownRequest, http_request)  # TownMiddleware set `town` for every page under /<town>/
            if not request.user.is_authenticated:
                return _login_redirect(request)
            held = roles_of(request.user, request.town)
            if not held:
                raise Http404
            if roles and not held.intersection(roles) and Role.ADMIN not in held:
                raise PermissionDenied
            return view(cast(AuthedRequest, request), *args, **kwargs)

        # Read by the menu, which shows a staff member only the pages their roles open.
        wrapper.staff_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapper

    return decorator


def may_open(view: Callable[..., Any], held: set[str]) -> bool:
    """Whether a staff member holding `held` may open a view made with `staff_required`."""
    allowed = getattr(view, "staff_roles", None)
    return allowed is None or not allowed or bool(held & allowed) or Role.ADMIN in held


def may_read_health(user: User, town: Town, child: Child) -> bool:
    held = roles_of(user, town)
    if held.intersection({Role.ADMIN, Role.FRONT_DESK, Role.KITCHEN}):
        return True
    return Role.SITE_AGENT in held and child.site_id in site_ids_of(user, town)
