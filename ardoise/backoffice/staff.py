"""Staff accounts and their roles (administrators only).

Accounts are never deleted — the audit trail refers to them — but deactivated.
An administrator cannot take away their own administrator role nor deactivate
themselves (towns.actions refuses it).
"""

from collections import defaultdict

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ardoise.accounts.actions import send_access
from ardoise.accounts.models import User
from ardoise.backoffice.config_forms import StaffForm
from ardoise.towns import actions
from ardoise.towns.access import access_staff, staff_required
from ardoise.towns.actions import ConfigurationRefused
from ardoise.towns.http import AuthedRequest, TownRequest
from ardoise.towns.models import Role, StaffRole

admin_required = staff_required(Role.ADMIN)


def _to_list(request: TownRequest) -> HttpResponse:
    return redirect("backoffice:staff", request.town.slug)


@admin_required
@require_GET
def staff_list(request: AuthedRequest) -> HttpResponse:
    town = request.town
    roles_by_user: dict[int, list[StaffRole]] = defaultdict(list)
    for role in StaffRole.objects.filter(town=town).select_related("site").order_by("role", "site__name"):
        roles_by_user[role.user_id].append(role)
    accounts = list(
        User.objects.filter(town=town, pk__in=roles_by_user.keys()).order_by("-is_active", "last_name", "first_name")
    )
    rows = [(account, roles_by_user[account.pk]) for account in accounts]
    return render(request, "backoffice/staff.html", {"rows": rows})


@admin_required
@require_http_methods(["GET", "POST"])
def staff_new(request: AuthedRequest) -> HttpResponse:
    town = request.town
    form = StaffForm(request.POST or None, town=town)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = actions.create_staff(
                town,
                request.user,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                roles=data["roles"],
                sites=data["sites"],
                request=request,
            )
        except ConfigurationRefused as refusal:
            form.add_error("email", str(refusal))
        else:
            messages.success(
                request,
                _("Le compte de %(name)s est créé : un courriel lui permet de choisir son mot de passe.")
                % {"name": account.get_full_name()},
            )
            return _to_list(request)
    status = 422 if request.method == "POST" else 200
    return render(request, "backoffice/staff_form.html", {"form": form, "account": None}, status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: AuthedRequest, user_id: int) -> HttpResponse:
    town = request.town
    account = access_staff(request.town, user_id)
    held = list(StaffRole.objects.filter(town=town, user=account))
    initial = {
        "first_name": account.first_name,
        "last_name": account.last_name,
        "roles": [row.role for row in held if row.role != Role.SITE_AGENT],
        "sites": [row.site_id for row in held if row.role == Role.SITE_AGENT],
    }
    form = StaffForm(request.POST or None, initial=initial, town=town, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.change_staff(
                town,
                request.user,
                account,
                first_name=data["first_name"],
                last_name=data["last_name"],
                roles=data["roles"],
                sites=data["sites"],
            )
        except ConfigurationRefused as refusal:
            form.add_error("roles", str(refusal))
        else:
            messages.success(request, _("Les rôles de %(name)s sont enregistrés.") % {"name": account.get_full_name()})
            return _to_list(request)
    status = 422 if request.method == "POST" else 200
    return render(request, "backoffice/staff_form.html", {"form": form, "account": account}, status=status)


@admin_required
@require_POST
def staff_active(request: AuthedRequest, user_id: int) -> HttpResponse:
    account = access_staff(request.town, user_id)
    active = request.POST.get("active") == "1"
    try:
        actions.set_staff_active(request.town, request.user, account, active=active)
    except ConfigurationRefused as refusal:
        messages.error(request, str(refusal))
    else:
        if active:
            messages.success(request, _("Le compte de %(name)s est réactivé.") % {"name": account.get_full_name()})
        else:
            messages.success(
                request,
                _("Le compte de %(name)s est désactivé : il ne peut plus se connecter, son historique est conservé.")
                % {"name": account.get_full_name()},
            )
    return _to_list(request)


@admin_required
@require_POST
def staff_send_access(request: AuthedRequest, user_id: int) -> HttpResponse:
    account = access_staff(request.town, user_id)
    if not account.is_active:
        messages.error(request, _("Ce compte est désactivé : réactivez-le d'abord."))
    else:
        send_access(request.town, account, request)
        messages.success(request, _("Un courriel d'accès est envoyé à %(email)s.") % {"email": account.email})
    return _to_list(request)
