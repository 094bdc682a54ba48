"""How an activity's label is laid out in a table's headers."""

import re

from django import template

register = template.Library()

# "7h30–8h30", "16h30-18h30": a time range, whose dash is a line-break opportunity for browsers.
TIME_RANGE = re.compile(r"(\d{1,2}h\d{0,2})\s?([–-])\s?(\d{1,2}h\d{0,2})")
WORD_JOINER = "\u2060"


@register.filter
def unbroken_times(label: str) -> str:
    """The label with its time range kept on one line: a column or row header never breaks "16h30–18h30"."""
    return TIME_RANGE.sub(lambda match: WORD_JOINER.join(match.groups()), str(label))
