from django.apps import AppConfig


class ChartsConfig(AppConfig):
    name = "ardoise.charts"
    label = "charts"
