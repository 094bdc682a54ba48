"""How a request reads in French: its period, its weekly pattern, its rank."""

from django.utils.translation import gettext as _

from ardoise.admissions.models import EnrolmentRequest
from ardoise.calendars.deadlines import WEEKDAY_NAMES


def period_label(request: EnrolmentRequest) -> str:
    if request.registration_period is not None:
        return request.registration_period.label
    return _("année scolaire %(year)s") % {"year": request.school_year}


def pattern_label(weekdays: list[int]) -> str:
    """ "lundi, mardi" for [0, 1]; empty for no regular day."""
    return ", ".join(WEEKDAY_NAMES[day] for day in sorted(weekdays))


def rank_label(rank: int | None) -> str:
    """ "1re sur la liste d'attente", "3e sur la liste d'attente"."""
    if rank is None:
        return ""
    ordinal = _("1re") if rank == 1 else _("%(rank)de") % {"rank": rank}
    return _("%(ordinal)s sur la liste d'attente") % {"ordinal": ordinal}
