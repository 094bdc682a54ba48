"""What Django's error reports may show of a request: never a form's fields.

Django shows the POST parameters of a failing request on the debug 500 page and in the e-mail
to administrators; only those a view marks as sensitive are hidden. A parent's or an agent's form
may hold a password or a child's health record, and a view may forget to say so: every field is
hidden, always (`settings.DEFAULT_EXCEPTION_REPORTER_FILTER`). The field names stay, which is
enough to find a bug.
"""

from typing import Any

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter


class NoFormFieldsReporterFilter(SafeExceptionReporterFilter):
    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        if request is None:
            return {}
        hidden = request.POST.copy()
        for name in hidden:
            hidden[name] = self.cleansed_substitute
        return hidden
