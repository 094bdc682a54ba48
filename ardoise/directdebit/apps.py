from django.apps import AppConfig


class DirectDebitConfig(AppConfig):
    name = "ardoise.directdebit"
    label = "directdebit"
    verbose_name = "Prélèvements SEPA"
