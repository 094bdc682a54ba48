from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "ardoise.payments"
    label = "payments"
    verbose_name = "Règlements"
