"""How a date reads in French, for screens, e-mails and PDFs: the one place that writes a day in words.

Django's formats say "1 décembre"; French says "1er décembre" (and "mardi 1er
décembre"). `date_fr` takes the same format strings as Django's `date` filter
and writes the first of the month as "1er". Numeric formats ("d/m/Y", "j/m")
stay with Django's `date`. Abbreviated months (`M`, "Déc") are not French
typography: write the month in full (`F`).
"""

import datetime

from django.utils import formats, timezone

# A day number followed by one of these is numeric ("1/12"), not a day in words.
NUMERIC_SEPARATORS = "/.-"


def first_of_month_format(fmt: str) -> str:
    """`fmt` with each day number in words (`j`) followed by "er": Django's escaped `\\e\\r`."""
    out = []
    chars = iter(enumerate(fmt))
    for index, char in chars:
        if char == "\\":
            out.append(char)
            escaped = next(chars, None)
            if escaped is not None:
                out.append(escaped[1])
            continue
        out.append(char)
        if char == "j" and fmt[index + 1 : index + 2] not in tuple(NUMERIC_SEPARATORS):
            out.append("\\e\\r")
    return "".join(out)


def date_fr(value: datetime.date | datetime.datetime | None, fmt: str) -> str:
    """`value` written with Django's date format `fmt`, "1er" for the first of the month.

    An aware datetime is written in Paris time, as the `date` filter does.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if value.day == 1:
        fmt = first_of_month_format(fmt)
    return formats.date_format(value, fmt)
