from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "ardoise.billing"
    label = "billing"

    def ready(self) -> None:
        from ardoise.billing.models import BillingSettings, Tariff, TariffBand
        from ardoise.towns import reference

        # Every planning prices its days, and every page asks whether the town is prepaid: cached per process,
        # forgotten on every change (towns.reference).
        reference.watch(Tariff, TariffBand, BillingSettings)
