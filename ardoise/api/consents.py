"""API v1: the consents the town asks of the family (photo rights, outings, rules, data notice) and its
answers, per child where a consent concerns each child.

A router attached to `api` (api.py), so it shares its bearer authentication and exception handlers:
another family's child answers 404. An answer counts for the kind's current version; giving or
withdrawing is the same call (`given` true or false), and the booking door reads it at once.
"""

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field, StrictBool

from ardoise.api.schemas import ErrorOut, Id, Input
from ardoise.consents import actions, queries
from ardoise.consents.models import ConsentAnswer, ConsentKind
from ardoise.families.access import access_child
from ardoise.families.models import Family
from ardoise.towns.access import family_of

router = Router(tags=["autorisations"])


class AnswerOut(Schema):
    child_id: int | None
    version: int
    # null: not answered for the current version.
    given: bool | None
    answered_at: datetime.datetime | None


class ConsentOut(Schema):
    kind: str
    label: str
    text: str
    version: int
    version_published_on: datetime.date
    concerns: str = Field(description="`child` (une réponse par enfant) ou `family` (une réponse pour la famille)")
    needed_by: list[int] = Field(description="Les activités qu'on ne peut réserver sans cette autorisation")
    answers: list[AnswerOut]


class ConsentIn(Input):
    kind: str = Field(min_length=1, max_length=50)
    child_id: Id | None = None
    given: StrictBool


class AnsweredOut(Schema):
    kind: str
    child_id: int | None
    version: int
    given: bool
    answered_at: datetime.datetime


def _family(request: HttpRequest) -> Family:
    family = family_of(request.auth)  # type: ignore[attr-defined]
    if family is None:
        raise Http404
    return family


def _answer_out(line: queries.Line) -> dict[str, Any]:
    answer = line.answer
    return {
        "child_id": line.child.pk if line.child else None,
        "version": line.kind.version,
        "given": answer.given if answer else None,
        "answered_at": timezone.localtime(answer.answered_at) if answer else None,
    }


@router.get("consents", response=list[ConsentOut], summary="Les autorisations demandées et les réponses de la famille")
def list_consents(request: HttpRequest) -> Any:
    family = _family(request)
    lines = queries.family_lines(family)
    kinds: dict[int, ConsentKind] = {line.kind.pk: line.kind for line in lines}
    needed: dict[int, list[int]] = {pk: [] for pk in kinds}
    for kind_id, activity_id in ConsentKind.needed_by.through.objects.filter(consentkind_id__in=kinds).values_list(
        "consentkind_id", "activity_id"
    ):
        needed[kind_id].append(activity_id)
    return [
        {
            "kind": kind.code,
            "label": kind.label,
            "text": kind.text,
            "version": kind.version,
            "version_published_on": kind.version_published_on,
            "concerns": kind.concerns,
            "needed_by": sorted(needed[kind.pk]),
            "answers": [_answer_out(line) for line in lines if line.kind.pk == kind.pk],
        }
        for kind in kinds.values()
    ]


@router.post(
    "consents",
    response={201: AnsweredOut, 422: ErrorOut},
    summary="Donner (given: true) ou retirer (given: false) une autorisation, pour un enfant ou la famille",
)
def answer_consent(request: HttpRequest, payload: ConsentIn) -> Any:
    family = _family(request)
    kind = ConsentKind.objects.filter(town_id=family.town_id, active=True, code=payload.kind).first()
    if kind is None:
        return Status(422, {"detail": _("Cette autorisation n'est pas demandée par la commune.")})
    child = access_child(family, payload.child_id) if payload.child_id is not None else None
    try:
        answer: ConsentAnswer = actions.answer(family, kind, child, payload.given, by=request.auth)  # type: ignore[attr-defined]
    except actions.AnswerRefused as refusal:
        return Status(422, {"detail": str(refusal)})
    return Status(
        201,
        {
            "kind": kind.code,
            "child_id": answer.child_id,
            "version": answer.version,
            "given": answer.given,
            "answered_at": timezone.localtime(answer.answered_at),
        },
    )
