from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "ardoise.privacy"
    label = "privacy"
