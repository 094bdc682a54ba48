"""Forms a family fills to ask for a change to its record (never a direct edit).

Each form takes its fields from the model (labels, lengths, choices, e-mail
format) and adds what the model does not check: phone numbers, postcodes,
lengths of free text. It edits nothing: `values()` gives what the family
asked for, and `families.actions.request_record_change` keeps what differs.
"""

import copy
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator
from django.db.models import Model
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from ardoise.families.models import HEALTH_HELP_TEXTS, AuthorisedPerson, Child, Family, Guardian

# Free text (allergies, PAI, notes): long enough for a paragraph, not a novel.
MAX_TEXT = 2000


def validate_phone(value: str) -> None:
    """A French number (06 12 34 56 78, 06.12.34.56.78, +33 6 12 34 56 78) or an international one."""
    compact = re.sub(r"[\s.\-()]", "", value)
    if re.fullmatch(r"0[1-9]\d{8}", compact) or re.fullmatch(r"\+33[1-9]\d{8}", compact):
        return
    if re.fullmatch(r"\+(?!33)[1-9]\d{6,14}", compact):
        return
    raise ValidationError(
        _("Numéro de téléphone invalide : 10 chiffres (ex. 06 12 34 56 78) ou +33 6 12 34 56 78."),
        code="invalid_phone",
    )


def validate_postcode(value: str) -> None:
    if not re.fullmatch(r"\d{5}", value.strip()):
        raise ValidationError(_("Code postal invalide : 5 chiffres (ex. 31400)."), code="invalid_postcode")


def validate_caf_number(value: str) -> None:
    if not re.fullmatch(r"\d{1,10}", value.strip()):
        raise ValidationError(_("N° allocataire CAF invalide : jusqu'à 10 chiffres."), code="invalid_caf")


class RecordChangeForm(forms.Form):
    """Base of the change forms; subclasses name their model and fields."""

    model: type[Model]
    record_fields: tuple[str, ...]
    field_validators: dict[str, list[Any]] = {}
    field_help: dict[str, Any] = {}
    _model_fields: dict[str, forms.Field] | None = None

    comment = forms.CharField(
        label=_("Commentaire pour le service (facultatif)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The model's fields first, then the comment.
        self.fields = {**copy.deepcopy(self.model_fields()), **self.fields}

    @classmethod
    def model_fields(cls) -> dict[str, forms.Field]:
        cached = cls.__dict__.get("_model_fields")
        if cached is None:
            cached = fields_for_model(cls.model, fields=list(cls.record_fields))
            for name, field in cached.items():
                field.validators.extend(cls.field_validators.get(name, []))
                if name in cls.field_help:
                    field.help_text = cls.field_help[name]
                if isinstance(field.widget, forms.Textarea):
                    field.max_length = MAX_TEXT  # type: ignore[attr-defined]
                    field.validators.append(MaxLengthValidator(MAX_TEXT))
                    field.widget.attrs.update({"rows": 3, "maxlength": str(MAX_TEXT)})
            cls._model_fields = cached
        return cached  # type: ignore[no-any-return]

    @classmethod
    def initial_for(cls, record: Model | None) -> dict[str, Any]:
        if record is None:
            return {}
        return {name: getattr(record, name) for name in cls.record_fields}

    def values(self) -> dict[str, Any]:
        values = {}
        for name in self.record_fields:
            value = self.cleaned_data[name]
            values[name] = value.strip() if isinstance(value, str) else value
        return values


class GuardianChangeForm(RecordChangeForm):
    model = Guardian
    record_fields = (
        "address",
        "postcode",
        "city",
        "mobile_phone",
        "home_phone",
        "work_phone",
        "email",
        "profession",
        "employer",
        "employer_address",
        "email_consent",
        "sms_consent",
    )
    field_validators = {
        "postcode": [validate_postcode],
        "mobile_phone": [validate_phone],
        "home_phone": [validate_phone],
        "work_phone": [validate_phone],
    }


class ChildChangeForm(RecordChangeForm):
    model = Child
    record_fields = (
        "allergies",
        "has_pai",
        "pai_details",
        "diet",
        "wears_glasses",
        "doctor",
        "health_notes",
        "may_leave_alone",
    )
    field_help = HEALTH_HELP_TEXTS


class FamilyChangeForm(RecordChangeForm):
    model = Family
    record_fields = ("quotient_familial", "caf_number", "caf_regime")
    field_validators = {"caf_number": [validate_caf_number], "quotient_familial": [MaxValueValidator(99999)]}


class AuthorisedPersonForm(RecordChangeForm):
    model = AuthorisedPerson
    record_fields = ("first_name", "last_name", "relationship", "phone")
    field_validators = {"phone": [validate_phone]}
