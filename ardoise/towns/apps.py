from django.apps import AppConfig


class TownsConfig(AppConfig):
    name = "ardoise.towns"
    label = "towns"
