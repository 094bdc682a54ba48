"""How long the audit trail is kept, and the daily purge of older entries.

Each town chooses how many years its entries are kept (`AuditSettings.retention_years`, 5 when it chose
nothing: see `models.DEFAULT_RETENTION_YEARS` for why). `purge_expired` deletes, for every town at once,
the entries older than that and leaves in each town's trail one entry saying how many went
("N entrées supprimées"). It is set-based: a few queries per distinct retention chosen (at most ten),
whatever the number of towns and entries. It runs daily (`tasks.purge_audit_trail_task`, through
`manage.py purge_audit_trail` from a cron); running it twice the same day deletes nothing more.
"""

import datetime

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ardoise.accounts.models import User
from ardoise.audit.actions import record
from ardoise.audit.models import DEFAULT_RETENTION_YEARS, AuditEntry, AuditSettings
from ardoise.towns.models import Town


def cutoff(today: datetime.date, years: int) -> datetime.datetime:
    """The instant before which entries are older than `years` whole years on `today` (midnight in Paris).

    29 February counts back to 28 February in a year without one.
    """
    year = today.year - years
    try:
        day = today.replace(year=year)
    except ValueError:
        day = datetime.date(year, 2, 28)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def retention_years(town: Town) -> int:
    chosen = AuditSettings.objects.filter(town=town).values_list("retention_years", flat=True).first()
    return chosen or DEFAULT_RETENTION_YEARS


def set_retention_years(town: Town, years: int, *, actor: User) -> None:
    """Choose how many years the town keeps its audit trail; audited."""
    with transaction.atomic():
        settings, created = AuditSettings.objects.select_for_update().get_or_create(town=town)
        before = settings.retention_years
        if before == years and not created:
            return
        settings.retention_years = years
        settings.full_clean()
        settings.save(update_fields=["retention_years"])
        record(
            town,
            actor,
            "audit.retention",
            settings,
            summary=_("Conservation du journal : %(years)s ans") % {"years": years},
            changes={"retention_years": [before, years]},
        )


def purge_expired(now: datetime.datetime | None = None) -> dict[int, int]:
    """Delete every town's entries older than its retention; returns {town id: entries deleted}."""
    today = timezone.localdate(now)
    chosen = AuditSettings.objects.all()
    deleted: dict[int, int] = {}
    with transaction.atomic():
        years_chosen = set(chosen.values_list("retention_years", flat=True).distinct())
        for years in sorted(years_chosen | {DEFAULT_RETENTION_YEARS}):
            towns = Q(town__in=chosen.filter(retention_years=years).values("town_id"))
            if years == DEFAULT_RETENTION_YEARS:
                towns |= ~Q(town__in=chosen.values("town_id"))
            before = cutoff(today, years)
            old = AuditEntry.objects.filter(towns, at__lt=before)
            counts = dict(old.order_by().values("town_id").annotate(n=Count("pk")).values_list("town_id", "n"))
            if not counts:
                continue
            old.delete()
            deleted.update(counts)
            AuditEntry.objects.bulk_create(
                AuditEntry(
                    town_id=town_id,
                    actor=None,
                    action="audit.purge",
                    object_type="",
                    object_id=None,
                    summary=ngettext(
                        "%(n)s entrée supprimée (antérieure au %(day)s, conservation %(years)s ans)",
                        "%(n)s entrées supprimées (antérieures au %(day)s, conservation %(years)s ans)",
                        n,
                    )
                    % {"n": n, "day": f"{before:%d/%m/%Y}", "years": years},
                    changes={"deleted": n, "before": before.isoformat(), "retention_years": years},
                )
                for town_id, n in sorted(counts.items())
            )
    return deleted
