"""What the sign-up keeps beyond the family's records: which optional steps a family went through."""

from django.db import models

from ardoise.families.models import Family
from ardoise.towns.models import TownScoped


class SignupProgress(TownScoped):
    """The steps of the online file a family saved at least once (`actions.STEP_…` keys), so that the
    progress list says "fait" for a step that asks nothing mandatory (second guardian, health, people)."""

    family = models.OneToOneField(Family, on_delete=models.CASCADE, related_name="signup_progress")
    steps_done = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.family} : {', '.join(self.steps_done)}"
