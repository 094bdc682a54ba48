"""manage.py build_demo [--children N] [--today YYYY-MM-DD]: the demo town of DEMO.md, built afresh."""

import datetime
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ardoise.demo import spec
from ardoise.demo.builder import build_demo


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--today attend une date AAAA-MM-JJ, pas {value!r}.") from error


class Command(BaseCommand):
    help = "Reconstruit la commune de démonstration « demo » (DEMO.md), ou une grande commune générée."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--children",
            type=int,
            default=None,
            help="Générer une grande commune de N enfants (bancs d'essai) au lieu des 60 familles de la démo.",
        )
        parser.add_argument(
            "--today",
            type=iso_date,
            default=None,
            help="Le jour de référence (par défaut : aujourd'hui).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["today"] or timezone.localdate()
        children = options["children"]
        if children is not None and children < 2:
            raise CommandError("--children doit valoir au moins 2 (les deux enfants DUPONT).")
        started = time.monotonic()
        town = build_demo(today, children=children, stdout=self.stdout if options["verbosity"] > 1 else None)
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Commune « {town.name} » (/{town.slug}/) reconstruite au {today:%d/%m/%Y} en {elapsed:.1f} s."
            )
        )
        self.stdout.write(
            f"Parents : parent1@demo.test … (famille N : parentN@demo.test), mot de passe « {spec.PARENT_PASSWORD} »"
        )
        self.stdout.write(
            "Agents (mot de passe « {} ») : {}".format(
                spec.STAFF_PASSWORD, ", ".join(member.email for member in spec.STAFF)
            )
        )
