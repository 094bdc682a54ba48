"""The parents' consent that the service fetch their QF: a dated checkbox on "Mon dossier"."""

import pytest
from django.urls import reverse

from ardoise.audit.models import AuditEntry
from ardoise.quotients import actions
from tests.moment import NOW

pytestmark = pytest.mark.usefixtures("frozen")


def test_it_explains_the_consent_on_the_family_record(client_for, parent, family):
    page = client_for(parent).get(reverse("portal:record", args=[family.town.slug])).content.decode()
    assert "Consultation de votre quotient familial" in page
    assert "API Particulier" in page
    assert "retirer votre accord à tout moment" in page
    assert 'name="qf_consent" id="id_qf_consent">' in page  # not ticked


def test_it_dates_the_consent_and_shows_it(client_for, parent, family):
    client = client_for(parent)
    response = client.post(reverse("portal:qf_consent", args=[family.town.slug]), {"qf_consent": "on"})
    assert response.status_code == 302
    family.refresh_from_db()
    assert family.qf_consent_at == NOW
    page = client.get(reverse("portal:record", args=[family.town.slug])).content.decode()
    assert "Accord donné le 09/03/2027." in page
    assert "checked" in page
    assert AuditEntry.objects.get().actor == parent


def test_it_withdraws_the_consent_when_unticked(client_for, parent, family):
    actions.set_consent(family, True, parent)
    client_for(parent).post(reverse("portal:qf_consent", args=[family.town.slug]), {})
    family.refresh_from_db()
    assert family.qf_consent_at is None


def test_it_changes_only_the_parent_s_own_family(client_for, outsider, family):
    client_for(outsider).post(reverse("portal:qf_consent", args=[family.town.slug]), {"qf_consent": "on"})
    family.refresh_from_db()
    assert family.qf_consent_at is None


def test_staff_cannot_use_the_parents_door(client_for, front_desk, family):
    response = client_for(front_desk).post(reverse("portal:qf_consent", args=[family.town.slug]), {"qf_consent": "on"})
    assert response.status_code == 404
