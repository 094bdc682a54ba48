from django.apps import AppConfig


class ConsentsConfig(AppConfig):
    name = "ardoise.consents"
    label = "consents"
