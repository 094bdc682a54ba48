"""The HTTP client of API Particulier's "Quotient familial CAF & MSA" endpoint (v3), and what its answers mean.

API Particulier (DINUM) gives towns the quotient familial the CNAF or the MSA computed for an allocataire. In
v3 the endpoint is `GET /v3/dss/quotient_familial/identite`: the allocataire is named by civil-status
identity (birth name, first names, birth date, sex, birth place as INSEE COG codes). The API offers two ways
to call it, this "identité" one (for staff at a desk) and FranceConnect (for the family's own online
procedure); the allocataire number is a parameter of neither; `recipient` is the calling town's SIRET; the town's token
goes in the `Authorization: Bearer …` header only (v3 refuses it in the URL). Answers (see the public
documentation and its staging examples):

- 200 `{"data": {"quotient_familial": {"fournisseur": "CNAF"|"MSA", "valeur": 650, "annee": 2023,
  "mois": 6, …}, "allocataires": […], "enfants": […], "adresse": {…}}}`: found;
- 404 `{"errors": [{"code": "37003", "title": …, "detail": "Le dossier allocataire n'a pas été trouvé …"}]}`:
  not found;
- 401 / 403: the token is missing, invalid, expired or lacks the scope: every call will fail alike;
- 400 / 422: a parameter is refused; 429: too many calls (20 per second per token); 5xx: the provider
  (CNAV) or API Particulier is unavailable, try later.

This module is plain Python (urllib, no Django): `fetch_quotient` never raises for an answer, it maps every
outcome to an `Answer`; a timeout is an error. Tests run it against a fake server on loopback.
"""

import datetime
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.translation import gettext as _

ENDPOINT = "/v3/dss/quotient_familial/identite"

type Outcome = Literal["found", "not_found", "error"]
type Provider = Literal["caf", "msa"]

# The API's names of the providers, and ours (QuotientSource).
PROVIDERS: dict[str, Provider] = {"CNAF": "caf", "CAF": "caf", "MSA": "msa"}


@dataclass(frozen=True, slots=True)
class Identity:
    """The allocataire's civil status, as the endpoint asks for it."""

    birth_name: str
    first_names: tuple[str, ...]
    birth_date: datetime.date
    sex: Literal["F", "M"]
    # INSEE COG code of the birth commune (born in France), else empty.
    birth_commune_code: str = ""
    # INSEE COG code of the birth country: 99100 is France.
    birth_country_code: str = "99100"


@dataclass(frozen=True, slots=True)
class Access:
    base_url: str
    token: str
    # The town's SIRET (the `recipient` parameter).
    recipient: str
    timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class Answer:
    outcome: Outcome
    # Euros per month when found.
    value: int | None = None
    provider: Provider | None = None
    # The 1st of the month the QF was computed for ("annee"/"mois"), when the answer says it.
    reference_month: datetime.date | None = None
    # What to tell staff (French) when not found or in error.
    message: str = ""
    # The token was refused: every other call would be refused too (a batch stops).
    token_refused: bool = False
    # The HTTP status, 0 when no answer came.
    status: int = 0
    errors: tuple[dict[str, Any], ...] = field(default=())


def query_of(identity: Identity, recipient: str) -> list[tuple[str, str]]:
    """The query string's parameters, in the API's names (first names as the array `prenoms[]`)."""
    parameters: list[tuple[str, str]] = [
        ("recipient", recipient),
        ("nomNaissance", identity.birth_name.strip().upper()),
    ]
    parameters += [("prenoms[]", name.upper()) for name in identity.first_names if name.strip()]
    parameters += [
        ("anneeDateNaissance", str(identity.birth_date.year)),
        ("moisDateNaissance", str(identity.birth_date.month)),
        ("jourDateNaissance", str(identity.birth_date.day)),
        ("sexeEtatCivil", identity.sex),
        ("codeCogInseePaysNaissance", identity.birth_country_code or "99100"),
    ]
    if identity.birth_commune_code:
        parameters.append(("codeCogInseeCommuneNaissance", identity.birth_commune_code))
    return parameters


def fetch_quotient(access: Access, identity: Identity) -> Answer:
    """Ask API Particulier for the allocataire's current QF; every outcome is an Answer (never raises)."""
    url = access.base_url.rstrip("/") + ENDPOINT + "?" + urllib.parse.urlencode(query_of(identity, access.recipient))
    request = urllib.request.Request(  # noqa: S310 (the scheme is the administrator's https/http URL, checked by the form)
        url,
        headers={
            "Authorization": f"Bearer {access.token}",
            "Accept": "application/json",
            "User-Agent": "Ardoise (portail famille)",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=access.timeout) as response:  # noqa: S310
            status, body = response.status, response.read()
    except urllib.error.HTTPError as failed:
        status, body = failed.code, failed.read()
    except TimeoutError:
        return Answer("error", message=_("API Particulier n'a pas répondu à temps : réessayez plus tard."))
    except (urllib.error.URLError, OSError) as failed:
        return Answer(
            "error",
            message=_("API Particulier est injoignable (%(reason)s).") % {"reason": getattr(failed, "reason", failed)},
        )
    return interpret(status, body)


def interpret(status: int, body: bytes) -> Answer:
    """What an HTTP answer of the endpoint means (pure: tested on the documentation's examples)."""
    try:
        document = json.loads(body.decode("utf-8")) if body else {}
    except (UnicodeDecodeError, ValueError):
        document = None
    if not isinstance(document, dict):
        return Answer("error", status=status, message=_("Réponse illisible d'API Particulier (HTTP %s).") % status)
    errors = tuple(error for error in document.get("errors") or () if isinstance(error, dict))
    said = _said(errors)
    if status == 200:
        return _found(document, status)
    if status == 404:
        return Answer(
            "not_found",
            status=status,
            errors=errors,
            message=said or _("Aucun dossier allocataire trouvé pour cette identité."),
        )
    if status in (401, 403):
        return Answer(
            "error",
            status=status,
            errors=errors,
            token_refused=True,
            message=_("Le jeton de la commune est refusé par API Particulier : vérifiez-le dans les paramètres.")
            + (f" ({said})" if said else ""),
        )
    if status == 429:
        return Answer(
            "error", status=status, errors=errors, message=_("Trop de demandes à API Particulier : réessayez.")
        )
    if 400 <= status < 500:
        return Answer(
            "error",
            status=status,
            errors=errors,
            message=said or _("API Particulier refuse la demande (HTTP %s).") % status,
        )
    return Answer(
        "error",
        status=status,
        errors=errors,
        message=said or _("API Particulier ou la caisse est indisponible (HTTP %s) : réessayez plus tard.") % status,
    )


def _said(errors: tuple[dict[str, Any], ...]) -> str:
    """The first error's words and code, as the API wrote them (French)."""
    if not errors:
        return ""
    first = errors[0]
    words = str(first.get("detail") or first.get("title") or "").strip()
    code = str(first.get("code") or "").strip()
    return f"{words} (code {code})" if words and code else words


def _found(document: dict[str, Any], status: int) -> Answer:
    data = document.get("data")
    quotient = data.get("quotient_familial") if isinstance(data, dict) else None
    value = quotient.get("valeur") if isinstance(quotient, dict) else None
    if not isinstance(quotient, dict) or not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return Answer("error", status=status, message=_("Réponse d'API Particulier sans quotient familial."))
    provider = PROVIDERS.get(str(quotient.get("fournisseur", "")).upper())
    year, month = quotient.get("annee"), quotient.get("mois")
    reference = None
    if isinstance(year, int) and isinstance(month, int) and 1 <= month <= 12 and 1900 < year < 3000:
        reference = datetime.date(year, month, 1)
    if provider is None:
        return Answer("error", status=status, message=_("Réponse d'API Particulier d'une caisse inconnue."))
    return Answer("found", value=value, provider=provider, reference_month=reference, status=status)
