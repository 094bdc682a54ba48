"""Online sign-up (`/<town>/inscription/`): the account, its e-mail confirmed, then the family's file.

Each step saves at once (`signup.actions`), so a family may leave and come
back; the file page lists the steps done and missing and sends the file. Until
staff accept it, the portal's booking pages show `file_not_accepted` instead.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Concatenate, cast

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from ardoise.accounts.throttling import client_ip
from ardoise.bookings.actions import FILE_NOT_ACCEPTED
from ardoise.families.access import access_child, access_person
from ardoise.families.models import Child, Family, FileStatus, Guardian
from ardoise.portal import signup_forms as forms
from ardoise.signup import actions, confirmation
from ardoise.towns.access import parent_required
from ardoise.towns.http import AuthedRequest, TownRequest

# The session backend the confirmation logs in with (the account was just proven, not typed in).
LOGIN_BACKEND = "ardoise.accounts.backends.TownLoginBackend"


def file_not_accepted[**P](
    view: Callable[Concatenate[HttpRequest, Family, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, Family, P], HttpResponse]:
    """A booking page of a family whose file is not accepted says so instead of its grid or form."""

    @wraps(view)
    def wrapper(request: HttpRequest, family: Family, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not family.is_accepted:
            context = {"family": family, "notice": FILE_NOT_ACCEPTED}
            status = 409 if request.method == "POST" else 200
            return render(request, "portal/signup/not_accepted.html", context, status=status)
        return view(request, family, *args, **kwargs)

    return wrapper


def _signup_open(request: HttpRequest) -> None:
    if not request.town.signup_open:  # type: ignore[attr-defined]
        raise Http404


# The account


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    _signup_open(request)
    town = request.town  # type: ignore[attr-defined]
    if request.user.is_authenticated:
        return redirect("portal:home", town.slug)
    form = forms.AccountForm(request.POST or None, town=town)
    if request.method == "POST" and form.is_valid():
        actions.start_signup(
            town,
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            ip=client_ip(request),
            base_url=request.build_absolute_uri("/"),
        )
        return redirect("portal:signup_sent", town.slug)
    return render(request, "portal/signup/account.html", {"form": form})


def signup_sent(request: HttpRequest) -> HttpResponse:
    _signup_open(request)
    return render(request, "portal/signup/sent.html", {"valid_hours": confirmation.VALID_HOURS})


@never_cache
@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (a mail scanner opening the link confirms nothing); POST confirms and logs in."""
    town = request.town  # type: ignore[attr-defined]
    if confirmation.account_for_token(town, token) is None:
        return render(request, "portal/signup/link_invalid.html", status=404)
    if request.method == "GET":
        return render(request, "portal/signup/confirm.html")
    try:
        user = actions.confirm_email(town, token)
    except actions.SignupRefused:
        return render(request, "portal/signup/link_invalid.html", status=404)
    if request.user.is_authenticated:
        auth_logout(request)
    auth_login(request, user, backend=LOGIN_BACKEND)
    messages.success(request, _("Votre adresse est confirmée. Remplissez maintenant le dossier de votre famille."))
    return redirect("portal:signup_file", town.slug)


# The file


@dataclass(frozen=True)
class Step:
    label: str
    url: str
    done: bool
    optional: bool = False


def _steps(request: TownRequest, family: Family, children: list[Child]) -> list[Step]:
    slug = request.town.slug
    done = actions.steps_done(family)
    steps = [
        Step(_("Famille et adresse"), reverse("portal:signup_family", args=[slug]), actions.STEP_FAMILY in done),
        Step(
            _("Second responsable"),
            reverse("portal:signup_second_guardian", args=[slug]),
            actions.STEP_SECOND_GUARDIAN in done,
            optional=True,
        ),
        Step(_("Enfants"), reverse("portal:signup_children", args=[slug]), bool(children)),
    ]
    for child in children:
        steps.append(
            Step(
                _("Santé et régime de %(child)s") % {"child": child.first_name},
                reverse("portal:signup_child_health", args=[slug, child.pk]),
                f"{actions.STEP_HEALTH}:{child.pk}" in done,
            )
        )
        steps.append(
            Step(
                _("Personnes autorisées à récupérer %(child)s") % {"child": child.first_name},
                reverse("portal:signup_people", args=[slug, child.pk]),
                f"{actions.STEP_PEOPLE}:{child.pk}" in done,
                optional=True,
            )
        )
    return steps


def file_context(request: HttpRequest, family: Family) -> dict[str, object]:
    """What the file page and a non-accepted family's home show: status, steps, what is missing."""
    children = list(Child.objects.filter(town_id=family.town_id, family=family).select_related("site"))
    guardians = list(Guardian.objects.filter(town_id=family.town_id, family=family))
    return {
        "family": family,
        "guardians": guardians,
        "children": children,
        # Every portal page is under /<town>/: TownMiddleware has set `town`.
        "steps": _steps(cast(TownRequest, request), family, children),
        "missing": actions.missing(family),
        "editable": actions.editable(family),
        "statuses": FileStatus,
    }


def _back_to_file(request: TownRequest, family: Family) -> HttpResponse:
    return redirect("portal:signup_file", request.town.slug)


def _locked(request: TownRequest, family: Family) -> HttpResponse | None:
    """The file's steps only while it may change (draft, or refused and sent back); else a page says why."""
    if actions.editable(family):
        return None
    status = 409 if request.method == "POST" else 200
    return render(request, "portal/signup/locked.html", {"family": family}, status=status)


@parent_required
@require_http_methods(["GET"])
def signup_file(request: AuthedRequest, family: Family) -> HttpResponse:
    if family.is_accepted:
        return redirect("portal:record", request.town.slug)
    return render(request, "portal/signup/file.html", file_context(request, family))


@parent_required
@require_POST
def signup_submit(request: AuthedRequest, family: Family) -> HttpResponse:
    try:
        actions.submit(family, actor=request.user, now=timezone.now())
    except actions.SignupRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Votre dossier est envoyé au service. Vous recevrez sa réponse par e-mail."))
    return _back_to_file(request, family)


def _first_guardian(family: Family) -> Guardian:
    return Guardian.objects.filter(town_id=family.town_id, family=family).order_by("position", "pk").first()  # type: ignore[return-value]


@parent_required
@require_http_methods(["GET", "POST"])
def signup_family(request: AuthedRequest, family: Family) -> HttpResponse:
    if locked := _locked(request, family):
        return locked
    guardian = _first_guardian(family)
    form = forms.FirstGuardianForm(request.POST or None, instance=guardian, town=request.town)
    if request.method == "POST" and form.is_valid():
        actions.save_first_guardian(family, guardian, form.values(), actor=request.user)
        messages.success(request, _("Famille et adresse enregistrées."))
        return _back_to_file(request, family)
    context = {"form": form, "title": _("Famille et adresse"), "family": family}
    return render(request, "portal/signup/step.html", context, status=422 if form.errors else 200)


@parent_required
@require_http_methods(["GET", "POST"])
def signup_second_guardian(request: AuthedRequest, family: Family) -> HttpResponse:
    if locked := _locked(request, family):
        return locked
    second = Guardian.objects.filter(town_id=family.town_id, family=family, position__gte=2).order_by("pk").first()
    if request.method == "POST" and "none" in request.POST:
        actions.save_second_guardian(family, second, None, actor=request.user)
        return _back_to_file(request, family)
    form = forms.SecondGuardianForm(request.POST or None, instance=second, town=request.town)
    if request.method == "POST" and form.is_valid():
        actions.save_second_guardian(family, second, form.values(), actor=request.user)
        messages.success(request, _("Second responsable enregistré."))
        return _back_to_file(request, family)
    context = {"form": form, "title": _("Second responsable"), "family": family, "optional": second is None}
    return render(request, "portal/signup/step.html", context, status=422 if form.errors else 200)


@parent_required
@require_http_methods(["GET"])
def signup_children(request: AuthedRequest, family: Family) -> HttpResponse:
    if locked := _locked(request, family):
        return locked
    children = list(Child.objects.filter(town_id=family.town_id, family=family).select_related("site"))
    return render(request, "portal/signup/children.html", {"family": family, "children": children})


@parent_required
@require_http_methods(["GET", "POST"])
def signup_child(request: AuthedRequest, family: Family, child_id: int | None = None) -> HttpResponse:
    child = access_child(family, child_id) if child_id is not None else None
    if locked := _locked(request, family):
        return locked
    initial = {} if child else {"last_name": family.name}
    form = forms.ChildIdentityForm(
        request.POST or None, instance=child, initial=initial, town=request.town, today=timezone.localdate()
    )
    if request.method == "POST" and form.is_valid():
        saved = actions.save_child(family, child, form.values(), actor=request.user)
        messages.success(request, _("%(child)s est enregistré(e).") % {"child": saved.first_name})
        if child is None:
            return redirect("portal:signup_child_health", request.town.slug, saved.pk)
        return redirect("portal:signup_children", request.town.slug)
    title = child.full_name if child else _("Ajouter un enfant")
    context = {
        "form": form,
        "title": title,
        "family": family,
        "back": reverse("portal:signup_children", args=[request.town.slug]),
    }
    return render(request, "portal/signup/step.html", context, status=422 if form.errors else 200)


@parent_required
@require_http_methods(["GET", "POST"])
def signup_child_health(request: AuthedRequest, family: Family, child_id: int) -> HttpResponse:
    child = access_child(family, child_id)
    if locked := _locked(request, family):
        return locked
    form = forms.ChildHealthForm(request.POST or None, instance=child)
    if request.method == "POST" and form.is_valid():
        actions.save_child(family, child, form.values(), actor=request.user)
        messages.success(request, _("Santé et régime de %(child)s enregistrés.") % {"child": child.first_name})
        return redirect("portal:signup_people", request.town.slug, child.pk)
    title = _("Santé et régime de %(child)s") % {"child": child.first_name}
    context = {"form": form, "title": title, "family": family}
    return render(request, "portal/signup/step.html", context, status=422 if form.errors else 200)


@parent_required
@require_POST
def signup_child_remove(request: AuthedRequest, family: Family, child_id: int) -> HttpResponse:
    child = access_child(family, child_id)
    if locked := _locked(request, family):
        return locked
    actions.remove_child(family, child, actor=request.user)
    messages.success(request, _("%(child)s est retiré(e) du dossier.") % {"child": child.first_name})
    return redirect("portal:signup_children", request.town.slug)


@parent_required
@require_http_methods(["GET", "POST"])
def signup_people(request: AuthedRequest, family: Family, child_id: int) -> HttpResponse:
    child = access_child(family, child_id)
    if locked := _locked(request, family):
        return locked
    if request.method == "POST" and "none" in request.POST:
        actions.save_person(family, child, None, None, actor=request.user)
        return _back_to_file(request, family)
    form = forms.AuthorisedPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.save_person(family, child, None, form.values(), actor=request.user)
        messages.success(request, _("Personne autorisée enregistrée."))
        return redirect("portal:signup_people", request.town.slug, child.pk)
    context = {"form": form, "family": family, "child": child, "people": list(child.authorised_people.all())}
    return render(request, "portal/signup/people.html", context, status=422 if form.errors else 200)


@parent_required
@require_POST
def signup_person_remove(request: AuthedRequest, family: Family, child_id: int, person_id: int) -> HttpResponse:
    child = access_child(family, child_id)
    person = access_person(child, person_id)
    if locked := _locked(request, family):
        return locked
    actions.remove_person(family, person, actor=request.user)
    return redirect("portal:signup_people", request.town.slug, child.pk)
