from django.apps import AppConfig


class TownsConfig(AppConfig):
    name = "ardoise.towns"
    label = "towns"

    def ready(self) -> None:
        from ardoise.towns import lookups, reference
        from ardoise.towns.models import Site

        # Activities are listed by site name: sites are part of the town's cached reference data.
        reference.watch(Site)
        # Registers `field__in_ids` on every field (lookups.InIds).
        lookups.register()
