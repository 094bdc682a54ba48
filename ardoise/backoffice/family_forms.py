"""Forms of the staff's family pages: search, family, guardian, child, authorised person, enrolment, archive.

Staff edit records directly (unlike parents, whose forms become requests), so
these are model forms; they add what the models do not check, with French
messages: phone numbers, postcodes, the IBAN's checksum, sane birth dates.
They save nothing: `values()` goes to `families.actions`.
"""

import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings.forms import WEEKDAY_CHOICES
from ardoise.calendars.models import SchoolYear
from ardoise.families.models import HEALTH_HELP_TEXTS, AuthorisedPerson, Child, Family, Guardian
from ardoise.portal.record_forms import MAX_TEXT, validate_caf_number, validate_phone, validate_postcode
from ardoise.towns.models import Site, Town

# A child of a school service is between a toddler and a young adult.
OLDEST_CHILD_YEARS = 25
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def compact_iban(value: str) -> str:
    return re.sub(r"\s+", "", value).upper()


def validate_iban(value: str) -> None:
    """An IBAN: country, check digits, account; the ISO 13616 mod-97 checksum must be 1."""
    iban = compact_iban(value)
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", iban):
        raise ValidationError(
            _("IBAN invalide : 2 lettres, 2 chiffres puis le n° de compte (ex. FR76 3000 6000 0112 3456 7890 189)."),
            code="invalid_iban",
        )
    digits = "".join(str(int(char, 36)) for char in iban[4:] + iban[:4])
    if int(digits) % 97 != 1:
        raise ValidationError(_("IBAN invalide : la clé de contrôle ne correspond pas. Vérifiez chaque caractère."))


def validate_bic(value: str) -> None:
    if not re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", value.strip().upper()):
        raise ValidationError(_("BIC invalide : 8 ou 11 caractères (ex. AGRIFRPP ou AGRIFRPP882)."), code="invalid_bic")


class StaffRecordForm(forms.ModelForm):  # type: ignore[type-arg]
    """Base: strips text, bounds free text, gives `values()` for the actions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea):
                field.validators.append(MaxLengthValidator(MAX_TEXT))
                field.widget.attrs.update({"rows": 3, "maxlength": str(MAX_TEXT)})

    def values(self) -> dict[str, Any]:
        values = {}
        for name in self._meta.fields or ():
            if name not in self.cleaned_data:
                continue
            value = self.cleaned_data[name]
            values[name] = value.strip() if isinstance(value, str) else value
        return values


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Nom, n° de famille, prénom d'un enfant ou courriel"), required=False, max_length=100
    )
    archived = forms.BooleanField(label=gettext_lazy("Familles archivées"), required=False)


class FamilyForm(StaffRecordForm):
    class Meta:
        model = Family
        fields = [
            "number",
            "name",
            "quotient_familial",
            "resident",
            "caf_number",
            "caf_regime",
            "tax_reference",
            "account_holder",
            "bank_name",
            "iban",
            "bic",
        ]

    def __init__(self, *args: Any, town: Town, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.town = town
        self.fields["number"].required = not creating
        if creating:
            self.fields["number"].help_text = _("Laissez vide pour prendre le prochain numéro libre.")
        self.fields["quotient_familial"].validators = [
            MinValueValidator(0, message=_("Le quotient familial ne peut pas être négatif.")),
            MaxValueValidator(99999, message=_("Quotient familial trop élevé : 99 999 au plus.")),
        ]
        self.fields["quotient_familial"].widget.attrs.pop("min", None)
        self.fields["caf_number"].validators.append(validate_caf_number)
        self.fields["iban"].validators.append(validate_iban)
        self.fields["bic"].validators.append(validate_bic)
        self.fields["name"].error_messages["required"] = _("Indiquez le nom de la famille.")

    def clean_number(self) -> str:
        number: str = (self.cleaned_data.get("number") or "").strip()
        if number and not re.fullmatch(r"[A-Za-z0-9-]{1,30}", number):
            raise ValidationError(_("N° de famille invalide : chiffres, lettres et tirets seulement."))
        taken = Family.objects.filter(town=self.town, number=number)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if number and taken.exists():
            raise ValidationError(
                _("Le n° de famille %(number)s est déjà utilisé dans la commune.") % {"number": number}
            )
        return number

    def clean_name(self) -> str:
        return str(self.cleaned_data["name"]).strip().upper()

    def clean_iban(self) -> str:
        return compact_iban(self.cleaned_data.get("iban") or "")

    def clean_bic(self) -> str:
        return str(self.cleaned_data.get("bic") or "").strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("iban") and not data.get("account_holder"):
            self.add_error("account_holder", _("Indiquez le titulaire du compte de cet IBAN."))
        return data

    def _post_clean(self) -> None:
        # The unique (town, number) check is done in clean_number, with the town.
        pass


class GuardianForm(StaffRecordForm):
    class Meta:
        model = Guardian
        fields = [
            "civility",
            "first_name",
            "last_name",
            "relationship",
            "marital_status",
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
        ]

    def __init__(self, *args: Any, town: Town, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.town = town
        self.fields["postcode"].validators.append(validate_postcode)
        for name in ("mobile_phone", "home_phone", "work_phone"):
            self.fields[name].validators.append(validate_phone)
        self.fields["email"].error_messages["invalid"] = _("Adresse courriel invalide (ex. prenom.nom@exemple.fr).")
        self.fields["first_name"].error_messages["required"] = _("Indiquez le prénom.")
        self.fields["last_name"].error_messages["required"] = _("Indiquez le nom.")
        self.fields["civility"].error_messages["required"] = _("Choisissez la civilité.")

    def clean_email(self) -> str:
        email = str(self.cleaned_data.get("email") or "").strip().lower()
        if not email:
            return email
        accounts = User.objects.filter(town=self.town, email=email)
        if self.instance.pk and self.instance.user_id:
            accounts = accounts.exclude(pk=self.instance.user_id)
        # A guardian with an account logs in with this address: it must be theirs alone.
        if self.instance.pk and self.instance.user_id and accounts.exists():
            raise ValidationError(_("Ce courriel est déjà celui d'un autre compte de la commune."))
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("sms_consent") and not data.get("mobile_phone"):
            self.add_error("mobile_phone", _("Indiquez un mobile pour recevoir les SMS."))
        return data


class ChildForm(StaffRecordForm):
    class Meta:
        model = Child
        fields = [
            "first_name",
            "last_name",
            "sex",
            "birth_date",
            "site",
            "school_class",
            "allergies",
            "has_pai",
            "pai_details",
            "diet",
            "wears_glasses",
            "doctor",
            "health_notes",
            "may_leave_alone",
        ]
        widgets = {"birth_date": DATE_INPUT}
        help_texts = HEALTH_HELP_TEXTS

    HEALTH_FIELDS = ("allergies", "has_pai", "pai_details", "diet", "wears_glasses", "doctor", "health_notes")

    def __init__(self, *args: Any, town: Town, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        site_field: forms.ModelChoiceField = self.fields["site"]  # type: ignore[assignment]
        site_field.queryset = Site.objects.filter(town=town)
        site_field.error_messages["invalid_choice"] = _("Choisissez une école de la commune.")
        site_field.error_messages["required"] = _("Choisissez l'école de l'enfant.")
        self.fields["birth_date"].error_messages["invalid"] = _("Indiquez une date valide (jj/mm/aaaa).")
        self.fields["birth_date"].error_messages["required"] = _("Indiquez la date de naissance.")
        self.fields["first_name"].error_messages["required"] = _("Indiquez le prénom.")
        self.fields["last_name"].error_messages["required"] = _("Indiquez le nom.")
        self.fields["sex"].error_messages["required"] = _("Choisissez fille ou garçon.")

    def clean_birth_date(self) -> datetime.date:
        born: datetime.date = self.cleaned_data["birth_date"]
        if born > self.today:
            raise ValidationError(_("La date de naissance est dans le futur."))
        if born.year < self.today.year - OLDEST_CHILD_YEARS:
            raise ValidationError(
                _("Date de naissance improbable : l'enfant aurait plus de %(years)d ans.")
                % {"years": OLDEST_CHILD_YEARS}
            )
        return born

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("has_pai") and not str(data.get("pai_details") or "").strip():
            self.add_error("pai_details", _("Décrivez le PAI (allergie, traitement, conduite à tenir)."))
        return data


class AuthorisedPersonForm(StaffRecordForm):
    class Meta:
        model = AuthorisedPerson
        fields = ["first_name", "last_name", "relationship", "phone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].validators.append(validate_phone)
        self.fields["phone"].error_messages["required"] = _("Indiquez un téléphone pour joindre cette personne.")
        self.fields["first_name"].error_messages["required"] = _("Indiquez le prénom.")
        self.fields["last_name"].error_messages["required"] = _("Indiquez le nom.")


class EnrolForm(forms.Form):
    activity = forms.ModelChoiceField(
        label=gettext_lazy("Activité"),
        queryset=Activity.objects.none(),
        error_messages={
            "required": gettext_lazy("Choisissez une activité."),
            "invalid_choice": gettext_lazy("Choisissez une activité de la commune."),
        },
    )
    school_year = forms.ModelChoiceField(
        label=gettext_lazy("Année scolaire"),
        queryset=SchoolYear.objects.none(),
        error_messages={
            "required": gettext_lazy("Choisissez une année scolaire."),
            "invalid_choice": gettext_lazy("Choisissez une année scolaire en cours ou à venir."),
        },
    )
    weekly_pattern = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Jours réguliers (facultatif)"),
        help_text=gettext_lazy(
            "Les jours où l'enfant vient chaque semaine ; laissez vide pour réserver au jour le jour."
        ),
        coerce=int,
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Jour de la semaine inconnu.")},
    )

    def __init__(self, *args: Any, town: Town, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        activity_field: forms.ModelChoiceField = self.fields["activity"]  # type: ignore[assignment]
        activity_field.queryset = (
            Activity.objects.filter(town=town).select_related("site").order_by("site__name", "label")
        )
        activity_field.label_from_instance = lambda activity: f"{activity.site.name} — {activity.label}"  # type: ignore[method-assign]
        year_field: forms.ModelChoiceField = self.fields["school_year"]  # type: ignore[assignment]
        year_field.queryset = SchoolYear.objects.filter(town=town, ends_on__gte=today).order_by("start_year")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        activity, pattern = data.get("activity"), data.get("weekly_pattern") or []
        if activity is not None and any(day not in activity.weekdays for day in pattern):
            self.add_error("weekly_pattern", _("Choisissez seulement des jours où l'activité a lieu."))
        return data


class ArchiveForm(forms.Form):
    archived_on = forms.DateField(
        label=gettext_lazy("Archiver à la date du"),
        help_text=gettext_lazy("Les réservations après cette date sont annulées ; l'historique est conservé."),
        widget=DATE_INPUT,
        error_messages={
            "required": gettext_lazy("Indiquez la date d'archivage."),
            "invalid": gettext_lazy("Indiquez une date valide (jj/mm/aaaa)."),
        },
    )

    def __init__(self, *args: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_archived_on(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["archived_on"]
        if abs((day - self.today).days) > 366:
            raise ValidationError(_("Choisissez une date dans l'année qui précède ou qui suit."))
        return day
