from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ardoise.api"
    label = "api"
