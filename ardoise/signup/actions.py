"""The one door for online sign-up: a new account, the family's file step by step, and staff's decision.

A guardian signs up with a name, an e-mail and a password (`start_signup`): the
account is created inactive and a link (`confirmation`) confirms the address;
confirming (`confirm_email`) activates it and opens the family's file as a draft
(`FileStatus.DRAFT`, numbered by `families.actions.create_family`). Each step saves
at once through `families.actions` (`save_…`); `submit` sends the file to staff,
who accept or refuse it (`decide`, one family or many, audited, e-mailed). Until
then the family books nothing (`bookings.actions.review` refuses it).
"""

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts import throttling
from ardoise.accounts.models import User
from ardoise.audit import actions as audit
from ardoise.families import actions as families
from ardoise.families.models import AuthorisedPerson, Child, Family, FileStatus, Guardian
from ardoise.messaging.notifications import Kind, notify, notify_account, render_subject
from ardoise.signup import completeness, confirmation
from ardoise.signup.models import SignupProgress
from ardoise.towns.models import Town

# The steps of the file a family fills, in order; a child's steps end with its id ("health:12").
STEP_FAMILY = "family"
STEP_SECOND_GUARDIAN = "second_guardian"
STEP_CHILDREN = "children"
STEP_HEALTH = "health"
STEP_PEOPLE = "people"


class SignupRefused(Exception):
    """What the rules refuse (a file already sent, a decision without reason…); the message is French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Account


def _link(town: Town, name: str, base_url: str, *args: Any) -> str:
    return base_url.rstrip("/") + reverse(name, args=[town.slug, *args])


def _queue_confirmation(town: Town, user: User, base_url: str) -> None:
    context = {
        "link": _link(town, "portal:signup_confirm", base_url, confirmation.make_token(user)),
        "valid_hours": confirmation.VALID_HOURS,
    }
    subject = render_subject("emails/signup_confirmation_subject.txt", {**context, "town": town})
    notify_account(town, user, Kind.SIGNUP_CONFIRMATION, subject, "emails/signup_confirmation", context)


def _queue_existing_account(town: Town, user: User, base_url: str) -> None:
    context = {
        "login_url": _link(town, "accounts:login", base_url),
        "forgot_url": _link(town, "accounts:password_forgot", base_url),
    }
    subject = render_subject("emails/signup_existing_account_subject.txt", {**context, "town": town})
    notify_account(town, user, Kind.SIGNUP_EXISTING_ACCOUNT, subject, "emails/signup_existing_account", context)


@transaction.atomic
def start_signup(
    town: Town, *, first_name: str, last_name: str, email: str, password: str, ip: str | None, base_url: str
) -> None:
    """Open an inactive account and e-mail its confirmation link; says nothing of what it found.

    An address that already has an active account of the town gets a "vous avez
    déjà un compte" e-mail instead, and nothing is created. An address still
    waiting for its confirmation gets a new link (the typed password replaces the
    previous one, which voids the links sent before). Throttled as password
    e-mails are (`accounts.throttling`): beyond the limits, nothing is sent.
    """
    if not town.signup_open:
        raise SignupRefused(_("L'inscription en ligne n'est pas ouverte dans cette commune."))
    if not throttling.reset_address_allowed(town, ip):
        return
    email = email.strip().lower()
    user = User.objects.select_for_update().filter(town=town, email=email).first()
    if user is not None and not throttling.accounts_to_email([user]):
        throttling.record_reset_request(town, email, ip, [])
        return
    if user is None:
        user = User.objects.create_user(
            email, password, town=town, first_name=first_name.strip(), last_name=last_name.strip(), is_active=False
        )
        _queue_confirmation(town, user, base_url)
    elif not user.is_active and user.last_login is None:
        user.first_name, user.last_name = first_name.strip(), last_name.strip()
        user.set_password(password)
        user.save(update_fields=["first_name", "last_name", "password"])
        _queue_confirmation(town, user, base_url)
    elif user.is_active:
        _queue_existing_account(town, user, base_url)
    # A deactivated account (a former staff member) is left to the town: nothing is sent.
    throttling.record_reset_request(town, email, ip, [user])


@transaction.atomic
def confirm_email(town: Town, token: str) -> User:
    """Activate the account the link designates and open its family's draft file; SignupRefused when
    the link is forged, expired or used already."""
    user = confirmation.account_for_token(town, token)
    if user is None:
        raise SignupRefused(
            _("Ce lien de confirmation n'est plus valable (déjà utilisé ou expiré). Inscrivez-vous à nouveau.")
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    user.is_active = True
    user.save(update_fields=["is_active"])
    family = families.create_family(town, {"name": user.last_name.upper(), "file_status": FileStatus.DRAFT}, actor=user)
    Guardian.objects.create(
        town=town,
        family=family,
        user=user,
        position=1,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
    )
    SignupProgress.objects.create(town=town, family=family)
    return user


# The file, step by step (only while it is a draft or refused)


def editable(family: Family) -> bool:
    return family.file_status in (FileStatus.DRAFT, FileStatus.REFUSED)


def _check_editable(family: Family) -> None:
    if not editable(family):
        raise SignupRefused(_("Votre dossier est envoyé : il ne peut plus être modifié en ligne."))


def _done(family: Family, step: str) -> None:
    progress, _created = SignupProgress.objects.get_or_create(town_id=family.town_id, family=family)
    if step not in progress.steps_done:
        progress.steps_done = [*progress.steps_done, step]
        progress.save(update_fields=["steps_done"])


def steps_done(family: Family) -> set[str]:
    progress = SignupProgress.objects.filter(town_id=family.town_id, family=family).first()
    return set(progress.steps_done) if progress else set()


@transaction.atomic
def save_first_guardian(family: Family, guardian: Guardian, values: dict[str, Any], *, actor: User) -> Guardian:
    """The family and address step: guardian 1, whose last name names the family."""
    _check_editable(family)
    saved = families.save_guardian(family, guardian, values, actor=actor)
    name = saved.last_name.strip().upper()
    if name and name != family.name:
        families.update_family(family, {"name": name}, actor=actor)
    _done(family, STEP_FAMILY)
    return saved


@transaction.atomic
def save_second_guardian(
    family: Family, guardian: Guardian | None, values: dict[str, Any] | None, *, actor: User
) -> Guardian | None:
    """Add or change guardian 2; `values` None says the family has no second guardian to give."""
    _check_editable(family)
    _done(family, STEP_SECOND_GUARDIAN)
    if values is None:
        return None
    return families.save_guardian(family, guardian, values, actor=actor)


@transaction.atomic
def save_child(family: Family, child: Child | None, values: dict[str, Any], *, actor: User) -> Child:
    """Add or change a child: identity and school, or (the health step) health and diet."""
    _check_editable(family)
    saved = families.save_child(family, child, values, actor=actor)
    _done(family, STEP_CHILDREN)
    if child is not None and "diet" in values:
        _done(family, f"{STEP_HEALTH}:{saved.pk}")
    return saved


@transaction.atomic
def remove_child(family: Family, child: Child, *, actor: User) -> None:
    _check_editable(family)
    if child.family_id != family.pk:
        raise ValueError("child of another family")
    audit.record(family.town, actor, "child.delete", child, summary=f"Enfant {child.full_name} retiré(e) du dossier")
    child.delete()


@transaction.atomic
def save_person(
    family: Family, child: Child, person: AuthorisedPerson | None, values: dict[str, Any] | None, *, actor: User
) -> AuthorisedPerson | None:
    """Add or change someone allowed to collect `child`; `values` None says there is nobody to add."""
    _check_editable(family)
    if child.family_id != family.pk:
        raise ValueError("child of another family")
    _done(family, f"{STEP_PEOPLE}:{child.pk}")
    if values is None:
        return None
    return families.save_authorised_person(child, person, values, actor=actor)


@transaction.atomic
def remove_person(family: Family, person: AuthorisedPerson, *, actor: User) -> None:
    _check_editable(family)
    families.remove_authorised_person(person, actor=actor)


def missing(family: Family) -> list[str]:
    """What the file still lacks before it can be sent (empty: complete)."""
    guardians = list(Guardian.objects.filter(town_id=family.town_id, family=family))
    children = list(Child.objects.filter(town_id=family.town_id, family=family))
    return completeness.missing(guardians, children)


@transaction.atomic
def submit(family: Family, *, actor: User, now: datetime.datetime | None = None) -> None:
    """ "Envoyer mon dossier": the file waits for staff and can no longer be changed online."""
    fresh = Family.objects.select_for_update().get(town_id=family.town_id, pk=family.pk)
    _check_editable(fresh)
    lacks = missing(fresh)
    if lacks:
        raise SignupRefused(_("Votre dossier est incomplet : il manque %(what)s.") % {"what": ", ".join(lacks)})
    fresh.file_status = FileStatus.SUBMITTED
    fresh.file_submitted_at = now or timezone.now()
    fresh.save(update_fields=["file_status", "file_submitted_at"])
    audit.record(fresh.town, actor, "family.file_submit", fresh, summary=f"Dossier de la famille {fresh.name} envoyé")
    family.file_status, family.file_submitted_at = fresh.file_status, fresh.file_submitted_at


# Staff


@transaction.atomic
def decide(
    town: Town, family_ids: Sequence[int], *, accept: bool, reason: str = "", actor: User, base_url: str
) -> list[Family]:
    """Accept or refuse the submitted files of `family_ids`, all or none; each family is e-mailed and the
    decision audited. Refusing needs a reason; a family whose file is not waiting is refused too."""
    reason = reason.strip()
    if not family_ids:
        raise SignupRefused(_("Cochez au moins une famille."))
    if not accept and not reason:
        raise SignupRefused(_("Indiquez le motif du refus : il est envoyé à la famille."))
    chosen = list(
        Family.objects.select_for_update().filter(town=town, pk__in=family_ids).select_related("town").order_by("pk")
    )
    if len(chosen) != len(set(family_ids)):
        raise SignupRefused(_("Une des familles cochées n'existe pas dans la commune."))
    waiting = [family for family in chosen if family.file_status != FileStatus.SUBMITTED]
    if waiting:
        raise SignupRefused(
            _("Le dossier de la famille %(name)s n'attend pas de décision : rien n'a été changé.")
            % {"name": waiting[0].name}
        )
    portal_url = _link(town, "portal:home", base_url)
    for family in chosen:
        before = family.file_status
        family.file_status = FileStatus.ACCEPTED if accept else FileStatus.REFUSED
        family.file_refusal_reason = "" if accept else reason
        family.save(update_fields=["file_status", "file_refusal_reason"])
        audit.record(
            town,
            actor,
            "family.file_accept" if accept else "family.file_refuse",
            family,
            summary=(
                f"Dossier de la famille {family.name} ({family.number}) accepté"
                if accept
                else f"Dossier de la famille {family.name} ({family.number}) refusé : {reason}"
            ),
            changes={"file_status": [before, family.file_status]},
        )
        context = {"accepted": accept, "reason": reason, "family": family, "portal_url": portal_url}
        subject = render_subject("emails/signup_decision_subject.txt", {**context, "town": town})
        guardians = list(Guardian.objects.filter(town=town, family=family))
        notify(town, guardians, Kind.SIGNUP_DECISION, subject, "emails/signup_decision", context)
    return chosen


@transaction.atomic
def set_signup_open(town: Town, open_: bool, *, actor: User) -> None:
    """The administrator opens or closes online sign-up ("Inscription en ligne ouverte")."""
    fresh = Town.objects.select_for_update().get(pk=town.pk)
    if fresh.signup_open == open_:
        return
    fresh.signup_open = open_
    fresh.save(update_fields=["signup_open"])
    audit.record(
        town,
        actor,
        "town.signup_open" if open_ else "town.signup_close",
        fresh,
        summary="Inscription en ligne ouverte" if open_ else "Inscription en ligne fermée",
        changes={"signup_open": [not open_, open_]},
    )
    town.signup_open = open_
