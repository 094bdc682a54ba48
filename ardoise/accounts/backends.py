"""Authentication within a town, by e-mail or family number.

Accounts belong to one town (the same e-mail may exist in two towns), so the
backend only ever looks at the accounts of the town whose page is being used.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from ardoise.accounts.models import User
from ardoise.towns.models import Town


def accounts_for_login(town: Town, login: str) -> QuerySet[User]:
    """Active accounts of `town` that `login` designates.

    An e-mail (any case) designates that account; a family number designates
    the accounts of the family's guardians (one or two).
    """
    login = login.strip()
    if not login:
        return User.objects.none()
    return (
        User.objects.filter(town=town, is_active=True)
        .filter(Q(email__iexact=login) | Q(guardian__family__number=login, guardian__town=town))
        .distinct()
        .order_by("pk")
    )


class TownLoginBackend(ModelBackend):
    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        town: Town | None = None,
        login: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if town is None or not login or password is None:
            return None
        checked = False
        for user in accounts_for_login(town, login):
            checked = True
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
        if not checked:
            # Hash once anyway, so that an unknown login takes about as long to
            # refuse as a wrong password (Django's ModelBackend does the same).
            User().set_password(password)
        return None
