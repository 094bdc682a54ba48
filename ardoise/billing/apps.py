from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "ardoise.billing"
    label = "billing"
