"""Supporting documents (pièces justificatives): the types a town asks for, and what families upload.

A `DocumentType` concerns the family or each child; the activities it lists need it (booking one of them
is refused without a valid document, `requirements.py`); with no activity it is asked of everyone and
needed for nothing. A `SupportingDocument` is one file a family uploaded for a type (and a child), checked
by staff when the type says so. What state a document is in on a day is a pure rule (`status.py`).
"""

import secrets
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ardoise.activities.models import Activity
from ardoise.families.models import Child, Family
from ardoise.towns.models import TownScoped


class Concerns(models.TextChoices):
    FAMILY = "family", _("La famille")
    CHILD = "child", _("Chaque enfant")


class DocumentType(TownScoped):
    label = models.CharField(_("libellé"), max_length=200)
    concerns = models.CharField(_("concerne"), max_length=10, choices=Concerns.choices, default=Concerns.CHILD)
    # Empty: asked of everyone, needed for nothing; else asked of the children enrolled in one of them
    # (and their family), and needed to book them.
    activities = models.ManyToManyField(
        Activity, blank=True, related_name="required_document_types", verbose_name=_("activités qui l'exigent")
    )
    # Months a document stays valid from the date it bears; empty: it never expires.
    validity_months = models.PositiveSmallIntegerField(_("durée de validité (mois)"), null=True, blank=True)
    checked_by_staff = models.BooleanField(_("vérifié par le service"), default=True)
    # A child's PAI (projet d'accueil individualisé) document is asked only of children with a PAI.
    only_with_pai = models.BooleanField(_("seulement pour les enfants avec un PAI"), default=False)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("type de pièce justificative")
        ordering = ["position", "label", "pk"]
        constraints = [models.UniqueConstraint(fields=["town", "label"], name="documenttype_unique_label")]

    def __str__(self) -> str:
        return self.label


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("À vérifier")
    ACCEPTED = "accepted", _("Acceptée")
    REFUSED = "refused", _("Refusée")


def stored_name(instance: "SupportingDocument", filename: str) -> str:
    """A name nobody can guess (the original one is kept in `file_name`), with the file's extension."""
    extension = PurePath(filename).suffix.lower()[:5]
    return f"supporting/{instance.town_id}/{secrets.token_urlsafe(24)}{extension}"


class SupportingDocument(TownScoped):
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="supporting_documents")
    # Empty for a document of the family (a type that concerns the family).
    child = models.ForeignKey(
        Child, null=True, blank=True, on_delete=models.CASCADE, related_name="supporting_documents"
    )
    document_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(upload_to=stored_name, max_length=200)
    file_name = models.CharField(_("nom du fichier"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()  # bytes
    # The date the document bears (the certificate's date), given by the parent.
    dated_on = models.DateField(_("date du document"))
    # Valid from `valid_from` to `valid_until` included; computed from `dated_on` and the type's validity,
    # staff may correct them. `valid_until` empty: no expiry.
    valid_from = models.DateField(_("valable à partir du"))
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.PENDING)
    refusal_reason = models.TextField(_("motif du refus"), blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    # When a newer accepted document of the same type and person replaced this one (kept, no longer current).
    replaced_at = models.DateTimeField(null=True, blank=True)
    # The day the "expires soon" e-mail was sent: once per document.
    expiry_reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("pièce justificative")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [
            models.Index(fields=["town", "family", "document_type"]),
            models.Index(fields=["town", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.document_type} — {self.file_name}"

    @property
    def person(self) -> Any:
        return self.child if self.child_id else self.family
