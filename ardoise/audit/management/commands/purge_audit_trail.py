"""Daily job (cron): delete the audit entries older than each town's retention (5 years by default)."""

from typing import Any

from django.core.management.base import BaseCommand

from ardoise.audit.tasks import purge_audit_trail_task


class Command(BaseCommand):
    help = "Supprime les entrées du journal plus anciennes que la durée de conservation de chaque commune."

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_audit_trail_task.call()
        self.stdout.write(f"{count} entrée(s) du journal supprimée(s).")
