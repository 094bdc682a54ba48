"""Forms of the administrator's configuration pages (sites, activities, calendar, tariffs, staff).

Forms check what a person typed and explain it in French; the rules that hold
whatever the door (deadline rule complete, tariffs from today on, bands
increasing, no lockout) are enforced again by the actions they call.
"""

import datetime
import itertools
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from ardoise.activities.models import Activity
from ardoise.billing.models import TariffMode
from ardoise.calendars.deadlines import WEEKDAY_NAMES, DeadlineKind, DeadlineRule
from ardoise.towns.models import Role, Site, Town, Zone

WEEKDAY_CHOICES = [(index, name.capitalize()) for index, name in enumerate(WEEKDAY_NAMES)]
MONEY = {"max_digits": 8, "decimal_places": 2, "min_value": Decimal("0.00")}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class TownChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name if isinstance(obj, Site) else obj)


class SiteForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=200)
    address = forms.CharField(label=_("Adresse"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ActivityForm(forms.Form):
    site = TownChoiceField(label=_("École"), queryset=Site.objects.none(), empty_label=None)
    label = forms.CharField(label=_("Libellé"), max_length=200, help_text=_("Affiché aux familles : « Repas », …"))
    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("Court, sans espace ni accent : repas, garderie_soir…")
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Jours de fonctionnement"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins un jour.")},
    )
    starts_at = forms.TimeField(label=_("Début"), required=False, widget=TimeInput())
    ends_at = forms.TimeField(label=_("Fin"), required=False, widget=TimeInput())
    capacity = forms.IntegerField(
        label=_("Places par jour"), required=False, min_value=1, help_text=_("Vide : sans limite.")
    )
    needs_validation = forms.BooleanField(label=_("Chaque réservation est validée par le service"), required=False)
    runs_in_school_holidays = forms.BooleanField(label=_("Fonctionne pendant les vacances scolaires"), required=False)
    holidays_only = forms.BooleanField(
        label=_("Seulement pendant les vacances scolaires"),
        required=False,
        help_text=_("Accueil de loisirs des vacances : fermé tous les jours d'école."),
    )
    deadline_kind = forms.ChoiceField(label=_("Date butoir"), choices=DeadlineKind.choices)
    deadline_weekday = forms.TypedChoiceField(
        label=_("Jour de la semaine précédente"),
        choices=[("", "—"), *WEEKDAY_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Pour « chaque semaine » : le jeudi pour la semaine suivante, par exemple."),
    )
    deadline_days = forms.IntegerField(
        label=_("Nombre de jours ouvrés avant"),
        required=False,
        min_value=1,
        max_value=30,
        help_text=_("Pour « N jours ouvrés avant » : 2 pour J-2."),
    )
    deadline_time = forms.TimeField(label=_("Heure limite"), required=False, widget=TimeInput())
    deadline_fixed_at = forms.DateTimeField(
        label=_("Date et heure limites"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        help_text=_("Pour « date fixe » : une seule limite pour toute la période."),
    )
    deadline_skips_public_holidays = forms.BooleanField(
        label=_("Les jours fériés ne comptent pas comme jours ouvrés"), required=False
    )

    def __init__(self, *args: Any, town: Town, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["site"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Site.objects.filter(town=town)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("L'heure de fin doit suivre l'heure de début."))
        kind = data.get("deadline_kind")
        if not kind:
            return data
        # Keep only the fields the chosen kind reads, so that the stored rule is unambiguous.
        if kind != DeadlineKind.WEEKLY:
            data["deadline_weekday"] = None
        if kind != DeadlineKind.WORKING_DAYS:
            data["deadline_days"] = None
            data["deadline_skips_public_holidays"] = False
        if kind != DeadlineKind.FIXED:
            data["deadline_fixed_at"] = None
        elif data.get("deadline_fixed_at"):
            data["deadline_time"] = data["deadline_fixed_at"].time().replace(tzinfo=None)
        if kind != DeadlineKind.FIXED and data.get("deadline_time") is None:
            self.add_error("deadline_time", _("Indiquez l'heure limite."))
            return data
        rule = DeadlineRule(
            kind=DeadlineKind(kind),
            time=data.get("deadline_time") or datetime.time(0, 0),
            weekday=data.get("deadline_weekday"),
            days=data.get("deadline_days"),
            fixed_at=data.get("deadline_fixed_at"),
            skip_public_holidays=bool(data.get("deadline_skips_public_holidays")),
        )
        try:
            rule.validate()
        except ValueError as error:
            field = {
                DeadlineKind.WEEKLY: "deadline_weekday",
                DeadlineKind.WORKING_DAYS: "deadline_days",
                DeadlineKind.FIXED: "deadline_fixed_at",
            }.get(DeadlineKind(kind), "deadline_kind")
            self.add_error(field, str(error))
        return data

    @staticmethod
    def initial_for(activity: Activity) -> dict[str, Any]:
        return {
            "site": activity.site_id,
            "label": activity.label,
            "code": activity.code,
            "weekdays": activity.weekdays,
            "starts_at": activity.starts_at,
            "ends_at": activity.ends_at,
            "capacity": activity.capacity,
            "needs_validation": activity.needs_validation,
            "runs_in_school_holidays": activity.runs_in_school_holidays,
            "holidays_only": activity.holidays_only,
            "deadline_kind": activity.deadline_kind,
            "deadline_weekday": activity.deadline_weekday,
            "deadline_days": activity.deadline_days,
            "deadline_time": activity.deadline_time,
            "deadline_fixed_at": activity.deadline_fixed_at,
            "deadline_skips_public_holidays": activity.deadline_skips_public_holidays,
        }


class AbsenceReasonForm(forms.Form):
    label = forms.CharField(label=_("Libellé"), max_length=200)
    billed = forms.BooleanField(label=_("Le jour reste facturé"), required=False)
    document_required = forms.BooleanField(label=_("Un justificatif est demandé"), required=False)
    waiting_days = forms.IntegerField(
        label=_("Jours de carence"),
        min_value=0,
        max_value=30,
        initial=0,
        help_text=_("Les N premiers jours d'absence de suite restent facturés."),
    )
    position = forms.IntegerField(label=_("Ordre dans la liste"), min_value=0, max_value=999, initial=0)


class SchoolYearForm(forms.Form):
    start_year = forms.IntegerField(label=_("Année de rentrée"), min_value=2000, max_value=2100)
    starts_on = forms.DateField(label=_("Premier jour d'école"), widget=DateInput())
    ends_on = forms.DateField(label=_("Dernier jour d'école"), widget=DateInput())
    zone = forms.ChoiceField(label=_("Zone de vacances scolaires"), choices=Zone.choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] <= data["starts_on"]:
            self.add_error("ends_on", _("Le dernier jour doit suivre le premier jour."))
        return data


class ClosureForm(forms.Form):
    starts_on = forms.DateField(label=_("Du"), widget=DateInput())
    ends_on = forms.DateField(label=_("Au"), required=False, widget=DateInput(), help_text=_("Vide : un seul jour."))
    label = forms.CharField(label=_("Motif"), max_length=200, help_text=_("Grève, journée pédagogique…"))
    site = TownChoiceField(
        label=_("École"), queryset=Site.objects.none(), required=False, empty_label=_("Toutes les écoles")
    )
    activity = TownChoiceField(
        label=_("Activité"), queryset=Activity.objects.none(), required=False, empty_label=_("Toutes les activités")
    )

    def __init__(self, *args: Any, town: Town, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site, activity = self.fields["site"], self.fields["activity"]
        assert isinstance(site, forms.ModelChoiceField)
        assert isinstance(activity, forms.ModelChoiceField)
        site.queryset = Site.objects.filter(town=town)
        activity.queryset = Activity.objects.filter(town=town).select_related("site")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("La fin de la fermeture doit suivre son début."))
        activity, site = data.get("activity"), data.get("site")
        if activity and site and activity.site_id != site.pk:
            self.add_error("activity", _("Cette activité n'a pas lieu dans l'école choisie."))
        return data


class TariffForm(forms.Form):
    valid_from = forms.DateField(
        label=_("Applicable à partir du"),
        widget=DateInput(),
        help_text=_("Aujourd'hui au plus tôt : les jours passés gardent leur prix."),
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=TariffMode.choices,
        help_text=_(
            "Forfait semaine : un forfait par semaine (du lundi au dimanche) comptant au moins un jour facturable. "
            "Forfait N jours : les jours facturables de la période de facturation, pris N par N dans l'ordre des "
            "dates ; un dernier forfait incomplet est facturé au prorata de ses jours (prix × jours ÷ N, arrondi "
            "au centime le plus proche, la moitié vers le haut). Le prix d'un forfait est celui de la famille "
            "(tranche, hors commune, PAI, réduction fratrie)."
        ),
    )
    pack_days = forms.IntegerField(
        label=_("Jours par forfait"),
        required=False,
        min_value=1,
        max_value=31,
        help_text=_("Pour « Forfait N jours » seulement : 5 pour un forfait de 5 jours."),
    )
    base_price = forms.DecimalField(
        label=_("Prix de base (€)"), help_text=_("Sans tranche applicable ou sans quotient familial."), **MONEY
    )
    non_resident_price = forms.DecimalField(
        label=_("Prix hors commune (€)"), required=False, help_text=_("Vide : même prix."), **MONEY
    )
    pai_price = forms.DecimalField(
        label=_("Prix PAI, panier repas (€)"), required=False, help_text=_("Vide : même prix."), **MONEY
    )
    penalty_price = forms.DecimalField(
        label=_("Prix sans réservation (€)"), required=False, help_text=_("Vide : même prix."), **MONEY
    )
    penalty_from_nth = forms.IntegerField(
        label=_("Pénalité à partir du N-ième jour sans réservation du mois"), min_value=1, max_value=31, initial=1
    )
    sibling_discount_percent = forms.DecimalField(
        label=_("Réduction fratrie (%)"),
        max_digits=5,
        decimal_places=2,
        initial=Decimal("0.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("Pour le 2e enfant inscrit et les suivants."),
    )

    def __init__(self, *args: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == TariffMode.PACK_DAYS:
            if not data.get("pack_days"):
                self.add_error("pack_days", _("Indiquez combien de jours couvre un forfait."))
        else:
            data["pack_days"] = None
        return data

    def clean_valid_from(self) -> datetime.date:
        valid_from: datetime.date = self.cleaned_data["valid_from"]
        if valid_from < self.today:
            raise forms.ValidationError(
                _("Un nouveau tarif commence aujourd'hui au plus tôt : les jours passés gardent leur prix.")
            )
        return valid_from


class TariffBandForm(forms.Form):
    qf_max = forms.IntegerField(
        label=_("QF jusqu'à"), required=False, min_value=0, help_text=_("Vide pour la dernière tranche.")
    )
    price = forms.DecimalField(label=_("Prix (€)"), **MONEY)


class BaseBandFormSet(forms.BaseFormSet):
    def bands(self) -> list[tuple[int | None, Decimal]]:
        return [
            (form.cleaned_data.get("qf_max"), form.cleaned_data["price"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and "price" in form.cleaned_data
        ]

    def clean(self) -> None:
        if any(self.errors):
            return
        bounds = [qf_max for qf_max, _price in self.bands()]
        if None in bounds[:-1]:
            raise forms.ValidationError(_("Seule la dernière tranche peut être sans plafond de quotient familial."))
        closed = [bound for bound in bounds if bound is not None]
        if any(later <= earlier for earlier, later in itertools.pairwise(closed)):
            raise forms.ValidationError(
                _("Les plafonds des tranches de quotient familial doivent être strictement croissants.")
            )


BandFormSet = forms.formset_factory(TariffBandForm, formset=BaseBandFormSet, extra=4, max_num=20, validate_max=True)


SITE_AGENT_HELP = _("Un agent de site fait le pointage des écoles cochées.")


class StaffForm(forms.Form):
    email = forms.EmailField(label=_("Courriel"))
    first_name = forms.CharField(label=_("Prénom"), max_length=100)
    last_name = forms.CharField(label=_("Nom"), max_length=100)
    roles = forms.MultipleChoiceField(
        label=_("Rôles"),
        required=False,
        choices=[(role.value, role.label) for role in Role if role != Role.SITE_AGENT],
        widget=forms.CheckboxSelectMultiple,
    )
    sites = forms.ModelMultipleChoiceField(
        label=_("Agent de site / animateur pour"),
        queryset=Site.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=SITE_AGENT_HELP,
    )

    def __init__(self, *args: Any, town: Town, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sites = self.fields["sites"]
        assert isinstance(sites, forms.ModelMultipleChoiceField)
        sites.queryset = Site.objects.filter(town=town)
        if editing:
            del self.fields["email"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("roles") and not data.get("sites"):
            raise forms.ValidationError(_("Choisissez au moins un rôle ou une école."))
        return data
