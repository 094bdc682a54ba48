"""Changing the CAF report's settings: checked, atomic, audited; a refused change changes nothing."""

import pytest

from ardoise.accounts.models import User
from ardoise.audit.models import AuditEntry
from ardoise.caf import actions
from ardoise.caf.models import CafActivitySettings, CafSettings
from ardoise.towns.models import Site, Town
from tests.factories import ActivityFactory


@pytest.mark.parametrize(
    ("limits", "cap"),
    [([6, 3], None), ([6, 6], None), ([0], None), ([26], None), ([True], None), ([6], 0)],
)
def test_it_refuses_wrong_town_settings(town: Town, town_admin: User, limits: list[int], cap: int | None) -> None:
    with pytest.raises(actions.CafSettingsRefused):
        actions.save_town_settings(town, town_admin, age_limits=limits, wednesday_cap_minutes=cap)
    assert not CafSettings.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_creates_then_changes_the_town_settings_with_their_history(town: Town, town_admin: User) -> None:
    actions.save_town_settings(town, town_admin, age_limits=[6], wednesday_cap_minutes=None)
    actions.save_town_settings(town, town_admin, age_limits=[3, 6], wednesday_cap_minutes=480)
    assert CafSettings.objects.get(town=town).age_limits == [3, 6]
    changes = list(AuditEntry.objects.filter(town=town, action="caf.settings").order_by("pk").values_list("changes"))
    assert changes == [
        ({"age_limits": [None, [6]]},),
        ({"age_limits": [[6], [3, 6]], "wednesday_cap_minutes": [None, 480]},),
    ]


def test_it_refuses_a_slot_or_cap_of_no_length(town: Town, site: Site, finance_agent: User) -> None:
    activity = ActivityFactory(site=site)
    with pytest.raises(actions.CafSettingsRefused):
        actions.save_activity_settings(
            activity, finance_agent, reported=True, wednesday_cap_minutes=None, slot_minutes=0
        )
    assert not CafActivitySettings.objects.exists()
    actions.save_activity_settings(
        activity, finance_agent, reported=False, wednesday_cap_minutes=300, slot_minutes=None
    )
    entry = AuditEntry.objects.get(town=town, action="caf.activity_settings")
    assert entry.actor == finance_agent
    assert entry.changes["reported"] == [None, False]
