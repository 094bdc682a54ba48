"""The pure consent rules: which answer counts, what a family still owes, what an activity lacks."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from ardoise.consents.rules import AnswerFacts, KindFacts, current_answers, not_given, still_to_answer

T0 = datetime.datetime(2027, 3, 9, 10, 0, tzinfo=datetime.UTC)
PHOTO = KindFacts(1, 2, per_child=True)
RULES = KindFacts(2, 1, per_child=False)


def at(minutes: int) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


def test_it_takes_the_latest_answer_to_the_current_version() -> None:
    answers = [
        AnswerFacts(1, 10, 2, True, at(0), 1),
        AnswerFacts(1, 10, 2, False, at(5), 2),
        AnswerFacts(1, 10, 1, True, at(9), 3),  # an older version: history only
    ]
    assert current_answers(answers, {1: 2})[(1, 10)].order == 2


def test_it_asks_again_after_a_new_version() -> None:
    answered_v1 = [AnswerFacts(1, 10, 1, True, at(0), 1), AnswerFacts(2, None, 1, True, at(0), 2)]
    assert still_to_answer([PHOTO, RULES], [10, 11], answered_v1) == [(1, 10), (1, 11)]


def test_it_counts_a_no_as_an_answer_but_not_as_consent() -> None:
    answers = [AnswerFacts(2, None, 1, False, at(0), 1)]
    assert still_to_answer([RULES], [10], answers) == []
    assert not_given([RULES], 10, answers) == [2]


def test_it_reads_a_family_wide_answer_for_every_child() -> None:
    answers = [AnswerFacts(2, None, 1, True, at(0), 1)]
    assert not_given([RULES], 10, answers) == []
    assert not_given([RULES], 11, answers) == []


def test_it_keeps_one_child_s_answer_to_that_child() -> None:
    answers = [AnswerFacts(1, 10, 2, True, at(0), 1)]
    assert not_given([PHOTO], 10, answers) == []
    assert not_given([PHOTO], 11, answers) == [1]


answer_lists = st.lists(
    st.builds(
        AnswerFacts,
        kind_id=st.sampled_from([1, 2]),
        child_id=st.sampled_from([None, 10, 11]),
        version=st.integers(1, 3),
        given=st.booleans(),
        answered_at=st.integers(0, 20).map(at),
        order=st.integers(0, 1000),
    ),
    max_size=12,
)


@given(answer_lists, st.integers(1, 3))
def test_it_keeps_only_answers_to_the_current_version_and_the_latest_of_each(
    answers: list[AnswerFacts], version: int
) -> None:
    current = current_answers(answers, {1: version, 2: version})
    for (kind_id, child_id), chosen in current.items():
        rivals = [a for a in answers if (a.kind_id, a.child_id, a.version) == (kind_id, child_id, version)]
        assert chosen.version == version
        assert (chosen.answered_at, chosen.order) == max((a.answered_at, a.order) for a in rivals)
    answered = {(a.kind_id, a.child_id) for a in answers if a.version == version}
    assert set(current) == answered


@given(answer_lists)
def test_it_lets_book_only_when_the_current_answer_is_yes(answers: list[AnswerFacts]) -> None:
    kinds = [KindFacts(1, 2, per_child=True), KindFacts(2, 1, per_child=False)]
    current = current_answers(answers, {1: 2, 2: 1})
    for child_id in (10, 11):
        missing = not_given(kinds, child_id, answers)
        photo, rules = current.get((1, child_id)), current.get((2, None))
        assert (1 in missing) == (photo is None or not photo.given)
        assert (2 in missing) == (rules is None or not rules.given)
        # Whatever is still to answer is missing to book as well.
        owed = {kind for kind, child in still_to_answer(kinds, [child_id], answers)}
        assert owed <= set(missing)
