from django.apps import AppConfig


class LegalConfig(AppConfig):
    name = "ardoise.legal"
    label = "legal"
