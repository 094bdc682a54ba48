"""The daily purge of the audit trail on the task worker (`manage.py db_worker`), or from a cron through
`manage.py purge_audit_trail`."""

from django.tasks import task


@task()
def purge_audit_trail_task() -> int:
    """Delete the entries past each town's retention; how many went, all towns together."""
    from ardoise.audit.retention import purge_expired

    return sum(purge_expired().values())
