"""The family's régime becomes a choice (CAF, MSA, other) the CAF report counts by, and the dated QF consent."""

from django.db import migrations, models


def regime_text_to_choice(text: str) -> str:
    folded = text.strip().lower()
    if not folded:
        return ""
    if "msa" in folded or "agricole" in folded:
        return "msa"
    if "caf" in folded or "général" in folded or "general" in folded:
        return "caf"
    return "other"


def forwards(apps, schema_editor):
    Family = apps.get_model("families", "Family")
    for text in Family.objects.exclude(caf_regime="").values_list("caf_regime", flat=True).distinct():
        Family.objects.filter(caf_regime=text).update(caf_regime=regime_text_to_choice(text))


REGIME_LABELS = {"caf": "Régime général", "msa": "MSA", "other": "Autre"}


def backwards(apps, schema_editor):
    Family = apps.get_model("families", "Family")
    for code, label in REGIME_LABELS.items():
        Family.objects.filter(caf_regime=code).update(caf_regime=label)


class Migration(migrations.Migration):
    dependencies = [
        ("families", "0003_remove_child_photo_consent"),
    ]

    operations = [
        migrations.AddField(
            model_name="family",
            name="qf_consent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="accord pour consulter le QF le"),
        ),
        migrations.AlterField(
            model_name="family",
            name="caf_number",
            field=models.CharField(blank=True, max_length=20, verbose_name="n° allocataire"),
        ),
        # Map the free text first: the column then shrinks to the codes' length.
        migrations.RunPython(forwards, backwards),
        migrations.AlterField(
            model_name="family",
            name="caf_regime",
            field=models.CharField(
                blank=True,
                choices=[
                    ("caf", "CAF (régime général)"),
                    ("msa", "MSA (régime agricole)"),
                    ("other", "Autre régime"),
                ],
                max_length=10,
                verbose_name="régime",
            ),
        ),
    ]
