"""`manage.py list_families_past_retention`: the daily listing of families past retention (run it from cron)."""

from typing import Any

from django.core.management.base import BaseCommand

from ardoise.privacy.tasks import list_in_every_town


class Command(BaseCommand):
    help = "Liste, dans chaque commune, les familles dont la durée de conservation des données est écoulée."

    def handle(self, *args: Any, **options: Any) -> None:
        for slug, count in list_in_every_town().items():
            self.stdout.write(f"{slug}: {count}")
