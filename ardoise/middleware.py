"""Checks on every request, before any page, form, endpoint or database query sees it.

`RefuseControlCharacters`: text never holds control characters (NUL and the other C0
characters but tab, line feed and carriage return, and DEL). PostgreSQL cannot store a NUL
(it answered 500) and no one types the others; so the address, the query string, the form
fields and a JSON body's keys and strings are checked here, once for the HTML pages and the
API. The API answers 422 `{"detail": ...}`; a page answers 400 (the town's 400 page). A cookie
holding one is dropped, as if the browser had not sent it. Uploaded files are not text and
are not checked.
"""

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import BadRequest, RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from ardoise.api.errors import error_response, is_api_path

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def has_control_character(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def json_texts(data: Any) -> Iterator[tuple[str, str]]:
    """Every key and string of a JSON document, with where it is (`changes.0.date`). Not recursive:
    a document nested thousands deep is walked like any other."""
    pending: list[tuple[str, Any]] = [("", data)]
    while pending:
        where, value = pending.pop()
        if isinstance(value, str):
            yield where, value
        elif isinstance(value, dict):
            for key, item in value.items():
                place = f"{where}.{key}" if where else str(key)
                yield place, str(key)
                pending.append((place, item))
        elif isinstance(value, list):
            pending.extend((f"{where}.{index}" if where else str(index), item) for index, item in enumerate(value))


def body_texts(request: HttpRequest) -> Iterator[tuple[str, str]]:
    """The text fields of a page's form, or the keys and strings of a JSON body.

    The API reads its body as JSON whatever the content type says (django-ninja), so its body is
    checked as JSON; reading a multipart body as a form there would leave it unreadable for ninja.
    """
    if request.content_type in FORM_TYPES and not is_api_path(request.path):
        # As CsrfViewMiddleware would: a body over the limits raises here, a 400.
        for key, values in request.POST.lists():
            yield key, key
            for value in values:
                yield key, value
        return
    if not is_api_path(request.path) and request.content_type != "application/json":
        return  # pages read forms only
    try:
        body = request.body
    except RequestDataTooBig:
        return  # the endpoint meets the same limit and says so (413)
    if not body:
        return
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return  # not JSON: nothing reads it as text, or the endpoint refuses it
    yield from json_texts(data)


def refusal(request: HttpRequest) -> str | None:
    """Why the request is refused (in French, naming the first field holding a control character), or None."""
    if has_control_character(request.path):
        return _("L'adresse demandée contient un caractère de contrôle (caractère nul ou invisible).")
    fields = ((key, [key, *values]) for key, values in request.GET.lists())
    texts = (*fields, *((where, [text]) for where, text in body_texts(request)))
    for where, values in texts:
        if any(has_control_character(value) for value in values):
            return _(
                "Le champ « %(field)s » contient un caractère de contrôle (caractère nul ou invisible) : "
                "retirez-le et envoyez de nouveau."
            ) % {"field": CONTROL_CHARACTERS.sub("?", where)[:100]}
    return None


class RefuseControlCharacters:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name in [name for name, value in request.COOKIES.items() if has_control_character(name + value)]:
            del request.COOKIES[name]
        detail = refusal(request)
        if detail is not None:
            if is_api_path(request.path):
                return error_response(422, detail)
            raise BadRequest(detail)
        return self.get_response(request)
