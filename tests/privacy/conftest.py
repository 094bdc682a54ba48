import datetime
from typing import Any

import pytest

from ardoise.activities.models import Activity
from ardoise.families.models import Family
from ardoise.towns.models import Site, Town
from tests.factories import ActivityFactory
from tests.privacy.departed import make_departed

# The day the tests run on: Tuesday 9 March 2027.
TODAY = datetime.date(2027, 3, 9)


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def canteen(town: Town, site: Site) -> Activity:
    return ActivityFactory(town=town, site=site)


@pytest.fixture
def departed(town: Town, site: Site, canteen: Activity, media: Any) -> Family:
    return make_departed(town, site, canteen)
