"""What the service publishes for families: documents (menus, rules, forms), the day's menus, news.

- `publications`: the documents and news, current and past, with the forms to add them;
- `document_new`, `document_delete`, `document_file`;
- `news_new`, `news_delete`;
- `menus`: a week of menus for one site, as text per day (front desk and kitchen).
"""

import datetime
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ardoise.bookings.uploads import ACCEPT, ALLOWED_LABEL, validate_document
from ardoise.messaging import actions, queries
from ardoise.messaging.models import Document, DocumentKind, Menu, News
from ardoise.towns.access import staff_required
from ardoise.towns.models import Role, Site, Town

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    published_from = forms.DateField(label=gettext_lazy("Publié à partir du"), widget=DATE_INPUT)
    published_until = forms.DateField(label=gettext_lazy("Jusqu'au (facultatif)"), widget=DATE_INPUT, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("published_from"), data.get("published_until")
        if start and end and end < start:
            self.add_error("published_until", _("La fin de publication précède son début."))
        return data


class DocumentForm(PeriodForm):
    # Both forms share a page and field names: each prefix keeps its ids (and labels' `for`) its own.
    prefix = "document"
    title = forms.CharField(label=gettext_lazy("Titre"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=DocumentKind.choices)
    site = forms.ModelChoiceField(
        label=gettext_lazy("Pour"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=gettext_lazy("Toute la commune"),
    )
    file = forms.FileField(
        label=gettext_lazy("Fichier"),
        help_text=gettext_lazy("%(allowed)s, 5 Mo au maximum.") % {"allowed": ALLOWED_LABEL},
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    field_order = ["title", "kind", "site", "file", "published_from", "published_until"]

    def __init__(self, *args: Any, town: Town, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(town=town)  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        validate_document(upload)
        return upload


class NewsForm(PeriodForm):
    prefix = "news"
    title = forms.CharField(label=gettext_lazy("Titre"), max_length=200)
    body = forms.CharField(label=gettext_lazy("Texte"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    field_order = ["title", "body", "published_from", "published_until"]


def _page(
    request: HttpRequest,
    document_form: DocumentForm | None = None,
    news_form: NewsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    town: Town = request.town  # type: ignore[attr-defined]
    today = timezone.localdate()
    context = {
        "documents": list(Document.objects.filter(town=town).select_related("site")),
        "news": list(News.objects.filter(town=town)),
        "document_form": document_form or DocumentForm(town=town, initial={"published_from": today}),
        "news_form": news_form or NewsForm(initial={"published_from": today}),
        "today": today,
    }
    return render(request, "backoffice/publications.html", context, status=status)


@require_GET
@staff_required(Role.FRONT_DESK)
def publications(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@staff_required(Role.FRONT_DESK)
def document_new(request: HttpRequest) -> HttpResponse:
    town: Town = request.town  # type: ignore[attr-defined]
    form = DocumentForm(request.POST, request.FILES, town=town)
    if not form.is_valid():
        return _page(request, document_form=form, status=422)
    data = form.cleaned_data
    document = actions.publish_document(
        town,
        request.user,  # type: ignore[arg-type]
        title=data["title"].strip(),
        kind=data["kind"],
        site=data["site"],
        upload=data["file"],
        published_from=data["published_from"],
        published_until=data["published_until"],
    )
    flash.success(request, _("Document « %(title)s » publié.") % {"title": document.title})
    return redirect("backoffice:publications", town.slug)


@require_POST
@staff_required(Role.FRONT_DESK)
def document_delete(request: HttpRequest, document_id: int) -> HttpResponse:
    town: Town = request.town  # type: ignore[attr-defined]
    document = get_object_or_404(Document, town=town, pk=document_id)
    actions.withdraw_document(document, request.user)  # type: ignore[arg-type]
    flash.success(request, _("Document « %(title)s » retiré.") % {"title": document.title})
    return redirect("backoffice:publications", town.slug)


@require_GET
@staff_required(Role.FRONT_DESK)
def document_file(request: HttpRequest, document_id: int) -> HttpResponse:
    document = get_object_or_404(Document, town=request.town, pk=document_id)  # type: ignore[attr-defined]
    return queries.download(document.file, document.file_name, document.content_type)


@require_POST
@staff_required(Role.FRONT_DESK)
def news_new(request: HttpRequest) -> HttpResponse:
    town: Town = request.town  # type: ignore[attr-defined]
    form = NewsForm(request.POST)
    if not form.is_valid():
        return _page(request, news_form=form, status=422)
    data = form.cleaned_data
    news = actions.publish_news(
        town,
        request.user,  # type: ignore[arg-type]
        title=data["title"].strip(),
        body=data["body"].strip(),
        published_from=data["published_from"],
        published_until=data["published_until"],
    )
    flash.success(request, _("Actualité « %(title)s » publiée.") % {"title": news.title})
    return redirect("backoffice:publications", town.slug)


@require_POST
@staff_required(Role.FRONT_DESK)
def news_delete(request: HttpRequest, news_id: int) -> HttpResponse:
    town: Town = request.town  # type: ignore[attr-defined]
    news = get_object_or_404(News, town=town, pk=news_id)
    actions.withdraw_news(news, request.user)  # type: ignore[arg-type]
    flash.success(request, _("Actualité « %(title)s » retirée.") % {"title": news.title})
    return redirect("backoffice:publications", town.slug)


def _monday(value: str, today: datetime.date) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(value[:10])
    except ValueError:
        day = today
    if not 2000 <= day.year < 2100:
        day = today
    return day - datetime.timedelta(days=day.weekday())


@require_http_methods(["GET", "POST"])
@staff_required(Role.FRONT_DESK, Role.KITCHEN)
def menus(request: HttpRequest) -> HttpResponse:
    """A week's menus at one site: one text box per school day."""
    town: Town = request.town  # type: ignore[attr-defined]
    sites = list(Site.objects.filter(town=town))
    if not sites:
        raise Http404
    params = request.POST if request.method == "POST" else request.GET
    by_id = {str(site.pk): site for site in sites}
    site = by_id.get(params.get("site", ""), sites[0])
    monday = _monday(params.get("semaine", ""), timezone.localdate())
    days = [monday + datetime.timedelta(days=offset) for offset in range(5)]
    if request.method == "POST":
        errors = []
        for day in days:
            text = request.POST.get(f"menu-{day.isoformat()}", "")
            if len(text) > 2000:
                errors.append(day)
                continue
            actions.set_menu(town, request.user, site, day, text)  # type: ignore[arg-type]
        if errors:
            flash.error(request, _("Un menu dépasse 2 000 caractères : il n'a pas été enregistré."))
        else:
            flash.success(request, _("Menus de la semaine enregistrés pour %(site)s.") % {"site": site.name})
        query = f"?site={site.pk}&semaine={monday.isoformat()}"
        return redirect(reverse("backoffice:menus", args=[town.slug]) + query)
    existing = {
        menu.date: menu.text for menu in Menu.objects.filter(town=town, site=site, date__range=(days[0], days[-1]))
    }
    context = {
        "sites": sites,
        "site": site,
        "monday": monday,
        "previous": monday - datetime.timedelta(days=7),
        "next": monday + datetime.timedelta(days=7),
        "days": [(day, existing.get(day, "")) for day in days],
    }
    return render(request, "backoffice/publications_menus.html", context)
