"""Forms of the online sign-up: the account, then each step of the family's file.

The file's steps reuse the staff's record forms (`backoffice.family_forms`: the
same fields, checks and French messages), narrowed to what a family gives at
each step. They save nothing: `values()` goes to `signup.actions`.
"""

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ardoise.accounts.models import User
from ardoise.backoffice.family_forms import AuthorisedPersonForm, ChildForm, GuardianForm, StaffRecordForm
from ardoise.towns.models import Town

__all__ = [
    "AccountForm",
    "AuthorisedPersonForm",
    "ChildHealthForm",
    "ChildIdentityForm",
    "FirstGuardianForm",
    "SecondGuardianForm",
]


class AccountForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("Prénom"), max_length=100)
    last_name = forms.CharField(label=gettext_lazy("Nom"), max_length=100)
    email = forms.EmailField(
        label=gettext_lazy("Adresse e-mail"),
        max_length=254,
        help_text=gettext_lazy("Vous recevrez un lien pour la confirmer."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"}),
    )
    password1 = forms.CharField(
        label=gettext_lazy("Mot de passe"),
        strip=False,
        help_text=gettext_lazy("10 caractères au moins, pas trop courant ni proche de votre nom."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Mot de passe (à nouveau)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, town: Town, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.town = town
        for name, message in (
            ("first_name", _("Indiquez votre prénom.")),
            ("last_name", _("Indiquez votre nom.")),
            ("email", _("Indiquez votre adresse e-mail.")),
            ("password1", _("Choisissez un mot de passe.")),
            ("password2", _("Tapez le mot de passe une seconde fois.")),
        ):
            self.fields[name].error_messages["required"] = message
        self.fields["email"].error_messages["invalid"] = _("Adresse e-mail invalide (ex. prenom.nom@exemple.fr).")

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        elif first:
            candidate = User(
                town=self.town,
                email=data.get("email", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(first, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return data


GUARDIAN_IDENTITY = ["civility", "first_name", "last_name", "relationship"]
GUARDIAN_CONTACT = ["address", "postcode", "city", "mobile_phone", "home_phone", "work_phone"]


class FirstGuardianForm(GuardianForm):
    """Guardian 1 and the family's address; their e-mail is the account's, confirmed already."""

    class Meta(GuardianForm.Meta):
        fields = [*GUARDIAN_IDENTITY, *GUARDIAN_CONTACT, "email", "profession", "employer", "email_consent"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].disabled = True
        self.fields["email"].help_text = _("L'adresse de votre compte, confirmée à l'inscription.")
        for name, message in (
            ("address", _("Indiquez votre adresse.")),
            ("postcode", _("Indiquez le code postal.")),
            ("city", _("Indiquez la ville.")),
        ):
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = message

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(data.get(name) for name in ("mobile_phone", "home_phone", "work_phone")):
            self.add_error("mobile_phone", _("Indiquez au moins un téléphone où vous joindre."))
        return data


class SecondGuardianForm(GuardianForm):
    class Meta(GuardianForm.Meta):
        fields = [*GUARDIAN_IDENTITY, *GUARDIAN_CONTACT, "email", "email_consent"]


class ChildIdentityForm(ChildForm):
    """A child's identity and school (the health record is its own step)."""

    class Meta(ChildForm.Meta):
        fields = ["first_name", "last_name", "sex", "birth_date", "site", "school_class"]


class ChildHealthForm(ChildForm):
    """A child's health and diet: the fields the staff's child form has for them, and its PAI check."""

    class Meta(ChildForm.Meta):
        fields = list(ChildForm.HEALTH_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The identity fields ChildForm words are not here: only the base's bounds on free text apply.
        kwargs.pop("town", None)
        kwargs.pop("today", None)
        StaffRecordForm.__init__(self, *args, **kwargs)
