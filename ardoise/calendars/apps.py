from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "ardoise.calendars"
    label = "calendars"

    def ready(self) -> None:
        from ardoise.calendars.models import Closure, SchoolYear
        from ardoise.towns import reference

        # Every planning reads them: cached per process, forgotten on every change (towns.reference).
        reference.watch(SchoolYear, Closure)
