"""Ids that come from outside (URLs, query strings, forms, JSON bodies).

Every table's id is a 64-bit integer (BigAutoField). A number outside that range is
no id at all: SQLite cannot even bind it (OverflowError, a 500), so it is refused
where it is read, whatever the database.
"""

MAX_ID = 2**63 - 1


def parse_id(value: object) -> int | None:
    """The id `value` spells (a positive 64-bit integer), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_ID)):
            return None
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 < number <= MAX_ID else None
