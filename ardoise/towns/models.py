"""The tenant (Town), its sites, and the roles its staff hold.

Every other table carries a `town` foreign key of its own (see TownScoped), so
that every query filters on it directly and the data can one day be spread
across database nodes by town.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connections, models, router
from django.utils.translation import gettext_lazy as _

from ardoise.towns.rows import column_of


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


def take_numbers(
    counter: type[models.Model], count: int = 1, *, first_use: Callable[[], int] | None = None, **key: Any
) -> range:
    """The next `count` numbers of a gapless counter (the row of `counter`, a model with `last_number`, for `key`).

    One statement once the row exists (an `UPDATE … RETURNING`, which takes the row's lock); the row stays locked
    until the caller's transaction ends: numbers taken at the same moment wait for each other, and those of a
    transaction that rolls back are taken again. The row is made on first use, after `first_use()` (the highest
    number already in use, for a counter made when some are: imported invoices) or after 0.
    """
    db = router.db_for_write(counter)
    meta = counter._meta
    # Our models' lowercase table and column names, which need no quoting.
    where = {column_of(meta.get_field(name)): getattr(value, "pk", value) for name, value in key.items()}
    with connections[db].cursor() as cursor:
        cursor.execute(
            f"UPDATE {meta.db_table} SET last_number = last_number + %s "  # noqa: S608 - names from the model
            f"WHERE {' AND '.join(f'{column} = %s' for column in where)} RETURNING last_number",
            [count, *where.values()],
        )
        row = cursor.fetchone()
    if row is not None:
        last = int(row[0])
    else:
        defaults = {} if first_use is None else {"last_number": first_use}  # called only when the row is made
        made: Any = (
            counter._default_manager.db_manager(db).select_for_update().get_or_create(**key, defaults=defaults)[0]
        )
        made.last_number += count
        made.save(update_fields=["last_number"])
        last = int(made.last_number)
    return range(last - count + 1, last + 1)


def take_number(counter: type[models.Model], **key: Any) -> int:
    """The next number of a gapless counter (see take_numbers)."""
    return take_numbers(counter, **key)[0]


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
