from django.apps import AppConfig
from django.db.models.signals import post_save


class QuotientsConfig(AppConfig):
    name = "ardoise.quotients"
    label = "quotients"
    verbose_name = "Quotient familial"

    def ready(self) -> None:
        from ardoise.families.models import Family  # Apps are loaded by now.
        from ardoise.quotients import receivers

        post_save.connect(receivers.record_file_value, sender=Family, dispatch_uid="quotients.record_file_value")
