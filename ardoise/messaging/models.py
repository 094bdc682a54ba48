"""Communication between families and the service: message threads with their
attachments, documents and menus, news, and the e-mails Ardoise sends.

A thread belongs to one family; each side (the family, the service) may put it
in its "Supprimés" folder without touching the other side's view, and take it
back out. A message is read by the other side once: `read_at` is the receipt.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ardoise.families.models import Family, Guardian
from ardoise.towns.models import Site, TownScoped


class Thread(TownScoped):
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="threads")
    subject = models.CharField(_("objet"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the last message was written, for sorting the inboxes without a join.
    last_message_at = models.DateTimeField()
    # True while the family's last message waits for the service's answer.
    awaiting_staff = models.BooleanField(default=False)
    # Soft delete, per side: the thread sits in that side's "Supprimés" folder.
    family_deleted_at = models.DateTimeField(null=True, blank=True)
    staff_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        ordering = ["-last_message_at", "-pk"]
        indexes = [
            models.Index(fields=["town", "family", "-last_message_at"]),
            models.Index(fields=["town", "-last_message_at"]),
        ]

    def __str__(self) -> str:
        return self.subject


class Message(TownScoped):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Written by the service (True) or by the family (False).
    from_staff = models.BooleanField()
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)
    # Read receipt: when the other side first opened the thread after this message.
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["town", "thread", "created_at"])]

    def __str__(self) -> str:
        return f"{self.thread} — {self.created_at:%Y-%m-%d %H:%M}"


class Attachment(TownScoped):
    """A PDF or image joined to a message; served only through views that check access."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="messages/%Y/%m/")
    name = models.CharField(_("nom du fichier"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()  # bytes

    class Meta:
        verbose_name = _("pièce jointe")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class DocumentKind(models.TextChoices):
    MENU = "menu", _("Menus")
    RULES = "rules", _("Règlement")
    FORM = "form", _("Formulaire")
    OTHER = "other", _("Information")


class Document(TownScoped):
    """A file staff publish for the whole town (no site) or one site, over a period."""

    title = models.CharField(_("titre"), max_length=200)
    kind = models.CharField(_("type"), max_length=10, choices=DocumentKind.choices, default=DocumentKind.OTHER)
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("école")
    )
    file = models.FileField(upload_to="documents/%Y/")
    file_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()  # bytes
    # Shown to parents from `published_from` to `published_until` included (open-ended when empty).
    published_from = models.DateField(_("publié à partir du"))
    published_until = models.DateField(_("jusqu'au"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        ordering = ["-published_from", "title"]
        indexes = [models.Index(fields=["town", "published_from"])]

    def __str__(self) -> str:
        return self.title


class Menu(TownScoped):
    """The day's menu at a site, as text."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+", verbose_name=_("école"))
    date = models.DateField(_("jour"))
    text = models.TextField(_("menu"))

    class Meta:
        verbose_name = _("menu")
        ordering = ["date", "site__name"]
        constraints = [models.UniqueConstraint(fields=["site", "date"], name="menu_unique_per_site_and_day")]
        indexes = [models.Index(fields=["town", "date"])]

    def __str__(self) -> str:
        return f"{self.site} {self.date}"


class News(TownScoped):
    """A dated announcement (Actualités), shown over its publication period."""

    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("texte"))
    published_from = models.DateField(_("publiée à partir du"))
    published_until = models.DateField(_("jusqu'au"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("actualité")
        verbose_name_plural = _("actualités")
        ordering = ["-published_from", "-pk"]
        indexes = [models.Index(fields=["town", "published_from"])]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(TownScoped):
    """Which optional e-mails a guardian receives (no row: all of them, within the e-mail consent)."""

    guardian = models.OneToOneField(Guardian, on_delete=models.CASCADE, related_name="notification_preference")
    new_message = models.BooleanField(_("un nouveau message du service"), default=True)
    booking_confirmation = models.BooleanField(_("la confirmation de mes réservations"), default=True)
    request_decision = models.BooleanField(_("la réponse à mes demandes (acceptée ou refusée)"), default=True)

    class Meta:
        verbose_name = _("préférences de notification")


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    SENT = "sent", _("Envoyé")


class OutgoingEmail(TownScoped):
    """One e-mail to one address, kept until the mail server has taken it (the outbox).

    Queued with its subject, its `template` (a pair `<template>.txt` and `.html`) and the template's
    `context` as JSON (`messaging.email_context`); the task worker renders the bodies when it sends it, and
    keeps them (the context is then emptied). A row queued with its bodies already written (no template)
    is sent as it is.
    """

    kind = models.CharField(max_length=40)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    # Defaults in the database too: code that writes its bodies itself (one a rolling upgrade still runs) can queue.
    template = models.CharField(max_length=100, blank=True, default="", db_default="")
    context = models.JSONField(default=dict, db_default={}, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("courriel")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["town", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.to} — {self.subject}"
