"""The one door for the RGPD retention: the town's setting, the daily listing, and pseudonymising families.

`pseudonymise_families` removes or replaces by a pseudonym ("Famille anonymisée n° 123") everything that
identifies a family past retention — guardians' names and contacts, children's names, birth dates (kept as the
year) and health data, login accounts, supporting documents and message attachments (their files deleted from
storage once the transaction commits), messages, consents, authorised people, requests' free text, the
allocataire's identity, bank details (a mandate keeps its reference, dates and a masked IBAN) and the audit
trail's entries about them — and keeps what the accounting needs: invoices (with the payer's name and address as
issued, and their PDFs), credit notes, payments, refunds, reversals and their numbers, bookings and roll calls
(as days of an anonymous child, which still count).

One transaction per run, with set-based updates: its number of queries does not depend on the number of
families. A family already pseudonymised is skipped (running twice changes nothing more); a run that names a
family not past retention, or refused (open debt, recent activity), changes nothing and says why.
"""

import datetime
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat, Left, Right, TruncYear
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts.models import ApiToken, LoginFailure, PasswordResetRequest, User
from ardoise.admissions.models import EnrolmentRequest
from ardoise.audit import actions as audit
from ardoise.audit.models import AuditEntry
from ardoise.billing.models import Reminder
from ardoise.bookings.models import Absence, Request
from ardoise.consents.models import ConsentAnswer
from ardoise.directdebit.models import Mandate
from ardoise.documents.models import SupportingDocument
from ardoise.families.models import AuthorisedPerson, Child, Diet, Family, Guardian
from ardoise.messaging.models import Attachment, Message, NotificationPreference, OutgoingEmail, Thread
from ardoise.payments.models import OnlinePayment
from ardoise.privacy import queries
from ardoise.privacy.models import MAX_RETENTION_YEARS, MIN_RETENTION_YEARS, PrivacySettings, Pseudonymisation
from ardoise.quotients.models import AllocataireIdentity, QuotientBatchResult
from ardoise.signup.models import SignupProgress
from ardoise.towns.models import Town

# What a pseudonymised family is called; its database id follows, which identifies nobody outside Ardoise.
FAMILY_PSEUDONYM = "Famille anonymisée n° "
GUARDIAN_FIRST_NAME = "Responsable"
CHILD_FIRST_NAME = "Enfant"
PSEUDONYMISED = "anonymisé"
AUDIT_SCRUBBED = "Données personnelles anonymisées"
# A login account's address once pseudonymised: unique per account, and a domain that can never receive mail.
ACCOUNT_EMAIL_DOMAIN = "@anonyme.invalid"


class PseudonymisationRefused(Exception):
    """Nothing was changed; `reasons` says why (French, one line per family or problem)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class RunResult:
    pseudonymised: int  # families pseudonymised by this run
    already_done: int  # families asked for that an earlier run had done
    files_deleted: int


def save_settings(town: Town, actor: User, retention_years: int) -> PrivacySettings:
    if not MIN_RETENTION_YEARS <= retention_years <= MAX_RETENTION_YEARS:
        raise PseudonymisationRefused(
            [
                _("La durée de conservation doit être entre %(min)s et %(max)s ans.")
                % {"min": MIN_RETENTION_YEARS, "max": MAX_RETENTION_YEARS}
            ]
        )
    with transaction.atomic():
        current, _created = PrivacySettings.objects.select_for_update().get_or_create(town=town)
        before = current.retention_years
        current.retention_years = retention_years
        current.updated_at = timezone.now()
        current.save(update_fields=["retention_years", "updated_at"])
        audit.record(
            town,
            actor,
            "privacy.settings",
            current,
            summary=_("Durée de conservation des données : %(years)s ans") % {"years": retention_years},
            changes={"retention_years": [before, retention_years]},
        )
    return current


def list_past_retention(town: Town, today: datetime.date) -> int:
    """The daily listing: note how many families are past retention today (the page shows them live)."""
    found = len(queries.candidates(town, today))
    PrivacySettings.objects.update_or_create(town=town, defaults={"last_listed_on": today, "last_listed_count": found})
    return found


def _pseudonym(family_id_column: str) -> Concat:
    """ "Famille anonymisée n° <the family's id>", computed by the database for each row."""
    return Concat(Value(FAMILY_PSEUDONYM), Cast(family_id_column, CharField()), output_field=CharField())


def pseudonymise_families(town: Town, actor: User | None, family_ids: Iterable[int], today: datetime.date) -> RunResult:
    """Pseudonymise these families of `town`, all or none (see the module's docstring)."""
    wanted = sorted(set(family_ids))
    if not wanted:
        raise PseudonymisationRefused([_("Aucune famille n'est sélectionnée.")])
    files: list[str] = []
    with transaction.atomic():
        # Lock the families: no booking, payment or invoice of theirs lands while they are checked and changed.
        locked = list(Family.objects.select_for_update().filter(town=town, pk__in=wanted).values_list("pk", flat=True))
        done = set(Pseudonymisation.objects.filter(town=town, family_id__in=locked).values_list("family_id", flat=True))
        found = {candidate.family_id: candidate for candidate in queries.candidates(town, today, family_ids=locked)}
        reasons: list[str] = []
        unknown = set(wanted) - set(locked)
        if unknown:
            reasons.append(_("%(count)s famille(s) introuvable(s) dans cette commune.") % {"count": len(unknown)})
        for family_id in locked:
            if family_id in done:
                continue
            candidate = found.get(family_id)
            if candidate is None:
                reasons.append(_("Famille n° %(id)s : la durée de conservation n'est pas écoulée.") % {"id": family_id})
            elif candidate.refusals:
                reasons.append(
                    _("Famille n° %(number)s : %(why)s")
                    % {"number": candidate.number, "why": " ".join(candidate.refusals)}
                )
        if reasons:
            raise PseudonymisationRefused(reasons)
        targets = [family_id for family_id in locked if family_id not in done]
        if targets:
            files = _pseudonymise(town, targets, today)
            Pseudonymisation.objects.bulk_create(
                [
                    Pseudonymisation(town=town, family_id=family_id, done_by=actor, anchor_day=found[family_id].anchor)
                    for family_id in targets
                ]
            )
            # No personal data of the families here: how many, and their database ids.
            audit.record(
                town,
                actor,
                "privacy.pseudonymise",
                summary=_("%(count)s famille(s) anonymisée(s) (durée de conservation écoulée)")
                % {"count": len(targets)},
                changes={"families": targets, "files_deleted": len(files)},
            )
            # Files go once the rows are gone for good: a rolled back run keeps them.
            transaction.on_commit(lambda: _delete_files(files), robust=True)
    return RunResult(pseudonymised=len(targets), already_done=len(done), files_deleted=len(files))


def _delete(rows: QuerySet[Any]) -> None:
    """One DELETE statement, whatever the number of rows: no collector fetching them in batches. Safe here
    because nothing else points at these rows, or what does (a message's attachments, a thread's messages)
    is deleted just before."""
    rows._raw_delete(rows.db)


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _pseudonymise(town: Town, family_ids: list[int], today: datetime.date) -> list[str]:
    """The set-based updates of one run; returns the names of the files to delete from storage."""
    in_town = Q(town=town)
    families = Family.objects.filter(in_town, pk__in=family_ids)
    guardians = Guardian.objects.filter(in_town, family_id__in=family_ids)
    children = Child.objects.filter(in_town, family_id__in=family_ids)
    user_ids = list(guardians.exclude(user=None).values_list("user_id", flat=True))
    emails = list(guardians.exclude(email="").values_list("email", flat=True))
    emails += list(User.objects.filter(pk__in=user_ids).values_list("email", flat=True))
    logins = sorted({email.lower() for email in emails} | set(emails))

    # The audit trail's entries about these people and their records lose their text (the entry stays: who
    # did what when). Before the deletions below, whose subqueries they read.
    about = (
        Q(object_type="family", object_id__in=family_ids)
        | Q(object_type="guardian", object_id__in=guardians.values("pk"))
        | Q(object_type="child", object_id__in=children.values("pk"))
        | Q(object_type="user", object_id__in=user_ids)
        | Q(
            object_type="authorisedperson",
            object_id__in=AuthorisedPerson.objects.filter(in_town, child__family_id__in=family_ids).values("pk"),
        )
        | Q(
            object_type="supportingdocument",
            object_id__in=SupportingDocument.objects.filter(in_town, family_id__in=family_ids).values("pk"),
        )
        | Q(object_type="request", object_id__in=Request.objects.filter(in_town, family_id__in=family_ids).values("pk"))
        | Q(
            object_type="enrolmentrequest",
            object_id__in=EnrolmentRequest.objects.filter(in_town, family_id__in=family_ids).values("pk"),
        )
        | Q(object_type="thread", object_id__in=Thread.objects.filter(in_town, family_id__in=family_ids).values("pk"))
        | Q(object_type="mandate", object_id__in=Mandate.objects.filter(in_town, family_id__in=family_ids).values("pk"))
        | Q(
            object_type="consentanswer",
            object_id__in=ConsentAnswer.objects.filter(in_town, family_id__in=family_ids).values("pk"),
        )
        | Q(
            object_type="allocataireidentity",
            object_id__in=AllocataireIdentity.objects.filter(in_town, family_id__in=family_ids).values("pk"),
        )
    )
    AuditEntry.objects.filter(in_town).filter(about).update(summary=AUDIT_SCRUBBED, changes={})

    # Files: supporting documents, absence certificates, message attachments.
    files = [
        *SupportingDocument.objects.filter(in_town, family_id__in=family_ids).values_list("file", flat=True),
        *Absence.objects.filter(in_town, booking__child__family_id__in=family_ids)
        .exclude(document="")
        .values_list("document", flat=True),
        *Attachment.objects.filter(in_town, message__thread__family_id__in=family_ids).values_list("file", flat=True),
    ]
    _delete(SupportingDocument.objects.filter(in_town, family_id__in=family_ids))
    Absence.objects.filter(in_town, booking__child__family_id__in=family_ids).update(comment="", document="")
    _delete(Attachment.objects.filter(in_town, message__thread__family_id__in=family_ids))
    _delete(Message.objects.filter(in_town, thread__family_id__in=family_ids))
    _delete(Thread.objects.filter(in_town, family_id__in=family_ids))
    _delete(OutgoingEmail.objects.filter(in_town, to__in=logins))

    _delete(ConsentAnswer.objects.filter(in_town, family_id__in=family_ids))
    _delete(AuthorisedPerson.objects.filter(in_town, child__family_id__in=family_ids))
    _delete(AllocataireIdentity.objects.filter(in_town, family_id__in=family_ids))
    QuotientBatchResult.objects.filter(in_town, family_id__in=family_ids).update(message="")
    _delete(SignupProgress.objects.filter(in_town, family_id__in=family_ids))
    _delete(NotificationPreference.objects.filter(in_town, guardian__family_id__in=family_ids))
    _delete(Request.objects.filter(in_town, family_id__in=family_ids))
    EnrolmentRequest.objects.filter(in_town, family_id__in=family_ids).update(comment="", reason="")

    # Money: the records stay; what only identified the payer outside accounting goes.
    Reminder.objects.filter(in_town, invoice__family_id__in=family_ids).update(recipients="")
    OnlinePayment.objects.filter(in_town, family_id__in=family_ids).update(email="")
    Mandate.objects.filter(in_town, family_id__in=family_ids).update(
        debtor_name=_pseudonym("family_id"),
        iban=Concat(Left("iban", 4), Value("****"), Right("iban", 4), output_field=CharField()),
        bic="",
    )

    # Accounts: no address, no name, no password; they can no longer log in.
    _delete(ApiToken.objects.filter(user_id__in=user_ids))
    _delete(LoginFailure.objects.filter(in_town, login__in=logins))
    _delete(PasswordResetRequest.objects.filter(in_town, login__in=logins))
    unusable = "!" + secrets.token_urlsafe(24)  # never a hash: no password matches it
    User.objects.filter(town=town, pk__in=user_ids).update(
        email=Concat(Value("anonyme-"), Cast("id", CharField()), Value(ACCOUNT_EMAIL_DOMAIN), output_field=CharField()),
        first_name="",
        last_name="",
        is_active=False,
        password=unusable,
    )

    guardians.update(
        user=None,
        first_name=GUARDIAN_FIRST_NAME,
        last_name=PSEUDONYMISED,
        relationship="",
        marital_status="",
        address="",
        postcode="",
        city="",
        home_phone="",
        work_phone="",
        mobile_phone="",
        email="",
        profession="",
        employer="",
        employer_address="",
        email_consent=False,
        sms_consent=False,
    )
    children.update(
        first_name=CHILD_FIRST_NAME,
        last_name=PSEUDONYMISED,
        birth_date=TruncYear("birth_date"),  # the year only: 1 January of it
        school_class="",
        allergies="",
        has_pai=False,
        pai_details="",
        diet=Diet.STANDARD,
        wears_glasses=False,
        doctor="",
        health_notes="",
        may_leave_alone=False,
    )
    token = secrets.token_urlsafe(24)  # the private calendar feed's secret: unguessable, unique with the id
    families.update(
        name=_pseudonym("id"),
        quotient_familial=None,
        caf_number="",
        caf_regime="",
        qf_consent_at=None,
        tax_reference="",
        iban="",
        bic="",
        account_holder="",
        bank_name="",
        calendar_token=Concat(Value(token), Cast("id", CharField()), output_field=CharField()),
        file_refusal_reason="",
    )
    families.filter(archived_on=None).update(archived_on=today)
    return [name for name in files if name]
