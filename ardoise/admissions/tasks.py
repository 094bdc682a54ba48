"""The periodic job of admissions: offers not taken in time lapse, their places go to the next on the list.

It runs on the task worker (`manage.py db_worker`, django-tasks-db) that already sends mail: each offer, once
committed, schedules `lapse_expired_offers_task` for the instant it expires (`run_after`), so no cron is
needed. `manage.py lapse_offers` runs the same job by hand or from a cron, as a safety net (a worker down when
an offer expired). Running it twice lapses nothing twice.
"""

import datetime

from django.db import transaction
from django.tasks import default_task_backend, task


@task()
def lapse_expired_offers_task() -> int:
    # Imported here: the actions schedule this task (a module-level import would be circular).
    from ardoise.admissions.actions import lapse_expired_offers

    return lapse_expired_offers()


def schedule_lapse(expires_at: datetime.datetime) -> None:
    """Once the current transaction commits, have the worker lapse what has expired at `expires_at`."""
    if not default_task_backend.supports_defer:
        return
    transaction.on_commit(lambda: lapse_expired_offers_task.using(run_after=expires_at).enqueue(), robust=True)
