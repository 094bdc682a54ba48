"""The parents' form asking for an enrolment (the portal's page; the API checks the same through the action)."""

import datetime
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ardoise.activities.models import Activity
from ardoise.bookings.forms import WEEKDAY_CHOICES
from ardoise.calendars.models import SchoolYear
from ardoise.families.models import Child, Family


def open_school_years(family: Family, today: datetime.date) -> list[SchoolYear]:
    """The school years one may ask for: the current one and the next (those not over), the earliest first."""
    return list(SchoolYear.objects.filter(town_id=family.town_id, ends_on__gte=today).order_by("starts_on")[:2])


class ActivityChoice(forms.ModelChoiceField[Activity]):
    def label_from_instance(self, obj: Activity) -> str:
        return f"{obj.label} — {obj.site.name}"


class EnrolmentRequestForm(forms.Form):
    child = forms.ModelChoiceField(label=_("Enfant"), queryset=Child.objects.none(), empty_label=None)
    activity = ActivityChoice(label=_("Activité"), queryset=Activity.objects.none())
    school_year = forms.ModelChoiceField(
        label=_("Année scolaire"), queryset=SchoolYear.objects.none(), empty_label=None
    )
    weekly_pattern = forms.TypedMultipleChoiceField(
        label=_("Jours réguliers"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Les jours où l'enfant vient chaque semaine ; aucun : vous réserverez jour par jour."),
    )
    comment = forms.CharField(
        label=_("Commentaire"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, family: Family, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        children = Child.objects.filter(town_id=family.town_id, family=family).order_by("birth_date", "pk")
        self.fields["child"].queryset = children  # type: ignore[attr-defined]
        site_ids = children.values_list("site_id", flat=True)
        self.fields["activity"].queryset = (  # type: ignore[attr-defined]
            Activity.objects.filter(Q(site_id__in=site_ids), town_id=family.town_id)
            .select_related("site")
            .order_by("site__name", "label")
        )
        years = open_school_years(family, today)
        self.fields["school_year"].queryset = SchoolYear.objects.filter(  # type: ignore[attr-defined]
            pk__in=[year.pk for year in years]
        ).order_by("starts_on")
