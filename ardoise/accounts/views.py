"""Login, logout, password reset / first connection and password change.

Every page here belongs to a town (`request.town`, set by TownMiddleware).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from ardoise.accounts import actions
from ardoise.accounts.forms import LoginForm, PasswordForgotForm
from ardoise.accounts.models import User
from ardoise.accounts.throttling import LoginThrottled, authenticate_counted, clear_failures
from ardoise.towns.access import roles_of
from ardoise.towns.models import Town

INVALID_CREDENTIALS = _(
    "Identifiant ou mot de passe incorrect. Vérifiez votre saisie (majuscules comprises) et réessayez."
)
THROTTLED = _(
    "Trop de tentatives de connexion ont échoué. Réessayez dans quelques minutes, "
    "ou choisissez un nouveau mot de passe avec « Mot de passe oublié ? »."
)


def home_url(user: User, town: Town) -> str:
    """Where a user lands after logging in: the staff home or the parents' home."""
    if roles_of(user, town):
        return reverse("backoffice:home", args=[town.slug])
    return reverse("portal:home", args=[town.slug])


def safe_next(request: HttpRequest, town: Town, target: str) -> str | None:
    """`target` when it is a page of this town on this site, else None."""
    if not target.startswith(f"/{town.slug}/"):
        return None
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return target


def login_required_here(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Any logged-in account of this town (the middleware already refuses other towns)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("accounts:login", args=[request.town.slug]))
        return view(request, *args, **kwargs)

    return wrapper


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    town: Town = request.town
    if request.user.is_authenticated:
        return redirect(home_url(request.user, town))  # type: ignore[arg-type]
    form = LoginForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = authenticate_counted(request, town, form.cleaned_data["login"], form.cleaned_data["password"])
        except LoginThrottled:
            form.add_error(None, THROTTLED)
            status = 429
        else:
            if user is None:
                form.add_error(None, INVALID_CREDENTIALS)
            else:
                auth_login(request, user)
                request.session.set_expiry(settings.REMEMBER_ME_SECONDS if form.cleaned_data["remember_me"] else 0)
                target = safe_next(request, town, form.cleaned_data["next"])
                return redirect(target or home_url(user, town))  # type: ignore[arg-type]
    return render(request, "accounts/login.html", {"form": form}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.success(request, _("Vous êtes déconnecté. À bientôt !"))
    return redirect("accounts:login", request.town.slug)


@never_cache
@require_http_methods(["GET", "POST"])
def password_forgot(request: HttpRequest) -> HttpResponse:
    form = PasswordForgotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.request_password_reset(request.town, form.cleaned_data["login"], request)
        return redirect("accounts:password_forgot_sent", request.town.slug)
    return render(request, "accounts/password_forgot.html", {"form": form})


def password_forgot_sent(request: HttpRequest) -> HttpResponse:
    valid_hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    return render(request, "accounts/password_forgot_sent.html", {"valid_hours": valid_hours})


def _user_from_link(town: Town, uidb64: str, token: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
        user = User.objects.get(pk=pk, town=town, is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    return user if default_token_generator.check_token(user, token) else None


@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = _user_from_link(request.town, uidb64, token)
    if user is None:
        return render(request, "accounts/password_reset_invalid.html", status=404)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        clear_failures(request.town, user.email)
        messages.success(request, _("Votre mot de passe est enregistré. Vous pouvez maintenant vous connecter."))
        return redirect("accounts:login", request.town.slug)
    return render(request, "accounts/password_reset.html", {"form": form, "account": user})


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@login_required_here
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        messages.success(request, _("Votre mot de passe a été modifié."))
        return redirect(home_url(user, request.town))
    return render(request, "accounts/password_change.html", {"form": form})
