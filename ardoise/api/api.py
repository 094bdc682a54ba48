"""JSON API v1 (../shared/API.md), thin over the same actions as the HTML portal.

Every call but `auth/token` needs a bearer token of this town; a family's token
reaches only that family: anything else answers 404.
"""

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from pydantic import Field

from ardoise.accounts import api_tokens, throttling
from ardoise.accounts.models import User
from ardoise.activities import reference as activity_reference
from ardoise.api import errors, schemas
from ardoise.api.family import family_card
from ardoise.billing import pdf, statements
from ardoise.billing.models import Invoice
from ardoise.bookings import actions, queries
from ardoise.bookings.calendar import FamilyCalendar
from ardoise.bookings.models import Booking, Request
from ardoise.families.access import access_child
from ardoise.families.models import Family
from ardoise.payments.actions import PaymentRefused, start_online_payment
from ardoise.payments.views import absolute_urls
from ardoise.prepayment import actions as prepayment
from ardoise.towns.access import family_of

MAX_PLANNING_DAYS = 93


class TownBearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        # TownMiddleware read the live token with the town (and the caller's guardian and family).
        found = getattr(request, "api_token", None)
        if found is None or found.town_id != request.town.pk:  # type: ignore[attr-defined]
            return None
        return found.user  # type: ignore[no-any-return]


class DocumentedApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return errors.document_errors(schema, schemas.InvalidOut)


api = DocumentedApi(
    title="Ardoise — API du portail famille",
    version="1",
    description=(
        "API v1 des familles : planning, réservations, absences, demandes, factures. "
        'Erreurs : `{"detail": "..."}` en français (plus `errors` quand plusieurs points sont vérifiés). '
        "Limites : corps de requête de 2,5 Mo au plus (413 au-delà) ; planning de 93 jours au plus par appel ; "
        "1000 changements au plus par réservation ; les 50 dernières actualités ; "
        "aucun caractère de contrôle (sauf tabulation et retours à la ligne) dans un texte (422)."
    ),
    urls_namespace="api",
    auth=TownBearer(),
)


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # An id in the address that is not a number names nothing: 404, as an unknown id does.
    if any(error.get("loc", ("",))[0] == "path" for error in exc.errors):
        return not_found(request, Http404())
    errors = [
        {"field": ".".join(str(part) for part in error.get("loc", ())), "message": error.get("msg", "")}
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": _("Données invalides."), "errors": errors}, status=422)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": errors.detail_for(401)}, status=401)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": errors.detail_for(404)}, status=404)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # django-ninja's own refusal of a body it cannot parse is in English; ours are in French.
    unreadable = exc.status_code == 400 and str(exc).startswith("Cannot parse request body")
    detail = _("Le corps de la requête n'est pas du JSON valide.") if unreadable else str(exc)
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    detail = _("Requête trop volumineuse (%(bytes)s octets au plus).") % {"bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    return api.create_response(request, {"detail": detail}, status=413)


@api.exception_handler(SuspiciousOperation)
def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return api.create_response(request, {"detail": errors.detail_for(400)}, status=400)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": errors.detail_for(403)}, status=403)


# Any other exception goes on to Django, which logs it and answers 500; ApiErrorsAsJson
# (api/errors.py) makes that answer JSON.


def family_for(request: HttpRequest) -> Family:
    """The caller's family, loaded with the token (no query); 404 for a staff account."""
    user = request.auth  # type: ignore[attr-defined]
    family = family_of(user)
    if family is None:
        raise Http404
    # The family's town is the request's (the token's town, which is the account's): not read again.
    family.town = request.town  # type: ignore[attr-defined]
    user.town = request.town  # type: ignore[attr-defined]
    return family


def money(amount: Any) -> str:
    return f"{amount:.2f}"


# Authentication


@api.post("auth/token", auth=None, response={200: schemas.TokenOut, 401: schemas.ErrorOut, 429: schemas.ErrorOut})
def create_token(request: HttpRequest, payload: schemas.TokenIn) -> Any:
    try:
        user = throttling.authenticate_counted(request, request.town, payload.login, payload.password)  # type: ignore[attr-defined]
    except throttling.LoginThrottled:
        return Status(
            429,
            {"detail": _("Trop de tentatives. Réessayez dans quelques minutes ou réinitialisez votre mot de passe.")},
        )
    if user is None:
        return Status(401, {"detail": _("Identifiant ou mot de passe incorrect.")})
    token, expires_at = api_tokens.issue_token(user)
    return Status(200, {"token": token, "expires_at": timezone.localtime(expires_at)})


@api.delete("auth/token", response={204: None})
def delete_token(request: HttpRequest) -> Any:
    api_tokens.revoke_token(request.api_token)  # type: ignore[attr-defined]
    return Status(204, None)


# The family


@api.get("family", response=schemas.FamilyOut)
def get_family(request: HttpRequest) -> Any:
    return family_card(family_for(request))


@api.get("activities", response=list[schemas.ActivityOut])
def list_activities(request: HttpRequest) -> Any:
    family = family_for(request)
    return [
        {
            "id": activity.pk,
            "code": activity.code,
            "label": activity.label,
            "site_id": activity.site_id,
            "weekdays": activity.weekdays,
            "needs_validation": activity.needs_validation,
            "capacity": activity.capacity,
            "deadline_rule": activity.deadline_rule.describe(),
        }
        for activity in queries.activities_of_family(request.town, family, timezone.localdate())  # type: ignore[attr-defined]
    ]


@api.get("absence-reasons", response=list[schemas.AbsenceReasonOut])
def list_absence_reasons(request: HttpRequest) -> Any:
    family_for(request)
    return activity_reference.absence_reasons(request.town)  # type: ignore[attr-defined]


# Planning and bookings


class PlanningQuery(schemas.Input):
    start: datetime.date = Field(alias="from", description="Premier jour (AAAA-MM-JJ).")
    end: datetime.date = Field(
        alias="to", description=f"Dernier jour (AAAA-MM-JJ) : {MAX_PLANNING_DAYS} jours au plus depuis `from`."
    )


@api.get("children/{child_id}/planning", response={200: schemas.PlanningOut, 422: schemas.ErrorOut})
def get_planning(request: HttpRequest, child_id: int, period: Query[PlanningQuery]) -> Any:
    family = family_for(request)
    child = access_child(family, child_id)
    if period.end < period.start:
        return Status(422, {"detail": _("La date de fin précède la date de début.")})
    if (period.end - period.start).days + 1 > MAX_PLANNING_DAYS:
        return Status(422, {"detail": _("La période demandée dépasse %(days)s jours.") % {"days": MAX_PLANNING_DAYS}})
    calendar = FamilyCalendar.load(family, period.start, period.end, children=[child])
    now = timezone.now()
    return {
        "child_id": child.pk,
        "days": [
            {"date": day, "activities": [entry_out(entry) for entry in entries]}
            for day, entries in calendar.days(child, now)
        ],
    }


def entry_out(entry: Any) -> dict[str, Any]:
    status = entry.status
    return {
        "activity_id": entry.activity.pk,
        "code": entry.activity.code,
        "state": entry.state,
        "open": status.open,
        "closed_reason": status.closed_reason.value if status.closed_reason else None,
        "deadline": timezone.localtime(status.deadline) if status.deadline else None,
        "changeable": status.changeable,
        "unit_price": money(entry.unit_price),
    }


def changes_of(payload: schemas.BatchIn) -> list[actions.Change]:
    return [actions.Change(change.date, change.activity_id, change.book) for change in payload.changes]


def errors_out(refusals: list[actions.Refusal]) -> list[dict[str, Any]]:
    return [
        {"date": refusal.date, "activity_id": refusal.activity_id, "code": refusal.code, "message": refusal.message}
        for refusal in refusals
    ]


@api.post("children/{child_id}/bookings/quote", response=schemas.QuoteOut)
def quote_bookings(request: HttpRequest, child_id: int, payload: schemas.BatchIn) -> Any:
    family = family_for(request)
    child = access_child(family, child_id)
    review = actions.review(child, changes_of(payload), now=timezone.now())
    return {
        "lines": [
            {"date": outcome.change.date, "activity_id": outcome.activity.pk, "unit_price": money(outcome.unit_price)}
            for outcome in review.outcomes
            if outcome.change.book
        ],
        "total": money(review.total),
        "errors": errors_out(review.refusals),
    }


@api.post("children/{child_id}/bookings", response={200: schemas.BatchOut, 409: schemas.BatchErrorOut})
def apply_bookings(request: HttpRequest, child_id: int, payload: schemas.BatchIn) -> Any:
    family = family_for(request)
    changes = changes_of(payload)
    try:
        with transaction.atomic():
            # The child read and locked in one statement, in the transaction the changes are applied in.
            child = access_child(family, child_id, for_update=True)
            if unpaid := prepayment.payment_required(child, changes, now=timezone.now()):
                return Status(409, {"detail": str(prepayment.PAYMENT_REQUIRED_DETAIL), "errors": errors_out(unpaid)})
            # The one door, as on the portal: the same rules, and the same confirmation e-mail.
            ((_child, review),) = actions.apply_family(
                family,
                [(child, changes)],
                actor=request.auth,  # type: ignore[attr-defined]
                base_url=request.build_absolute_uri("/"),
                children_locked=True,
            )
    except actions.BatchRefused as refused:
        return Status(
            409,
            {
                "detail": _("Aucune modification n'a été enregistrée : %(count)s refusée(s).")
                % {"count": len(refused.refusals)},
                "errors": errors_out(refused.refusals),
            },
        )
    return Status(
        200,
        {
            "changes": [
                {"date": outcome.change.date, "activity_id": outcome.activity.pk, "state": outcome.state}
                for outcome in review.outcomes
            ],
            "total": money(review.total),
        },
    )


@api.post(
    "children/{child_id}/absences", response={201: schemas.AbsenceOut, 409: schemas.ErrorOut, 422: schemas.ErrorOut}
)
def declare_absence(request: HttpRequest, child_id: int, payload: schemas.AbsenceIn) -> Any:
    """Declare an absence on a booked day. Before the day's deadline it is a free cancellation
    (201 with `id` null, `state` "none", `billed` false); after it, the reason's rule applies."""
    family = family_for(request)
    child = access_child(family, child_id)
    reason = next(
        (reason for reason in activity_reference.absence_reasons(request.town) if reason.code == payload.reason),  # type: ignore[attr-defined]
        None,
    )
    if reason is None:
        return Status(422, {"detail": _("Motif d'absence inconnu.")})
    booking = Booking.objects.filter(
        town_id=family.town_id, child=child, activity_id=payload.activity_id, date=payload.date
    ).first()
    if booking is None:
        return Status(409, {"detail": _("Ce jour n'est pas réservé.")})
    try:
        declared = actions.declare_absence(booking, reason, actor=request.auth, comment=payload.comment)  # type: ignore[attr-defined]
    except actions.AbsenceRefused as refused:
        return Status(409, {"detail": refused.message})
    absence = declared.absence
    return Status(
        201,
        {
            "id": absence.pk if absence else None,
            "state": declared.state,
            "billed": reason.billed and not declared.cancelled,
        },
    )


@api.get("requests", response=list[schemas.RequestOut])
def list_requests(
    request: HttpRequest,
    status: str | None = Query(None, max_length=20, description="`pending`, `accepted` ou `refused`"),
) -> Any:
    family = family_for(request)
    found = Request.objects.filter(town_id=family.town_id, family=family).select_related("booking")
    if status is not None:
        if status not in ("pending", "accepted", "refused"):
            raise HttpError(422, _("Statut inconnu : pending, accepted ou refused."))
        found = found.filter(status=status)
    return [
        {
            "id": item.pk,
            "kind": item.kind,
            "child_id": item.child_id,
            "date": item.booking.date if item.booking else None,
            "activity_id": item.booking.activity_id if item.booking else None,
            "status": item.status,
            "created_at": timezone.localtime(item.created_at),
            "decided_at": timezone.localtime(item.decided_at) if item.decided_at else None,
            "reason": item.reason,
        }
        for item in found
    ]


# Invoices and statement


@api.get("invoices", response=list[schemas.InvoiceOut])
def list_invoices(request: HttpRequest) -> Any:
    family = family_for(request)
    return [
        {
            "id": invoice.id,
            "number": invoice.number,
            "issued_on": invoice.issued_on,
            "due_on": invoice.due_on,
            "period_start": invoice.period_start,
            "period_end": invoice.period_end,
            "total": money(invoice.total),
            "paid": money(invoice.paid),
            "status": str(invoice.status),
        }
        for invoice in statements.invoice_summaries(family)
    ]


@api.get("invoices/{invoice_id}/pdf", response={200: None})
def invoice_pdf(request: HttpRequest, invoice_id: int) -> HttpResponse:
    family = family_for(request)
    invoice = get_object_or_404(Invoice, town_id=family.town_id, family=family, pk=invoice_id)
    response = HttpResponse(pdf.invoice_pdf_bytes(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="facture-{invoice.number}.pdf"'
    return response


@api.get("statement", response={200: schemas.StatementOut, 422: schemas.ErrorOut})
def get_statement(
    request: HttpRequest,
    school_year: int | None = Query(
        None, description="L'année où commence l'année scolaire, de 2000 à 2100 (par défaut l'année en cours)."
    ),
) -> Any:
    family = family_for(request)
    if school_year is None:
        school_year = statements.school_year_of(timezone.localdate())
    if not 2000 <= school_year <= 2100:
        return Status(422, {"detail": _("Année scolaire invalide.")})
    found = statements.statement(family, school_year, town=request.town)  # type: ignore[attr-defined]
    return Status(
        200,
        {
            "school_year": found.school_year,
            "opening_balance": money(found.opening_balance),
            "operations": [
                {
                    "date": operation.date,
                    "reference": operation.reference,
                    "label": operation.label,
                    "debit": money(operation.debit),
                    "credit": money(operation.credit),
                }
                for operation in found.operations
            ],
            "balance": money(found.balance),
        },
    )


@api.post("invoices/{invoice_id}/payment", response={200: schemas.PaymentRedirectOut, 409: schemas.ErrorOut})
def pay_invoice(request: HttpRequest, invoice_id: int) -> Any:
    """Start an online payment of what remains due; the client sends the parent to `redirect_url`."""
    family = family_for(request)
    invoice = get_object_or_404(Invoice, town_id=family.town_id, family=family, pk=invoice_id)
    try:
        _online, url = start_online_payment(invoice, request.auth.email, absolute_urls(request))  # type: ignore[attr-defined]
    except PaymentRefused as refused:
        return Status(409, {"detail": refused.message})
    return Status(200, {"redirect_url": request.build_absolute_uri(url)})


# Messages, documents and news (messaging).
api.add_router("", "ardoise.api.messaging.router")

# Supporting documents (pièces justificatives).
api.add_router("", "ardoise.api.documents.router")
# Consents (consents).
api.add_router("", "ardoise.api.consents.router")
# Enrolment requests, waiting-list rank and offers (admissions).
api.add_router("", "ardoise.api.enrolments.router")
