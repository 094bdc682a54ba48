"""`{{ day|date_fr:"l j F Y" }}`: a date in words, "1er" for the first of the month (calendars.wording).

A builtin of the template engine (settings.TEMPLATES): no `{% load %}` needed.
"""

import datetime

from django import template

from ardoise.calendars.wording import date_fr as format_date_fr

register = template.Library()


@register.filter(expects_localtime=True)
def date_fr(value: datetime.date | datetime.datetime | None, fmt: str) -> str:
    try:
        return format_date_fr(value, fmt)
    except (AttributeError, TypeError, ValueError):
        return ""  # like Django's `date` filter on something that is not a date
