"""The QF's actions: history kept, consent dated, one family fetched, a yearly batch with its results."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ardoise.audit.models import AuditEntry
from ardoise.families.models import Family
from ardoise.quotients import actions, queries
from ardoise.quotients.models import (
    ApiParticulierSettings,
    BatchState,
    QuotientBatch,
    QuotientBatchResult,
    QuotientRecord,
    ResultKind,
)
from tests.factories import FamilyFactory
from tests.moment import NOW
from tests.quotients.conftest import BERNARD, ROUX, UNKNOWN, identify

pytestmark = pytest.mark.usefixtures("frozen")
D = datetime.date
SEPTEMBER = D(2027, 9, 1)


def test_it_keeps_the_old_value_for_the_days_before_the_new_one(family, front_desk):
    record = actions.store_quotient(family, 650, D(2027, 3, 1), "staff", front_desk)
    assert queries.quotient_on(family, D(2027, 2, 28)) == 800
    assert queries.quotient_on(family, D(2027, 3, 1)) == 650
    family.refresh_from_db()
    assert family.quotient_familial == 650  # in force today (9 March 2027): the planning prices with it
    entry = AuditEntry.objects.get(action="quotient.store")
    assert entry.changes["quotient_familial"] == [800, 650]
    assert entry.actor == front_desk
    assert record.recorded_by == front_desk
    assert QuotientRecord.objects.filter(family=family).count() == 2  # the file's 800, kept


def test_it_leaves_the_file_value_until_a_future_value_applies(family, front_desk):
    actions.store_quotient(family, 500, SEPTEMBER, "staff", front_desk)
    family.refresh_from_db()
    assert family.quotient_familial == 800
    actions.update_file_value(family.pk, today=SEPTEMBER)
    family.refresh_from_db()
    assert family.quotient_familial == 500


def test_it_refuses_an_impossible_value_and_changes_nothing(family, front_desk):
    with pytest.raises(actions.QuotientRefused):
        actions.store_quotient(family, 1_000_000, SEPTEMBER, "staff", front_desk)
    assert not QuotientRecord.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_dates_the_consent_and_clears_it_when_withdrawn(family, parent):
    assert actions.set_consent(family, True, parent)
    family.refresh_from_db()
    assert family.qf_consent_at == NOW
    assert not actions.set_consent(family, True, parent)  # nothing changes: the first date stays
    assert actions.set_consent(family, False, parent)
    family.refresh_from_db()
    assert family.qf_consent_at is None
    assert list(AuditEntry.objects.order_by("at", "pk").values_list("action", flat=True)) == [
        "quotient.consent",
        "quotient.consent_withdrawn",
    ]


def test_it_fetches_a_family_s_quotient_from_the_caf(family, front_desk, api_settings):
    actions.set_consent(family, True, front_desk)
    identify(family, *BERNARD)
    fetched = actions.fetch_for_family(family, front_desk, SEPTEMBER)
    assert fetched.kind == ResultKind.FOUND
    assert fetched.record is not None
    assert (fetched.record.value, fetched.record.source, fetched.record.applies_from) == (650, "caf", SEPTEMBER)
    assert fetched.record.reference_month == D(2023, 6, 1)
    assert queries.quotient_on(family, SEPTEMBER) == 650
    assert queries.quotient_on(family, D(2027, 8, 31)) == 800


def test_it_does_not_call_the_api_without_consent(family, front_desk, api_settings, fake_api):
    identify(family, *BERNARD)
    fake_api.requests.clear()
    fetched = actions.fetch_for_family(family, front_desk, SEPTEMBER)
    assert fetched.kind == ResultKind.NO_CONSENT
    assert fake_api.requests == []
    assert not QuotientRecord.objects.exists()


def test_it_says_what_is_missing_before_calling(family, front_desk):
    actions.set_consent(family, True, front_desk)
    assert "paramétré" in actions.fetch_for_family(family, front_desk, SEPTEMBER).message
    ApiParticulierSettings.objects.create(town=family.town, token="t", recipient_siret="21990000900016")
    assert "Identité" in actions.fetch_for_family(family, front_desk, SEPTEMBER).message
    assert not QuotientRecord.objects.exists()


def test_it_writes_the_token_but_never_reads_it_back_into_the_audit_trail(town, town_admin):
    actions.save_settings(
        town, town_admin, base_url="https://x.test", recipient_siret="21990000900016", timeout_seconds=5, token="SECRET"
    )
    actions.save_settings(
        town, town_admin, base_url="https://x.test", recipient_siret="21990000900016", timeout_seconds=5
    )
    assert ApiParticulierSettings.objects.get(town=town).token == "SECRET"  # left empty: kept
    assert "SECRET" not in str(list(AuditEntry.objects.values_list("changes", "summary")))
    actions.save_settings(
        town,
        town_admin,
        base_url="https://x.test",
        recipient_siret="21990000900016",
        timeout_seconds=5,
        forget_token=True,
    )
    assert ApiParticulierSettings.objects.get(town=town).token == ""


def make_families(town, site):
    """BERNARD (CAF), ROUX (MSA), an unknown allocataire, one without identity, one without consent."""
    made = {}
    for name, who in (("BERNARD", BERNARD), ("ROUX", ROUX), ("INCONNU", UNKNOWN), ("SANSIDENTITE", None)):
        family = FamilyFactory(town=town, name=name, quotient_familial=None, qf_consent_at=NOW)
        if who:
            identify(family, *who)
        made[name] = family
    made["SANSACCORD"] = FamilyFactory(town=town, name="SANSACCORD", qf_consent_at=None)
    return made


def test_a_batch_fetches_every_family_and_records_each_result(
    town, site, finance_agent, api_settings, immediate_tasks, django_capture_on_commit_callbacks
):
    made = make_families(town, site)
    with django_capture_on_commit_callbacks(execute=True):
        batch = actions.start_batch(town, finance_agent, SEPTEMBER, 2027)
    batch.refresh_from_db()
    assert batch.state == BatchState.DONE
    assert (batch.total, batch.found, batch.not_found, batch.no_consent, batch.errors) == (5, 2, 1, 1, 1)
    kinds = dict(QuotientBatchResult.objects.values_list("family__name", "kind"))
    assert kinds == {
        "BERNARD": "found",
        "ROUX": "found",
        "INCONNU": "not_found",
        "SANSIDENTITE": "error",
        "SANSACCORD": "no_consent",
    }
    assert queries.quotient_on(made["ROUX"], SEPTEMBER) == 150
    assert QuotientRecord.objects.get(family=made["ROUX"]).source == "msa"
    assert AuditEntry.objects.filter(action="quotient.batch_done").count() == 1


def test_a_batch_run_again_asks_nobody_twice(town, site, finance_agent, api_settings, fake_api):
    make_families(town, site)
    batch = actions.start_batch(town, finance_agent, SEPTEMBER, 2027)  # the task is not run: no worker here
    actions.run_batch(batch.pk)
    fake_api.requests.clear()
    QuotientBatch.objects.filter(pk=batch.pk).update(state=BatchState.RUNNING)  # a retry after a crash
    actions.run_batch(batch.pk)
    assert fake_api.requests == []
    assert QuotientBatchResult.objects.count() == 5
    assert QuotientRecord.objects.count() == 2


def test_a_batch_stops_when_the_token_is_refused(town, site, finance_agent, api_settings):
    make_families(town, site)
    ApiParticulierSettings.objects.filter(town=town).update(token="expired")
    batch = actions.run_batch(actions.start_batch(town, finance_agent, SEPTEMBER, 2027).pk)
    assert batch.state == BatchState.FAILED
    assert "jeton" in batch.message
    assert batch.done_count < 5


def test_only_one_batch_works_at_a_time(town, finance_agent, api_settings):
    actions.start_batch(town, finance_agent, SEPTEMBER, 2027)
    with pytest.raises(actions.QuotientRefused):
        actions.start_batch(town, finance_agent, SEPTEMBER, 2027)
    assert QuotientBatch.objects.count() == 1


def test_a_batch_needs_the_settings(town, finance_agent):
    with pytest.raises(actions.QuotientRefused):
        actions.start_batch(town, finance_agent, SEPTEMBER, 2027)
    assert not QuotientBatch.objects.exists()


def test_a_batch_asks_each_family_in_a_constant_number_of_queries(town, site, finance_agent, api_settings):
    def queries_per_family(count: int) -> int:
        for index in range(count):
            family = FamilyFactory(town=town, qf_consent_at=NOW, quotient_familial=None)
            identify(family, "DUPONT", "ALEXIS", D(1982, 12, 27 - index % 20))
        batch = actions.start_batch(town, finance_agent, SEPTEMBER, 2027)
        with CaptureQueriesContext(connection) as captured:
            actions.run_batch(batch.pk)
        Family.objects.filter(town=town).delete()
        return len(captured)

    small, large = queries_per_family(2), queries_per_family(6)
    assert (large - small) == 4 * ((large - small) // 4)  # linear: the same queries for every family
    assert (large - small) // 4 <= 8


def test_a_qf_changed_on_the_family_form_joins_the_history_from_today(family, front_desk):
    from ardoise.families.actions import update_family

    actions.store_quotient(family, 650, D(2027, 1, 1), "caf", front_desk)
    update_family(family, {"quotient_familial": 900}, actor=front_desk)
    assert queries.quotient_on(family, D(2027, 3, 8)) == 650
    assert queries.quotient_on(family, D(2027, 3, 9)) == 900
    latest = QuotientRecord.objects.filter(family=family).latest("pk")
    assert (latest.source, latest.applies_from, latest.recorded_by) == ("staff", D(2027, 3, 9), None)
    update_family(family, {"name": "DUPONT-MARTIN", "quotient_familial": 900}, actor=front_desk)
    assert QuotientRecord.objects.filter(family=family).count() == 3  # the file's 800, 650, 900: nothing more


def test_a_qf_on_the_file_of_a_family_without_history_stays_the_only_one(family, front_desk):
    from ardoise.families.actions import update_family

    update_family(family, {"quotient_familial": 900}, actor=front_desk)
    assert not QuotientRecord.objects.exists()
    assert queries.quotient_on(family, D(2020, 1, 1)) == 900


def test_a_batch_stopped_by_the_token_resumes_once_it_is_fixed(town, site, finance_agent, api_settings, fake_api):
    make_families(town, site)
    ApiParticulierSettings.objects.filter(town=town).update(token="expired")
    batch = actions.run_batch(actions.start_batch(town, finance_agent, SEPTEMBER, 2027).pk)
    assert batch.state == BatchState.FAILED
    ApiParticulierSettings.objects.filter(town=town).update(token=fake_api.TOKEN)
    actions.resume_batch(batch, finance_agent)
    batch = actions.run_batch(batch.pk)
    assert batch.state == BatchState.DONE
    assert (batch.total, batch.found, batch.not_found, batch.no_consent, batch.errors) == (5, 2, 1, 1, 1)
    with pytest.raises(actions.QuotientRefused):
        actions.resume_batch(batch, finance_agent)  # only an interrupted batch


def test_a_batch_that_crashes_is_marked_interrupted_and_blocks_nothing(town, site, finance_agent, api_settings):
    make_families(town, site)
    batch = actions.start_batch(town, finance_agent, SEPTEMBER, 2027)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(actions, "_count", broken)
        with pytest.raises(RuntimeError):
            actions.run_batch(batch.pk)
    batch.refresh_from_db()
    assert batch.state == BatchState.FAILED
    assert not QuotientRecord.objects.exists()  # the QF found and its result are saved together, or neither
    actions.start_batch(town, finance_agent, SEPTEMBER, 2027)  # not blocked


def test_a_future_qf_is_put_on_the_file_by_the_worker_on_its_morning(
    family, front_desk, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from ardoise.calendars.deadlines import PARIS
    from ardoise.quotients.tasks import update_file_value_task

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        actions.store_quotient(family, 500, SEPTEMBER, "staff", front_desk)
    [job] = DBTaskResult.objects.filter(task_path="ardoise.quotients.tasks.update_file_value_task")
    assert job.run_after == datetime.datetime(2027, 9, 1, 0, 5, tzinfo=PARIS)
    assert job.args_kwargs["args"] == [family.pk]
    with time_machine.travel(datetime.datetime(2027, 9, 1, 0, 5, tzinfo=PARIS), tick=False):
        update_file_value_task.call(family.pk)
    family.refresh_from_db()
    assert family.quotient_familial == 500
