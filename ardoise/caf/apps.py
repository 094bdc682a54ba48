from django.apps import AppConfig


class CafConfig(AppConfig):
    name = "ardoise.caf"
    label = "caf"
