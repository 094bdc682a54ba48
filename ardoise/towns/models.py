"""The tenant (Town), its sites, and the roles its staff hold.

Every other table carries a `town` foreign key of its own (see TownScoped), so
that every query filters on it directly and the data can one day be spread
across database nodes by town.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Zone(models.TextChoices):
    A = "A", _("Zone A")
    B = "B", _("Zone B")
    C = "C", _("Zone C")


class BillingMode(models.TextChoices):
    INVOICE = "invoice", _("Facturation après service")
    PREPAYMENT = "prepayment", _("Prépaiement à la réservation")


class Town(models.Model):
    slug = models.SlugField(unique=True, help_text=_("Utilisé dans les adresses : /<slug>/"))
    name = models.CharField(_("nom"), max_length=200)
    zone = models.CharField(_("zone de vacances scolaires"), max_length=1, choices=Zone.choices)
    regie_name = models.CharField(_("régie"), max_length=200, blank=True)
    address = models.TextField(_("adresse postale"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    opening_hours = models.CharField(_("horaires d'accueil"), max_length=200, blank=True)
    billing_mode = models.CharField(
        _("mode de facturation"), max_length=20, choices=BillingMode.choices, default=BillingMode.INVOICE
    )
    # Whether a child absent without a declared reason is billed (absent_billed)
    # or not (absent_excused) when the roll call is closed.
    bill_undeclared_absences = models.BooleanField(_("facturer les absences non justifiées"), default=True)
    # Whether families may create their account and send their file at /<town>/inscription/ (ardoise.signup).
    signup_open = models.BooleanField(_("inscription en ligne ouverte"), default=False, db_default=False)
    # Bumped in the transaction of every change of the town's reference data (school years, closures,
    # activities, tariffs…): each process keeps its copy of that data while this is unchanged (towns.reference).
    reference_version = models.PositiveBigIntegerField(default=0, db_default=0, editable=False)

    class Meta:
        verbose_name = _("commune")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TownScoped(models.Model):
    """Base of every table that belongs to a town."""

    town = models.ForeignKey(Town, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


def take_number(counter: type[models.Model], **key: Any) -> int:
    """The next number of a gapless counter: the row of `counter` (a model with `last_number`) for `key`.

    The row, made on first use, stays locked until the caller's transaction ends: numbers drawn at the
    same moment wait for each other, and one drawn in a transaction that rolls back is drawn again.
    """
    row: Any = counter._default_manager.select_for_update().get_or_create(**key)[0]
    row.last_number += 1
    row.save(update_fields=["last_number"])
    return int(row.last_number)


class Site(TownScoped):
    name = models.CharField(_("nom"), max_length=200)
    address = models.TextField(_("adresse"), blank=True)

    class Meta:
        verbose_name = _("école / structure")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["town", "name"], name="site_unique_name_per_town")]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrateur de la commune")
    FRONT_DESK = "front_desk", _("Agent d'accueil")
    SITE_AGENT = "site_agent", _("Agent de site / animateur")
    KITCHEN = "kitchen", _("Cuisine")
    FINANCE = "finance", _("Finances / régie")


class StaffRole(TownScoped):
    """One role a staff member holds in a town; site agents hold one per site."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("rôle d'agent")
        constraints = [
            models.UniqueConstraint(fields=["town", "user", "role", "site"], name="staffrole_unique"),
            models.CheckConstraint(
                condition=models.Q(role="site_agent", site__isnull=False) | ~models.Q(role="site_agent"),
                name="staffrole_site_agent_has_site",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"
