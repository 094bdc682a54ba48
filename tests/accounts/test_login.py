import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from ardoise import settings as project_settings
from ardoise.accounts import throttling
from ardoise.accounts.models import LoginFailure
from tests.factories import PASSWORD, FamilyFactory, GuardianFactory

WRONG = "Identifiant ou mot de passe incorrect."


def post_login(client: Client, town, login: str, password: str = PASSWORD, **extra: str):
    return client.post(reverse("accounts:login", args=[town.slug]), {"login": login, "password": password, **extra})


def test_it_shows_the_login_form_in_french(town):
    response = Client().get(reverse("accounts:login", args=[town.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    for field in ('name="login"', 'name="password"', 'name="remember_me"', ">Se souvenir de moi</label>"):
        assert field in html
    assert ">Se connecter</button>" in html
    assert "Saint-Exemple" in html


def test_it_logs_a_parent_in_by_email_in_any_case(town, parent):
    client = Client()
    response = post_login(client, town, "  Marie.DUPONT@example.test ")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home", args=[town.slug])
    assert client.session["_auth_user_id"] == str(parent.pk)


def test_it_logs_a_parent_in_by_family_number(town, parent, family):
    client = Client()
    response = post_login(client, town, family.number)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(parent.pk)


def test_it_tries_the_password_of_each_guardian_of_the_family(town, family, parent, co_parent):
    co_parent.set_password("un-autre-mot-de-passe")
    co_parent.save()
    client = Client()
    assert post_login(client, town, family.number, "un-autre-mot-de-passe").status_code == 302
    assert client.session["_auth_user_id"] == str(co_parent.pk)


def test_it_sends_staff_to_the_staff_home(town, front_desk):
    response = post_login(Client(), town, "accueil@example.test")
    assert response["Location"] == reverse("backoffice:home", args=[town.slug])


def test_it_gives_one_message_for_a_wrong_password_and_an_unknown_login(town, parent, family):
    wrong_password = post_login(Client(), town, "marie.dupont@example.test", "pas-le-bon-mot")
    wrong_number_password = post_login(Client(), town, family.number, "pas-le-bon-mot")
    unknown_login = post_login(Client(), town, "personne@example.test", "pas-le-bon-mot")
    unknown_number = post_login(Client(), town, "999999", "pas-le-bon-mot")
    for response in (wrong_password, wrong_number_password, unknown_login, unknown_number):
        assert response.status_code == 200
        assert WRONG in response.content.decode()
        assert "_auth_user_id" not in response.wsgi_request.session
    assert wrong_password.context["form"].non_field_errors() == unknown_login.context["form"].non_field_errors()


def test_it_refuses_an_inactive_account(town, parent):
    parent.is_active = False
    parent.save()
    response = post_login(Client(), town, "marie.dupont@example.test")
    assert response.status_code == 200
    assert WRONG in response.content.decode()


def test_it_throttles_after_repeated_failures_even_with_the_right_password(town, parent):
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS_AND_ACCOUNT):
        assert post_login(client, town, "marie.dupont@example.test", "mauvais").status_code == 200
    response = post_login(client, town, "marie.dupont@example.test")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Réessayez dans quelques minutes" in html
    assert "Mot de passe oublié" in html
    assert "_auth_user_id" not in client.session


def test_it_throttles_an_address_that_tries_many_logins(town, parent):
    client = Client(REMOTE_ADDR="203.0.113.9")
    # A few failures from one address are many parents behind one NAT, not an attack.
    for index in range(settings.LOGIN_FAILURE_LIMIT):
        post_login(client, town, f"inconnu{index}@example.test", "mauvais")
    assert post_login(client, town, "marie.dupont@example.test").status_code == 302
    client = Client(REMOTE_ADDR="203.0.113.10")
    for index in range(settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS):
        post_login(client, town, f"inconnu{index}@example.test", "mauvais")
    assert post_login(client, town, "marie.dupont@example.test").status_code == 429
    # From another address, the account is still reachable.
    assert post_login(Client(REMOTE_ADDR="198.51.100.7"), town, "marie.dupont@example.test").status_code == 302


def fail_from_addresses(town, login: str, failures: int) -> None:
    """`failures` wrong passwords for `login`, spread over as many addresses as the per-address limit needs."""
    per_address = settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS_AND_ACCOUNT
    for index in range(failures):
        client = Client(REMOTE_ADDR=f"192.0.2.{index // per_address + 1}")
        assert post_login(client, town, login, "mauvais").status_code == 200


def test_it_locks_the_account_whatever_identifier_is_typed(town, parent, family):
    fail_from_addresses(town, "marie.dupont@example.test", settings.LOGIN_FAILURE_LIMIT)
    # The family number designates the same account: no more guesses, not even the right password.
    client = Client(REMOTE_ADDR="198.51.100.7")
    assert post_login(client, town, family.number, "encore-faux").status_code == 429
    assert post_login(client, town, family.number).status_code == 429
    assert post_login(client, town, "Marie.Dupont@example.test").status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_locks_the_account_after_guesses_on_the_family_number(town, parent, family):
    fail_from_addresses(town, family.number, settings.LOGIN_FAILURE_LIMIT)
    assert post_login(Client(REMOTE_ADDR="198.51.100.7"), town, "marie.dupont@example.test").status_code == 429


def test_it_stops_one_address_before_it_can_lock_the_account(town, parent, town_admin):
    assert settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS_AND_ACCOUNT < settings.LOGIN_FAILURE_LIMIT
    for login in ("marie.dupont@example.test", town_admin.email):
        attacker = Client(REMOTE_ADDR="203.0.113.66")
        for _ in range(settings.LOGIN_FAILURE_LIMIT):
            post_login(attacker, town, login, "mauvais")
        assert post_login(attacker, town, login).status_code == 429
        # The owner, from their own address, is not locked out by one attacker.
        assert post_login(Client(REMOTE_ADDR="198.51.100.7"), town, login).status_code == 302


def test_it_throttles_an_unknown_login_as_it_would_an_account(town, parent):
    """Nothing in the answers tells whether an account exists."""
    per_address = settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS_AND_ACCOUNT
    for login in ("marie.dupont@example.test", "personne@example.test"):
        client = Client(REMOTE_ADDR="203.0.113.9")
        answers = [post_login(client, town, login, "mauvais").status_code for _ in range(per_address + 1)]
        assert answers == [200] * per_address + [429]
    fail_from_addresses(town, "inconnu@example.test", settings.LOGIN_FAILURE_LIMIT)
    assert post_login(Client(REMOTE_ADDR="198.51.100.7"), town, "inconnu@example.test").status_code == 429


def test_it_counts_unknown_logins_against_the_address(town, parent, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 3
    client = Client(REMOTE_ADDR="203.0.113.9")
    for index in range(3):
        post_login(client, town, f"{index}00", "mauvais")
    assert post_login(client, town, "marie.dupont@example.test").status_code == 429
    assert LoginFailure.objects.filter(town=town, ip_address="203.0.113.9").count() == 3


def test_it_lets_attempts_through_again_after_the_window(town, parent, time_machine):
    start = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
    time_machine.move_to(start)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        post_login(Client(), town, "marie.dupont@example.test", "mauvais")
    time_machine.move_to(start + dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS - 1))
    assert post_login(Client(), town, "marie.dupont@example.test").status_code == 429
    time_machine.move_to(start + dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1))
    assert post_login(Client(), town, "marie.dupont@example.test").status_code == 302
    assert not LoginFailure.objects.filter(town=town, login="marie.dupont@example.test").exists()


def test_it_keeps_the_failures_of_one_town_away_from_another(town, other_town):
    GuardianFactory(family=FamilyFactory(town=other_town), email="marie.dupont@example.test")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        post_login(Client(), town, "marie.dupont@example.test", "mauvais")
    assert post_login(Client(), other_town, "marie.dupont@example.test").status_code == 302


def test_it_remembers_the_session_for_30_days_when_asked(town, parent):
    client = Client()
    post_login(client, town, "marie.dupont@example.test", remember_me="on")
    assert client.session.get_expiry_age() == settings.REMEMBER_ME_SECONDS == 30 * 24 * 3600
    assert not client.session.get_expire_at_browser_close()
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.REMEMBER_ME_SECONDS


def test_it_ends_the_session_with_the_browser_otherwise(town, parent):
    client = Client()
    post_login(client, town, "marie.dupont@example.test")
    assert client.session.get_expire_at_browser_close()
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == ""


def test_it_carries_next_through_the_form(town, parent):
    next_url = f"/{town.slug}/password/change/"
    page = Client().get(reverse("portal:home", args=[town.slug]), follow=True)
    assert page.redirect_chain[-1][0] == f"/{town.slug}/login/?next=/{town.slug}/"
    form_page = Client().get(f"/{town.slug}/login/?next={next_url}")
    assert f'value="{next_url}"' in form_page.content.decode()
    response = post_login(Client(), town, "marie.dupont@example.test", next=next_url)
    assert response["Location"] == next_url


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/saint-exemple/",
        "/autreville/",
        "javascript:alert(1)",
        "/\\evil.example/",
    ],
)
def test_it_ignores_an_unsafe_next(town, parent, next_url):
    response = post_login(Client(), town, "marie.dupont@example.test", next=next_url)
    assert response["Location"] == reverse("portal:home", args=[town.slug])


def test_it_refuses_an_account_of_another_town(town, stranger):
    client = Client()
    response = post_login(client, town, "claire.durand@example.test")
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    # Both towns have a family number "1": the number only reaches this town's family.
    assert post_login(client, town, "1").status_code == 200
    assert "_auth_user_id" not in client.session


def test_it_answers_404_to_a_logged_in_user_on_another_town(town, other_town, stranger, client_for):
    client = client_for(stranger)
    assert client.get(reverse("portal:home", args=[other_town.slug])).status_code == 200
    assert client.get(reverse("portal:home", args=[town.slug])).status_code == 404
    assert client.get(reverse("accounts:login", args=[town.slug])).status_code == 404


def test_it_answers_404_for_an_unknown_town(db):
    assert Client().get("/nulle-part/login/").status_code == 404
    assert Client().get("/nulle-part/").status_code == 404


def test_it_sends_a_logged_in_user_from_the_login_page_to_their_home(town, town_admin, client_for):
    response = client_for(town_admin).get(reverse("accounts:login", args=[town.slug]))
    assert response["Location"] == reverse("backoffice:home", args=[town.slug])


def test_it_hashes_passwords_with_argon2(town, parent, settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    parent.set_password("un-mot-de-passe-neuf")
    parent.save()
    assert parent.password.startswith("argon2")
    assert post_login(Client(), town, "marie.dupont@example.test", "un-mot-de-passe-neuf").status_code == 302


def test_it_requires_the_csrf_token(town, parent):
    client = Client(enforce_csrf_checks=True)
    url = reverse("accounts:login", args=[town.slug])
    assert client.post(url, {"login": "marie.dupont@example.test", "password": PASSWORD}).status_code == 403
    token = client.get(url).context["csrf_token"]
    response = client.post(
        url, {"login": "marie.dupont@example.test", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_it_checks_a_family_number_in_as_many_queries_as_an_e_mail(
    town, parent, co_parent, family, django_assert_max_num_queries
):
    fail_from_addresses(town, family.number, 2)
    # Login is a hot path: the family number's two accounts are counted in one query, not one each.
    with django_assert_max_num_queries(3):
        assert not throttling.is_throttled(town, family.number, "198.51.100.7")
