from typing import Any

from django.http import HttpRequest


def town(request: HttpRequest) -> dict[str, Any]:
    return {"town": getattr(request, "town", None)}
