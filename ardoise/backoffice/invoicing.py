"""Finance pages (régie): invoicing runs, invoices and credit notes, reminders, tax certificates.

For finance staff and administrators only; everything is scoped to `request.town`.
"""

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ardoise.activities.models import Activity
from ardoise.billing import actions, reminders, runs
from ardoise.billing.access import access_invoice, access_run
from ardoise.billing.models import BillingSettings, CreditNote, Invoice, InvoiceLine, InvoicingRun, Reminder
from ardoise.billing.pdf import invoice_pdf_bytes
from ardoise.billing.statements import invoice_summary
from ardoise.billing.tasks import enqueue_publication
from ardoise.billing.views import certificate_response
from ardoise.families.access import access_family
from ardoise.families.models import Family
from ardoise.towns.access import staff_required
from ardoise.towns.http import AuthedRequest, TownRequest
from ardoise.towns.models import Role

FINANCE = (Role.FINANCE,)
# A run covers at most this many days (a term at most).
MAX_RUN_DAYS = 124


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _previous_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    end = today.replace(day=1) - datetime.timedelta(days=1)
    return end.replace(day=1), end


# Runs


@require_GET
@staff_required(*FINANCE)
def invoicing(request: AuthedRequest) -> HttpResponse:
    run_list = (
        InvoicingRun.objects.filter(town=request.town)
        .annotate(
            invoice_count=Count("invoices", filter=Q(invoices__town=request.town)),
            invoiced=Sum("invoices__total", filter=Q(invoices__town=request.town)),
        )
        .order_by("-period_start", "-pk")[:100]
    )
    return render(request, "backoffice/invoicing.html", {"runs": list(run_list)})


class ActivityChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Activity) -> str:
        return f"{obj.label} — {obj.site.name}"


class RunForm(forms.Form):
    period_start = forms.DateField(
        label=gettext_lazy("Du"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    period_end = forms.DateField(
        label=gettext_lazy("Au"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    activities = ActivityChoiceField(
        label=gettext_lazy("Activités facturées"),
        queryset=Activity.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy("Choisissez au moins une activité."),
            "invalid_choice": gettext_lazy("Activité inconnue."),
            "invalid_pk_value": gettext_lazy("Activité inconnue."),
        },
    )

    def __init__(self, *args: Any, town: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activities"].queryset = (  # type: ignore[attr-defined]
            Activity.objects.filter(town=town).select_related("site").order_by("site__name", "starts_at", "label")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("La période se termine avant de commencer."))
            if (end - start).days >= MAX_RUN_DAYS:
                raise forms.ValidationError(
                    _("Une facturation couvre au plus %(days)s jours.") % {"days": MAX_RUN_DAYS}
                )
        return data


@require_http_methods(["GET", "POST"])
@staff_required(*FINANCE)
def invoicing_new(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        form = RunForm(request.POST, town=request.town)
        if form.is_valid():
            run = runs.create_run(
                request.town,
                request.user,
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                activities=list(form.cleaned_data["activities"]),
            )
            return redirect("backoffice:invoicing_run", request.town.slug, run.pk)
        return render(request, "backoffice/invoicing_new.html", {"form": form}, status=422)
    start, end = _previous_month(timezone.localdate())
    form = RunForm(town=request.town, initial={"period_start": start, "period_end": end})
    form.fields["activities"].initial = [activity.pk for activity in form.fields["activities"].queryset]  # type: ignore[attr-defined]
    return render(request, "backoffice/invoicing_new.html", {"form": form})


def _issued_invoices(run: InvoicingRun, **filters: Any) -> list[Invoice]:
    return list(
        Invoice.objects.filter(town_id=run.town_id, run=run, **filters)
        .select_related("family")
        .only("id", "number", "total", "pdf", "notified_at", "payer_name", "family__name", "family__number")
        .order_by("number")
    )


@require_GET
@staff_required(*FINANCE)
def invoicing_run(request: AuthedRequest, run_id: int) -> HttpResponse:
    run = access_run(request.town, run_id)
    invoices = _issued_invoices(run)
    context = {
        "run": run,
        "activities": list(run.activities.filter(town=request.town).select_related("site")),
        "preview": runs.preview(run),
        "invoices": invoices,
        "issued_total": sum((invoice.total for invoice in invoices), Decimal("0.00")),
        "pdf_ready": sum(1 for invoice in invoices if invoice.pdf),
        "notified": sum(1 for invoice in invoices if invoice.notified_at),
    }
    return render(request, "backoffice/invoicing_run.html", context)


@require_GET
@staff_required(*FINANCE)
def invoicing_run_family(request: AuthedRequest, run_id: int, family_id: int) -> HttpResponse:
    run = access_run(request.town, run_id)
    family = access_family(request.town, family_id)
    preview = runs.preview(run, family_ids=[family.pk])
    context = {
        "run": run,
        "family": family,
        "draft": preview.families[0] if preview.families else None,
        "anomalies": preview.anomalies,
        "invoices": _issued_invoices(run, family=family),
    }
    return render(request, "backoffice/invoicing_run_family.html", context)


@require_POST
@staff_required(*FINANCE)
def invoicing_issue(request: AuthedRequest, run_id: int) -> HttpResponse:
    run = access_run(request.town, run_id)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Cochez la confirmation pour émettre les factures."))
        return redirect("backoffice:invoicing_run", request.town.slug, run.pk)
    base_url = _base_url(request)
    result = runs.issue_run(
        run,
        request.user,
        on_issued=lambda invoice: enqueue_publication(invoice, base_url),
    )
    count = len(result.invoices)
    messages.success(
        request,
        ngettext(
            "%(count)s facture émise. Son PDF est préparé en arrière-plan, puis la famille prévenue.",
            "%(count)s factures émises. Les PDF sont préparés en arrière-plan, puis les familles prévenues.",
            count,
        )
        % {"count": count},
    )
    if result.skipped_family_ids:
        messages.warning(
            request,
            _(
                "%(count)s famille(s) laissée(s) de côté : leurs réservations ont changé pendant l'émission (une "
                "autre facturation les a facturées, ou un enfant a été retiré du dossier). Émettez de nouveau pour "
                "facturer ce qui reste."
            )
            % {"count": len(result.skipped_family_ids)},
        )
    return redirect("backoffice:invoicing_run", request.town.slug, run.pk)


# Invoices and credit notes


class CreditNoteForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Montant de l'avoir (€)"),
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    reason = forms.CharField(label=gettext_lazy("Motif"), max_length=300)


def _invoice_page(request: TownRequest, invoice: Invoice, form: CreditNoteForm, status: int = 200) -> HttpResponse:
    context = {
        "invoice": invoice,
        "summary": invoice_summary(invoice),
        "lines": list(
            InvoiceLine.objects.filter(town=request.town, invoice=invoice)
            .select_related("child")
            .order_by("child__birth_date", "child_id", "pk")
        ),
        "credit_notes": list(CreditNote.objects.filter(town=request.town, invoice=invoice).order_by("pk")),
        "reminders": list(Reminder.objects.filter(town=request.town, invoice=invoice).order_by("level")),
        "uncredited": actions.uncredited(invoice),
        "form": form,
    }
    return render(request, "backoffice/invoicing_invoice.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required(*FINANCE)
def invoicing_invoice(request: AuthedRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice(request.town, invoice_id)
    if request.method == "POST":
        form = CreditNoteForm(request.POST)
        if form.is_valid():
            try:
                note = actions.issue_credit_note(
                    invoice,
                    form.cleaned_data["amount"],
                    form.cleaned_data["reason"],
                    actor=request.user,
                )
            except actions.CreditNoteRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, _("Avoir %(number)s enregistré.") % {"number": note.number})
                return redirect("backoffice:invoicing_invoice", request.town.slug, invoice.pk)
        return _invoice_page(request, invoice, form, status=422)
    return _invoice_page(request, invoice, CreditNoteForm())


@require_GET
@staff_required(*FINANCE)
def invoicing_invoice_pdf(request: AuthedRequest, invoice_id: int) -> HttpResponse:
    invoice = access_invoice(request.town, invoice_id)
    response = HttpResponse(invoice_pdf_bytes(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="facture-{invoice.number}.pdf"'
    return response


# Reminders and unpaid invoices


class BillingSettingsForm(forms.ModelForm):
    class Meta:
        model = BillingSettings
        fields = ["payment_days", "first_reminder_days", "second_reminder_days", "prepayment"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("first_reminder_days"), data.get("second_reminder_days")
        if first and second and second <= first:
            raise forms.ValidationError(_("La seconde relance vient après la première."))
        return data


def _reminders_page(request: TownRequest, settings_form: BillingSettingsForm, status: int = 200) -> HttpResponse:
    settings = runs.billing_settings(request.town)
    overdue = reminders.overdue_invoices(request.town, timezone.localdate(), settings)
    context = {
        "overdue": overdue,
        "due_count": sum(1 for item in overdue if item.due_level),
        "remaining": sum((item.remaining for item in overdue), Decimal("0.00")),
        "settings_form": settings_form,
    }
    return render(request, "backoffice/invoicing_reminders.html", context, status=status)


@require_GET
@staff_required(*FINANCE)
def invoicing_reminders(request: AuthedRequest) -> HttpResponse:
    return _reminders_page(request, BillingSettingsForm(instance=runs.billing_settings(request.town)))


@require_POST
@staff_required(*FINANCE)
def invoicing_reminders_send(request: AuthedRequest) -> HttpResponse:
    sent = reminders.send_due_reminders(
        request.town,
        request.user,
        today=timezone.localdate(),
        settings=runs.billing_settings(request.town),
        base_url=_base_url(request),
    )
    messages.success(request, _("%(count)s relance(s) envoyée(s).") % {"count": len(sent)})
    return redirect("backoffice:invoicing_reminders", request.town.slug)


@require_POST
@staff_required(*FINANCE)
def invoicing_settings(request: AuthedRequest) -> HttpResponse:
    settings = runs.billing_settings(request.town)
    form = BillingSettingsForm(request.POST, instance=BillingSettings.objects.get(pk=settings.pk))
    if not form.is_valid():
        return _reminders_page(request, form, status=422)
    actions.update_billing_settings(
        settings,
        actor=request.user,
        **{name: form.cleaned_data[name] for name in BillingSettingsForm.Meta.fields},
    )
    messages.success(request, _("Paramètres enregistrés."))
    return redirect("backoffice:invoicing_reminders", request.town.slug)


@require_GET
@staff_required(*FINANCE)
def invoicing_unpaid_csv(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    overdue = reminders.overdue_invoices(request.town, today, runs.billing_settings(request.town))
    response = HttpResponse(reminders.unpaid_csv(overdue), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="impayes-{request.town.slug}-{today:%Y-%m-%d}.csv"'
    return response


# Tax certificates


class TaxCertificateForm(forms.Form):
    family_number = forms.CharField(label=gettext_lazy("N° famille"), max_length=30)
    year = forms.IntegerField(label=gettext_lazy("Année civile"))

    def __init__(self, *args: Any, town: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.town = town
        self.family: Family | None = None

    def clean_year(self) -> int:
        year: int = self.cleaned_data["year"]
        current = timezone.localdate().year
        if not current - 10 <= year <= current:
            raise forms.ValidationError(
                _("Choisissez une année entre %(first)s et %(last)s.")
                % {
                    "first": current - 10,
                    "last": current,
                }
            )
        return year

    def clean_family_number(self) -> str:
        number: str = self.cleaned_data["family_number"].strip()
        self.family = Family.objects.filter(town=self.town, number=number).first()
        if self.family is None:
            raise forms.ValidationError(_("Aucune famille n'a ce numéro."))
        return number


@require_GET
@staff_required(*FINANCE)
def invoicing_tax_certificate(request: AuthedRequest) -> HttpResponse:
    if "family_number" not in request.GET:
        initial = {"year": timezone.localdate().year - 1}
        return render(
            request,
            "backoffice/invoicing_tax_certificate.html",
            {"form": TaxCertificateForm(town=request.town, initial=initial)},
        )
    form = TaxCertificateForm(request.GET, town=request.town)
    if not form.is_valid() or form.family is None:
        return render(request, "backoffice/invoicing_tax_certificate.html", {"form": form}, status=422)
    return certificate_response(form.family, form.cleaned_data["year"])


# Included under "facturation/" by backoffice/urls.py, in the backoffice namespace.
urlpatterns = [
    path("", invoicing, name="invoicing"),
    path("nouvelle/", invoicing_new, name="invoicing_new"),
    path("<int:run_id>/", invoicing_run, name="invoicing_run"),
    path("<int:run_id>/familles/<int:family_id>/", invoicing_run_family, name="invoicing_run_family"),
    path("<int:run_id>/emettre/", invoicing_issue, name="invoicing_issue"),
    path("factures/<int:invoice_id>/", invoicing_invoice, name="invoicing_invoice"),
    path("factures/<int:invoice_id>.pdf", invoicing_invoice_pdf, name="invoicing_invoice_pdf"),
    path("relances/", invoicing_reminders, name="invoicing_reminders"),
    path("relances/envoyer/", invoicing_reminders_send, name="invoicing_reminders_send"),
    path("relances/parametres/", invoicing_settings, name="invoicing_settings"),
    path("impayes.csv", invoicing_unpaid_csv, name="invoicing_unpaid_csv"),
    path("attestations-fiscales/", invoicing_tax_certificate, name="invoicing_tax_certificate"),
]
