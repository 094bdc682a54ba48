"""Recording staff changes in the audit trail; called from every other app's actions."""

from typing import Any

from ardoise.accounts.models import User
from ardoise.audit.models import AuditEntry
from ardoise.towns.models import Town


def record(
    town: Town,
    actor: User | None,
    action: str,
    obj: Any = None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        town=town,
        actor=actor,
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=getattr(obj, "pk", None),
        summary=summary[:300] or str(obj)[:300],
        changes=changes or {},
    )
