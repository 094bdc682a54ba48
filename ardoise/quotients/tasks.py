"""Background work of the quotient familial (django.tasks; the worker is `manage.py db_worker`).

`run_batch_task` runs a yearly batch: enqueued once the batch is committed, it asks API Particulier family
after family and saves each result as it comes, so the batch page shows the progress. Run twice, it asks
only the families without a result. `update_file_value_task` puts a QF on the family's file the day it
starts to apply (the planning's prices read the file's value).
"""

import datetime

from django.db import transaction
from django.tasks import default_task_backend, task
from django.utils import timezone


@task()
def run_batch_task(batch_id: int) -> str:
    # Imported here: the actions enqueue this task (a module-level import would be circular).
    from ardoise.quotients.actions import run_batch

    return run_batch(batch_id).state


@task()
def update_file_value_task(family_id: int) -> None:
    from ardoise.quotients.actions import update_file_value

    update_file_value(family_id)


def enqueue_batch(batch_id: int) -> None:
    """Once the current transaction commits, have the worker run the batch."""
    transaction.on_commit(lambda: run_batch_task.enqueue(batch_id), robust=True)


def schedule_file_update(family_id: int, applies_from: datetime.date) -> None:
    """On the morning `applies_from` starts (Paris), put the QF then in force on the family's file."""
    if not default_task_backend.supports_defer:
        return
    at = timezone.make_aware(datetime.datetime.combine(applies_from, datetime.time(0, 5)))
    transaction.on_commit(lambda: update_file_value_task.using(run_after=at).enqueue(family_id), robust=True)
