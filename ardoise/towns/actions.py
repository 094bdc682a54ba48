"""Changes to a town's sites and staff accounts, made by its administrator.

Each action is atomic and audited with the old and new values. Staff accounts
are never deleted (the audit trail refers to them): they are deactivated. An
administrator may not take their own administrator role away, nor deactivate
themselves, so that a town always keeps someone able to configure it.
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from ardoise.accounts.actions import send_access
from ardoise.accounts.models import User
from ardoise.audit import actions as audit
from ardoise.audit.actions import changes_between, snapshot
from ardoise.towns.models import Role, Site, StaffRole, Town


class ConfigurationRefused(Exception):
    """A configuration change the rules forbid; the message is French, for the administrator."""


# Audit helpers shared by the configuration actions (towns, activities, calendars)


# Sites

SITE_FIELDS = ("name", "address")


@transaction.atomic
def save_site(town: Town, actor: User, site: Site | None, *, name: str, address: str) -> Site:
    # Compared in Python: SQLite's case-insensitive match ignores accented capitals (École / école).
    others = Site.objects.filter(town=town).exclude(pk=site.pk if site else None).values_list("name", flat=True)
    if name.strip().casefold() in {other.casefold() for other in others}:
        raise ConfigurationRefused(_("Une école porte déjà ce nom."))
    before = snapshot(site, SITE_FIELDS) if site else {}
    site = site or Site(town=town)
    site.name, site.address = name.strip(), address.strip()
    site.save()
    action = "site.update" if before else "site.create"
    audit.record(
        town,
        actor,
        action,
        site,
        summary=f"École {site.name}",
        changes=changes_between(before, snapshot(site, SITE_FIELDS)),
    )
    return site


# Staff accounts and roles

# Roles other than site agent are held once; a site agent holds one role per site.
TOWN_WIDE_ROLES = [Role.ADMIN, Role.FRONT_DESK, Role.KITCHEN, Role.FINANCE]


def describe_roles(roles: Iterable[tuple[str, Site | None]]) -> list[str]:
    return sorted(
        f"{Role(role).label} — {site.name}" if site is not None else str(Role(role).label) for role, site in roles
    )


def _role_rows(town: Town, user: User) -> list[StaffRole]:
    return list(StaffRole.objects.filter(town=town, user=user).select_related("site"))


def _check_roles(roles: Iterable[str], sites: Iterable[Site]) -> None:
    roles = set(roles)
    if not roles and not list(sites):
        raise ConfigurationRefused(_("Choisissez au moins un rôle."))
    if Role.SITE_AGENT in roles:
        raise ValueError("Site agents are given through `sites`.")


@transaction.atomic
def create_staff(
    town: Town,
    actor: User,
    *,
    email: str,
    first_name: str,
    last_name: str,
    roles: Iterable[str],
    sites: Iterable[Site],
    request: HttpRequest | str,
) -> User:
    """A new staff account with its roles; it receives an e-mail to choose its password."""
    roles, sites = sorted(set(roles)), list(sites)
    _check_roles(roles, sites)
    email = email.strip().lower()
    if User.objects.filter(town=town, email__iexact=email).exists():
        raise ConfigurationRefused(_("Un compte de la commune utilise déjà ce courriel."))
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email, None, town=town, first_name=first_name.strip(), last_name=last_name.strip()
            )
    except IntegrityError:
        raise ConfigurationRefused(_("Un compte de la commune utilise déjà ce courriel.")) from None
    rows = [StaffRole(town=town, user=user, role=role) for role in roles]
    rows += [
        StaffRole(town=town, user=user, role=Role.SITE_AGENT, site=site) for site in sites if site.town_id == town.pk
    ]
    StaffRole.objects.bulk_create(rows)
    audit.record(
        town,
        actor,
        "staff.create",
        user,
        summary=f"Compte agent {email}",
        changes={
            "email": [None, email],
            "name": [None, user.get_full_name()],
            "roles": [None, describe_roles((r.role, r.site) for r in rows)],
        },
    )
    send_access(town, user, request)
    return user


@transaction.atomic
def change_staff(
    town: Town,
    actor: User,
    user: User,
    *,
    first_name: str,
    last_name: str,
    roles: Iterable[str],
    sites: Iterable[Site],
) -> None:
    """Rename a staff member and set their roles to exactly `roles` and site agent at `sites`."""
    roles, sites = set(roles), [site for site in sites if site.town_id == town.pk]
    _check_roles(roles, sites)
    if user.pk == actor.pk and Role.ADMIN not in roles:
        raise ConfigurationRefused(
            _("Vous ne pouvez pas retirer votre propre rôle d'administrateur : demandez-le à un autre administrateur.")
        )
    current = _role_rows(town, user)
    wanted = {(role, None) for role in roles} | {(Role.SITE_AGENT.value, site.pk) for site in sites}
    held = {(row.role, row.site_id): row for row in current}
    StaffRole.objects.filter(pk__in=[row.pk for key, row in held.items() if key not in wanted]).delete()
    site_by_id = {site.pk: site for site in sites}
    StaffRole.objects.bulk_create(
        [
            StaffRole(town=town, user=user, role=role, site=site_by_id.get(site_id) if site_id else None)
            for role, site_id in wanted
            if (role, site_id) not in held
        ]
    )
    before = {
        "name": user.get_full_name(),
        "roles": describe_roles((row.role, row.site) for row in current),
    }
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    user.save(update_fields=["first_name", "last_name"])
    after = {
        "name": user.get_full_name(),
        "roles": describe_roles((row.role, row.site) for row in _role_rows(town, user)),
    }
    changes = changes_between(before, after)
    if changes:
        audit.record(town, actor, "staff.update", user, summary=f"Compte agent {user.email}", changes=changes)
    user.__dict__.pop("_roles_cache", None)


@transaction.atomic
def set_staff_active(town: Town, actor: User, user: User, *, active: bool) -> None:
    """Deactivate (never delete) or reactivate a staff account."""
    if user.pk == actor.pk and not active:
        raise ConfigurationRefused(_("Vous ne pouvez pas désactiver votre propre compte."))
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.record(
        town,
        actor,
        "staff.activate" if active else "staff.deactivate",
        user,
        summary=f"Compte agent {user.email} {'réactivé' if active else 'désactivé'}",
        changes={"is_active": [not active, active]},
    )
