from django.apps import AppConfig


class FamiliesConfig(AppConfig):
    name = "ardoise.families"
    label = "families"
