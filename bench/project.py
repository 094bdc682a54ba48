"""How every benchmark starts Django: on the checkout given (another one for an A/B run, e.g. main's), with the
production settings module, before any import of Ardoise or of Django's models."""

import os
import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent.parent)


def start(checkout: str | None = None) -> None:
    sys.path.insert(0, checkout or HERE)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ardoise.settings")
    import django

    django.setup()
