"""Accepting or refusing what a family sent (a request, a supporting document): one form, one rule.

A refusal says why, and the reason is sent to the family. A queue's decision applies to the items
ticked in it: whole ids, at least one, each a positive number that fits the database's bigint.
"""

from typing import Any, ClassVar

from django import forms
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def refusal_reason(max_length: int) -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Motif du refus (envoyé à la famille)"),
        required=False,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DecisionForm(forms.Form):
    """Accept or refuse; a refusal needs its reason."""

    decision = forms.ChoiceField(
        choices=[("accept", gettext_lazy("Accepter")), ("refuse", gettext_lazy("Refuser"))],
        error_messages={"required": gettext_lazy("Choisissez d'accepter ou de refuser.")},
    )
    reason = refusal_reason(1000)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == "refuse" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Indiquez le motif du refus : il est envoyé à la famille."))
        return cleaned


class SelectionDecisionForm(DecisionForm):
    """The same decision for every item ticked in a queue: its ids in `cleaned_data["selected"]`."""

    # The name of the queue's checkboxes, and what to say when none is ticked.
    selection: ClassVar[str]
    nothing_selected: ClassVar[Promise]

    def selected(self) -> list[str]:
        """The ticked values as posted (the form's data is the POST's QueryDict; unbound: none)."""
        return list(self.data.getlist(self.selection)) if isinstance(self.data, QueryDict) else []

    def clean(self) -> dict[str, Any]:
        try:
            ids = sorted({int(value) for value in self.selected()})
        except (TypeError, ValueError):
            raise forms.ValidationError(_("La sélection est invalide : rechargez la page.")) from None
        if not ids:
            raise forms.ValidationError(str(self.nothing_selected))
        if any(value <= 0 or value >= 2**63 for value in ids):
            raise forms.ValidationError(_("La sélection est invalide : rechargez la page."))
        cleaned = super().clean()
        cleaned["selected"] = ids
        return cleaned
