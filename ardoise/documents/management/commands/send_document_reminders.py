"""Daily job (cron): e-mail the families whose supporting documents expire within 30 days, once each."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ardoise.documents.reminders import send_document_reminders_task


class Command(BaseCommand):
    help = "Rappelle aux familles, une seule fois, les pièces justificatives qui expirent dans les 30 jours."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url", required=True, help="L'adresse publique d'Ardoise, pour les liens des e-mails."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = send_document_reminders_task.call(options["base_url"])
        self.stdout.write(f"{count} rappel(s) envoyé(s).")
