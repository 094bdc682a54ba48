"""Direct debit pages of the back office (Prélèvements): collections and their
pain.008 files, rejected debits, the town's creditor settings, and mandates.

Roles: finance and administrators for collections, rejections and creditor
settings; mandates also for the front desk, who sign them up with the families.
Every change goes through ardoise.directdebit.actions.
"""

import datetime

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ardoise.backoffice.payments import FamilyNumberField, date_field
from ardoise.billing.money import ZERO
from ardoise.directdebit import actions
from ardoise.directdebit.models import (
    Collection,
    CollectionItem,
    CreditorSettings,
    ItemStatus,
    Mandate,
    MandateState,
    RejectReason,
)
from ardoise.families.models import Family
from ardoise.towns.access import staff_required
from ardoise.towns.http import AuthedRequest, TownRequest
from ardoise.towns.models import Role, Town

# Mandates and rejections shown per page, newest first.
LATEST = 200


class CollectionDateForm(forms.Form):
    collection_date = date_field(gettext_lazy("Date du prélèvement"))


class CreditorForm(forms.Form):
    ics = forms.CharField(label=gettext_lazy("Identifiant créancier SEPA (ICS)"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Nom du créancier"), max_length=70)
    iban = forms.CharField(label=gettext_lazy("IBAN de la régie"), max_length=50)
    bic = forms.CharField(label=gettext_lazy("BIC"), max_length=20, required=False)


class MandateForm(forms.Form):
    debtor_name = forms.CharField(label=gettext_lazy("Titulaire du compte"), max_length=70)
    iban = forms.CharField(label=gettext_lazy("IBAN"), max_length=50)
    bic = forms.CharField(
        label=gettext_lazy("BIC"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("Laissé vide, il est déduit de l'IBAN quand la banque est connue."),
    )
    signed_on = date_field(gettext_lazy("Date de signature"))

    def __init__(self, town: Town, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields = {"family": FamilyNumberField(town), **self.fields}


class RejectionForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Motif (code retour de la banque)"), choices=RejectReason.choices)
    rejected_on = date_field(gettext_lazy("Date du rejet"))


class RevokeForm(forms.Form):
    revoked_on = date_field(gettext_lazy("Date de révocation"))


def _render(request: HttpRequest, template: str, context: dict[str, object], status: int = 200) -> HttpResponse:
    return render(request, f"backoffice/direct_debits/{template}", context, status=status)


def _today() -> datetime.date:
    return timezone.localdate()


@staff_required(Role.FINANCE)
def collections(request: AuthedRequest) -> HttpResponse:
    """The collections made, newest first, with their rejections."""
    town = request.town
    made = (
        Collection.objects.filter(town=town)
        .defer("xml")
        .annotate(rejected=Count("items", filter=Q(items__status=ItemStatus.REJECTED)))
        .order_by("-collection_date", "-pk")
    )
    context = {
        "collections": made,
        "creditor": CreditorSettings.objects.filter(town=town).first(),
        "active_mandates": Mandate.objects.filter(town=town, state=MandateState.ACTIVE).count(),
    }
    return _render(request, "collections.html", context)


@staff_required(Role.FINANCE)
def collection_new(request: AuthedRequest) -> HttpResponse:
    """Pick a date, preview what would be debited, then create the collection."""
    town = request.town
    today = _today()
    data = request.POST if request.method == "POST" else request.GET
    form = CollectionDateForm(data if "collection_date" in data else None)
    if form.is_bound and form.is_valid():
        try:
            actions.check_collection_date(form.cleaned_data["collection_date"], today)
        except actions.DirectDebitRefused as refused:
            form.add_error("collection_date", refused.message)
    if request.method == "POST" and form.is_valid():
        try:
            collection = actions.create_collection(
                town,
                request.user,
                collection_date=form.cleaned_data["collection_date"],
                today=today,
            )
        except actions.DirectDebitRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                _("Remise %(number)s créée : %(count)s prélèvement(s), %(total)s €.")
                % {"number": collection.number, "count": collection.item_count, "total": collection.total},
            )
            return redirect("backoffice:direct_debit_collection", town.slug, collection.pk)
    previewed = form.cleaned_data["collection_date"] if form.is_bound and form.is_valid() else None
    on = previewed or actions.next_business_day(today)
    if request.method == "GET" and (not form.is_bound or form.is_valid()):
        # The creation form proposes the date previewed.
        form = CollectionDateForm(initial={"collection_date": on})
    planned = actions.plan(town, on)
    context = {
        "form": form,
        "planned": planned,
        "on": on,
        "total": sum((debit.amount for debit in planned), start=ZERO),
        "creditor": CreditorSettings.objects.filter(town=town).first(),
        "without_mandate": Family.objects.filter(town=town, archived_on__isnull=True)
        .exclude(mandates__state=MandateState.ACTIVE)
        .count(),
    }
    status = 422 if form.is_bound and form.errors else 200
    return _render(request, "collection_new.html", context, status)


def _collection(request: TownRequest, collection_id: int) -> Collection:
    return get_object_or_404(Collection.objects.defer("xml"), town=request.town, pk=collection_id)


@staff_required(Role.FINANCE)
def collection(request: AuthedRequest, collection_id: int) -> HttpResponse:
    """A collection's debits, each with its invoice, mandate and fate; a constant number of queries."""
    made = _collection(request, collection_id)
    items = (
        CollectionItem.objects.filter(town=request.town, collection=made)
        .select_related("family", "invoice", "mandate", "payment", "reversal")
        .order_by("family__name", "family__number", "pk")
    )
    return _render(request, "collection.html", {"collection": made, "items": items})


@staff_required(Role.FINANCE)
def collection_xml(request: AuthedRequest, collection_id: int) -> HttpResponse:
    """The pain.008 file, as generated when the collection was made."""
    made = get_object_or_404(Collection, town=request.town, pk=collection_id)
    response = HttpResponse(bytes(made.xml), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="prelevements-{made.number}.xml"'
    return response


@staff_required(Role.FINANCE)
def reject(request: AuthedRequest, item_id: int) -> HttpResponse:
    """Record that the bank returned a debit."""
    town = request.town
    item = get_object_or_404(
        CollectionItem.objects.select_related("collection", "family", "invoice", "mandate", "reversal"),
        town=town,
        pk=item_id,
    )
    form = RejectionForm(request.POST or None, initial={"rejected_on": _today()})
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_rejection(
                item,
                request.user,
                reason=form.cleaned_data["reason"],
                rejected_on=form.cleaned_data["rejected_on"],
                today=_today(),
                base_url=request.build_absolute_uri("/"),
            )
        except actions.DirectDebitRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                _("Rejet enregistré : la facture %(number)s est de nouveau à régler, la famille est prévenue.")
                % {"number": item.invoice.number},
            )
            return redirect("backoffice:direct_debit_collection", town.slug, item.collection_id)
    status = 422 if request.method == "POST" else 200
    return _render(request, "reject.html", {"item": item, "form": form}, status)


@staff_required(Role.FINANCE)
def rejections(request: AuthedRequest) -> HttpResponse:
    """Every rejected debit, newest first."""
    rejected = (
        CollectionItem.objects.filter(town=request.town, status=ItemStatus.REJECTED)
        .select_related("collection", "family", "invoice", "reversal")
        .defer("collection__xml")
        .order_by("-rejected_on", "-pk")[:LATEST]
    )
    return _render(request, "rejections.html", {"items": rejected})


@staff_required(Role.FINANCE)
def creditor_settings(request: AuthedRequest) -> HttpResponse:
    """The town's creditor identifier and the régie's account."""
    town = request.town
    current = CreditorSettings.objects.filter(town=town).first()
    initial = {"ics": current.ics, "name": current.name, "iban": current.iban, "bic": current.bic} if current else {}
    initial.setdefault("name", town.regie_name or town.name)
    form = CreditorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_creditor_settings(town, request.user, **form.cleaned_data)
        except actions.DirectDebitRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Paramètres de prélèvement enregistrés."))
            return redirect("backoffice:direct_debit_settings", town.slug)
    status = 422 if request.method == "POST" else 200
    return _render(request, "settings.html", {"form": form, "creditor": current}, status)


@staff_required(Role.FINANCE, Role.FRONT_DESK)
def mandates(request: AuthedRequest) -> HttpResponse:
    """Sign up a family's mandate; the mandates, newest first."""
    town = request.town
    wanted = request.GET.get("famille", "")[:30]
    form = MandateForm(town, request.POST or None, initial={"family": wanted, "signed_on": _today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            mandate = actions.create_mandate(
                data["family"],
                request.user,
                debtor_name=data["debtor_name"],
                iban=data["iban"],
                bic=data["bic"],
                signed_on=data["signed_on"],
                today=_today(),
            )
        except actions.DirectDebitRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Mandat %(reference)s enregistré.") % {"reference": mandate.reference})
            return redirect("backoffice:mandates", town.slug)
    listed = Mandate.objects.filter(town=town).select_related("family").order_by("-created_at", "-pk")
    if wanted:
        listed = listed.filter(family__number=wanted)
    status = 422 if request.method == "POST" else 200
    return _render(request, "mandates.html", {"form": form, "mandates": listed[:LATEST], "wanted": wanted}, status)


@staff_required(Role.FINANCE, Role.FRONT_DESK)
def mandate_revoke(request: AuthedRequest, mandate_id: int) -> HttpResponse:
    town = request.town
    mandate = get_object_or_404(Mandate.objects.select_related("family"), town=town, pk=mandate_id)
    form = RevokeForm(request.POST or None, initial={"revoked_on": _today()})
    if request.method == "POST" and form.is_valid():
        try:
            actions.revoke_mandate(
                mandate,
                request.user,
                revoked_on=form.cleaned_data["revoked_on"],
                today=_today(),
            )
        except actions.DirectDebitRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Mandat %(reference)s révoqué.") % {"reference": mandate.reference})
            return redirect("backoffice:mandates", town.slug)
    status = 422 if request.method == "POST" else 200
    return _render(request, "revoke.html", {"mandate": mandate, "form": form}, status)


urlpatterns = [
    path("", collections, name="direct_debits"),
    path("nouvelle-remise/", collection_new, name="direct_debit_new"),
    path("remises/<int:collection_id>/", collection, name="direct_debit_collection"),
    path("remises/<int:collection_id>.xml", collection_xml, name="direct_debit_xml"),
    path("prelevements/<int:item_id>/rejet/", reject, name="direct_debit_reject"),
    path("rejets/", rejections, name="direct_debit_rejections"),
    path("creancier/", creditor_settings, name="direct_debit_settings"),
    path("mandats/", mandates, name="mandates"),
    path("mandats/<int:mandate_id>/revoquer/", mandate_revoke, name="mandate_revoke"),
]
