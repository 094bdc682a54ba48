"""The e-mails of admissions: a decision on an enrolment request, a place offered. Mandatory service
messages to the family's guardians, queued in the outbox (`messaging.notifications.notify`) and sent after
the transaction commits."""

from django.utils import timezone

from ardoise.admissions.models import EnrolmentRequest, EnrolmentStatus
from ardoise.admissions.queries import rank_of
from ardoise.admissions.wording import pattern_label, period_label
from ardoise.calendars.wording import date_fr
from ardoise.families.models import Guardian
from ardoise.messaging.notifications import Kind, notify, render_subject


def _guardians(request: EnrolmentRequest) -> list[Guardian]:
    return list(
        Guardian.objects.filter(town_id=request.town_id, family_id=request.family_id).order_by("position", "pk")
    )


def _context(request: EnrolmentRequest) -> dict[str, object]:
    return {
        "request": request,
        "status": request.status,
        "child": request.child.full_name,
        "activity": request.activity.label,
        "period": period_label(request),
        "pattern": pattern_label(list(request.weekly_pattern)),
        "reason": request.reason,
    }


def send_enrolment_decision(request: EnrolmentRequest) -> int:
    """Tell the family what became of its request: accepted, refused (with the reason), on the waiting list
    (with its rank), or an offer lapsed. Returns how many e-mails were queued."""
    town = request.town
    context = _context(request)
    if request.status == EnrolmentStatus.WAITING:
        context["rank"] = rank_of(request)
    subject = render_subject("emails/enrolment_decision_subject.txt", {**context, "town": town})
    emails = notify(town, _guardians(request), Kind.ENROLMENT_DECISION, subject, "emails/enrolment_decision", context)
    return len(emails)


def send_place_offered(request: EnrolmentRequest) -> int:
    """ "Une place s'est libérée … acceptez avant le …". Returns how many e-mails were queued."""
    town = request.town
    context = _context(request)
    expires = timezone.localtime(request.offer_expires_at) if request.offer_expires_at else None
    context["deadline"] = date_fr(expires, "l j F Y à H\\hi")
    subject = render_subject("emails/place_offered_subject.txt", {**context, "town": town})
    return len(notify(town, _guardians(request), Kind.PLACE_OFFERED, subject, "emails/place_offered", context))
