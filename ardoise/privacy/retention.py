"""Pure rules of retention (no database): when a family's personal data are due for pseudonymisation, and why
a family past it may still not be pseudonymised.

The retention period runs from the family's **anchor**: its last service day (the last day one of its
children was booked, marked at the roll call or came), or, when it never had one, the day it was created.
It ends `years` whole years later, on the same calendar day (29 February → 28 February in a common year);
from that day on the family is past retention.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from ardoise.calendars.wording import date_fr

# A family with any activity (a service day, an invoice, a payment, a login, a message) this many days before today or
# later is refused: it has not really left.
RECENT_ACTIVITY_DAYS = 60


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, landing in a common year
        return day.replace(year=day.year + years, day=28)


def anchor_of(last_service_day: datetime.date | None, created_on: datetime.date) -> datetime.date:
    """The day retention runs from: the last service day, else the day the family was created."""
    return last_service_day if last_service_day is not None else created_on


def retention_ends_on(anchor: datetime.date, years: int) -> datetime.date:
    """The first day the family is past retention."""
    return add_years(anchor, years)


def is_past_retention(anchor: datetime.date, years: int, today: datetime.date) -> bool:
    return today >= retention_ends_on(anchor, years)


@dataclass(frozen=True)
class Standing:
    """What the refusal rules need to know of one family (plain data)."""

    balance: Decimal  # euros; positive: the family owes
    last_activity: datetime.date | None  # latest service day, invoice, payment, login or message, if any


def refusals(standing: Standing, today: datetime.date) -> list[str]:
    """Why the family may not be pseudonymised today (French, for the administrator); empty when it may."""
    reasons: list[str] = []
    if standing.balance > 0:
        amount = f"{standing.balance:.2f}".replace(".", ",")
        reasons.append(_("Solde dû de %(amount)s € : la dette doit être soldée d'abord.") % {"amount": amount})
    recent_from = today - datetime.timedelta(days=RECENT_ACTIVITY_DAYS)
    if standing.last_activity is not None and standing.last_activity >= recent_from:
        reasons.append(
            _("Activité le %(day)s, il y a moins de %(days)s jours.")
            % {"day": date_fr(standing.last_activity, "j F Y"), "days": RECENT_ACTIVITY_DAYS}
        )
    return reasons
