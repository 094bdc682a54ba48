"""manage.py lapse_offers: offers whose delay has passed lapse, and their places are offered to the next."""

from typing import Any

from django.core.management.base import BaseCommand

from ardoise.admissions.actions import lapse_expired_offers


class Command(BaseCommand):
    help = "Expire les places proposées non acceptées à temps et propose ces places aux suivants sur la liste."

    def handle(self, *args: Any, **options: Any) -> None:
        count = lapse_expired_offers()
        self.stdout.write(f"{count} proposition(s) expirée(s).")
