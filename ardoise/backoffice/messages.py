"""The town's shared inbox (front desk): filters, threads, answers, writing first, and the outbox.

- `messages`: threads, filtered `?filtre=non-lus|sans-reponse|supprimes`;
- `message_thread`: read (the family's messages get their read receipt) and answer;
- `message_new`: write to one family (by its number) or to a selection: all families
  of a site, of an activity, or with unpaid invoices;
- `message_delete` / `message_restore`: the staff side's "Supprimés" folder;
- `message_attachment`: files of the town's threads only;
- `outbox` / `outbox_retry`: "E-mails en attente", and a button to send them again.
"""

from typing import Any

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ardoise.activities.models import Activity
from ardoise.families.models import Family
from ardoise.messaging import actions, notifications, queries, selections
from ardoise.messaging.forms import NewMessageForm, ReplyForm
from ardoise.towns.access import staff_required
from ardoise.towns.http import AuthedRequest
from ardoise.towns.models import Role, Site, Town

FILTERS: dict[str, queries.StaffFilter] = {
    "non-lus": "unread",
    "sans-reponse": "unanswered",
    "supprimes": "deleted",
}


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@require_GET
@staff_required(Role.FRONT_DESK)
def messages(request: AuthedRequest) -> HttpResponse:
    town: Town = request.town
    param = request.GET.get("filtre", "")
    show = FILTERS.get(param, "all")
    context = {
        "threads": queries.staff_threads(town, show),
        "show": show,
        "param": param if param in FILTERS else "",
        "counts": queries.staff_counts(town),
    }
    return render(request, "backoffice/messages.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.FRONT_DESK)
def message_thread(request: AuthedRequest, thread_id: int) -> HttpResponse:
    town: Town = request.town
    thread = queries.access_staff_thread(town, thread_id)
    form = ReplyForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            actions.reply(
                thread,
                request.user,
                form.cleaned_data["body"],
                form.cleaned_data["attachments"],
                from_staff=True,
                base_url=_base_url(request),
            )
            flash.success(request, _("Réponse envoyée à la famille %(family)s.") % {"family": thread.family.name})
            return redirect("backoffice:message_thread", town.slug, thread.pk)
        status = 422
    else:
        actions.mark_read(thread, by_staff=True)
    return render(request, "backoffice/messages_thread.html", {"thread": thread, "form": form}, status=status)


TARGETS = [
    ("family", gettext_lazy("Une famille (par son n°)")),
    ("site", gettext_lazy("Toutes les familles d'une école")),
    ("activity", gettext_lazy("Toutes les familles inscrites à une activité")),
    ("unpaid", gettext_lazy("Les familles qui ont une facture impayée")),
]


class StaffMessageForm(NewMessageForm):
    target = forms.ChoiceField(
        label=gettext_lazy("Destinataires"), choices=TARGETS, widget=forms.RadioSelect, initial="family"
    )
    family_number = forms.CharField(label=gettext_lazy("N° famille"), max_length=30, required=False)
    site = forms.ModelChoiceField(label=gettext_lazy("École"), queryset=Site.objects.none(), required=False)
    activity = forms.ModelChoiceField(label=gettext_lazy("Activité"), queryset=Activity.objects.none(), required=False)
    field_order = ["target", "family_number", "site", "activity", "subject", "body", "attachments"]

    def __init__(self, *args: Any, town: Town, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.town = town
        self.fields["site"].queryset = Site.objects.filter(town=town)  # type: ignore[attr-defined]
        self.fields["activity"].queryset = Activity.objects.filter(town=town).select_related("site")  # type: ignore[attr-defined]
        self.fields["activity"].label_from_instance = lambda a: f"{a.label} — {a.site.name}"  # type: ignore[attr-defined]

    def families(self) -> QuerySet[Family]:
        data = self.cleaned_data
        match data["target"]:
            case "family":
                return selections.active_families(self.town).filter(number=data["family_number"].strip())
            case "site":
                return selections.families_of_site(self.town, data["site"].pk)
            case "activity":
                return selections.families_of_activity(self.town, data["activity"].pk)
            case _:
                return selections.families_with_unpaid_invoices(self.town)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        target = data.get("target")
        if target == "family" and not (data.get("family_number") or "").strip():
            self.add_error("family_number", _("Indiquez le n° de la famille."))
        elif target == "site" and not data.get("site"):
            self.add_error("site", _("Choisissez l'école."))
        elif target == "activity" and not data.get("activity"):
            self.add_error("activity", _("Choisissez l'activité."))
        if not self.errors and not self.families().exists():
            raise ValidationError(
                _("Aucune famille ne correspond à ce n°.")
                if target == "family"
                else _("Aucune famille ne correspond à cette sélection.")
            )
        return data


@require_http_methods(["GET", "POST"])
@staff_required(Role.FRONT_DESK)
def message_new(request: AuthedRequest) -> HttpResponse:
    town: Town = request.town
    initial = {"family_number": request.GET.get("famille", "")[:30]}
    form = StaffMessageForm(request.POST or None, request.FILES or None, town=town, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            threads = actions.write_to_families(
                town,
                request.user,
                list(form.families()),
                form.cleaned_data["subject"].strip(),
                form.cleaned_data["body"],
                form.cleaned_data["attachments"],
                base_url=_base_url(request),
            )
            flash.success(
                request,
                ngettext("Message envoyé à %(count)s famille.", "Message envoyé à %(count)s familles.", len(threads))
                % {"count": len(threads)},
            )
            if len(threads) == 1:
                return redirect("backoffice:message_thread", town.slug, threads[0].pk)
            return redirect("backoffice:messages", town.slug)
        status = 422
    return render(request, "backoffice/messages_new.html", {"form": form}, status=status)


@require_POST
@staff_required(Role.FRONT_DESK)
def message_delete(request: AuthedRequest, thread_id: int) -> HttpResponse:
    town: Town = request.town
    thread = queries.access_staff_thread(town, thread_id)
    actions.move_to_deleted(thread, request.user, by_staff=True)
    flash.success(request, _("La conversation « %(subject)s » est dans le dossier Supprimés.") % {"subject": thread})
    return redirect("backoffice:messages", town.slug)


@require_POST
@staff_required(Role.FRONT_DESK)
def message_restore(request: AuthedRequest, thread_id: int) -> HttpResponse:
    town: Town = request.town
    thread = queries.access_staff_thread(town, thread_id)
    actions.restore(thread, request.user, by_staff=True)
    flash.success(request, _("La conversation « %(subject)s » est restaurée.") % {"subject": thread})
    return redirect("backoffice:message_thread", town.slug, thread.pk)


@require_GET
@staff_required(Role.FRONT_DESK)
def message_attachment(request: AuthedRequest, attachment_id: int) -> HttpResponse:
    attachment = queries.access_staff_attachment(request.town, attachment_id)
    return queries.download(attachment.file, attachment.name, attachment.content_type)


@require_GET
@staff_required(Role.FRONT_DESK, Role.FINANCE)
def outbox(request: AuthedRequest) -> HttpResponse:
    emails = notifications.queued(request.town)
    labels = notifications.KIND_LABELS
    rows = [(email, labels.get(email.kind, email.kind)) for email in emails]
    return render(request, "backoffice/messages_outbox.html", {"rows": rows})


@require_POST
@staff_required(Role.FRONT_DESK, Role.FINANCE)
def outbox_retry(request: AuthedRequest) -> HttpResponse:
    town: Town = request.town
    count = notifications.retry_queued(town, request.user)
    flash.success(
        request,
        ngettext("%(count)s e-mail remis dans la file d'envoi.", "%(count)s e-mails remis dans la file d'envoi.", count)
        % {"count": count},
    )
    return redirect("backoffice:outbox", town.slug)
