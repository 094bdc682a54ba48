"""What a view receives, as types: the request of a page under /<town>/.

Nothing here exists at run time beyond Django's own HttpRequest: these classes
only tell mypy what TownMiddleware and the decorators of `towns.access` have
already made sure of, so views read `request.town` and `request.user` without
`# type: ignore`.
"""

from django.http import HttpRequest

from ardoise.accounts.models import User
from ardoise.towns.models import Town


class TownRequest(HttpRequest):
    """A request under /<town>/: TownMiddleware has set `town` (404 for an unknown one)."""

    town: Town


class AuthedRequest(TownRequest):
    """A town request from a logged-in account of that town: what `parent_required` and
    `staff_required` hand to their view."""

    user: User  # narrower than HttpRequest's `User | AnonymousUser`, as checked
