"""Finance's payments pages (régie): record a payment, re-allocate it, deposit
slips (bordereaux de remise), refunds, and the town's online payment provider.

Roles: finance and town administrators; the provider settings are for
administrators only. Every change goes through ardoise.payments.actions.
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ardoise.activities.models import Activity
from ardoise.audit.actions import record
from ardoise.billing import statements
from ardoise.billing.balance import family_balance
from ardoise.billing.models import Invoice, Payment, PaymentAllocation
from ardoise.families.models import Family
from ardoise.payments import actions, voucher_queries
from ardoise.payments.models import (
    DepositMethod,
    DepositSlip,
    DepositSlipEntry,
    OnlinePayment,
    PaymentReversal,
    ProviderConfig,
    ProviderKind,
    Refund,
    RefundMethod,
    ReversalReason,
    Voucher,
    VoucherKind,
)
from ardoise.payments.providers import config_for
from ardoise.payments.vouchers import Titre, TitreError, parse_titres
from ardoise.towns import spreadsheets
from ardoise.towns.access import staff_required
from ardoise.towns.http import AuthedRequest, TownRequest
from ardoise.towns.ids import parse_id
from ardoise.towns.models import Role, Town

# Latest payments shown on the payments page.
LATEST = 50


def amount_field() -> forms.DecimalField:
    return forms.DecimalField(
        label=gettext_lazy("Montant (€)"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def date_field(label: str) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class FamilyNumberField(forms.CharField):
    """A family of the town, given by its number (N° famille)."""

    def __init__(self, town: Town, **kwargs: object) -> None:
        super().__init__(label=gettext_lazy("N° famille"), max_length=20, **kwargs)  # type: ignore[arg-type]
        self.town = town

    def clean(self, value: object) -> Family:
        number = super().clean(value)
        family = Family.objects.filter(town=self.town, number=number.strip()).first()
        if family is None:
            raise forms.ValidationError(_("Aucune famille n'a ce numéro."))
        return family


class PaymentForm(forms.Form):
    method = forms.ChoiceField(
        label=gettext_lazy("Mode"),
        choices=[(method.value, method.label) for method in (*actions.DESK_METHODS, *actions.VOUCHER_METHODS)],
    )
    amount = amount_field()
    reference = forms.CharField(label=gettext_lazy("Référence (n° de chèque…)"), max_length=100, required=False)
    bank = forms.CharField(label=gettext_lazy("Banque"), max_length=100, required=False)
    titres = forms.CharField(
        label=gettext_lazy("Titres CESU ou chèques-vacances"),
        help_text=gettext_lazy("Un titre par ligne : son numéro puis sa valeur, par exemple « 12345678 20,00 »."),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, town: Town, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields = {"family": FamilyNumberField(town), **self.fields}
        self.fields["received_on"] = date_field(gettext_lazy("Date de réception"))
        self.fields["received_on"].initial = timezone.localdate()

    def clean_titres(self) -> list[Titre]:
        try:
            return parse_titres(self.cleaned_data.get("titres") or "")
        except TitreError as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        titres = cleaned.get("titres")
        if cleaned.get("method") in actions.VOUCHER_METHODS and titres == []:
            self.add_error("titres", _("Indiquez les titres remis : leur numéro et leur valeur, un par ligne."))
        elif cleaned.get("method") in actions.DESK_METHODS and titres:
            self.add_error("titres", _("Seuls les CESU et les chèques-vacances se saisissent avec des titres."))
        return cleaned


class VoucherActivitiesForm(forms.Form):
    """Which activities CESU and chèques-vacances pay: two lists of the town's activities."""

    def __init__(self, town: Town, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [
            (activity.pk, f"{activity.label} ({activity.site.name})")
            for activity in Activity.objects.filter(town=town).select_related("site")
        ]
        accepted = voucher_queries.accepted_activities(town.pk)
        self.fields["cesu"] = forms.TypedMultipleChoiceField(
            label=gettext_lazy("Activités payables en CESU (enfants de moins de 6 ans)"),
            choices=choices,
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            initial=sorted(accepted[VoucherKind.CESU]),
        )
        self.fields["ancv"] = forms.TypedMultipleChoiceField(
            label=gettext_lazy("Activités payables en chèques-vacances (ANCV)"),
            choices=choices,
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            initial=sorted(accepted[VoucherKind.ANCV]),
        )


class RefundForm(forms.Form):
    amount = amount_field()
    method = forms.ChoiceField(label=gettext_lazy("Mode"), choices=RefundMethod.choices)
    reason = forms.CharField(label=gettext_lazy("Motif"), max_length=300)

    def __init__(self, town: Town, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields = {"family": FamilyNumberField(town), **self.fields}
        self.fields["refunded_on"] = date_field(gettext_lazy("Date"))
        self.fields["refunded_on"].initial = timezone.localdate()


class ReversalForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Motif"), choices=ReversalReason.choices)
    detail = forms.CharField(
        label=gettext_lazy("Précision (motif de la banque, n° de lettre…)"), max_length=300, required=False
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["reversed_on"] = date_field(gettext_lazy("Date"))
        self.fields["reversed_on"].initial = timezone.localdate()


class ProviderForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ProviderConfig
        fields = ["provider", "numcli", "saisie"]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        numcli = cleaned.get("numcli") or ""
        if cleaned.get("provider") == ProviderKind.PAYFIP_WS and not (len(numcli) == 6 and numcli.isdigit()):
            self.add_error("numcli", _("Le numéro client PayFiP a 6 chiffres."))
        return cleaned


def _render(request: HttpRequest, template: str, context: dict[str, object], status: int = 200) -> HttpResponse:
    return render(request, f"backoffice/{template}", context, status=status)


@staff_required(Role.FINANCE)
def payments(request: AuthedRequest) -> HttpResponse:
    """Record a payment; the latest payments with what they settle."""
    town = request.town
    form = PaymentForm(town, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment = actions.record_payment(
                data["family"],
                request.user,
                method=data["method"],
                received_on=data["received_on"],
                amount=data["amount"],
                reference=data["reference"],
                bank=data["bank"],
                titres=data["titres"],
            )
        except actions.PaymentRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                _("Règlement %(number)s enregistré : %(amount)s €.")
                % {"number": payment.number, "amount": number_format(payment.amount, 2)},
            )
            return redirect("backoffice:payment", town.slug, payment.pk)
    latest = (
        Payment.objects.filter(town=town)
        .select_related("family", "reversal")
        .prefetch_related(Prefetch("allocations", PaymentAllocation.objects.select_related("invoice")), "vouchers")
        .order_by("-received_on", "-pk")[:LATEST]
    )
    status = 422 if request.method == "POST" else 200
    return _render(request, "payments.html", {"form": form, "payments": latest}, status)


def _payment(request: TownRequest, payment_id: int) -> Payment:
    return get_object_or_404(Payment.objects.select_related("family"), town=request.town, pk=payment_id)


def _payment_page(
    request: TownRequest, payment: Payment, reversal_form: ReversalForm | None = None, status: int = 200
) -> HttpResponse:
    town = request.town
    context: dict[str, object] = {
        "payment": payment,
        "reversal": PaymentReversal.objects.filter(town=town, payment=payment).select_related("recorded_by").first(),
        "reversal_form": reversal_form or ReversalForm(),
        "allocations": payment.allocations.select_related("invoice").order_by("invoice__issued_on", "invoice__pk"),
        "invoices": statements.invoice_summaries(payment.family),
        "balance": family_balance(payment.family),
        "slip": DepositSlipEntry.objects.filter(town=town, payment=payment).select_related("slip").first(),
        "online": OnlinePayment.objects.filter(town=town, payment=payment).first(),
        "titres": Voucher.objects.filter(town=town, payment=payment).order_by("pk"),
    }
    return _render(request, "payments_detail.html", context, status)


@staff_required(Role.FINANCE)
def payment_detail(request: AuthedRequest, payment_id: int) -> HttpResponse:
    """A payment, what it settles, and its re-allocation."""
    town = request.town
    payment = _payment(request, payment_id)
    if request.method == "POST":
        invoice = None
        chosen = request.POST.get("invoice", "")
        if chosen:
            invoice = Invoice.objects.filter(
                town=town, family=payment.family_id, pk=chosen if chosen.isdigit() else 0
            ).first()
            if invoice is None:
                messages.error(request, _("Cette facture n'est pas celle de la famille."))
                return redirect("backoffice:payment", town.slug, payment.pk)
        try:
            actions.reallocate(payment, request.user, invoice)
        except actions.PaymentRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("Règlement %(number)s réaffecté.") % {"number": payment.number})
        return redirect("backoffice:payment", town.slug, payment.pk)
    return _payment_page(request, payment)


@staff_required(Role.FINANCE)
@require_POST
def payment_reversal(request: AuthedRequest, payment_id: int) -> HttpResponse:
    """Cancel a payment that did not come through: it stays on record, its invoices are open again."""
    town = request.town
    payment = _payment(request, payment_id)
    form = ReversalForm(request.POST)
    if form.is_valid():
        try:
            reversal = actions.reverse_payment(
                payment,
                request.user,
                reason=form.cleaned_data["reason"],
                reversed_on=form.cleaned_data["reversed_on"],
                detail=form.cleaned_data["detail"],
            )
        except actions.PaymentRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                _("Règlement %(number)s annulé (%(reversal)s) : les factures qu'il soldait sont de nouveau dues.")
                % {"number": payment.number, "reversal": reversal.number},
            )
            return redirect("backoffice:payment", town.slug, payment.pk)
    return _payment_page(request, payment, form, status=422)


@staff_required(Role.FINANCE)
def deposit_slips(request: AuthedRequest) -> HttpResponse:
    """Unbanked cheques and cash, to put on a new slip; the slips made."""
    town = request.town
    method = request.POST.get("method") or request.GET.get("nature") or DepositMethod.CHEQUE
    if method not in DepositMethod.values:
        method = DepositMethod.CHEQUE
    errors: list[str] = []
    if request.method == "POST":
        ids = [number for value in request.POST.getlist("payment") if (number := parse_id(value)) is not None]
        try:
            deposited_on = forms.DateField().clean(request.POST.get("deposited_on"))
            slip = actions.create_deposit_slip(
                town,
                request.user,
                method=method,
                payment_ids=ids,
                deposited_on=deposited_on,
            )
        except forms.ValidationError:
            errors.append(_("Indiquez la date de remise."))
        except actions.PaymentRefused as refused:
            errors.append(refused.message)
        else:
            messages.success(request, _("Bordereau %(number)s créé.") % {"number": slip.number})
            return redirect("backoffice:deposit_slip", town.slug, slip.pk)
    unbanked = actions.unbanked_payments(town, method)
    titres = voucher_queries.vouchers_by_payment(town.pk, [payment.pk for payment in unbanked])
    context = {
        "method": method,
        "methods": DepositMethod.choices,
        "unbanked": [(payment, titres.get(payment.pk, [])) for payment in unbanked],
        "titres_slip": method in VoucherKind.values,
        "slips": DepositSlip.objects.filter(town=town)[:LATEST],
        "errors": errors,
        "today": timezone.localdate(),
    }
    return _render(request, "payments_slips.html", context, 422 if errors else 200)


def _slip(request: TownRequest, slip_id: int) -> tuple[DepositSlip, list[Payment]]:
    slip = get_object_or_404(DepositSlip, town=request.town, pk=slip_id)
    entries = (
        Payment.objects.filter(town=request.town, deposit_entry__slip=slip)
        .select_related("family")
        .prefetch_related(Prefetch("vouchers", Voucher.objects.order_by("pk")))
        .order_by("received_on", "pk")
    )
    return slip, list(entries)


# Where a slip of titres goes: CESU to the CRCESU, chèques-vacances to the ANCV.
SLIP_DESTINATION = {
    VoucherKind.CESU: gettext_lazy("À adresser au Centre de remboursement du CESU (CRCESU)"),
    VoucherKind.ANCV: gettext_lazy("À adresser à l'Agence nationale pour les chèques-vacances (ANCV)"),
}


@staff_required(Role.FINANCE)
def deposit_slip(request: AuthedRequest, slip_id: int) -> HttpResponse:
    """A slip, printable; a slip of titres lists each titre's number and value."""
    slip, entries = _slip(request, slip_id)
    context = {
        "slip": slip,
        "entries": entries,
        "titres_slip": slip.method in VoucherKind.values,
        "titres_count": sum(len(payment.vouchers.all()) for payment in entries),
        "destination": SLIP_DESTINATION.get(slip.method, ""),  # type: ignore[call-overload]
    }
    return _render(request, "payments_slip.html", context)


@staff_required(Role.FINANCE)
def deposit_slip_csv(request: AuthedRequest, slip_id: int) -> HttpResponse:
    slip, entries = _slip(request, slip_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bordereau-{slip.number}.csv"'
    writer = spreadsheets.csv_writer(response, delimiter=";")
    if slip.method in VoucherKind.values:
        _titres_csv(writer, slip, entries)
        return response
    writer.writerow(
        ["bordereau", "date_remise", "reglement", "date", "famille", "nom", "banque", "reference", "montant"]
    )
    for payment in entries:
        writer.writerow(
            [
                slip.number,
                slip.deposited_on.isoformat(),
                payment.number,
                payment.received_on.isoformat(),
                payment.family.number,
                payment.family.name,
                payment.bank,
                payment.reference,
                f"{payment.amount:.2f}",
            ]
        )
    writer.writerow([slip.number, slip.deposited_on.isoformat(), "TOTAL", "", "", "", "", "", f"{slip.total:.2f}"])
    return response


def _titres_csv(writer: Any, slip: DepositSlip, entries: list[Payment]) -> None:
    """A slip of titres, one row per titre: what the CRCESU or the ANCV checks against the titres sent."""
    writer.writerow(["bordereau", "date_remise", "nature", "titre", "valeur", "reglement", "date", "famille", "nom"])
    count = 0
    for payment in entries:
        for titre in payment.vouchers.all():
            count += 1
            writer.writerow(
                [
                    slip.number,
                    slip.deposited_on.isoformat(),
                    titre.kind,
                    titre.number,
                    f"{titre.value:.2f}",
                    payment.number,
                    payment.received_on.isoformat(),
                    payment.family.number,
                    payment.family.name,
                ]
            )
    writer.writerow(
        [slip.number, slip.deposited_on.isoformat(), "TOTAL", f"{count} titres", f"{slip.total:.2f}", "", "", "", ""]
    )


@staff_required(Role.ADMIN)
def voucher_settings(request: AuthedRequest) -> HttpResponse:
    """Which activities the town accepts CESU and chèques-vacances for (CESU: children under 6 only)."""
    town = request.town
    form = VoucherActivitiesForm(town, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_voucher_activities(
                town,
                request.user,
                {VoucherKind.CESU: form.cleaned_data["cesu"], VoucherKind.ANCV: form.cleaned_data["ancv"]},
            )
        except actions.PaymentRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Activités payables par CESU et chèques-vacances enregistrées."))
            return redirect("backoffice:config_payment_vouchers", town.slug)
    status = 422 if request.method == "POST" else 200
    return _render(request, "payments_vouchers.html", {"form": form}, status)


@staff_required(Role.FINANCE)
def refunds(request: AuthedRequest) -> HttpResponse:
    """Refund part or all of a family's credit; the latest refunds."""
    town = request.town
    form = RefundForm(town, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = actions.refund(
                data["family"],
                request.user,
                amount=data["amount"],
                refunded_on=data["refunded_on"],
                method=data["method"],
                reason=data["reason"],
            )
        except actions.PaymentRefused as refused:
            form.add_error("amount", refused.message)
        else:
            messages.success(request, _("Remboursement %(number)s enregistré.") % {"number": done.number})
            return redirect("backoffice:refunds", town.slug)
    latest = Refund.objects.filter(town=town).select_related("family")[:LATEST]
    status = 422 if request.method == "POST" else 200
    return _render(request, "payments_refunds.html", {"form": form, "refunds": latest}, status)


@staff_required(Role.ADMIN)
def provider_settings(request: AuthedRequest) -> HttpResponse:
    """The town's online payment provider (PayFiP's client number and entry mode)."""
    town = request.town
    current = config_for(town)
    before = {"provider": current.provider, "numcli": current.numcli, "saisie": current.saisie}
    form = ProviderForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        config = form.save()
        after = {"provider": config.provider, "numcli": config.numcli, "saisie": config.saisie}
        record(
            town,
            request.user,
            "payments.provider",
            config,
            f"Paiement en ligne : {config.get_provider_display()}",
            changes={key: [before[key], after[key]] for key in after if before[key] != after[key]},
        )
        messages.success(request, _("Paiement en ligne enregistré."))
        return redirect("backoffice:config_online_payment", town.slug)
    status = 422 if request.method == "POST" else 200
    return _render(request, "payments_provider.html", {"form": form}, status)


urlpatterns = [
    path("", payments, name="payments"),
    path("<int:payment_id>/", payment_detail, name="payment"),
    path("<int:payment_id>/annuler/", payment_reversal, name="payment_reversal"),
    path("remises/", deposit_slips, name="deposit_slips"),
    path("remises/<int:slip_id>/", deposit_slip, name="deposit_slip"),
    path("remises/<int:slip_id>.csv", deposit_slip_csv, name="deposit_slip_csv"),
    path("remboursements/", refunds, name="refunds"),
    path("paiement-en-ligne/", provider_settings, name="config_online_payment"),
    path("titres/", voucher_settings, name="config_payment_vouchers"),
]
