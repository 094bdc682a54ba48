"""The daily listing (task and command): it counts the families past retention in every town, changes no data."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from ardoise.families.models import Family
from ardoise.privacy.models import PrivacySettings
from ardoise.privacy.tasks import list_families_past_retention_task
from ardoise.towns.models import Town
from tests.privacy.departed import FAMILY_NAME

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 3, 9, 5, 0, tzinfo=datetime.UTC)


def test_the_task_lists_without_pseudonymising(departed: Family, town: Town, other_town: Town) -> None:
    with time_machine.travel(NOW, tick=False):
        counts = list_families_past_retention_task.call()
    assert counts == {"autreville": 0, "saint-exemple": 1}
    settings = PrivacySettings.objects.get(town=town)
    assert (settings.last_listed_on, settings.last_listed_count) == (datetime.date(2027, 3, 9), 1)
    assert Family.objects.get(pk=departed.pk).name == FAMILY_NAME


def test_the_command_says_how_many_per_town(departed: Family, town: Town) -> None:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("list_families_past_retention", stdout=out)
    assert out.getvalue() == "saint-exemple: 1\n"
