from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "ardoise.backoffice"
    label = "backoffice"
