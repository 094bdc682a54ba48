from django.apps import AppConfig


class TreasuryConfig(AppConfig):
    name = "ardoise.treasury"
    label = "treasury"
