"""Pure rules of the accessibility statement (no database).

RGAA 4's conformity levels, as the DINUM's model statement defines them:
- totalement conforme: every applicable criterion is met (100 %);
- partiellement conforme: at least 50 % of them are met;
- non conforme: less than 50 %, or no valid audit result to measure it with.
An audit stays valid for `AUDIT_VALID_YEARS` (the statement is renewed at the latest three years after it).
"""

import datetime
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

AUDIT_VALID_YEARS = 3
PARTIAL_THRESHOLD = Decimal(50)
FULL = Decimal(100)


class Conformity(StrEnum):
    NONE = "non"
    PARTIAL = "partiellement"
    TOTAL = "totalement"

    @property
    def label(self) -> str:
        return str(LABELS[self])


LABELS = {
    Conformity.NONE: _("non conforme"),
    Conformity.PARTIAL: _("partiellement conforme"),
    Conformity.TOTAL: _("totalement conforme"),
}


def audit_valid_until(audit_date: datetime.date) -> datetime.date:
    """The last day an audit made on `audit_date` still measures the site (29 February gives 28 February)."""
    try:
        return audit_date.replace(year=audit_date.year + AUDIT_VALID_YEARS)
    except ValueError:
        return audit_date.replace(year=audit_date.year + AUDIT_VALID_YEARS, day=28)


def conformity(audit_date: datetime.date | None, percent: Decimal | None, today: datetime.date) -> Conformity:
    """The level the statement must declare on `today` from the town's last audit."""
    if audit_date is None or percent is None or audit_date > today or audit_valid_until(audit_date) < today:
        return Conformity.NONE
    if percent >= FULL:
        return Conformity.TOTAL
    if percent >= PARTIAL_THRESHOLD:
        return Conformity.PARTIAL
    return Conformity.NONE
