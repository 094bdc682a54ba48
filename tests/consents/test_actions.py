"""Answering a consent, and the administrator's kinds and versions (consents.actions)."""

import datetime

import pytest

from ardoise.accounts.models import User
from ardoise.audit.models import AuditEntry
from ardoise.consents import actions, queries
from ardoise.consents.models import Concerns, ConsentAnswer
from ardoise.families.models import Family
from ardoise.towns.actions import ConfigurationRefused
from tests.factories import ActivityFactory, ConsentKindFactory

pytestmark = pytest.mark.django_db


def test_it_records_each_answer_as_a_new_row_and_the_latest_counts(parent: User, family: Family) -> None:
    sarah = family.children.get(first_name="Sarah")
    photo = ConsentKindFactory(town=family.town)
    actions.answer(family, photo, sarah, True, by=parent)
    actions.answer(family, photo, sarah, False, by=parent)
    assert ConsentAnswer.objects.filter(child=sarah).count() == 2
    line = next(line for line in queries.family_lines(family) if line.child == sarah)
    assert line.answer is not None
    assert line.answer.given is False
    assert line.answer.answered_by == parent


def test_it_asks_every_family_again_after_a_new_version(parent: User, family: Family, town_admin: User) -> None:
    rules = ConsentKindFactory(town=family.town, concerns=Concerns.FAMILY, label="Règlement intérieur")
    actions.answer(family, rules, None, True, by=parent)
    assert not queries.awaiting(family)
    actions.publish_version(rules, "Nouveau règlement.", actor=town_admin, today=rules.version_published_on)
    rules.refresh_from_db()
    assert (rules.version, rules.text) == (2, "Nouveau règlement.")
    assert queries.awaiting(family)
    entry = AuditEntry.objects.get(action="consent_kind.publish")
    assert entry.actor == town_admin
    assert entry.changes["version"] == [1, 2]


def test_it_refuses_an_answer_for_a_child_of_another_family(parent: User, family: Family, outsider: User) -> None:
    photo = ConsentKindFactory(town=family.town)
    leo = outsider.guardian.family.children.get()
    with pytest.raises(actions.AnswerRefused):
        actions.answer(family, photo, leo, True, by=parent)
    assert not ConsentAnswer.objects.exists()


def test_it_refuses_a_child_kind_without_a_child_and_a_family_kind_with_one(parent: User, family: Family) -> None:
    photo = ConsentKindFactory(town=family.town)
    rules = ConsentKindFactory(town=family.town, concerns=Concerns.FAMILY)
    with pytest.raises(actions.AnswerRefused, match="Indiquez l'enfant"):
        actions.answer(family, photo, None, True, by=parent)
    with pytest.raises(actions.AnswerRefused, match="toute la famille"):
        actions.answer(family, rules, family.children.first(), True, by=parent)


def test_it_refuses_a_kind_no_longer_asked(parent: User, family: Family) -> None:
    old = ConsentKindFactory(town=family.town, concerns=Concerns.FAMILY, active=False)
    with pytest.raises(actions.AnswerRefused, match="plus demandée"):
        actions.answer(family, old, None, True, by=parent)


def test_it_audits_an_answer_given_by_staff_on_behalf(front_desk: User, family: Family) -> None:
    rules = ConsentKindFactory(town=family.town, concerns=Concerns.FAMILY, label="Règlement intérieur")
    actions.answer(family, rules, None, True, by=front_desk, as_staff=True)
    entry = AuditEntry.objects.get(action="consent.answer")
    assert entry.actor == front_desk
    assert "Règlement intérieur v1 : oui" in entry.summary


def test_it_creates_and_changes_a_kind_with_its_activities_audited(town_admin: User, family: Family) -> None:
    town = family.town
    wednesday = ActivityFactory(town=town, code="mercredi", label="Mercredi")
    values = {
        "code": "sorties",
        "label": "Sorties et déplacements",
        "short_label": "Sorties",
        "text": "J'autorise les sorties.",
        "concerns": Concerns.CHILD,
        "on_roll_call": False,
        "position": 2,
        "active": True,
    }
    kind = actions.save_kind(town, town_admin, None, values, [wednesday], today=datetime.date(2027, 3, 9))
    assert (kind.version, list(kind.needed_by.all())) == (1, [wednesday])
    actions.save_kind(town, town_admin, kind, values | {"label": "Sorties"}, [], today=kind.version_published_on)
    kind.refresh_from_db()
    assert (kind.label, kind.version, kind.needed_by.count()) == ("Sorties", 1, 0)
    update = AuditEntry.objects.get(action="consent_kind.update")
    assert update.changes["needed_by"] == [["mercredi"], []]
    with pytest.raises(ConfigurationRefused):
        actions.save_kind(town, town_admin, None, values, [], today=kind.version_published_on)
