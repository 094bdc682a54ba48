"""Changes to the quotient familial: the one door for its history, the family's consent, the allocataire's
identity, the town's API Particulier settings, and fetching the QF (one family, or a yearly batch on the
task worker).

Every change is atomic and audited. API Particulier is called with no transaction open and no lock held;
what it answered is then saved in its own transaction.
"""

import datetime
from dataclasses import dataclass
from typing import Literal

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.audit import actions as audit
from ardoise.families.models import Family
from ardoise.quotients import api_particulier, queries, tasks
from ardoise.quotients.models import (
    AllocataireIdentity,
    ApiParticulierSettings,
    BatchState,
    QuotientBatch,
    QuotientBatchResult,
    QuotientRecord,
    QuotientSource,
    ResultKind,
)
from ardoise.quotients.rules import SINCE_ALWAYS
from ardoise.towns.models import Town

# The highest QF staff may type (euros per month): beyond it is a typing error.
MAX_QUOTIENT = 100_000


class QuotientRefused(Exception):
    """An operation refused, with a message for the person who asked (French)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# History


def store_quotient(
    family: Family,
    value: int,
    applies_from: datetime.date,
    source: str,
    actor: User | None,
    *,
    reference_month: datetime.date | None = None,
    batch: QuotientBatch | None = None,
    today: datetime.date | None = None,
) -> QuotientRecord:
    """A new QF for the family from `applies_from`; the older ones stay (past days keep their price).

    The family's file value (`Family.quotient_familial`, read by the planning's prices) follows the value in
    force today; a value applying later is put on the file by the task worker on its day.
    """
    if not 0 <= value <= MAX_QUOTIENT:
        raise QuotientRefused(_("Le quotient familial doit être compris entre 0 et %s €.") % MAX_QUOTIENT)
    if source not in QuotientSource.values:
        raise QuotientRefused(_("Source du quotient familial inconnue."))
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = Family.objects.select_for_update().get(town_id=family.town_id, pk=family.pk)
        has_history = QuotientRecord.objects.filter(town_id=locked.town_id, family=locked).exists()
        if not has_history and locked.quotient_familial is not None:
            # The value of the file before any history keeps pricing the days before the new one.
            QuotientRecord.objects.create(
                town_id=locked.town_id,
                family=locked,
                value=locked.quotient_familial,
                source=QuotientSource.STAFF,
                fetched_at=locked.created_at,
                applies_from=SINCE_ALWAYS,
            )
        before = queries.quotient_on(locked, applies_from)
        record = QuotientRecord.objects.create(
            town_id=locked.town_id,
            family=locked,
            value=value,
            source=source,
            applies_from=applies_from,
            reference_month=reference_month,
            recorded_by=actor,
            batch=batch,
        )
        now_value = queries.quotient_on(locked, today)
        if now_value != locked.quotient_familial:
            locked.quotient_familial = now_value
            locked.save(update_fields=["quotient_familial"])
        family.quotient_familial = locked.quotient_familial
        audit.record(
            locked.town,
            actor,
            "quotient.store",
            locked,
            summary=_("QF %(value)s € (%(source)s) à partir du %(day)s")
            % {"value": value, "source": record.get_source_display(), "day": applies_from.strftime("%d/%m/%Y")},
            changes={
                "quotient_familial": [before, value],
                "applies_from": applies_from.isoformat(),
                "source": source,
                "record": record.pk,
            },
        )
        if applies_from > today:
            tasks.schedule_file_update(locked.pk, applies_from)
    return record


def update_file_value(family_id: int, today: datetime.date | None = None) -> None:
    """Put on the family's file the QF in force today (run on the day a new value applies)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        family = Family.objects.select_for_update().get(pk=family_id)
        value = queries.quotient_on(family, today)
        if value != family.quotient_familial:
            family.quotient_familial = value
            family.save(update_fields=["quotient_familial"])


# Consent and identity


def set_consent(family: Family, given: bool, actor: User | None, now: datetime.datetime | None = None) -> bool:
    """The family agrees (dated) or no longer agrees that staff fetch its QF; whether anything changed."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Family.objects.select_for_update().get(town_id=family.town_id, pk=family.pk)
        before = locked.qf_consent_at
        if given == (before is not None):
            return False
        locked.qf_consent_at = now if given else None
        locked.save(update_fields=["qf_consent_at"])
        family.qf_consent_at = locked.qf_consent_at
        audit.record(
            locked.town,
            actor,
            "quotient.consent" if given else "quotient.consent_withdrawn",
            locked,
            summary=_("Accord pour consulter le QF donné") if given else _("Accord pour consulter le QF retiré"),
            changes={"qf_consent_at": [audit.jsonable(before), audit.jsonable(locked.qf_consent_at)]},
        )
    return True


IDENTITY_FIELDS = (
    "birth_name",
    "first_names",
    "birth_date",
    "sex",
    "birth_commune_code",
    "birth_country_code",
)


def save_identity(family: Family, actor: User, **data: object) -> AllocataireIdentity:
    """The allocataire's civil status, as API Particulier asks for it."""
    with transaction.atomic():
        identity = AllocataireIdentity.objects.select_for_update().filter(town_id=family.town_id, family=family).first()
        before = audit.snapshot(identity, IDENTITY_FIELDS) if identity else {}
        if identity is None:
            identity = AllocataireIdentity(town_id=family.town_id, family=family)
        for name in IDENTITY_FIELDS:
            setattr(identity, name, data[name])
        identity.updated_at = timezone.now()
        identity.save()
        audit.record(
            family.town,
            actor,
            "quotient.identity",
            family,
            summary=_("Identité de l'allocataire pour API Particulier"),
            changes=audit.changes_between(before, audit.snapshot(identity, IDENTITY_FIELDS)),
        )
    return identity


def identity_of(identity: AllocataireIdentity) -> api_particulier.Identity:
    sex: Literal["F", "M"] = "F" if identity.sex == "F" else "M"
    return api_particulier.Identity(
        birth_name=identity.birth_name,
        first_names=tuple(identity.first_names.split()),
        birth_date=identity.birth_date,
        sex=sex,
        birth_commune_code=identity.birth_commune_code,
        birth_country_code=identity.birth_country_code,
    )


# Settings


def save_settings(
    town: Town,
    actor: User,
    *,
    base_url: str,
    recipient_siret: str,
    timeout_seconds: int,
    token: str = "",
    forget_token: bool = False,
) -> ApiParticulierSettings:
    """The town's API Particulier settings. The token is written when given (never read back), kept when left
    empty, erased on request; the audit trail says it changed, never what it is."""
    with transaction.atomic():
        settings, _created = ApiParticulierSettings.objects.select_for_update().get_or_create(town=town)
        fields = ("base_url", "recipient_siret", "timeout_seconds")
        before = audit.snapshot(settings, fields)
        settings.base_url = base_url
        settings.recipient_siret = recipient_siret
        settings.timeout_seconds = timeout_seconds
        changes: dict[str, object] = dict(audit.changes_between(before, audit.snapshot(settings, fields)))
        if forget_token and settings.token:
            settings.token = ""
            changes["token"] = "effacé"  # noqa: S105 (what happened to it, not a token)
        elif token:
            settings.token = token
            changes["token"] = "remplacé"  # noqa: S105 (what happened to it, not a token)
        settings.updated_at = timezone.now()
        settings.save()
        audit.record(
            town, actor, "quotient.settings", settings, summary=_("Paramètres API Particulier"), changes=changes
        )
    return settings


# Fetching


@dataclass(frozen=True)
class Fetched:
    kind: str  # a ResultKind
    message: str = ""
    record: QuotientRecord | None = None
    token_refused: bool = False


def _ask(family: Family, settings: ApiParticulierSettings | None) -> Fetched | api_particulier.Answer:
    """The API's answer for a family, or why it was not asked (no consent, no settings, no identity)."""
    if family.qf_consent_at is None:
        return Fetched(ResultKind.NO_CONSENT, _("La famille n'a pas donné son accord."))
    if settings is None or not settings.ready:
        return Fetched(ResultKind.ERROR, _("API Particulier n'est pas paramétré (jeton, adresse, SIRET)."))
    identity = AllocataireIdentity.objects.filter(town_id=family.town_id, family=family).first()
    if identity is None:
        return Fetched(ResultKind.ERROR, _("Identité de l'allocataire à compléter (nom de naissance, date…)."))
    access = api_particulier.Access(
        base_url=settings.base_url,
        token=settings.token,
        recipient=settings.recipient_siret,
        timeout=float(settings.timeout_seconds),
    )
    return api_particulier.fetch_quotient(access, identity_of(identity))


def _outcome(
    family: Family,
    answer: api_particulier.Answer,
    applies_from: datetime.date,
    actor: User | None,
    batch: QuotientBatch | None = None,
) -> Fetched:
    if answer.outcome == "found" and answer.value is not None and answer.provider is not None:
        try:
            record = store_quotient(
                family,
                answer.value,
                applies_from,
                answer.provider,
                actor,
                reference_month=answer.reference_month,
                batch=batch,
            )
        except QuotientRefused as refused:
            return Fetched(ResultKind.ERROR, refused.message)
        return Fetched(ResultKind.FOUND, record=record)
    kind = ResultKind.NOT_FOUND if answer.outcome == "not_found" else ResultKind.ERROR
    return Fetched(kind, answer.message, token_refused=answer.token_refused)


def fetch_for_family(family: Family, actor: User, applies_from: datetime.date) -> Fetched:
    """Ask API Particulier for one family's QF; found, it applies from `applies_from`. Audited either way."""
    asked = _ask(family, queries.api_settings(family.town))
    fetched = asked if isinstance(asked, Fetched) else _outcome(family, asked, applies_from, actor)
    if fetched.kind != ResultKind.FOUND:
        audit.record(
            family.town,
            actor,
            "quotient.fetch",
            family,
            summary=_("Consultation du QF : %(result)s") % {"result": ResultKind(fetched.kind).label},
            changes={"result": fetched.kind, "message": fetched.message},
        )
    return fetched


def start_batch(town: Town, actor: User, applies_from: datetime.date, year: int) -> QuotientBatch:
    """A yearly batch over every family (accepted, not archived), run by the task worker."""
    settings = queries.api_settings(town)
    if settings is None or not settings.ready:
        raise QuotientRefused(_("Paramétrez d'abord API Particulier (jeton, adresse et SIRET)."))
    try:
        with transaction.atomic():
            batch = QuotientBatch.objects.create(
                town=town,
                year=year,
                applies_from=applies_from,
                total=queries.batch_families(town).count(),
                created_by=actor,
            )
            audit.record(
                town,
                actor,
                "quotient.batch_start",
                batch,
                summary=_("Consultation groupée des QF %(year)s (%(count)s familles)")
                % {"year": year, "count": batch.total},
                changes={"applies_from": applies_from.isoformat()},
            )
            tasks.enqueue_batch(batch.pk)
    except IntegrityError:
        raise QuotientRefused(_("Une consultation groupée est déjà en cours.")) from None
    return batch


def run_batch(batch_id: int) -> QuotientBatch:
    """Fetch the QF of every family of the batch, one after the other, saving each result as it comes.

    Run twice (a retry after a crash), it asks only the families without a result yet; a QF found and its
    result are saved together. A refused token stops the batch (every other call would be refused too): it is
    then `failed`, with why, and can be resumed once the token is fixed (`resume_batch`). An unexpected failure
    marks it `failed` too, so that it never blocks the next batch.
    """
    with transaction.atomic():
        batch = (
            QuotientBatch.objects.select_for_update(of=("self",)).select_related("town", "created_by").get(pk=batch_id)
        )
        if not batch.at_work:
            return batch
        town = batch.town
        done = set(QuotientBatchResult.objects.filter(town=town, batch=batch).values_list("family_id", flat=True))
        todo = list(queries.batch_families(town).exclude(pk__in=done))
        batch.state = BatchState.RUNNING
        batch.started_at = batch.started_at or timezone.now()
        batch.total = len(done) + len(todo)
        batch.save(update_fields=["state", "started_at", "total"])
    settings = queries.api_settings(town)
    try:
        for family in todo:
            asked = _ask(family, settings)
            with transaction.atomic():
                if isinstance(asked, Fetched):
                    fetched = asked
                else:
                    fetched = _outcome(family, asked, batch.applies_from, batch.created_by, batch)
                QuotientBatchResult.objects.create(
                    town=town,
                    batch=batch,
                    family=family,
                    kind=fetched.kind,
                    value=fetched.record.value if fetched.record else None,
                    message=fetched.message[:300],
                )
                _count(batch)
            if fetched.token_refused:
                return _finish(batch, BatchState.FAILED, fetched.message)
    except Exception:
        _finish(batch, BatchState.FAILED, _("Interrompue par une erreur inattendue : elle peut être reprise."))
        raise
    return _finish(batch, BatchState.DONE)


def resume_batch(batch: QuotientBatch, actor: User) -> QuotientBatch:
    """Run an interrupted batch again: the families in error are asked again, the others keep their result."""
    try:
        with transaction.atomic():
            locked = QuotientBatch.objects.select_for_update().get(town_id=batch.town_id, pk=batch.pk)
            if locked.state != BatchState.FAILED:
                raise QuotientRefused(_("Seule une consultation interrompue peut être reprise."))
            QuotientBatchResult.objects.filter(town_id=locked.town_id, batch=locked, kind=ResultKind.ERROR).delete()
            _count(locked)
            locked.state = BatchState.QUEUED
            locked.message = ""
            locked.finished_at = None
            locked.save(update_fields=["state", "message", "finished_at"])
            audit.record(locked.town, actor, "quotient.batch_resume", locked, summary=_("Consultation des QF reprise"))
            tasks.enqueue_batch(locked.pk)
    except IntegrityError:
        raise QuotientRefused(_("Une consultation groupée est déjà en cours.")) from None
    return locked


def _count(batch: QuotientBatch) -> None:
    counts = dict(
        QuotientBatchResult.objects.filter(town_id=batch.town_id, batch=batch)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    batch.found = counts.get(ResultKind.FOUND, 0)
    batch.not_found = counts.get(ResultKind.NOT_FOUND, 0)
    batch.no_consent = counts.get(ResultKind.NO_CONSENT, 0)
    batch.errors = counts.get(ResultKind.ERROR, 0)
    batch.save(update_fields=["found", "not_found", "no_consent", "errors"])


def _finish(batch: QuotientBatch, state: str, message: str = "") -> QuotientBatch:
    with transaction.atomic():
        batch.state = state
        batch.message = message[:300]
        batch.finished_at = timezone.now()
        batch.save(update_fields=["state", "message", "finished_at"])
        audit.record(
            batch.town,
            batch.created_by,
            "quotient.batch_done",
            batch,
            summary=_(
                "Consultation groupée des QF : %(found)s trouvés, %(not_found)s non trouvés, "
                "%(no_consent)s sans accord, %(errors)s erreurs"
            )
            % {
                "found": batch.found,
                "not_found": batch.not_found,
                "no_consent": batch.no_consent,
                "errors": batch.errors,
            },
            changes={"state": state, "message": message},
        )
    return batch
