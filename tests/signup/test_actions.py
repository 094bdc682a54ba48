"""Online sign-up through signup.actions: the account and its confirmation link, the file, staff's decision."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from ardoise.accounts.models import User
from ardoise.audit.models import AuditEntry
from ardoise.families.models import Family, FileStatus, Guardian
from ardoise.messaging.models import OutgoingEmail
from ardoise.messaging.notifications import Kind
from ardoise.signup import actions
from ardoise.towns.models import Site, Town
from tests.factories import FamilyFactory
from tests.outbox import sent, sent_text
from tests.signup.conftest import BASE, PASSWORD, complete, confirmation_links, sign_up, token_of

pytestmark = pytest.mark.django_db


def test_it_creates_an_inactive_account_and_emails_a_link_without_the_password(open_town: Town) -> None:
    sign_up(open_town)
    user = User.objects.get(town=open_town, email="lea.bernard@example.test")
    assert not user.is_active
    assert user.check_password(PASSWORD)
    [email] = OutgoingEmail.objects.filter(kind=Kind.SIGNUP_CONFIRMATION)
    assert email.to == "lea.bernard@example.test"
    text, html = sent(email)
    assert "/saint-exemple/inscription/confirmer/" in text
    assert PASSWORD not in text + html
    assert not Family.objects.filter(town=open_town).exists()


def test_it_opens_a_numbered_draft_file_when_the_address_is_confirmed(open_town: Town) -> None:
    FamilyFactory(town=open_town, number="41")
    sign_up(open_town)
    user = actions.confirm_email(open_town, token_of(confirmation_links("lea.bernard@example.test")[0]))
    assert user.is_active
    guardian = Guardian.objects.get(user=user)
    assert (guardian.first_name, guardian.last_name, guardian.email) == ("Léa", "Bernard", "lea.bernard@example.test")
    assert guardian.family.file_status == FileStatus.DRAFT
    assert guardian.family.number == "42"  # the town's numbering
    assert guardian.family.name == "BERNARD"


def test_it_refuses_a_link_used_already(open_town: Town) -> None:
    sign_up(open_town)
    token = token_of(confirmation_links("lea.bernard@example.test")[0])
    actions.confirm_email(open_town, token)
    with pytest.raises(actions.SignupRefused):
        actions.confirm_email(open_town, token)
    assert Family.objects.filter(town=open_town).count() == 1


def test_it_refuses_a_link_after_48_hours(open_town: Town) -> None:
    sign_up(open_town)
    token = token_of(confirmation_links("lea.bernard@example.test")[0])
    later = timezone.now() + datetime.timedelta(hours=48, minutes=1)
    with time_machine.travel(later), pytest.raises(actions.SignupRefused):
        actions.confirm_email(open_town, token)
    assert not User.objects.get(email="lea.bernard@example.test").is_active
    assert not Family.objects.filter(town=open_town).exists()


def test_it_refuses_a_forged_link_and_one_of_another_town(open_town: Town, other_town: Town) -> None:
    sign_up(open_town)
    token = token_of(confirmation_links("lea.bernard@example.test")[0])
    for town, forged in ((open_town, token[:-2] + "xx"), (other_town, token)):
        with pytest.raises(actions.SignupRefused):
            actions.confirm_email(town, forged)


def test_it_refuses_to_sign_up_where_signup_is_closed(town: Town) -> None:
    with pytest.raises(actions.SignupRefused):
        sign_up(town)
    assert not User.objects.filter(town=town).exists()


def test_it_tells_an_existing_account_instead_of_creating_a_second(open_town: Town, parent: User) -> None:
    sign_up(open_town, email="Marie.Dupont@example.test")
    assert User.objects.filter(town=open_town, email="marie.dupont@example.test").count() == 1
    assert User.objects.get(pk=parent.pk).check_password(PASSWORD) is False
    assert not OutgoingEmail.objects.filter(kind=Kind.SIGNUP_CONFIRMATION).exists()
    [email] = OutgoingEmail.objects.filter(kind=Kind.SIGNUP_EXISTING_ACCOUNT)
    assert email.to == "marie.dupont@example.test"
    assert "déjà un compte" in sent_text(email)


def test_it_voids_earlier_links_when_signing_up_again(open_town: Town) -> None:
    sign_up(open_town)
    sign_up(open_town)
    first, second = confirmation_links("lea.bernard@example.test")
    assert User.objects.filter(email="lea.bernard@example.test").count() == 1
    with pytest.raises(actions.SignupRefused):
        actions.confirm_email(open_town, token_of(first))
    actions.confirm_email(open_town, token_of(second))


def test_it_throttles_sign_ups_like_password_emails(open_town: Town, settings: object) -> None:
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 2  # type: ignore[attr-defined]
    for number in range(3):
        sign_up(open_town, email=f"parent{number}@example.test")
    assert OutgoingEmail.objects.filter(kind=Kind.SIGNUP_CONFIRMATION).count() == 2
    assert not User.objects.filter(email="parent2@example.test").exists()


def test_it_refuses_to_send_an_incomplete_file(draft: Family, newcomer: User) -> None:
    with pytest.raises(actions.SignupRefused) as refused:
        actions.submit(draft, actor=newcomer)
    assert "un enfant" in refused.value.message
    assert "l'adresse" in refused.value.message
    draft.refresh_from_db()
    assert draft.file_status == FileStatus.DRAFT


def test_it_sends_a_complete_file_and_locks_it(draft: Family, newcomer: User, site: Site) -> None:
    complete(draft, site, newcomer)
    actions.submit(draft, actor=newcomer)
    draft.refresh_from_db()
    assert draft.file_status == FileStatus.SUBMITTED
    assert draft.file_submitted_at is not None
    with pytest.raises(actions.SignupRefused):
        complete(draft, site, newcomer, first_name="Zoé")


def test_it_refuses_a_bulk_refusal_without_reason_and_changes_nothing(
    submitted: Family, front_desk: User, open_town: Town
) -> None:
    with pytest.raises(actions.SignupRefused) as refused:
        actions.decide(open_town, [submitted.pk], accept=False, reason="  ", actor=front_desk, base_url=BASE)
    assert "motif" in refused.value.message
    submitted.refresh_from_db()
    assert submitted.file_status == FileStatus.SUBMITTED
    assert not OutgoingEmail.objects.filter(kind=Kind.SIGNUP_DECISION).exists()


def test_it_refuses_with_a_reason_that_the_family_reads_and_may_send_again(
    submitted: Family, front_desk: User, open_town: Town, newcomer: User
) -> None:
    actions.decide(
        open_town, [submitted.pk], accept=False, reason="Pièce d'identité illisible", actor=front_desk, base_url=BASE
    )
    submitted.refresh_from_db()
    assert (submitted.file_status, submitted.file_refusal_reason) == (FileStatus.REFUSED, "Pièce d'identité illisible")
    [email] = OutgoingEmail.objects.filter(kind=Kind.SIGNUP_DECISION)
    assert "Pièce d'identité illisible" in sent_text(email)
    assert AuditEntry.objects.filter(action="family.file_refuse", actor=front_desk).exists()
    actions.submit(submitted, actor=newcomer)
    submitted.refresh_from_db()
    assert submitted.file_status == FileStatus.SUBMITTED


def test_it_accepts_in_bulk_and_emails_each_family(
    submitted: Family, front_desk: User, open_town: Town, site: Site
) -> None:
    sign_up(open_town, email="tom.petit@example.test", first_name="Tom", last_name="Petit")
    other_user = actions.confirm_email(open_town, token_of(confirmation_links("tom.petit@example.test")[0]))
    other = other_user.guardian.family
    complete(other, site, other_user, first_name="Jules")
    actions.submit(other, actor=other_user)
    actions.decide(open_town, [submitted.pk, other.pk], accept=True, actor=front_desk, base_url=BASE)
    assert set(Family.objects.filter(pk__in=[submitted.pk, other.pk]).values_list("file_status", flat=True)) == {
        FileStatus.ACCEPTED
    }
    assert sorted(OutgoingEmail.objects.filter(kind=Kind.SIGNUP_DECISION).values_list("to", flat=True)) == [
        "lea.bernard@example.test",
        "tom.petit@example.test",
    ]
    assert AuditEntry.objects.filter(action="family.file_accept").count() == 2


def test_it_decides_nothing_when_one_ticked_family_is_not_waiting(
    family: Family, submitted: Family, front_desk: User, open_town: Town
) -> None:
    with pytest.raises(actions.SignupRefused):
        actions.decide(open_town, [submitted.pk, family.pk], accept=True, actor=front_desk, base_url=BASE)
    submitted.refresh_from_db()
    assert submitted.file_status == FileStatus.SUBMITTED


def test_it_refuses_to_decide_on_another_towns_family(
    submitted: Family, front_desk: User, other_town: Town, open_town: Town
) -> None:
    with pytest.raises(actions.SignupRefused):
        actions.decide(other_town, [submitted.pk], accept=True, actor=front_desk, base_url=BASE)
    submitted.refresh_from_db()
    assert submitted.file_status == FileStatus.SUBMITTED


def test_it_opens_and_closes_signup_with_audit(town: Town, town_admin: User) -> None:
    actions.set_signup_open(town, True, actor=town_admin)
    assert Town.objects.get(pk=town.pk).signup_open
    actions.set_signup_open(town, False, actor=town_admin)
    assert not Town.objects.get(pk=town.pk).signup_open
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "town.signup_open",
        "town.signup_close",
    ]


def test_existing_guardians_stay_accepted(family: Family) -> None:
    assert Family.objects.get(pk=family.pk).file_status == FileStatus.ACCEPTED
