"""Forms shared by the portal's and the back office's messaging pages."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ardoise.bookings.uploads import ACCEPT, ALLOWED_LABEL, validate_document
from ardoise.messaging.actions import MAX_ATTACHMENTS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files, each checked by content (PDF, JPEG, PNG; 5 MB)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(_("%(max)s pièces jointes au maximum par message.") % {"max": MAX_ATTACHMENTS})
        errors = []
        for upload in files:
            super().clean(upload, initial)
            try:
                validate_document(upload)
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return list(files)


ATTACHMENT_HELP = _("Facultatif. %(allowed)s, 5 Mo au maximum par fichier, %(max)s fichiers au plus.") % {
    "allowed": ALLOWED_LABEL,
    "max": MAX_ATTACHMENTS,
}


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Votre message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Écrivez votre message.")},
    )
    attachments = MultipleFileField(label=_("Pièces jointes"), help_text=ATTACHMENT_HELP)

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not body:
            raise ValidationError(_("Écrivez votre message."))
        return body


class NewMessageForm(ReplyForm):
    subject = forms.CharField(
        label=_("Objet"), max_length=200, error_messages={"required": _("Indiquez l'objet du message.")}
    )
    field_order = ["subject", "body", "attachments"]
