from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "ardoise.activities"
    label = "activities"
