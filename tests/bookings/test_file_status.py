"""Only a family whose file staff accepted books: the booking door refuses the others, whoever asks."""

import pytest

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings import actions
from ardoise.bookings.actions import Change
from ardoise.bookings.models import Booking
from ardoise.families.models import Child, Family, FileStatus
from tests.api.test_api import login
from tests.moment import NEXT_MONDAY, week

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[FileStatus.DRAFT, FileStatus.SUBMITTED, FileStatus.REFUSED])
def not_accepted(request: pytest.FixtureRequest, family: Family) -> Family:
    Family.objects.filter(pk=family.pk).update(file_status=request.param)
    return family


def changes(activity: Activity) -> list[Change]:
    return [Change(day, activity.pk, True) for day in week(NEXT_MONDAY)]


@pytest.mark.usefixtures("not_accepted")
def test_it_refuses_to_book_for_a_family_whose_file_is_not_accepted(
    parent: User, front_desk: User, children: list[Child], meals: Activity
) -> None:
    sarah = Child.objects.get(pk=children[0].pk)
    for actor, as_staff in ((parent, False), (front_desk, True)):
        with pytest.raises(actions.BatchRefused) as refused:
            actions.apply_family(sarah.family, [(sarah, changes(meals))], actor=actor, as_staff=as_staff)
        [refusal] = refused.value.refusals
        assert refusal.code == "not_enrolled"
        assert "Votre dossier est en cours d'examen" in refusal.message
    assert not Booking.objects.exists()


@pytest.mark.usefixtures("not_accepted")
def test_the_api_answers_409_for_a_family_whose_file_is_not_accepted(
    parent: User, children: list[Child], meals: Activity
) -> None:
    body = [{"date": day.isoformat(), "activity_id": meals.pk, "book": True} for day in week(NEXT_MONDAY)]
    response = login(parent).post(f"children/{children[0].pk}/bookings", {"changes": body})
    assert response.status_code == 409
    assert [error["code"] for error in response.json()["errors"]] == ["not_enrolled"]
    assert not Booking.objects.exists()


def test_an_accepted_family_books(parent: User, children: list[Child], meals: Activity) -> None:
    actions.apply(children[0], changes(meals), actor=parent)
    assert Booking.objects.count() == 4
