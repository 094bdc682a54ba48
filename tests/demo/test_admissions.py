"""The demo's waiting list: mercredi full at École Jules Ferry, four waiting, one place offered; requests to
decide at École Marie Curie."""

import pytest

from ardoise.admissions import queries
from ardoise.admissions.models import EnrolmentRequest, EnrolmentStatus
from ardoise.bookings.models import Enrollment
from ardoise.towns.models import Town

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("demo")
def test_it_has_a_full_wednesday_centre_with_a_waiting_list_and_an_offer() -> None:
    town = Town.objects.get(slug="demo")
    requests = EnrolmentRequest.objects.filter(town=town, activity__site__name="École Jules Ferry")
    offered = requests.get(status=EnrolmentStatus.OFFERED)
    activity, year = offered.activity, offered.school_year
    patterns = Enrollment.objects.filter(activity=activity, school_year=year).values_list("weekly_pattern", flat=True)
    # 23 enrolled on Wednesdays and the place offered: the 24 of DEMO.md.
    assert sum(2 in pattern for pattern in patterns) + 1 == activity.capacity == 24
    waiting = queries.waiting_list(activity, year, None)
    assert [queries.rank_of(request) for request in waiting] == [1, 2, 3, 4]
    assert (
        EnrolmentRequest.objects.filter(
            town=town, status=EnrolmentStatus.PENDING, activity__site__name="École Marie Curie"
        ).count()
        == 3
    )
    assert not requests.filter(family__number="1").exists()
