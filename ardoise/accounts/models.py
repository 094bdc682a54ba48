"""People who log in: parents (through a Guardian) and staff (through StaffRole).

An account belongs to one town: the same e-mail may have an account in two
towns, and each town's pages only ever authenticate their own accounts.
"""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ardoise.towns.models import Town


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    # Null only for platform operators (Django superusers), who belong to no town.
    town = models.ForeignKey(Town, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("courriel"))
    first_name = models.CharField(_("prénom"), max_length=100, blank=True)
    last_name = models.CharField(_("nom"), max_length=100, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    is_staff = models.BooleanField(_("opérateur de la plateforme"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("compte")
        constraints = [models.UniqueConstraint(fields=["town", "email"], name="user_unique_email_per_town")]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email


class ThrottledAttempt(models.Model):
    """Something counted to throttle guessing or mail bombing: what was typed, from where, when,
    and the accounts it designated (none for an unknown login; two for a family number)."""

    town = models.ForeignKey(Town, on_delete=models.CASCADE, related_name="+")
    login = models.CharField(max_length=254)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    accounts = models.ManyToManyField(User, related_name="+", blank=True)

    objects = models.Manager()  # declared so that code counting either kind is typed

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.login} {self.at:%d/%m/%Y %H:%M}"


class LoginFailure(ThrottledAttempt):
    """A failed login, counted per account (whatever identifier was typed) and per address."""

    class Meta:
        indexes = [models.Index(fields=["town", "login", "at"]), models.Index(fields=["town", "ip_address", "at"])]


class PasswordResetRequest(ThrottledAttempt):
    """A password link asked for, counted per address; `accounts` are those it was e-mailed to."""

    class Meta:
        indexes = [models.Index(fields=["town", "ip_address", "at"])]


class ApiToken(models.Model):
    """A bearer token of the JSON API; only its SHA-256 digest is stored."""

    town = models.ForeignKey(Town, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    # The account's session hash when the token was issued (it derives from the password hash):
    # a password change or reset makes it stale, and so ends the token as it ends sessions.
    password_fingerprint = models.CharField(max_length=128, default="")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"jeton de {self.user} (expire le {self.expires_at:%d/%m/%Y})"
