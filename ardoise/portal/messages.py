"""The parents' inbox (seed 001 "Boîte de réception") and the contact page (seed 004 "Contact").

- `messages`: the family's threads, or its "Supprimés" folder (`?dossier=supprimes`);
- `message_new`: write to the service, with PDF or image attachments;
- `message_thread`: read a thread (the service's messages get their read receipt) and answer;
- `message_delete` / `message_restore`: to and from the "Supprimés" folder (the service keeps its copy);
- `message_attachment`: a file of the family's threads, never a public URL;
- `contact`: the town's address, phone, e-mail and hours;
- `notification_preferences`: which optional e-mails each guardian receives.
"""

from django import forms
from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ardoise.families.models import Family, Guardian
from ardoise.messaging import actions, queries
from ardoise.messaging.forms import NewMessageForm, ReplyForm
from ardoise.messaging.models import NotificationPreference
from ardoise.towns.access import parent_required
from ardoise.towns.http import AuthedRequest

DELETED = "supprimes"


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@parent_required
@require_GET
def messages(request: AuthedRequest, family: Family) -> HttpResponse:
    folder: queries.Folder = "deleted" if request.GET.get("dossier") == DELETED else "inbox"
    context = {"threads": queries.family_threads(family, folder), "folder": folder, "deleted_param": DELETED}
    return render(request, "portal/messages.html", context)


@parent_required
@require_http_methods(["GET", "POST"])
def message_new(request: AuthedRequest, family: Family) -> HttpResponse:
    form = NewMessageForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            thread = actions.write_to_service(
                family,
                request.user,
                form.cleaned_data["subject"].strip(),
                form.cleaned_data["body"],
                form.cleaned_data["attachments"],
            )
            flash.success(request, _("Votre message est envoyé au service."))
            return redirect("portal:message_thread", request.town.slug, thread.pk)
        status = 422
    return render(request, "portal/messages_new.html", {"form": form}, status=status)


@parent_required
@require_http_methods(["GET", "POST"])
def message_thread(request: AuthedRequest, family: Family, thread_id: int) -> HttpResponse:
    thread = queries.access_family_thread(family, thread_id)
    form = ReplyForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            actions.reply(
                thread,
                request.user,
                form.cleaned_data["body"],
                form.cleaned_data["attachments"],
                from_staff=False,
            )
            flash.success(request, _("Votre réponse est envoyée au service."))
            return redirect("portal:message_thread", request.town.slug, thread.pk)
        status = 422
    else:
        actions.mark_read(thread, by_staff=False)
    return render(request, "portal/messages_thread.html", {"thread": thread, "form": form}, status=status)


@parent_required
@require_POST
def message_delete(request: AuthedRequest, family: Family, thread_id: int) -> HttpResponse:
    thread = queries.access_family_thread(family, thread_id)
    actions.move_to_deleted(thread, request.user, by_staff=False)
    flash.success(request, _("La conversation « %(subject)s » est dans le dossier Supprimés.") % {"subject": thread})
    return redirect("portal:messages", request.town.slug)


@parent_required
@require_POST
def message_restore(request: AuthedRequest, family: Family, thread_id: int) -> HttpResponse:
    thread = queries.access_family_thread(family, thread_id)
    actions.restore(thread, request.user, by_staff=False)
    flash.success(request, _("La conversation « %(subject)s » est de retour dans vos messages.") % {"subject": thread})
    return redirect("portal:message_thread", request.town.slug, thread.pk)


@parent_required
@require_GET
def message_attachment(request: AuthedRequest, family: Family, attachment_id: int) -> HttpResponse:
    attachment = queries.access_family_attachment(family, attachment_id)
    return queries.download(attachment.file, attachment.name, attachment.content_type)


@parent_required
@require_GET
def contact(request: AuthedRequest, family: Family) -> HttpResponse:
    return render(request, "portal/contact.html", {"family": family})


class PreferencesForm(forms.Form):
    new_message = forms.BooleanField(label=gettext_lazy("Un nouveau message du service"), required=False)
    booking_confirmation = forms.BooleanField(label=gettext_lazy("La confirmation de mes réservations"), required=False)
    request_decision = forms.BooleanField(
        label=gettext_lazy("La réponse à mes demandes (acceptée ou refusée)"), required=False
    )


@parent_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: AuthedRequest, family: Family) -> HttpResponse:
    guardian: Guardian = request.user.guardian
    preference = NotificationPreference.objects.filter(town=request.town, guardian=guardian).first()
    initial = {
        field: getattr(preference, field) if preference else True
        for field in ("new_message", "booking_confirmation", "request_decision")
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actions.set_preferences(guardian, **form.cleaned_data)
        flash.success(request, _("Vos préférences de notification sont enregistrées."))
        return redirect(reverse("portal:notification_preferences", args=[request.town.slug]))
    return render(request, "portal/messages_preferences.html", {"form": form, "guardian": guardian})
