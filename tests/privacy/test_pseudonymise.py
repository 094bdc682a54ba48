"""Pseudonymising families past retention: refusals first (nothing changes), then what a run removes and keeps."""

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit.models import AuditEntry
from ardoise.billing.models import Invoice, Payment
from ardoise.directdebit.models import Mandate
from ardoise.families.models import Child, Family, Guardian
from ardoise.messaging.models import Thread
from ardoise.privacy import actions, queries
from ardoise.privacy.models import Pseudonymisation
from ardoise.towns.models import Site, Town
from tests.privacy.conftest import TODAY
from tests.privacy.departed import (
    EMAIL,
    FAMILY_NAME,
    IDENTITY,
    LAST_SERVICE_DAY,
    accounting_snapshot,
    make_departed,
    occurrences,
)

pytestmark = pytest.mark.django_db


def everything(town: Town) -> list[tuple[Any, ...]]:
    return [
        *Family.objects.filter(town=town).values_list(),
        *Guardian.objects.filter(town=town).values_list(),
        *Child.objects.filter(town=town).values_list(),
        *Pseudonymisation.objects.filter(town=town).values_list(),
    ]


# Refusals: nothing changes, and the administrator reads why.


def test_it_refuses_a_family_that_still_owes(departed: Family, town: Town) -> None:
    Payment.objects.filter(family=departed).update(amount=Decimal("40.00"))
    before = everything(town)
    with pytest.raises(actions.PseudonymisationRefused) as refused:
        actions.pseudonymise_families(town, None, [departed.pk], TODAY)
    assert refused.value.reasons == [
        f"Famille n° {departed.number} : Solde dû de 2,50 € : la dette doit être soldée d'abord."
    ]
    assert everything(town) == before
    assert occurrences()


def test_it_refuses_a_family_active_in_the_last_60_days(departed: Family, town: Town) -> None:
    User.objects.filter(guardian__family=departed).update(
        last_login=datetime.datetime(2027, 1, 20, 17, 0, tzinfo=datetime.UTC)
    )
    before = everything(town)
    with pytest.raises(actions.PseudonymisationRefused) as refused:
        actions.pseudonymise_families(town, None, [departed.pk], TODAY)
    assert refused.value.reasons == [
        f"Famille n° {departed.number} : Activité le 20 janvier 2027, il y a moins de 60 jours."
    ]
    assert everything(town) == before


def test_it_refuses_a_family_that_wrote_in_the_last_60_days(departed: Family, town: Town) -> None:
    Thread.objects.filter(family=departed).update(
        last_message_at=datetime.datetime(2027, 3, 1, 17, 0, tzinfo=datetime.UTC)
    )
    with pytest.raises(actions.PseudonymisationRefused) as refused:
        actions.pseudonymise_families(town, None, [departed.pk], TODAY)
    assert refused.value.reasons == [
        f"Famille n° {departed.number} : Activité le 1er mars 2027, il y a moins de 60 jours."
    ]


def test_it_refuses_a_family_not_past_retention(departed: Family, town: Town) -> None:
    with pytest.raises(actions.PseudonymisationRefused) as refused:
        actions.pseudonymise_families(town, None, [departed.pk], datetime.date(2026, 6, 29))
    assert refused.value.reasons == [f"Famille n° {departed.pk} : la durée de conservation n'est pas écoulée."]
    assert not Pseudonymisation.objects.exists()


def test_it_refuses_the_whole_run_when_one_family_is_refused(
    departed: Family, town: Town, site: Site, canteen: Activity
) -> None:
    other = make_departed(town, site, canteen, number="78")
    Payment.objects.filter(family=other).delete()
    before = everything(town)
    with pytest.raises(actions.PseudonymisationRefused):
        actions.pseudonymise_families(town, None, [departed.pk, other.pk], TODAY)
    assert everything(town) == before


def test_it_refuses_another_towns_family(departed: Family, other_town: Town) -> None:
    with pytest.raises(actions.PseudonymisationRefused) as refused:
        actions.pseudonymise_families(other_town, None, [departed.pk], TODAY)
    assert refused.value.reasons == ["1 famille(s) introuvable(s) dans cette commune."]
    assert Family.objects.get(pk=departed.pk).name == FAMILY_NAME


def test_it_refuses_an_empty_selection(town: Town) -> None:
    with pytest.raises(actions.PseudonymisationRefused):
        actions.pseudonymise_families(town, None, [], TODAY)


# A run


def test_the_departed_family_is_listed_with_why(departed: Family, town: Town) -> None:
    [candidate] = queries.candidates(town, TODAY)
    assert candidate.family_id == departed.pk
    assert candidate.anchor == LAST_SERVICE_DAY
    assert candidate.served
    assert candidate.ends_on == datetime.date(2026, 6, 30)
    assert candidate.balance == Decimal("0.00")
    assert candidate.eligible


def test_it_leaves_no_personal_data_of_the_family_anywhere(
    departed: Family, town: Town, django_capture_on_commit_callbacks: Any
) -> None:
    assert {table for table, _column, _value in occurrences()} >= {
        "families_family",
        "families_guardian",
        "families_child",
        "accounts_user",
        "messaging_outgoingemail",
        "audit_auditentry",
    }
    with django_capture_on_commit_callbacks(execute=True):
        result = actions.pseudonymise_families(town, None, [departed.pk], TODAY)
    assert result.pseudonymised == 1
    assert occurrences() == []
    family = Family.objects.get(pk=departed.pk)
    assert family.name == f"Famille anonymisée n° {departed.pk}"
    assert (family.iban, family.caf_number, family.archived_on) == ("", "", TODAY)
    child = Child.objects.get(family=departed)
    assert (child.first_name, child.birth_date, child.allergies, child.has_pai) == (
        "Enfant",
        datetime.date(2016, 1, 1),
        "",
        False,
    )
    mandate = Mandate.objects.get(family=departed)
    assert (mandate.iban, mandate.bic, mandate.reference) == ("FR76****0189", "", f"ARD-{town.pk}-{departed.pk}-1")
    account = User.objects.get(email__endswith="@anonyme.invalid")
    assert not account.is_active
    assert not account.has_usable_password()


def test_it_keeps_the_invoices_and_the_towns_totals(
    departed: Family, town: Town, django_capture_on_commit_callbacks: Any
) -> None:
    before = accounting_snapshot(town)
    with django_capture_on_commit_callbacks(execute=True):
        actions.pseudonymise_families(town, None, [departed.pk], TODAY)
    assert accounting_snapshot(town) == before
    [invoice] = Invoice.objects.filter(family=departed)
    assert invoice.payer_name == f"{FAMILY_NAME} Ophélestine"  # as issued


def test_it_deletes_the_files_from_storage_once_committed(
    departed: Family, town: Town, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    stored = [path for path in Path(media).rglob("*") if path.is_file()]
    assert len(stored) == 3  # the supporting document, the absence certificate, the attachment
    with django_capture_on_commit_callbacks(execute=True):
        result = actions.pseudonymise_families(town, None, [departed.pk], TODAY)
    assert result.files_deleted == 3
    assert [path for path in Path(media).rglob("*") if path.is_file()] == []


def test_it_is_idempotent(departed: Family, town: Town, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.pseudonymise_families(town, None, [departed.pk], TODAY)
    after_first = everything(town)
    second = actions.pseudonymise_families(town, None, [departed.pk], TODAY)
    assert (second.pseudonymised, second.already_done) == (0, 1)
    assert everything(town) == after_first
    assert queries.candidates(town, TODAY) == []


def test_it_is_audited_without_personal_data(
    departed: Family, town: Town, town_admin: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.pseudonymise_families(town, town_admin, [departed.pk], TODAY)
    entry = AuditEntry.objects.get(action="privacy.pseudonymise")
    assert entry.actor == town_admin
    assert entry.summary == "1 famille(s) anonymisée(s) (durée de conservation écoulée)"
    assert entry.changes == {"families": [departed.pk], "files_deleted": 3}
    text = f"{entry.summary} {entry.changes}".lower()
    assert not any(word in text for word in (*IDENTITY, EMAIL))


def test_the_daily_listing_counts_them(departed: Family, town: Town) -> None:
    assert actions.list_past_retention(town, TODAY) == 1
    assert town.privacy_settings.last_listed_on == TODAY
    assert actions.list_past_retention(town, datetime.date(2026, 6, 29)) == 0
