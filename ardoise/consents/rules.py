"""Which answer counts and what a family still owes: pure functions over plain facts, no database.

A kind concerns each child (a key per child) or the family (one key, child None). The current answer
for a key is the latest answer given to the kind's current version; answers to older versions are
history only. Answering "no" is an answer; booking needs a "yes".
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

type Key = tuple[int, int | None]  # (kind id, child id or None for the family)


@dataclass(frozen=True)
class KindFacts:
    id: int
    version: int
    per_child: bool


@dataclass(frozen=True)
class AnswerFacts:
    kind_id: int
    child_id: int | None
    version: int
    given: bool
    answered_at: datetime.datetime
    # Breaks ties between answers recorded in the same instant: the later row wins.
    order: int = 0


def current_answers(answers: Iterable[AnswerFacts], versions: Mapping[int, int]) -> dict[Key, AnswerFacts]:
    """The latest answer per (kind, child) to each kind's current version (`versions`: kind id → version)."""
    current: dict[Key, AnswerFacts] = {}
    for answer in answers:
        if versions.get(answer.kind_id) != answer.version:
            continue
        key = (answer.kind_id, answer.child_id)
        held = current.get(key)
        if held is None or (answer.answered_at, answer.order) >= (held.answered_at, held.order):
            current[key] = answer
    return current


def keys_of(kind: KindFacts, child_ids: Sequence[int]) -> list[Key]:
    """What a family answers for a kind: once per child, or once for the family."""
    return [(kind.id, child_id) for child_id in child_ids] if kind.per_child else [(kind.id, None)]


def still_to_answer(kinds: Sequence[KindFacts], child_ids: Sequence[int], answers: Iterable[AnswerFacts]) -> list[Key]:
    """The (kind, child) a family has not answered for the kind's current version, in the kinds' order."""
    current = current_answers(answers, {kind.id: kind.version for kind in kinds})
    return [key for kind in kinds for key in keys_of(kind, child_ids) if key not in current]


def not_given(needed: Sequence[KindFacts], child_id: int, answers: Iterable[AnswerFacts]) -> list[int]:
    """The kinds among `needed` (those an activity needs) that are not given ("yes") for this child now."""
    current = current_answers(answers, {kind.id: kind.version for kind in needed})
    missing = []
    for kind in needed:
        answer = current.get((kind.id, child_id if kind.per_child else None))
        if answer is None or not answer.given:
            missing.append(kind.id)
    return missing
