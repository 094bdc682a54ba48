"""Child.photo_consent becomes a consent: for each town with children, a kind "Droit à l'image" (per child,
shown on roll call, version 1), and each child's yes/no as its answer, by no one, at the migration time.
families.0002 removes the field afterwards."""

from django.db import migrations
from django.utils import timezone

PHOTO_TEXT = (
    "J'autorise le service à photographier ou filmer mon enfant lors des activités et à utiliser ces images "
    "dans les supports d'information de la commune (journal municipal, site internet, affichage). "
    "Cette autorisation peut être retirée à tout moment."
)


def photo_consents_to_answers(apps, schema_editor):
    Child = apps.get_model("families", "Child")
    ConsentKind = apps.get_model("consents", "ConsentKind")
    ConsentAnswer = apps.get_model("consents", "ConsentAnswer")
    now = timezone.now()
    kinds = {}
    answers = []
    for child in Child.objects.order_by("town_id", "pk").values("pk", "town_id", "family_id", "photo_consent"):
        town_id = child["town_id"]
        if town_id not in kinds:
            kinds[town_id], _ = ConsentKind.objects.get_or_create(
                town_id=town_id,
                code="droit-image",
                defaults={
                    "label": "Droit à l'image",
                    "short_label": "Photo",
                    "text": PHOTO_TEXT,
                    "version": 1,
                    "version_published_on": timezone.localdate(now),
                    "concerns": "child",
                    "on_roll_call": True,
                },
            )
        answers.append(
            ConsentAnswer(
                town_id=town_id,
                kind=kinds[town_id],
                family_id=child["family_id"],
                child_id=child["pk"],
                version=kinds[town_id].version,
                given=child["photo_consent"],
                answered_by=None,
                answered_at=now,
            )
        )
    ConsentAnswer.objects.bulk_create(answers, batch_size=1000)


def answers_to_photo_consents(apps, schema_editor):
    """Backwards: each child's current answer back into photo_consent (the kind and answers stay)."""
    Child = apps.get_model("families", "Child")
    ConsentAnswer = apps.get_model("consents", "ConsentAnswer")
    latest = {}
    for answer in ConsentAnswer.objects.filter(kind__code="droit-image", child__isnull=False).order_by(
        "answered_at", "pk"
    ):
        latest[answer.child_id] = answer.given
    given = [child_id for child_id, yes in latest.items() if yes]
    Child.objects.filter(pk__in=given).update(photo_consent=True)


class Migration(migrations.Migration):
    dependencies = [
        ("consents", "0001_consent_kinds_and_answers"),
        ("families", "0001_initial"),
    ]

    operations = [migrations.RunPython(photo_consents_to_answers, answers_to_photo_consents)]
