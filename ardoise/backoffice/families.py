"""Families and children for the front desk and administrators.

- `families`: search by family name, family number, a child's or guardian's
  name, or a guardian's e-mail; archived families behind a filter. Queries are
  prefix or exact matches on indexed columns, one page at a time, with the
  balance summed in the same query: the page costs the same for 5 families or
  for a town of 10,000 children.
- `family`: everything of one family (guardians, children, health records for
  those allowed to read them, authorised people, enrollments, balance, last
  movements) and the links to change it.
- the forms: create/edit a family, a guardian, a child, an authorised person;
  enrol a child; archive the family; send a guardian their access.

Every change goes through `families.actions` or `bookings.enrollments`, which audit it.
"""

import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ardoise.accounts import actions as account_actions
from ardoise.admissions import actions as admissions
from ardoise.backoffice import data_access, direct_debits, family_forms
from ardoise.backoffice import quotients as quotient_pages
from ardoise.billing.balance import Balance, family_balance
from ardoise.billing.statements import last_movements
from ardoise.bookings import enrollments
from ardoise.bookings.access import access_enrollment
from ardoise.bookings.models import Enrollment
from ardoise.consents import queries as consent_queries
from ardoise.directdebit.models import Mandate, MandateState
from ardoise.documents.queries import family_dossier
from ardoise.families import actions
from ardoise.families.access import access_child, access_family, access_guardian, access_person
from ardoise.families.models import AuthorisedPerson, Child, Family, Guardian
from ardoise.towns.access import may_open, may_read_health, roles_of, staff_required
from ardoise.towns.http import AuthedRequest, TownRequest
from ardoise.towns.models import Role, Town

# Who keeps family records (administrators hold every role's pages).
RECORD_KEEPERS = (Role.FRONT_DESK,)
PER_PAGE = 25


# Search


def with_balance(families: QuerySet[Family], town: Town) -> QuerySet[Family]:
    """Each family's balance (`billing.balance`: refunds and reversals included), in the same query."""
    return families.annotate(balance=Balance(F("pk"), town.pk))


def search_families(town: Town, text: str, *, archived: bool = False) -> QuerySet[Family]:
    """Families of `town` matching `text`: prefix or exact matches on indexed columns only.

    An e-mail matches a guardian's e-mail exactly; a number the family number
    exactly; anything else is the start of the family's name, of a child's
    first or last name, or of a guardian's last name.
    """
    families = Family.objects.filter(town=town, archived_on__isnull=not archived)
    text = " ".join(text.split())
    if not text:
        return families
    if "@" in text:
        guardians = Guardian.objects.filter(town=town, email=text.lower()).values("family_id")
        return families.filter(pk__in=guardians)
    children = Child.objects.filter(town=town).filter(Q(first_name__istartswith=text) | Q(last_name__istartswith=text))
    first, _sep, last = text.partition(" ")
    if last:
        # "Sarah Dupont" or "Dupont Sarah".
        children = Child.objects.filter(town=town).filter(
            Q(first_name__istartswith=first, last_name__istartswith=last)
            | Q(last_name__istartswith=first, first_name__istartswith=last)
            | Q(first_name__istartswith=text)
            | Q(last_name__istartswith=text)
        )
    guardians = Guardian.objects.filter(town=town, last_name__istartswith=text)
    return families.filter(
        Q(number=text)
        | Q(name__istartswith=text)
        | Q(pk__in=children.values("family_id"))
        | Q(pk__in=guardians.values("family_id"))
    )


def results_page(town: Town, text: str, *, archived: bool, page_number: str | None) -> Page:  # type: ignore[type-arg]
    families = with_balance(search_families(town, text, archived=archived), town).order_by("name", "number")
    families = families.prefetch_related(
        Prefetch("children", queryset=Child.objects.filter(town=town).order_by("birth_date", "first_name"))
    )
    return Paginator(families, PER_PAGE).get_page(page_number)


@require_GET
@staff_required(*RECORD_KEEPERS)
def families(request: AuthedRequest) -> HttpResponse:
    town: Town = request.town
    form = family_forms.SearchForm(request.GET)
    text, archived = "", False
    if form.is_valid():
        text, archived = form.cleaned_data["q"], form.cleaned_data["archived"]
    page = results_page(town, text, archived=archived, page_number=request.GET.get("page"))
    query = {"q": text} | ({"archived": "on"} if archived else {})
    return render(
        request,
        "backoffice/families.html",
        {"form": form, "page": page, "text": text, "archived": archived, "query": query},
    )


# One family


@require_GET
@staff_required(*RECORD_KEEPERS)
def family(request: AuthedRequest, family_id: int) -> HttpResponse:
    town: Town = request.town
    record = access_family(town, family_id)
    children = list(
        Child.objects.filter(town=town, family=record)
        .select_related("site")
        .prefetch_related(Prefetch("authorised_people", queryset=AuthorisedPerson.objects.filter(town=town)))
    )
    enrolled = (
        Enrollment.objects.filter(town=town, child__family=record)
        .select_related("activity__site", "school_year")
        .order_by("-school_year__start_year", "activity__label")
    )
    by_child: dict[int, list[Enrollment]] = {}
    for enrollment in enrolled:
        by_child.setdefault(enrollment.child_id, []).append(enrollment)
    consents = consent_queries.family_lines(record, children=children)
    context = {
        "family": record,
        "guardians": list(Guardian.objects.filter(town=town, family=record)),
        "children": [
            {
                "child": child,
                "health": may_read_health(request.user, town, child),
                "enrollments": by_child.get(child.pk, []),
                "consents": [line for line in consents if line.child == child],
            }
            for child in children
        ],
        "family_consents": [line for line in consents if line.child is None],
        "balance": family_balance(record),
        "movements": last_movements(record),
        "mandate": Mandate.objects.filter(town=town, family=record, state=MandateState.ACTIVE).first(),
        "mandates_open": may_open(direct_debits.mandates, roles_of(request.user, town)),
        "data_access_open": may_open(data_access.family_data, roles_of(request.user, town)),
        "today": timezone.localdate(),
        "supporting_documents": family_dossier(record, timezone.localdate()),
        **quotient_pages.panel_context(record, timezone.localdate()),
    }
    return render(request, "backoffice/family.html", context)


def _form_page(
    request: HttpRequest,
    form: Any,
    *,
    title: str,
    family: Family | None,
    back: str,
    submit: str,
    status: int = 200,
    intro: str = "",
) -> HttpResponse:
    return render(
        request,
        "backoffice/family_form.html",
        {"form": form, "title": title, "family": family, "back": back, "submit": submit, "intro": intro},
        status=status,
    )


def _family_url(town: Town, family: Family) -> str:
    return reverse("backoffice:family", args=[town.slug, family.pk])


@require_http_methods(["GET", "POST"])
@staff_required(*RECORD_KEEPERS)
def family_new(request: AuthedRequest) -> HttpResponse:
    town: Town = request.town
    form = family_forms.FamilyForm(request.POST or None, town=town, creating=True)
    if request.method == "POST":
        if form.is_valid():
            values = form.values()
            number = values.pop("number")
            try:
                created = actions.create_family(town, values, actor=request.user, number=number)
            except actions.FamilyNumberTaken as taken:
                form.add_error("number", taken.message)
            else:
                messages.success(
                    request,
                    _("Famille %(name)s créée (n° %(number)s). Ajoutez maintenant ses responsables et ses enfants.")
                    % {"name": created.name, "number": created.number},
                )
                return redirect(_family_url(town, created))
        return _form_page(
            request,
            form,
            title=_("Nouvelle famille"),
            family=None,
            back=reverse("backoffice:families", args=[town.slug]),
            submit=_("Créer la famille"),
            status=422,
        )
    return _form_page(
        request,
        form,
        title=_("Nouvelle famille"),
        family=None,
        back=reverse("backoffice:families", args=[town.slug]),
        submit=_("Créer la famille"),
    )


def _edit(
    request: TownRequest,
    record: Family,
    form: Any,
    save: Any,
    *,
    title: str,
    submit: str,
    done: str,
) -> HttpResponse:
    """GET shows `form`; a valid POST calls `save(values)`, says `done` and goes back to the family."""
    town: Town = request.town
    back = _family_url(town, record)
    if request.method == "POST":
        if form.is_valid():
            try:
                save(form.values())
            except actions.FamilyNumberTaken as taken:
                form.add_error("number", taken.message)
            else:
                messages.success(request, done)
                return redirect(back)
        return _form_page(request, form, title=title, family=record, back=back, submit=submit, status=422)
    return _form_page(request, form, title=title, family=record, back=back, submit=submit)


@require_http_methods(["GET", "POST"])
@staff_required(*RECORD_KEEPERS)
def family_edit(request: AuthedRequest, family_id: int) -> HttpResponse:
    town: Town = request.town
    record = access_family(town, family_id)
    form = family_forms.FamilyForm(request.POST or None, instance=Family.objects.get(pk=record.pk), town=town)
    return _edit(
        request,
        record,
        form,
        lambda values: actions.update_family(record, values, actor=request.user),
        title=_("Modifier la famille %(name)s") % {"name": record.name},
        submit=_("Enregistrer"),
        done=_("Famille enregistrée."),
    )


@require_http_methods(["GET", "POST"])
@staff_required(*RECORD_KEEPERS)
def guardian_edit(request: AuthedRequest, family_id: int, guardian_id: int | None = None) -> HttpResponse:
    town: Town = request.town
    record = access_family(town, family_id)
    guardian = access_guardian(record, guardian_id) if guardian_id is not None else None
    initial = {} if guardian else {"last_name": record.name}
    form = family_forms.GuardianForm(
        request.POST or None,
        instance=Guardian.objects.get(pk=guardian.pk) if guardian else None,
        initial=initial,
        town=town,
    )
    return _edit(
        request,
        record,
        form,
        lambda values: actions.save_guardian(record, guardian, values, actor=request.user),
        title=_("Modifier %(name)s") % {"name": guardian.full_name} if guardian else _("Ajouter un responsable"),
        submit=_("Enregistrer"),
        done=_("Responsable enregistré."),
    )


@require_http_methods(["GET", "POST"])
@staff_required(*RECORD_KEEPERS)
def child_edit(request: AuthedRequest, family_id: int, child_id: int | None = None) -> HttpResponse:
    town: Town = request.town
    record = access_family(town, family_id)
    child = access_child(record, child_id) if child_id is not None else None
    form = family_forms.ChildForm(
        request.POST or None,
        instance=Child.objects.get(pk=child.pk) if child else None,
        initial={} if child else {"last_name": record.name},
        town=town,
        today=timezone.localdate(),
    )
    return _edit(
        request,
        record,
        form,
        lambda values: actions.save_child(record, child, values, actor=request.user),
        title=_("Modifier %(name)s") % {"name": child.full_name} if child else _("Ajouter un enfant"),
        submit=_("Enregistrer"),
        done=_("Enfant enregistré."),
    )


@require_http_methods(["GET", "POST"])
@staff_required(*RECORD_KEEPERS)
def person_edit(request: AuthedRequest, family_id: int, child_id: int, person_id: int | None = None) -> HttpResponse:
    town: Town = request.town
    record = access_family(town, family_id)
    child = access_child(record, child_id)
    person = access_person(child, person_id) if person_id is not None else None
    form = family_forms.AuthorisedPersonForm(request.POST or None, instance=person)
    return _edit(
        request,
        record,
        form,
        lambda values: actions.save_authorised_person(child, person, values, actor=request.user),
        title=(_("Personne autorisée à récupérer %(name)s") % {"name": child.first_name}),
        submit=_("Enregistrer"),
        done=_("Personne autorisée enregistrée."),
    )


@require_POST
@staff_required(*RECORD_KEEPERS)
def person_delete(request: AuthedRequest, family_id: int, child_id: int, person_id: int) -> HttpResponse:
    town: Town = request.town
    record = access_family(town, family_id)
    person = access_person(access_child(record, child_id), person_id)
    actions.remove_authorised_person(person, actor=request.user)
    messages.success(request, _("%(name)s n'est plus autorisé(e) à récupérer l'enfant.") % {"name": person})
    return redirect(_family_url(town, record))


@require_http_methods(["GET", "POST"])
@staff_required(*RECORD_KEEPERS)
def enrol(request: AuthedRequest, family_id: int, child_id: int) -> HttpResponse:
    town: Town = request.town
    record = access_family(town, family_id)
    child = access_child(record, child_id)
    form = family_forms.EnrolForm(request.POST or None, town=town, today=timezone.localdate())
    title = _("Inscrire %(name)s à une activité") % {"name": child.full_name}
    back = _family_url(town, record)
    intro = _("Une inscription existante est mise à jour avec les jours réguliers choisis.")
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                enrollments.enrol(
                    child,
                    data["activity"],
                    data["school_year"],
                    data["weekly_pattern"],
                    actor=request.user,
                )
            except enrollments.EnrollmentRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(
                    request,
                    _("%(name)s est inscrit(e) : %(activity)s, %(year)s.")
                    % {"name": child.first_name, "activity": data["activity"].label, "year": data["school_year"]},
                )
                return redirect(back)
        return _form_page(
            request, form, title=title, family=record, back=back, submit=_("Inscrire"), status=422, intro=intro
        )
    return _form_page(request, form, title=title, family=record, back=back, submit=_("Inscrire"), intro=intro)


@require_POST
@staff_required(*RECORD_KEEPERS)
def unenrol(request: AuthedRequest, family_id: int, enrollment_id: int) -> HttpResponse:
    town: Town = request.town
    record = access_family(town, family_id)
    enrollment = access_enrollment(record, enrollment_id)
    # The place it held goes to the first on the waiting list.
    cancelled = admissions.withdraw_enrolment(enrollment, actor=request.user)
    messages.success(
        request,
        _("%(name)s est désinscrit(e) de %(activity)s ; %(n)d réservation(s) à venir annulée(s).")
        % {"name": enrollment.child.first_name, "activity": enrollment.activity.label, "n": cancelled},
    )
    return redirect(_family_url(town, record))


@require_http_methods(["GET", "POST"])
@staff_required(*RECORD_KEEPERS)
def family_archive(request: AuthedRequest, family_id: int) -> HttpResponse:
    town: Town = request.town
    record = access_family(town, family_id)
    today = timezone.localdate()
    form = family_forms.ArchiveForm(request.POST or None, initial={"archived_on": today}, today=today)
    title = _("Archiver la famille %(name)s") % {"name": record.name}
    back = _family_url(town, record)
    intro = _(
        "Une famille archivée n'apparaît plus dans la recherche (sauf avec le filtre « Familles archivées ») ; "
        "ses factures, règlements et présences passées sont conservés."
    )
    if request.method == "POST":
        if form.is_valid():
            day: datetime.date = form.cleaned_data["archived_on"]
            cancelled = actions.archive_family(record, day, actor=request.user)
            messages.success(
                request,
                _("Famille archivée le %(day)s ; %(n)d réservation(s) après cette date annulée(s).")
                % {"day": f"{day:%d/%m/%Y}", "n": cancelled},
            )
            return redirect(back)
        return _form_page(
            request, form, title=title, family=record, back=back, submit=_("Archiver"), status=422, intro=intro
        )
    return _form_page(request, form, title=title, family=record, back=back, submit=_("Archiver"), intro=intro)


@require_POST
@staff_required(*RECORD_KEEPERS)
def send_access(request: AuthedRequest, family_id: int, guardian_id: int) -> HttpResponse:
    """E-mail a guardian the link to choose a password, opening their account first if they have none."""
    town: Town = request.town
    record = access_family(town, family_id)
    guardian = access_guardian(record, guardian_id)
    if not guardian.email:
        messages.error(request, _("%(name)s n'a pas d'adresse courriel : ajoutez-la d'abord.") % {"name": guardian})
        return redirect(_family_url(town, record))
    with transaction.atomic():
        user = account_actions.open_guardian_account(town, guardian)
        if user is None:
            messages.error(
                request,
                _("Le courriel %(email)s est déjà celui d'un autre compte de la commune : corrigez-le d'abord.")
                % {"email": guardian.email},
            )
            return redirect(_family_url(town, record))
        account_actions.send_access(town, user, request)
    messages.success(
        request, _("Un lien pour choisir son mot de passe a été envoyé à %(email)s.") % {"email": user.email}
    )
    return redirect(_family_url(town, record))
