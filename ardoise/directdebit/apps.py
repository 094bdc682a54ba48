from django.apps import AppConfig


class DirectDebitConfig(AppConfig):
    name = "ardoise.directdebit"
    label = "directdebit"
    verbose_name = "Prélèvements SEPA"

    def ready(self) -> None:
        from ardoise.directdebit.models import CreditorSettings
        from ardoise.towns import reference

        # Every invoice PDF prints the town's creditor identifier: cached per process (towns.reference).
        reference.watch(CreditorSettings)
