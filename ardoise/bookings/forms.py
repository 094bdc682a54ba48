"""What the planning pages post (parents' and staff's alike): booking changes, the weekly helper,
a regular registration.

A planning cell is named by a key `"<child id>:<activity id>:<YYYY-MM-DD>"`.
The planning form posts `book` (the ticked cells) and `was` (the cells that
were booked when the page was drawn): the differences are the changes. The
review page posts the changes themselves as `change` = `"<key>:1"` (book) or
`"<key>:0"` (cancel), so that the confirmation saves exactly what was reviewed.

Everything here only parses: whether a child belongs to the family and whether
the rules accept a change is decided by `bookings.proposals` and `bookings.actions`.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ardoise.bookings.actions import Change

# More changes than a parent can mean in one go (a school year of four
# activities for three children is about 2,000): refused as malformed.
MAX_CHANGES = 2500

WEEKDAY_CHOICES = [
    (0, gettext_lazy("lundi")),
    (1, gettext_lazy("mardi")),
    (2, gettext_lazy("mercredi")),
    (3, gettext_lazy("jeudi")),
    (4, gettext_lazy("vendredi")),
    (5, gettext_lazy("samedi")),
    (6, gettext_lazy("dimanche")),
]


@dataclass(frozen=True)
class CellKey:
    child_id: int
    activity_id: int
    date: datetime.date

    def __str__(self) -> str:
        return f"{self.child_id}:{self.activity_id}:{self.date.isoformat()}"


def cell_key(child_id: int, activity_id: int, day: datetime.date) -> str:
    return str(CellKey(child_id, activity_id, day))


def _positive_int(text: str) -> int:
    if not text.isdigit() or len(text) > 18:
        raise ValueError(text)
    value = int(text)
    if value <= 0:
        raise ValueError(text)
    return value


def parse_key(value: str) -> CellKey:
    parts = value.split(":")
    if len(parts) != 3:
        raise ValidationError(_("Jour non reconnu : « %(value)s ».") % {"value": value[:60]})
    try:
        return CellKey(_positive_int(parts[0]), _positive_int(parts[1]), datetime.date.fromisoformat(parts[2]))
    except ValueError:
        raise ValidationError(_("Jour non reconnu : « %(value)s ».") % {"value": value[:60]}) from None


def parse_change(value: str) -> tuple[int, Change]:
    """`"<key>:1"` or `"<key>:0"` → (child id, Change)."""
    key_text, _sep, flag = value.rpartition(":")
    if flag not in ("0", "1"):
        raise ValidationError(_("Changement non reconnu : « %(value)s ».") % {"value": value[:60]})
    key = parse_key(key_text)
    return key.child_id, Change(key.date, key.activity_id, flag == "1")


def change_value(child_id: int, change: Change) -> str:
    return f"{cell_key(child_id, change.activity_id, change.date)}:{int(change.book)}"


@dataclass
class Changes:
    """Changes per child id, one per activity and day (the last one given wins)."""

    by_child: dict[int, dict[tuple[int, datetime.date], Change]]

    @classmethod
    def empty(cls) -> "Changes":
        return cls({})

    def add(self, child_id: int, change: Change) -> None:
        self.by_child.setdefault(child_id, {})[(change.activity_id, change.date)] = change

    def extend(self, child_id: int, changes: Iterable[Change]) -> None:
        for change in changes:
            self.add(child_id, change)

    def for_child(self, child_id: int) -> list[Change]:
        return sorted(self.by_child.get(child_id, {}).values(), key=lambda c: (c.date, c.activity_id))

    @property
    def count(self) -> int:
        return sum(len(changes) for changes in self.by_child.values())

    def dates(self) -> list[datetime.date]:
        return [day for changes in self.by_child.values() for (_activity, day) in changes]


def changes_from_post(data: MultiValueDict[str, str]) -> Changes:
    """The planning's ticks (`book` against `was`) and the review's `change`s. Raises ValidationError."""
    getlist = data.getlist
    changes = Changes.empty()
    raw_changes, booked, was = getlist("change"), getlist("book"), getlist("was")
    if len(raw_changes) + len(booked) + len(was) > 2 * MAX_CHANGES:
        raise ValidationError(_("Trop de jours en une fois : réservez mois par mois."))
    for value in raw_changes:
        child_id, change = parse_change(value)
        changes.add(child_id, change)
    ticked = {parse_key(value) for value in booked}
    drawn_booked = {parse_key(value) for value in was}
    for key in sorted(ticked - drawn_booked, key=str):
        changes.add(key.child_id, Change(key.date, key.activity_id, True))
    for key in sorted(drawn_booked - ticked, key=str):
        changes.add(key.child_id, Change(key.date, key.activity_id, False))
    if changes.count > MAX_CHANGES:
        raise ValidationError(_("Trop de jours en une fois : réservez mois par mois."))
    return changes


def parse_row(value: str) -> tuple[int, int]:
    """`"<child id>:<activity id>"` (a planning row)."""
    child_text, _sep, activity_text = value.partition(":")
    try:
        return _positive_int(child_text), _positive_int(activity_text)
    except ValueError:
        raise ValidationError(_("Ligne du planning non reconnue.")) from None


class PeriodForm(forms.Form):
    """The period a "tout le mois" button covers: the one the planning showed."""

    start = forms.DateField()
    end = forms.DateField()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and not (0 <= (end - start).days <= 31):
            raise ValidationError(_("Période non reconnue."))
        return data


class WeeklyForm(forms.Form):
    """ "Chaque lundi, jeudi… jusqu'au …" for one activity and one or several children."""

    children = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Enfants"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choisissez au moins un enfant.")},
    )
    activity = forms.ChoiceField(label=gettext_lazy("Activité"))
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Chaque"),
        coerce=int,
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choisissez au moins un jour de la semaine.")},
    )
    until = forms.DateField(
        label=gettext_lazy("Jusqu'au"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Indiquez une date valide (jj/mm/aaaa).")},
    )

    def __init__(
        self,
        *args: object,
        children: list[tuple[int, str]],
        activities: list[tuple[str, str]],
        today: datetime.date,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.today = today
        self.fields["children"].choices = children  # type: ignore[attr-defined]
        self.fields["activity"].choices = activities  # type: ignore[attr-defined]

    def clean_until(self) -> datetime.date:
        until: datetime.date = self.cleaned_data["until"]
        if until < self.today:
            raise ValidationError(_("La date de fin est déjà passée."))
        if (until - self.today).days > 366:
            raise ValidationError(_("Choisissez une date de fin dans l'année qui vient."))
        return until


class RegularForm(forms.Form):
    """A regular registration: the weekdays of one child and activity for the rest of the school year."""

    row = forms.CharField()
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Jours de la semaine"),
        coerce=int,
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def clean_row(self) -> tuple[int, int]:
        return parse_row(self.cleaned_data["row"])


def parse_pattern(value: str) -> tuple[int, int, list[int]]:
    """`"<child id>:<activity id>:<weekdays, comma separated>"` (a regular registration to record)."""
    parts = value.split(":")
    if len(parts) != 3:
        raise ValidationError(_("Inscription régulière non reconnue."))
    child_id, activity_id = parse_row(f"{parts[0]}:{parts[1]}")
    try:
        weekdays = sorted({int(day) for day in parts[2].split(",") if day})
    except ValueError:
        raise ValidationError(_("Inscription régulière non reconnue.")) from None
    if any(not 0 <= day <= 6 for day in weekdays):
        raise ValidationError(_("Inscription régulière non reconnue."))
    return child_id, activity_id, weekdays


def pattern_value(child_id: int, activity_id: int, weekdays: Iterable[int]) -> str:
    return f"{child_id}:{activity_id}:{','.join(str(day) for day in sorted(set(weekdays)))}"
