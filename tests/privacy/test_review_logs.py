"""Logs and the audit trail never hold health data or passwords (issue 13, RGPD review).

Each test runs a flow that handles such values with every log record captured at DEBUG and
`DEBUG = True` (so that Django's SQL logger, whose parameters carry the values, would speak if it
were let), then looks for the values in the logs and in every audit entry written meanwhile.
"""

import json
import logging
import re
from collections.abc import Callable

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ardoise.accounts.models import User
from ardoise.audit import actions as audit
from ardoise.audit.models import AuditEntry
from ardoise.bookings.models import Request
from ardoise.families.actions import request_record_change
from ardoise.families.models import Child, Family
from ardoise.messaging.models import OutgoingEmail
from ardoise.towns.models import Site, Town
from tests.factories import PASSWORD
from tests.outbox import sent_text

pytestmark = pytest.mark.django_db

ALLERGY = "ALLERGIE-TRACEE-ARACHIDE"
PAI = "PAI-TRACE-ADRENALINE"
NOTE = "NOTE-MEDICALE-TRACEE"
DOCTOR = "Dr TRACEMEDECIN"
NEW_PASSWORD = "Nouveau-MotDePasse-Trace-91"
WRONG_PASSWORD = "Mauvais-MotDePasse-Trace-17"

ClientFor = Callable[[User], Client]


@pytest.fixture
def traced(caplog: pytest.LogCaptureFixture, settings) -> pytest.LogCaptureFixture:
    settings.DEBUG = True
    caplog.set_level(logging.DEBUG)
    # As an operator chasing a bug would: Django's own loggers at DEBUG too (their default is INFO).
    caplog.set_level(logging.DEBUG, logger="django")
    return caplog


def trail() -> str:
    entries = AuditEntry.objects.values_list("action", "summary", "changes")
    return "\n".join(
        f"{action} {summary} {json.dumps(changes, ensure_ascii=False)}" for action, summary, changes in entries
    )


def assert_nowhere(caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    logs = caplog.text + "\n".join(str(record.__dict__) for record in caplog.records)
    written = trail()
    for secret in secrets:
        assert secret not in logs, f"{secret!r} is in the logs"
        assert secret not in written, f"{secret!r} is in the audit trail"


def child_values(child: Child, **overrides: str) -> dict[str, str]:
    values = {
        "first_name": child.first_name,
        "last_name": child.last_name,
        "sex": child.sex,
        "birth_date": child.birth_date.isoformat(),
        "site": str(child.site_id),
        "school_class": child.school_class,
        "diet": "no_meat",
    }
    return values | overrides


def test_the_redaction_keeps_which_field_changed_and_drops_its_value() -> None:
    changes = {"allergies": ["", ALLERGY], "first_name": ["Léa", "Lea"], "nested": {"password": "x", "pai_details": ""}}
    assert audit.redacted(changes) == {
        "allergies": "champ modifié",
        "first_name": ["Léa", "Lea"],
        "nested": {"password": "champ modifié", "pai_details": "champ modifié"},
    }


def test_a_staff_change_of_the_health_record_leaves_no_value_behind(
    traced: pytest.LogCaptureFixture, client_for: ClientFor, front_desk: User, family: Family
) -> None:
    child = family.children.order_by("birth_date")[0]
    data = child_values(
        child, allergies=ALLERGY, has_pai="on", pai_details=PAI, doctor=DOCTOR, health_notes=NOTE, wears_glasses="on"
    )
    url = reverse("backoffice:child_edit", args=[family.town.slug, family.pk, child.pk])
    assert client_for(front_desk).post(url, data).status_code == 302
    child.refresh_from_db()
    assert (child.allergies, child.pai_details, child.health_notes) == (ALLERGY, PAI, NOTE)
    entry = AuditEntry.objects.get(action="child.update", object_id=child.pk)
    assert set(entry.changes) >= {"allergies", "has_pai", "pai_details", "diet", "doctor", "health_notes"}
    assert set(entry.changes.values()) == {"champ modifié"}
    assert_nowhere(traced, ALLERGY, PAI, NOTE, DOCTOR, "no_meat")


def test_a_new_child_with_a_health_record_leaves_no_value_behind(
    traced: pytest.LogCaptureFixture, client_for: ClientFor, front_desk: User, family: Family, site: Site
) -> None:
    child = family.children.order_by("birth_date")[0]
    data = child_values(child, first_name="Hugo", allergies=ALLERGY, has_pai="on", pai_details=PAI, health_notes=NOTE)
    url = reverse("backoffice:child_new", args=[family.town.slug, family.pk])
    assert client_for(front_desk).post(url, data).status_code == 302
    assert AuditEntry.objects.filter(action="child.create").exists()
    assert_nowhere(traced, ALLERGY, PAI, NOTE)


def test_a_parents_health_request_accepted_by_staff_leaves_no_value_behind(
    traced: pytest.LogCaptureFixture, client_for: ClientFor, parent: User, front_desk: User, family: Family
) -> None:
    town = family.town
    child = family.children.order_by("birth_date")[0]
    data = child_values(child, allergies=ALLERGY, has_pai="on", pai_details=PAI, health_notes=NOTE)
    data.pop("first_name"), data.pop("last_name"), data.pop("sex"), data.pop("birth_date"), data.pop("site")
    response = client_for(parent).post(reverse("portal:record_child", args=[town.slug, child.pk]), data)
    assert response.status_code == 302
    item = Request.objects.get(family=family)
    payload = {"request": [item.pk], "decision": "accept"}
    decide = reverse("backoffice:requests_decide", args=[town.slug])
    assert client_for(front_desk).post(decide, payload).status_code == 302
    child.refresh_from_db()
    assert child.allergies == ALLERGY
    assert {"record_change.apply", "request.accept"} <= set(AuditEntry.objects.values_list("action", flat=True))
    assert_nowhere(traced, ALLERGY, PAI, NOTE)


def test_a_record_change_accepted_through_the_action_leaves_no_value_behind(
    traced: pytest.LogCaptureFixture, client_for: ClientFor, parent: User, front_desk: User, family: Family
) -> None:
    child = family.children.order_by("birth_date")[0]
    item = request_record_change(family, child, {"allergies": ALLERGY, "doctor": DOCTOR}, actor=parent)
    payload = {"request": [item.pk], "decision": "accept"}
    client_for(front_desk).post(reverse("backoffice:requests_decide", args=[family.town.slug]), payload)
    assert AuditEntry.objects.filter(action="record_change.apply").exists()
    assert_nowhere(traced, ALLERGY, DOCTOR)


def test_a_password_change_leaves_no_password_behind(
    traced: pytest.LogCaptureFixture, client_for: ClientFor, parent: User, town: Town
) -> None:
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    response = client_for(parent).post(reverse("accounts:password_change", args=[town.slug]), data)
    assert response.status_code == 302
    parent.refresh_from_db()
    assert parent.check_password(NEW_PASSWORD)
    assert_nowhere(traced, PASSWORD, NEW_PASSWORD)


def test_a_password_reset_leaves_no_password_behind(traced: pytest.LogCaptureFixture, parent: User, town: Town) -> None:
    client = Client()
    client.post(reverse("accounts:password_forgot", args=[town.slug]), {"login": parent.email})
    uid, token = urlsafe_base64_encode(force_bytes(parent.pk)), default_token_generator.make_token(parent)
    data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    response = client.post(reverse("accounts:password_reset", args=[town.slug, uid, token]), data)
    assert response.status_code == 302
    parent.refresh_from_db()
    assert parent.check_password(NEW_PASSWORD)
    assert_nowhere(traced, NEW_PASSWORD)


def test_a_failed_login_leaves_no_password_behind(traced: pytest.LogCaptureFixture, parent: User, town: Town) -> None:
    url = reverse("accounts:login", args=[town.slug])
    response = Client().post(url, {"login": parent.email, "password": WRONG_PASSWORD})
    assert response.status_code == 200
    assert "incorrect" in response.content.decode()
    api = Client().post(
        f"/{town.slug}/api/v1/login",
        {"login": parent.email, "password": WRONG_PASSWORD},
        content_type="application/json",
    )
    assert api.status_code in {401, 404, 422}
    assert_nowhere(traced, WRONG_PASSWORD)


def test_a_signup_with_its_health_step_leaves_no_password_or_health_value_behind(
    traced: pytest.LogCaptureFixture, town: Town, site: Site
) -> None:
    town.signup_open = True
    town.save(update_fields=["signup_open"])
    client = Client()
    account = {
        "first_name": "Léa",
        "last_name": "Bernard",
        "email": "lea.trace@example.test",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    assert client.post(reverse("portal:signup", args=[town.slug]), account).status_code == 302
    body = sent_text(OutgoingEmail.objects.get(to="lea.trace@example.test"))
    link = re.search(r"https?://\S+/inscription/confirmer/\S+/", body).group(0)  # type: ignore[union-attr]
    assert client.post(link[link.index(f"/{town.slug}/") :]).status_code == 302
    user = User.objects.get(email="lea.trace@example.test")
    child = {"first_name": "Hugo", "last_name": "BERNARD", "sex": "M", "birth_date": "2019-05-04", "site": site.pk}
    assert client.post(reverse("portal:signup_child_new", args=[town.slug]), child).status_code == 302
    hugo = Child.objects.get(family__guardians__user=user)
    health = {"diet": "no_meat", "allergies": ALLERGY, "has_pai": "on", "pai_details": PAI}
    client.post(reverse("portal:signup_child_health", args=[town.slug, hugo.pk]), health)
    hugo.refresh_from_db()
    assert (hugo.allergies, hugo.pai_details) == (ALLERGY, PAI)
    assert_nowhere(traced, NEW_PASSWORD, ALLERGY, PAI)


def test_error_reports_never_show_a_forms_fields(rf) -> None:
    from django.views.debug import get_exception_reporter_filter

    request = rf.post("/", {"allergies": ALLERGY, "password": NEW_PASSWORD})
    shown = get_exception_reporter_filter(request).get_post_parameters(request)
    assert set(shown) == {"allergies", "password"}
    assert ALLERGY not in str(dict(shown))
    assert NEW_PASSWORD not in str(dict(shown))


def test_sql_is_never_logged_whatever_the_level() -> None:
    assert logging.getLogger("django.db.backends").getEffectiveLevel() >= logging.INFO
