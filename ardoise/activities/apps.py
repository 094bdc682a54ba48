from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "ardoise.activities"
    label = "activities"

    def ready(self) -> None:
        from ardoise.activities.models import AbsenceReason, Activity
        from ardoise.towns import reference

        # Every planning and booking reads them: cached per process, forgotten on every change (towns.reference).
        reference.watch(Activity, AbsenceReason)
