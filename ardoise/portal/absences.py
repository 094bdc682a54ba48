"""Declaring an absence on a booked day (seed 001 "Déclarer une absence").

`absences` lists the family's coming booked days to pick one from; the planning
links to `absence_new` with `?child=&activity=&date=` directly.
"""

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ardoise.activities.models import AbsenceReason
from ardoise.bookings import actions
from ardoise.bookings.models import Booking, BookingState
from ardoise.bookings.uploads import ACCEPT, ALLOWED_LABEL, validate_document
from ardoise.calendars.wording import date_fr
from ardoise.families.access import access_child
from ardoise.families.models import Family
from ardoise.portal import signup
from ardoise.towns.access import parent_required
from ardoise.towns.ids import parse_id

# How far ahead the list of booked days goes.
UPCOMING_DAYS = 8 * 7


class ReasonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: AbsenceReason) -> str:  # type: ignore[override]
        return obj.label


class AbsenceForm(forms.Form):
    reason = ReasonChoiceField(
        label=gettext_lazy("Motif de l'absence"),
        queryset=AbsenceReason.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": gettext_lazy("Choisissez le motif de l'absence."),
            "invalid_choice": gettext_lazy("Ce motif n'existe pas : choisissez-en un dans la liste."),
        },
    )
    comment = forms.CharField(
        label=gettext_lazy("Commentaire (facultatif)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    document = forms.FileField(
        label=gettext_lazy("Justificatif (facultatif)"),
        required=False,
        help_text=gettext_lazy("%(allowed)s, 5 Mo au maximum.") % {"allowed": ALLOWED_LABEL},
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args: Any, reasons: list[AbsenceReason], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = AbsenceReason.objects.filter(pk__in=[reason.pk for reason in reasons])
        self.reasons = reasons

    def clean_document(self) -> Any:
        document = self.cleaned_data.get("document")
        if document:
            validate_document(document)
        return document


def reason_terms(reason: AbsenceReason | None, *, cancels: bool = False) -> dict[str, Any]:
    """What the screen says about a reason: billed or not, document asked or not.

    `cancels`: the day can still be cancelled, so declaring it absent cancels it
    for free whatever the reason (bookings.actions.declare_absence).
    """
    if reason is None:
        return {}
    if cancels:
        return {
            "reason": reason,
            "billing": _("Le jour sera annulé : il ne sera pas facturé."),
            "document": _("Aucun justificatif n'est nécessaire."),
        }
    if reason.billed:
        billing = _("Ce jour restera facturé.")
    elif reason.waiting_days:
        billing = _(
            "Les %(days)s premiers jours d'absence de suite sont facturés (jours de carence), les suivants non."
        ) % {"days": reason.waiting_days}
    else:
        billing = _("Ce jour ne sera pas facturé.")
    if reason.document_required and not reason.billed:
        billing += " " + _("Si le justificatif est refusé, ce jour sera facturé.")
    document = (
        _("Un justificatif est demandé : joignez-le ci-dessous ou remettez-le au service, qui validera l'absence.")
        if reason.document_required
        else _("Aucun justificatif n'est demandé.")
    )
    return {"reason": reason, "billing": billing, "document": document}


def _day(day: datetime.date) -> str:
    return date_fr(day, "l j F Y")


def _deadline(moment: datetime.datetime) -> str:
    return date_fr(timezone.localtime(moment), "l j F Y à H\\hi")


def _booking_from_query(request: HttpRequest, family: Family) -> tuple[Booking | None, str]:
    """The family's booking the query names, or None and why (in French).

    A child of another family is 404 (access_child); malformed numbers and
    dates are a message, never a 500.
    """
    params = request.GET
    child = access_child(family, params.get("child", ""))  # type: ignore[arg-type]
    activity_id = parse_id(params.get("activity"))
    try:
        day = datetime.date.fromisoformat(params.get("date", ""))
    except ValueError:
        activity_id = None
    if activity_id is None:
        return None, _("Le jour ou l'activité demandés sont invalides : choisissez un jour réservé dans la liste.")
    booking = (
        Booking.objects.filter(town_id=family.town_id, child=child, activity_id=activity_id, date=day)
        .select_related("child", "activity")
        .first()
    )
    if booking is None or booking.state != BookingState.BOOKED:
        if booking is not None and booking.state in (
            BookingState.ABSENCE_PENDING,
            BookingState.ABSENT_BILLED,
            BookingState.ABSENT_EXCUSED,
        ):
            why = _("Une absence est déjà déclarée pour %(child)s le %(day)s.")
        else:
            why = _(
                "Rien n'est réservé pour %(child)s le %(day)s : "
                "on ne peut déclarer une absence que sur un jour réservé."
            )
        return None, why % {"child": child.first_name, "day": _day(day)}
    return booking, ""


def _next_url(request: HttpRequest) -> str:
    """Where to go back after declaring: the page that linked here, if it is of this town."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    town = request.town  # type: ignore[attr-defined]
    if target.startswith(f"/{town.slug}/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("portal:requests", args=[town.slug]) + "?type=absence"


def _declared_message(declared: actions.DeclaredAbsence, reason: AbsenceReason) -> str:
    """What the parent reads once the absence is declared: what became of the day, and what it costs."""
    booking = declared.booking
    names = {"child": booking.child.first_name, "activity": booking.activity.label, "day": _day(booking.date)}
    if declared.cancelled:
        return (
            _(
                "%(activity)s du %(day)s annulé pour %(child)s : la date limite n'étant pas passée, "
                "l'absence vaut annulation et ce jour ne sera pas facturé."
            )
            % names
        )
    if booking.state == BookingState.ABSENCE_PENDING:
        return _(
            "Absence en cours de traitement pour %(child)s, %(activity)s du %(day)s : le service va vérifier "
            "le justificatif. %(billing)s"
        ) % {**names, "billing": reason_terms(reason)["billing"]}
    return _("Absence enregistrée pour %(child)s, %(activity)s du %(day)s. %(billing)s") % {
        **names,
        "billing": reason_terms(reason)["billing"],
    }


@parent_required
@signup.file_not_accepted
@require_GET
def absences(request: HttpRequest, family: Family) -> HttpResponse:
    today = timezone.localdate()
    bookings = (
        Booking.objects.filter(
            town_id=family.town_id,
            child__family=family,
            state=BookingState.BOOKED,
            date__range=(today, today + datetime.timedelta(days=UPCOMING_DAYS)),
        )
        .select_related("child", "activity")
        .order_by("date", "child__birth_date", "activity__starts_at", "activity__label")
    )
    days: dict[datetime.date, list[Booking]] = {}
    for booking in bookings:
        days.setdefault(booking.date, []).append(booking)
    return render(request, "portal/absences.html", {"days": days, "today": today, "weeks": UPCOMING_DAYS // 7})


@parent_required
@signup.file_not_accepted
@require_http_methods(["GET", "POST"])
def absence_new(request: HttpRequest, family: Family) -> HttpResponse:
    booking, why = _booking_from_query(request, family)
    if booking is None:
        return render(request, "portal/absence_refused.html", {"why": why}, status=409)
    reasons = list(AbsenceReason.objects.filter(town_id=family.town_id).order_by("position", "label"))
    by_id = {str(reason.pk): reason for reason in reasons}
    # Before the deadline, the absence is a free cancellation: the form says so.
    cancel_until = actions.free_cancellation_deadline(booking, now=timezone.now())
    cancels = cancel_until is not None
    if request.method == "GET" and request.headers.get("HX-Request") and "reason" in request.GET:
        # htmx: only the hint under the list, when the parent picks a reason.
        terms = reason_terms(by_id.get(request.GET["reason"]), cancels=cancels)
        return render(request, "portal/absence_new.html#reason_hint", {"terms": terms})
    form = AbsenceForm(request.POST or None, request.FILES or None, reasons=reasons)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            try:
                declared = actions.declare_absence(
                    booking,
                    reason,
                    actor=request.user,  # type: ignore[arg-type]
                    comment=form.cleaned_data["comment"].strip(),
                    document=form.cleaned_data["document"] or None,
                )
            except actions.AbsenceRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _declared_message(declared, reason))
                return redirect(_next_url(request))
        status = 422
    selected = by_id.get(str(form["reason"].value() or ""))
    context = {
        "form": form,
        "booking": booking,
        "reasons": [(reason, reason_terms(reason, cancels=cancels)) for reason in reasons],
        "terms": reason_terms(selected, cancels=cancels),
        "cancel_until": _deadline(cancel_until) if cancel_until else "",
        "next": _next_url(request),
    }
    return render(request, "portal/absence_new.html", context, status=status)
