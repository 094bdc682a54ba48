"""The demo town's consents: photo rights (shown on roll call), outings (needed by `mercredi`), the rules of
the service (needed by every activity, a version 2 published last week) and the data processing notice.

Every family has answered the current versions (some children say no to photos, so the roll call shows
"Photo : non"), except family 45, which has not answered the new rules yet: its parent meets the
"Autorisations" page first. Family 1's children may be photographed.
"""

import datetime
import random
from collections import Counter
from collections.abc import Iterable

from django.utils import timezone

from ardoise.activities.models import Activity
from ardoise.calendars.deadlines import PARIS
from ardoise.consents.models import Concerns, ConsentAnswer, ConsentKind
from ardoise.families.models import Child, Family, Guardian
from ardoise.towns.models import Town

from .bulk import insert
from .people import FAMILY_NUMBER_BASE

# The family that has not answered the rules' new version (outside families 1 to 30 of DEMO.md).
AWAITING_FAMILY = 45
PHOTO_REFUSED = 0.2

KINDS = [
    (
        "droit-image",
        "Droit à l'image",
        "Photo",
        Concerns.CHILD,
        True,
        "J'autorise le service à photographier ou filmer mon enfant lors des activités et à utiliser ces images "
        "dans les supports d'information de la commune (journal municipal, site internet, affichage à l'école). "
        "Cette autorisation peut être retirée à tout moment.",
    ),
    (
        "sorties",
        "Sorties et déplacements",
        "Sorties",
        Concerns.CHILD,
        False,
        "J'autorise mon enfant à participer aux sorties organisées par l'accueil de loisirs du mercredi "
        "(à pied, en car ou en transports en commun), accompagné des animateurs.",
    ),
    (
        "reglement",
        "Règlement intérieur des accueils périscolaires",
        "Règlement",
        Concerns.FAMILY,
        False,
        "Je reconnais avoir pris connaissance du règlement intérieur des accueils périscolaires et de la "
        "restauration scolaire (inscriptions, dates limites, absences, facturation) et l'accepter. "
        "Version 2 : les absences pour maladie sont excusées sur certificat médical déposé sous 48 heures.",
    ),
    (
        "donnees",
        "Notice d'information sur les données personnelles",
        "Données",
        Concerns.FAMILY,
        False,
        "Les informations de votre dossier sont utilisées par la commune pour gérer les inscriptions, les "
        "présences et la facturation des services périscolaires. Elles sont conservées le temps de "
        "l'inscription puis archivées. Vous pouvez y accéder et les faire rectifier auprès du service.",
    ),
]


def create_consents(
    town: Town, today: datetime.date, activities: Iterable[Activity], counts: Counter[str]
) -> list[ConsentKind]:
    rng = random.Random(f"consents/{today.isoformat()}")  # its own draws: the rest of the town stays the same
    activities = list(activities)
    last_week = today - datetime.timedelta(days=7)
    start_of_year = datetime.date(today.year if today.month >= 9 else today.year - 1, 8, 25)
    kinds = insert(
        [
            ConsentKind(
                town=town,
                code=code,
                label=label,
                short_label=short_label,
                text=text,
                concerns=concerns,
                on_roll_call=on_roll_call,
                version=2 if code == "reglement" else 1,
                version_published_on=last_week if code == "reglement" else start_of_year,
                position=position,
            )
            for position, (code, label, short_label, concerns, on_roll_call, text) in enumerate(KINDS)
        ],
        counts,
    )
    by_code = {kind.code: kind for kind in kinds}
    by_code["sorties"].needed_by.set([activity for activity in activities if activity.code == "mercredi"])
    by_code["reglement"].needed_by.set(activities)

    answered_on = timezone.make_aware(datetime.datetime.combine(start_of_year, datetime.time(20, 30)), PARIS)
    rules_answered_on = timezone.make_aware(datetime.datetime.combine(last_week, datetime.time(19, 0)), PARIS)
    users = dict(Guardian.objects.filter(town=town, position=1, user__isnull=False).values_list("family_id", "user_id"))
    children: dict[int, list[int]] = {}
    for family_id, child_id in Child.objects.filter(town=town).values_list("family_id", "pk").order_by("pk"):
        children.setdefault(family_id, []).append(child_id)
    awaiting = str(FAMILY_NUMBER_BASE + AWAITING_FAMILY)
    answers = []
    for family_id, number in Family.objects.filter(town=town).values_list("pk", "number").order_by("pk"):
        first_family = number == str(FAMILY_NUMBER_BASE + 1)

        def answer(kind: ConsentKind, child_id: int | None, given: bool, version: int, at: datetime.datetime) -> None:
            answers.append(
                ConsentAnswer(
                    town=town,
                    kind=kind,
                    family_id=family_id,  # noqa: B023 — used at once, within the loop
                    child_id=child_id,
                    version=version,
                    given=given,
                    answered_by_id=users.get(family_id),  # noqa: B023
                    answered_at=at,
                )
            )

        for child_id in children.get(family_id, []):
            photo = first_family or rng.random() >= PHOTO_REFUSED
            answer(by_code["droit-image"], child_id, photo, 1, answered_on)
            answer(by_code["sorties"], child_id, True, 1, answered_on)
        answer(by_code["donnees"], None, True, 1, answered_on)
        answer(by_code["reglement"], None, True, 1, answered_on)
        if number != awaiting:
            answer(by_code["reglement"], None, True, 2, rules_answered_on)
    insert(answers, counts)
    return list(kinds)
