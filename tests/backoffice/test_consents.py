"""Staff and consents: the child's page, the roll call, the list per kind and its export, the configuration."""

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit.models import AuditEntry
from ardoise.bookings.models import Booking
from ardoise.consents import actions
from ardoise.consents.models import Concerns, ConsentAnswer, ConsentKind
from ardoise.families.models import Family
from tests.factories import ActivityFactory, BookingFactory, ConsentKindFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(town: Any) -> ConsentKind:
    return ConsentKindFactory(town=town, code="droit-image", on_roll_call=True)


@pytest.fixture
def rules(town: Any) -> ConsentKind:
    return ConsentKindFactory(town=town, code="reglement", label="Règlement intérieur", concerns=Concerns.FAMILY)


def test_it_shows_each_answer_on_the_family_page_with_version_date_and_who(
    town: Any, family: Family, parent: User, front_desk: User, photo: ConsentKind, rules: ConsentKind, client_for: Any
) -> None:
    sarah = family.children.get(first_name="Sarah")
    actions.answer(family, photo, sarah, False, by=parent)
    actions.answer(family, rules, None, True, by=parent)
    html = client_for(front_desk).get(reverse("backoffice:family", args=[town.slug, family.pk])).content.decode()
    assert "Autorisations de la famille" in html
    assert "Règlement intérieur" in html
    assert "Refusée" in html
    assert "par Marie" in html
    assert "version 1, le" in html
    assert "Sans réponse" in html  # Chloé's photo


def test_it_shows_photo_no_on_the_roll_call_for_a_child_without_consent(
    town: Any, site: Any, family: Family, parent: User, site_agent: User, photo: ConsentKind, client_for: Any
) -> None:
    sarah, chloe = family.children.order_by("birth_date")
    actions.answer(family, photo, sarah, True, by=parent)
    actions.answer(family, photo, chloe, False, by=parent)
    meals = ActivityFactory(town=town, site=site)
    day = timezone.localdate()
    for child in (sarah, chloe):
        BookingFactory(child=child, activity=meals, date=day)
    url = reverse("backoffice:roll_call", args=[town.slug])
    html = client_for(site_agent).get(url, {"site": site.pk, "activity": meals.pk, "date": day.isoformat()})
    rows = html.content.decode().split('class="roll-row ')
    chloe_row = next(row for row in rows if "Chloé" in row)
    sarah_row = next(row for row in rows if "Sarah" in row)
    assert "Photo : non" in chloe_row
    assert "Photo : non" not in sarah_row
    # Withdrawn: the sheet shows it at once.
    actions.answer(family, photo, sarah, False, by=parent)
    html = client_for(site_agent).get(url, {"site": site.pk, "activity": meals.pk, "date": day.isoformat()})
    assert html.content.decode().count("Photo : non") == 2
    assert Booking.objects.count() == 2


def test_it_counts_the_answers_per_kind_and_exports_them(
    town: Any, family: Family, parent: User, outsider: User, front_desk: User, photo: ConsentKind, client_for: Any
) -> None:
    sarah, chloe = family.children.order_by("birth_date")
    actions.answer(family, photo, sarah, True, by=parent)
    actions.answer(family, photo, chloe, False, by=parent)
    client = client_for(front_desk)
    html = client.get(reverse("backoffice:consents", args=[town.slug])).content.decode()
    assert '<td class="num">1</td>\n              <td class="num">1</td>\n              <td class="num">1</td>' in html
    response = client.get(reverse("backoffice:consent_answers_csv", args=[town.slug, photo.pk]))
    content = b"".join(response.streaming_content).decode()
    assert "1;DUPONT;Sarah DUPONT;oui;1;" in content
    assert "1;DUPONT;Chloé DUPONT;non;1;" in content
    assert "2;MARTIN;Léo MARTIN;sans réponse;1;;" in content
    assert AuditEntry.objects.filter(action="export.consents", actor=front_desk).exists()


def test_it_answers_404_for_another_town_s_kind_and_403_to_roles_without_the_list(
    town: Any, stranger: User, front_desk: User, site_agent: User, photo: ConsentKind, client_for: Any
) -> None:
    elsewhere = ConsentKindFactory(town=stranger.town)
    assert (
        client_for(front_desk).get(reverse("backoffice:consent_answers", args=[town.slug, elsewhere.pk])).status_code
        == 404
    )
    assert client_for(site_agent).get(reverse("backoffice:consents", args=[town.slug])).status_code == 403
    assert (
        client_for(front_desk).get(reverse("backoffice:config_consent_edit", args=[town.slug, photo.pk])).status_code
        == 403
    )


def test_it_lets_the_administrator_create_a_kind_needed_to_book(
    town: Any, site: Any, town_admin: User, client_for: Any
) -> None:
    wednesday: Activity = ActivityFactory(town=town, site=site, code="mercredi", label="Mercredi")
    response = client_for(town_admin).post(
        reverse("backoffice:config_consent_new", args=[town.slug]),
        {
            "label": "Sorties et déplacements",
            "code": "sorties",
            "short_label": "Sorties",
            "text": "J'autorise mon enfant à participer aux sorties.",
            "concerns": "child",
            "needed_by": [wednesday.pk],
            "position": 2,
            "active": "on",
        },
    )
    assert response.status_code == 302
    kind = ConsentKind.objects.get(code="sorties")
    assert list(kind.needed_by.all()) == [wednesday]
    assert AuditEntry.objects.filter(action="consent_kind.create", actor=town_admin).exists()


def test_it_publishes_a_new_version_and_families_are_asked_again(
    town: Any, family: Family, parent: User, town_admin: User, rules: ConsentKind, client_for: Any
) -> None:
    actions.answer(family, rules, None, True, by=parent)
    response = client_for(town_admin).post(
        reverse("backoffice:config_consent_publish", args=[town.slug, rules.pk]), {"text": "Règlement 2027-2028."}
    )
    assert response.status_code == 302
    rules.refresh_from_db()
    assert rules.version == 2
    assert client_for(parent).get(reverse("portal:home", args=[town.slug])).status_code == 302
    assert ConsentAnswer.objects.filter(kind=rules).count() == 1  # the history stays
    empty = client_for(town_admin).post(
        reverse("backoffice:config_consent_publish", args=[town.slug, rules.pk]), {"text": ""}
    )
    assert empty.status_code == 422
