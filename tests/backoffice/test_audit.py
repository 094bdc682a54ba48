"""The audit trail browser: the administrator's, filtered, paginated, readable."""

import datetime
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.audit.actions import record
from ardoise.audit.models import AuditEntry
from ardoise.towns.models import Role
from tests.factories import FamilyFactory, staff_member

PARIS = ZoneInfo("Europe/Paris")


def audit_url(town, query: str = "") -> str:
    return reverse("backoffice:audit", args=[town.slug]) + query


def entry(town, actor, action: str, summary: str, at: datetime.datetime, obj=None, changes=None) -> AuditEntry:
    created = record(town, actor, action, obj, summary=summary, changes=changes)
    AuditEntry.objects.filter(pk=created.pk).update(at=at)
    return created


def rows(html: str) -> int:
    return html.count('<span class="badge badge--info">')


def test_it_is_for_the_administrator_only(town, town_admin, front_desk, finance_agent, parent, client_for):
    assert client_for(town_admin).get(audit_url(town)).status_code == 200
    assert client_for(front_desk).get(audit_url(town)).status_code == 403
    assert client_for(finance_agent).get(audit_url(town)).status_code == 403
    assert client_for(parent).get(audit_url(town)).status_code == 404


def test_it_shows_old_and_new_values_readably(town, town_admin, front_desk, family, client_for):
    entry(
        town,
        front_desk,
        "family.update",
        "DUPONT — quotient familial",
        datetime.datetime(2027, 3, 9, 9, 30, tzinfo=PARIS),
        family,
        {"quotient_familial": [800, 1200], "resident": [True, False], "note": "importé"},
    )
    html = client_for(town_admin).get(audit_url(town)).content.decode()
    assert "09/03/2027 09:30" in html
    assert "Nadia AGENT" in html
    assert (
        '<span class="diff__name">quotient_familial :</span> <span class="diff__old">800</span> → '
        '<span class="diff__new">1200</span>' in html
    )
    assert '<span class="diff__old">Oui</span> → <span class="diff__new">Non</span>' in html
    assert "importé" in html
    assert f"family n° {family.pk}" in html


def test_it_filters_by_dates_actor_action_type_and_text(town, town_admin, front_desk, family, client_for):
    early = datetime.datetime(2027, 3, 1, 23, 30, tzinfo=PARIS)  # 22:30 UTC: still 1 March in Paris
    late = datetime.datetime(2027, 3, 8, 8, 0, tzinfo=PARIS)
    entry(town, front_desk, "family.update", "DUPONT — adresse", early, family)
    entry(town, town_admin, "activity.update", "Repas — capacité", late)
    entry(town, front_desk, "request.accept", "MARTIN — réservation", late)
    client = client_for(town_admin)
    assert rows(client.get(audit_url(town)).content.decode()) == 3
    assert rows(client.get(audit_url(town, "?since=2027-03-02")).content.decode()) == 2
    assert rows(client.get(audit_url(town, "?until=2027-03-01")).content.decode()) == 1
    assert rows(client.get(audit_url(town, f"?actor={front_desk.pk}")).content.decode()) == 2
    assert rows(client.get(audit_url(town, "?action=activity.update")).content.decode()) == 1
    assert rows(client.get(audit_url(town, "?object_type=family")).content.decode()) == 1
    html = client.get(audit_url(town, "?q=martin")).content.decode()
    assert rows(html) == 1
    assert "MARTIN — réservation" in html


def test_it_reports_bad_filters_without_failing(town, town_admin, front_desk, client_for):
    entry(town, front_desk, "family.update", "x", datetime.datetime(2027, 3, 1, 10, tzinfo=PARIS))
    client = client_for(town_admin)
    for query in (
        "?since=31/02/2027",
        "?actor=abc",
        "?actor=999999",
        "?action=<script>",
        "?page=-1",
        "?q=" + "x" * 500,
    ):
        assert client.get(audit_url(town, query)).status_code == 200, query
    html = client.get(audit_url(town, "?since=2027-03-09&until=2027-03-01")).content.decode()
    assert "La date de fin est avant la date de début." in html


def test_it_shows_nothing_of_another_town(town, other_town, town_admin, client_for):

    elsewhere = staff_member(other_town, Role.ADMIN, email="admin@autreville.test", first_name="Autre")
    entry(other_town, elsewhere, "family.update", "SECRET D'AUTREVILLE", datetime.datetime(2027, 3, 1, tzinfo=PARIS))
    html = client_for(town_admin).get(audit_url(town)).content.decode()
    assert "SECRET D&#x27;AUTREVILLE" not in html
    assert "admin@autreville.test" not in html
    assert rows(html) == 0


def test_it_paginates_with_a_constant_number_of_queries(town, town_admin, front_desk, family, client_for):
    client = client_for(town_admin)
    at = datetime.datetime(2027, 3, 1, 10, tzinfo=PARIS)
    entry(town, front_desk, "family.update", "premier", at, family, {"city": ["A", "B"]})
    client.get(audit_url(town))
    with CaptureQueriesContext(connection) as few:
        client.get(audit_url(town))
    for index in range(60):
        actor = town_admin if index % 2 else front_desk
        entry(
            town,
            actor,
            f"thing{index % 5}.update",
            f"entrée {index}",
            at,
            FamilyFactory(town=town),
            {"n": [index, index + 1]},
        )
    with CaptureQueriesContext(connection) as many:
        html = client.get(audit_url(town)).content.decode()
    assert len(many) == len(few)
    assert rows(html) == 50
    assert "Page 1 sur 2" in html
    assert rows(client.get(audit_url(town, "?page=2")).content.decode()) == 11
