"""The back office's QF pages: the family's panel, fetching and typing a QF, batches, the write-only token."""

import datetime

import pytest
from django.urls import reverse

from ardoise.audit.models import AuditEntry
from ardoise.quotients import actions
from ardoise.quotients.models import (
    AllocataireIdentity,
    ApiParticulierSettings,
    BatchState,
    QuotientBatch,
    QuotientRecord,
)
from tests.factories import FamilyFactory, GuardianFactory
from tests.moment import NOW
from tests.quotients.conftest import BERNARD, identify
from tests.quotients.fake_api_particulier import TOKEN

pytestmark = pytest.mark.usefixtures("frozen")
SEPTEMBER = datetime.date(2027, 9, 1)


def url(name: str, town, *args: object) -> str:
    return reverse(f"backoffice:{name}", args=[town.slug, *args])


def test_it_shows_the_qf_panel_on_the_family_page_in_a_constant_number_of_queries(
    client_for, front_desk, family, django_assert_max_num_queries
):
    client = client_for(front_desk)
    actions.store_quotient(family, 650, datetime.date(2027, 3, 1), "caf", front_desk)
    with django_assert_max_num_queries(60) as one:
        page = client.get(url("family", family.town, family.pk))
    count = len(one.captured_queries)
    html = page.content.decode()
    assert "Quotient familial" in html
    assert "650&nbsp;€" in html
    assert "CAF (API Particulier)" in html
    assert "valeur du dossier" in html  # the 800 of the file, kept in the history
    assert "à venir" not in html
    assert html.count('id="qf-fetch-applies_from"') == html.count('id="qf-store-applies_from"') == 1
    for day in (1, 2, 3, 4, 5):
        actions.store_quotient(family, 600 + day, datetime.date(2027, 4, day), "staff", front_desk)
    with django_assert_max_num_queries(count):
        html = client.get(url("family", family.town, family.pk)).content.decode()
    assert "605&nbsp;€" in html
    assert "(à venir)" in html


def test_it_fetches_from_the_family_page_and_comes_back_to_it(client_for, front_desk, family, api_settings):
    actions.set_consent(family, True, front_desk)
    identify(family, *BERNARD)
    response = client_for(front_desk).post(
        url("quotient_family_fetch", family.town, family.pk), {"applies_from": "2027-09-01", "next": "family"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("family", family.town, family.pk) + "#quotient"
    record = QuotientRecord.objects.get(family=family, source="caf")
    assert (record.value, record.applies_from, record.recorded_by) == (650, SEPTEMBER, front_desk)


def test_it_says_why_nothing_was_fetched(client_for, front_desk, family, api_settings):
    response = client_for(front_desk).post(
        url("quotient_family_fetch", family.town, family.pk), {"applies_from": "2027-09-01"}, follow=True
    )
    assert "accord" in response.content.decode()
    assert not QuotientRecord.objects.exists()


def test_it_sends_finance_to_the_qf_page_not_to_the_family_page(client_for, finance_agent, family):
    response = client_for(finance_agent).post(
        url("quotient_family_store", family.town, family.pk),
        {"value": "720", "applies_from": "2027-09-01", "next": "family"},
    )
    assert response["Location"] == url("quotient_family", family.town, family.pk)
    assert QuotientRecord.objects.filter(family=family, value=720, source="staff").exists()


def test_it_refuses_a_typed_qf_without_a_date_and_changes_nothing(client_for, front_desk, family):
    response = client_for(front_desk).post(url("quotient_family_store", family.town, family.pk), {"value": "-3"})
    assert response.status_code == 422
    assert not QuotientRecord.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_records_a_consent_given_at_the_desk(client_for, front_desk, family):
    client_for(front_desk).post(url("quotient_family_consent", family.town, family.pk), {"consent": "yes"})
    family.refresh_from_db()
    assert family.qf_consent_at == NOW


def test_it_prefills_the_identity_from_the_first_guardian_and_saves_it(client_for, front_desk, family, parent):
    client = client_for(front_desk)
    page = client.get(url("quotient_family_identity", family.town, family.pk)).content.decode()
    assert 'value="DUPONT"' in page
    assert 'value="Marie"' in page
    response = client.post(
        url("quotient_family_identity", family.town, family.pk),
        {
            "birth_name": "MARTIN",
            "first_names": "Marie Claire",
            "birth_date": "1985-04-02",
            "sex": "F",
            "birth_commune_code": "2A004",
            "birth_country_code": "99100",
        },
    )
    assert response.status_code == 302
    identity = AllocataireIdentity.objects.get(family=family)
    assert (identity.birth_name, identity.birth_commune_code) == ("MARTIN", "2A004")


def test_it_refuses_a_born_in_france_identity_without_its_commune(client_for, front_desk, family):
    response = client_for(front_desk).post(
        url("quotient_family_identity", family.town, family.pk),
        {"birth_name": "X", "first_names": "Y", "birth_date": "1985-04-02", "sex": "F", "birth_country_code": "99100"},
    )
    assert response.status_code == 422
    assert not AllocataireIdentity.objects.exists()


def test_it_never_shows_the_token_back(client_for, town_admin, town):
    client = client_for(town_admin)
    data = {"base_url": "https://particulier.api.gouv.fr", "recipient_siret": "21990000900016", "timeout_seconds": "10"}
    response = client.post(url("quotient_settings", town), {**data, "token": "SECRET-JWT"})
    assert response.status_code == 302
    assert ApiParticulierSettings.objects.get(town=town).token == "SECRET-JWT"
    page = client.get(url("quotient_settings", town)).content.decode()
    assert "SECRET-JWT" not in page
    assert "enregistré" in page
    refused = client.post(url("quotient_settings", town), {**data, "recipient_siret": "12", "token": "OTHER-JWT"})
    assert refused.status_code == 422
    assert "OTHER-JWT" not in refused.content.decode()
    assert ApiParticulierSettings.objects.get(town=town).token == "SECRET-JWT"


def test_it_runs_a_batch_and_shows_each_family_s_result(
    client_for, finance_agent, town, site, api_settings, immediate_tasks, django_capture_on_commit_callbacks
):
    bernard = FamilyFactory(town=town, name="BERNARD", qf_consent_at=NOW)
    GuardianFactory(family=bernard)
    identify(bernard, *BERNARD)
    FamilyFactory(town=town, name="SANSACCORD")
    client = client_for(finance_agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("quotients", town), {"year": "2027", "applies_from": "2027-09-01"})
    batch = QuotientBatch.objects.get()
    assert response["Location"] == url("quotient_batch", town, batch.pk)
    assert batch.state == BatchState.DONE
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert "Terminé — 2 familles sur 2" in page
    assert "650&nbsp;€" in page
    assert "Pas d&#x27;accord de la famille" in page
    found_only = client.get(response["Location"] + "?resultat=found").content.decode()
    assert "SANSACCORD" not in found_only


def test_a_batch_at_work_updates_its_progress_and_reloads_its_page_without_javascript(
    client_for, finance_agent, town, api_settings
):
    batch = actions.start_batch(town, finance_agent, SEPTEMBER, 2027)  # no worker: it waits
    client = client_for(finance_agent)
    page = client.get(url("quotient_batch", town, batch.pk)).content.decode()
    # With JavaScript, htmx polls the progress card; the page's meta refresh is for browsers without it only.
    assert 'hx-trigger="every 3s"' in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert "En attente" in page
    # The poll's last answer, once the batch is done, stops polling and keeps the link to the results.
    QuotientBatch.objects.filter(pk=batch.pk).update(state=BatchState.DONE)
    polled = client.get(url("quotient_batch", town, batch.pk), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in polled
    assert "Actualiser" in polled


def test_a_batch_page_shows_results_in_a_constant_number_of_queries(
    client_for, finance_agent, town, api_settings, django_assert_max_num_queries
):
    for index in range(3):
        FamilyFactory(town=town, name=f"F{index}")
    batch = actions.run_batch(actions.start_batch(town, finance_agent, SEPTEMBER, 2027).pk)
    client = client_for(finance_agent)
    with django_assert_max_num_queries(30) as few:
        client.get(url("quotient_batch", town, batch.pk))
    for index in range(8):
        FamilyFactory(town=town, name=f"G{index}")
    more = actions.run_batch(actions.start_batch(town, finance_agent, SEPTEMBER, 2027).pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url("quotient_batch", town, more.pk))


def test_it_refuses_a_batch_without_settings(client_for, finance_agent, town):
    response = client_for(finance_agent).post(url("quotients", town), {"year": "2027", "applies_from": "2027-09-01"})
    assert response.status_code == 422
    assert "Paramétrez" in response.content.decode()
    assert not QuotientBatch.objects.exists()


def test_another_town_s_batch_is_404(client_for, finance_agent, other_town, api_settings):
    from ardoise.towns.models import Role
    from tests.factories import staff_member

    elsewhere_staff = staff_member(other_town, Role.FINANCE, email="regie@autreville.test")
    ApiParticulierSettings.objects.create(town=other_town, token=TOKEN, recipient_siret="21990000900016")
    batch = actions.start_batch(other_town, elsewhere_staff, SEPTEMBER, 2027)
    assert client_for(finance_agent).get(url("quotient_batch", finance_agent.town, batch.pk)).status_code == 404


def test_it_resumes_an_interrupted_batch_from_its_page(client_for, finance_agent, town, api_settings):
    FamilyFactory(town=town, name="F")
    batch = actions.start_batch(town, finance_agent, SEPTEMBER, 2027)
    QuotientBatch.objects.filter(pk=batch.pk).update(state=BatchState.FAILED, message="Jeton refusé")
    client = client_for(finance_agent)
    assert "Reprendre la consultation" in client.get(url("quotient_batch", town, batch.pk)).content.decode()
    response = client.post(url("quotient_batch_resume", town, batch.pk))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == BatchState.QUEUED


def test_it_offers_the_fetch_only_with_the_consent_and_the_settings(client_for, front_desk, family, api_settings):
    client = client_for(front_desk)
    page = client.get(url("quotient_family", family.town, family.pk)).content.decode()
    assert "Sans l'accord de la famille" in page
    assert "disabled>Consulter la CAF" in page
    actions.set_consent(family, True, front_desk)
    page = client.get(url("quotient_family", family.town, family.pk)).content.decode()
    assert 'class="button button--primary">Consulter la CAF' in page
