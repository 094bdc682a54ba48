from django.apps import AppConfig


class QuotientsConfig(AppConfig):
    name = "ardoise.quotients"
    label = "quotients"
