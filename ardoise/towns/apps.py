from django.apps import AppConfig


class TownsConfig(AppConfig):
    name = "ardoise.towns"
    label = "towns"

    def ready(self) -> None:
        from ardoise.towns import reference
        from ardoise.towns.models import Site

        # Activities are listed by site name: sites are part of the town's cached reference data.
        reference.watch(Site)
