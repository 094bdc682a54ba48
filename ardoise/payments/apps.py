from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "ardoise.payments"
    label = "payments"
    verbose_name = "Règlements"

    def ready(self) -> None:
        from ardoise.payments.models import ProviderConfig
        from ardoise.towns import reference

        # Every invoice PDF and payment page asks for the town's provider: cached per process (towns.reference).
        reference.watch(ProviderConfig)
