import datetime
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine

# Tuesday 9 March 2027, 10:00 in Paris.
NOW = datetime.datetime(2027, 3, 9, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture(autouse=True)
def march() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield
