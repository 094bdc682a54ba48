"""The daily job of retention: list, for each town's administrator, the families past retention.

`list_families_past_retention_task` runs on the task worker (`manage.py db_worker`); `manage.py
list_families_past_retention` runs the same job from a daily cron (as `send_document_reminders` does). It only
lists (the count shows on the page "Données personnelles › Familles à anonymiser"); pseudonymising waits for
the administrator's confirmation there.
"""

from django.tasks import task
from django.utils import timezone

from ardoise.privacy.actions import list_past_retention
from ardoise.towns.models import Town


def list_in_every_town() -> dict[str, int]:
    """{town slug: families past retention today}."""
    today = timezone.localdate()
    return {town.slug: list_past_retention(town, today) for town in Town.objects.order_by("slug")}


@task()
def list_families_past_retention_task() -> dict[str, int]:
    return list_in_every_town()
