import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from ardoise import settings as project_settings
from tests.factories import PASSWORD

NEW_PASSWORD = "goûter-du-mercredi-42"


@pytest.fixture
def send_now(django_capture_on_commit_callbacks, immediate_tasks):
    """Run the on-commit callbacks of the block: the queued e-mails are sent."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def forgot(town, login: str):
    return Client().post(reverse("accounts:password_forgot", args=[town.slug]), {"login": login}, follow=True)


def link_in(message) -> str:
    match = re.search(r"https?://testserver(/\S+/password/reset/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_it_gives_the_same_answer_whether_the_login_exists_or_not(town, parent, send_now):
    with send_now():
        known = forgot(town, "marie.dupont@example.test")
        unknown = forgot(town, "personne@example.test")
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert "Si cette adresse e-mail ou ce n° de famille correspond à un compte" in unknown.content.decode()
    without_token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"')
    assert without_token.sub(b"", known.content) == without_token.sub(b"", unknown.content)
    assert len(mail.outbox) == 1


def test_it_mails_a_link_and_never_a_password(town, parent, send_now):
    with send_now():
        forgot(town, "MARIE.dupont@example.test")
    [message] = mail.outbox
    assert message.to == ["marie.dupont@example.test"]
    assert "Saint-Exemple" in message.subject
    assert PASSWORD not in message.body
    assert "valable 24 heures" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert link_in(message) in html


def test_it_mails_every_guardian_of_a_family_number(town, family, parent, co_parent, send_now):
    with send_now():
        forgot(town, family.number)
    assert sorted(m.to[0] for m in mail.outbox) == ["marie.dupont@example.test", "paul.dupont@example.test"]


def test_it_does_not_mail_an_account_of_another_town(town, stranger, send_now):
    with send_now():
        forgot(town, "claire.durand@example.test")
    assert mail.outbox == []


def test_it_does_not_mail_an_inactive_account(town, parent, send_now):
    parent.is_active = False
    parent.save()
    with send_now():
        forgot(town, "marie.dupont@example.test")
    assert mail.outbox == []


def test_it_sets_a_password_through_the_link_once_only(town, parent, send_now, settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    parent.set_unusable_password()  # first connection: no password yet, never logged in
    parent.save()
    with send_now():
        forgot(town, "marie.dupont@example.test")
    assert "activez votre compte" in mail.outbox[0].subject
    link = link_in(mail.outbox[0])

    client = Client()
    assert client.get(link).status_code == 200
    response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("accounts:login", args=[town.slug])
    parent.refresh_from_db()
    assert parent.check_password(NEW_PASSWORD)
    assert parent.password.startswith("argon2")

    reused = client.post(link, {"new_password1": "encore-un-autre-mdp", "new_password2": "encore-un-autre-mdp"})
    assert reused.status_code == 404
    assert "Ce lien n'est plus valable" in reused.content.decode()
    parent.refresh_from_db()
    assert parent.check_password(NEW_PASSWORD)

    login = {"login": "marie.dupont@example.test", "password": NEW_PASSWORD}
    assert client.post(reverse("accounts:login", args=[town.slug]), login).status_code == 302


def test_it_uses_the_reset_wording_for_an_account_already_used(town, parent, send_now, client_for):
    client_for(parent)  # sets last_login
    with send_now():
        forgot(town, "marie.dupont@example.test")
    assert "nouveau mot de passe" in mail.outbox[0].subject


def test_it_expires_the_link_after_the_timeout(town, parent, send_now, time_machine):
    start = dt.datetime(2026, 3, 2, 20, 0, tzinfo=dt.UTC)
    time_machine.move_to(start)
    with send_now():
        forgot(town, "marie.dupont@example.test")
    link = link_in(mail.outbox[0])
    time_machine.move_to(start + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT - 60))
    assert Client().get(link).status_code == 200
    time_machine.move_to(start + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1))
    assert Client().get(link).status_code == 404


def test_it_refuses_a_short_password_in_french(town, parent, send_now):
    with send_now():
        forgot(town, "marie.dupont@example.test")
    response = Client().post(link_in(mail.outbox[0]), {"new_password1": "court123", "new_password2": "court123"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "trop court" in html
    assert "10 caractères" in html
    parent.refresh_from_db()
    assert parent.check_password(PASSWORD)


def test_it_refuses_a_link_of_another_town(town, other_town, parent, send_now):
    with send_now():
        forgot(town, "marie.dupont@example.test")
    link = link_in(mail.outbox[0]).replace(f"/{town.slug}/", f"/{other_town.slug}/", 1)
    assert Client().get(link).status_code == 404


def test_it_refuses_a_forged_link(town, parent):
    assert Client().get(f"/{town.slug}/password/reset/MQ/abc-123/").status_code == 404
    assert Client().get(f"/{town.slug}/password/reset/@@@/abc-123/").status_code == 404


def test_it_requires_the_csrf_token(town):
    client = Client(enforce_csrf_checks=True)
    url = reverse("accounts:password_forgot", args=[town.slug])
    assert client.post(url, {"login": "marie.dupont@example.test"}).status_code == 403


def test_it_sends_staff_their_link_too(town, front_desk, send_now):
    with send_now():
        forgot(town, "accueil@example.test")
    assert mail.outbox[0].to == ["accueil@example.test"]


def test_it_opens_an_account_for_a_guardian_who_never_had_one(town, family, send_now):
    """Seed 004's "Obtenir un mot de passe": an imported family asks for its first password."""
    from ardoise.families.models import Guardian
    from tests.factories import GuardianFactory

    guardian = GuardianFactory(family=family, email="Nouveau.Parent@example.test", user=None)
    with send_now():
        forgot(town, family.number)
    guardian = Guardian.objects.get(pk=guardian.pk)
    assert guardian.user is not None
    assert guardian.user.email == "nouveau.parent@example.test"
    assert not guardian.user.has_usable_password()
    [message] = mail.outbox
    assert message.to == ["nouveau.parent@example.test"]
    response = Client().post(link_in(message), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    guardian.user.refresh_from_db()
    assert guardian.user.check_password(NEW_PASSWORD)


def forgot_from(town, login: str, address: str):
    client = Client(REMOTE_ADDR=address)
    return client.post(reverse("accounts:password_forgot", args=[town.slug]), {"login": login}, follow=True)


def test_it_mails_an_account_a_few_links_an_hour_only(town, parent, send_now, time_machine):
    start = dt.datetime(2026, 3, 2, 20, 0, tzinfo=dt.UTC)
    time_machine.move_to(start)
    answers = []
    with send_now():
        for index in range(15):
            answers.append(forgot_from(town, "marie.dupont@example.test", f"192.0.2.{index + 1}"))
    assert len(mail.outbox) == settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT == 3
    # Same page whether an e-mail left or not: nothing tells whether the account exists or is throttled.
    first, last = answers[0], answers[-1]
    assert first.status_code == last.status_code == 200
    assert first.redirect_chain == last.redirect_chain
    assert "Si cette adresse e-mail ou ce n° de famille correspond à un compte" in last.content.decode()
    time_machine.move_to(start + dt.timedelta(seconds=settings.PASSWORD_RESET_WINDOW_SECONDS + 1))
    with send_now():
        forgot_from(town, "marie.dupont@example.test", "192.0.2.99")
    assert len(mail.outbox) == 4


def test_it_counts_the_family_number_and_the_email_together(town, family, parent, send_now):
    with send_now():
        for _ in range(settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT):
            forgot_from(town, family.number, "192.0.2.1")
        forgot_from(town, "marie.dupont@example.test", "192.0.2.2")
    assert len(mail.outbox) == settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT


def test_it_limits_the_requests_of_one_address_whatever_the_accounts(town, parent, co_parent, send_now):
    unknown = [f"personne{index}@example.test" for index in range(settings.PASSWORD_RESET_LIMIT_PER_ADDRESS)]
    with send_now():
        for login in unknown:
            forgot_from(town, login, "203.0.113.9")
        refused = forgot_from(town, "marie.dupont@example.test", "203.0.113.9")
        forgot_from(town, "paul.dupont@example.test", "198.51.100.7")
    assert [message.to for message in mail.outbox] == [["paul.dupont@example.test"]]
    assert refused.status_code == 200
    assert "Si cette adresse e-mail ou ce n° de famille correspond à un compte" in refused.content.decode()


def test_it_counts_requests_per_forwarded_address_behind_a_trusted_proxy(town, parent, send_now, settings):
    settings.LOGIN_TRUST_X_FORWARDED_FOR = True
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 1
    url = reverse("accounts:password_forgot", args=[town.slug])
    with send_now():
        Client().post(url, {"login": "personne@example.test"}, headers={"X-Forwarded-For": "203.0.113.9"})
        Client().post(url, {"login": "marie.dupont@example.test"}, headers={"X-Forwarded-For": "203.0.113.9"})
        Client().post(url, {"login": "marie.dupont@example.test"}, headers={"X-Forwarded-For": "198.51.100.7"})
    assert len(mail.outbox) == 1


def test_it_lets_a_locked_out_parent_in_once_they_choose_a_password_by_the_link(town, family, parent, send_now):
    per_address = settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS_AND_ACCOUNT
    login_url = reverse("accounts:login", args=[town.slug])
    for index in range(settings.LOGIN_FAILURE_LIMIT):
        Client(REMOTE_ADDR=f"192.0.2.{index // per_address + 1}").post(
            login_url, {"login": family.number, "password": "mauvais"}
        )
    parent_client = Client(REMOTE_ADDR="198.51.100.7")
    assert parent_client.post(login_url, {"login": family.number, "password": PASSWORD}).status_code == 429
    with send_now():
        forgot(town, "marie.dupont@example.test")
    parent_client.post(link_in(mail.outbox[0]), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    response = parent_client.post(login_url, {"login": family.number, "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert parent_client.session["_auth_user_id"] == str(parent.pk)
