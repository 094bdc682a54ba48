from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "ardoise.calendars"
    label = "calendars"
