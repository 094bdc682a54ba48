"""Online payment providers: one small interface, a real PayFiP implementation
(through eopayment's `payfip_ws` backend) and a simulator for the demo and tests.

A provider does two things: `create` an operation (returns its id and where to
send the parent) and `verify` an operation, by asking the provider itself what
happened to it. Nothing posted to Ardoise's notification or return URLs is
trusted beyond the operation id; `actions.settle_online_payment` checks what
`verify` says against the stored OnlinePayment.
"""

import datetime
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

import eopayment
from django.conf import settings
from django.urls import reverse
from eopayment.payfip_ws import PayFiP, PayFiPError

from ardoise.payments.models import ProviderConfig, ProviderKind, SimulatedOperation
from ardoise.towns import reference
from ardoise.towns.models import Town

# PayFiP refuses less than 1 euro; the simulator follows it so that the demo behaves like the real thing.
MINIMUM = Decimal("1.00")
# PayFiP's operation id (idOp) can be paid for 15 minutes after it was created; the simulator follows it too.
OPERATION_LIFETIME = datetime.timedelta(minutes=15)


class ProviderError(Exception):
    """The provider could not be reached or refused the request."""


class Result(StrEnum):
    PAID = "paid"
    REFUSED = "refused"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    WAITING = "waiting"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Order:
    """What is asked of the provider: `reference` is the invoice number (PayFiP's refdet)."""

    reference: str
    year: int
    # Euros, two places; converted to cents at the edge.
    amount: Decimal
    email: str
    subject: str
    notification_url: str
    return_url: str


@dataclass(frozen=True, slots=True)
class Created:
    idop: str
    redirect_url: str


@dataclass(frozen=True, slots=True)
class Verified:
    """What the provider says about an operation when asked."""

    idop: str
    result: Result
    # Cents, as the provider recorded them; None when it did not say.
    amount_cents: int | None
    reference: str
    authorisation: str = ""
    details: dict[str, Any] = field(default_factory=dict)


class Provider(Protocol):
    kind: str
    minimum: Decimal
    # How long the page of an operation (Created.redirect_url) takes a payment.
    lifetime: datetime.timedelta

    def create(self, order: Order) -> Created: ...

    def verify(self, idop: str, started_at: datetime.datetime) -> Verified: ...


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


class PayFiPProvider:
    """PayFiP's web service (DGFiP), through eopayment's payfip_ws backend."""

    kind = ProviderKind.PAYFIP_WS
    minimum = MINIMUM
    lifetime = OPERATION_LIFETIME

    def __init__(self, numcli: str, saisie: str) -> None:
        self.numcli = numcli
        self.saisie = saisie

    def _backend(self, notification_url: str = "", return_url: str = "") -> eopayment.Payment:
        payment = eopayment.Payment(
            eopayment.PAYFIP_WS,
            {
                "numcli": self.numcli,
                "saisie": self.saisie,
                "automatic_return_url": notification_url,
                "normal_return_url": return_url,
            },
        )
        # eopayment reads the WSDL from its own copy; another one (a test double) may be set.
        wsdl_url = getattr(settings, "PAYFIP_WSDL_URL", None)
        if wsdl_url:
            payment.backend.payfip = PayFiP(wsdl_url=wsdl_url, use_local_wsdl=False)
        return payment

    def create(self, order: Order) -> Created:
        backend = self._backend(order.notification_url, order.return_url)
        try:
            idop, _kind, url = backend.request(
                order.amount, email=order.email, refdet=order.reference, exer=str(order.year), subject=order.subject
            )
        except (PayFiPError, ValueError) as error:
            raise ProviderError(str(error)) from error
        return Created(idop=str(idop), redirect_url=url)

    def verify(self, idop: str, started_at: datetime.datetime) -> Verified:
        """Calls recupererDetailPaiementSecurise: PayFiP's own account of the operation."""
        try:
            response = self._backend().payment_status(idop, transaction_date=started_at)
        except PayFiPError as error:
            raise ProviderError(str(error)) from error
        data = {key: str(value) for key, value in (response.bank_data or {}).items() if value is not None}
        results = {
            eopayment.PAID: Result.PAID,
            eopayment.DENIED: Result.REFUSED,
            eopayment.CANCELLED: Result.CANCELLED,
            eopayment.EXPIRED: Result.EXPIRED,
            eopayment.WAITING: Result.WAITING,
        }
        montant = data.get("montant", "")
        return Verified(
            idop=data.get("idOp", idop),
            result=results.get(response.result, Result.ERROR),
            amount_cents=int(montant) if montant.isdigit() else None,
            reference=data.get("refdet", ""),
            authorisation=data.get("numauto", ""),
            details=data,
        )


class SimulatorProvider:
    """Ardoise's own stand-in for PayFiP: a page that says "Payer" / "Refuser".

    It keeps its operations in SimulatedOperation, as PayFiP keeps its own, and
    answers `verify` from there: the notification path is the same as PayFiP's.
    """

    kind = ProviderKind.SIMULATOR
    minimum = MINIMUM
    lifetime = OPERATION_LIFETIME

    def __init__(self, town: Town) -> None:
        self.town = town

    def create(self, order: Order) -> Created:
        operation = SimulatedOperation.objects.create(
            town=self.town,
            idop=secrets.token_hex(16),
            refdet=order.reference,
            amount_cents=cents(order.amount),
        )
        url = reverse("payments:simulator", args=[self.town.slug, operation.idop])
        return Created(idop=operation.idop, redirect_url=url)

    def verify(self, idop: str, started_at: datetime.datetime) -> Verified:
        operation = SimulatedOperation.objects.filter(town=self.town, idop=idop).first()
        if operation is None:
            return Verified(idop=idop, result=Result.EXPIRED, amount_cents=None, reference="")
        result = {"P": Result.PAID, "R": Result.REFUSED}.get(operation.result, Result.WAITING)
        return Verified(
            idop=idop,
            result=result,
            amount_cents=operation.amount_cents,
            reference=operation.refdet,
            authorisation=f"SIM{operation.pk:06d}" if result == Result.PAID else "",
            details={"resultrans": operation.result, "montant": str(operation.amount_cents)},
        )


def default_kind() -> str:
    """Without a configuration, the simulator outside production, nothing in production."""
    return ProviderKind.NONE if getattr(settings, "PRODUCTION", False) else ProviderKind.SIMULATOR


def config_for(town: Town) -> ProviderConfig:
    """The town's configuration, or an unsaved default one; the caller's own copy of the town's reference data
    (every invoice PDF reads it)."""
    return reference.copy_of(reference.cached(town, "payment_provider", _stored_config))


def _stored_config(town: Town) -> ProviderConfig:
    found = ProviderConfig.objects.using(reference.PRIMARY).filter(town=town).first()
    return found or ProviderConfig(town_id=town.pk, provider=default_kind())


def provider_for(town: Town, config: ProviderConfig | None = None) -> Provider | None:
    """The town's provider, or None when it offers no online payment."""
    config = config or config_for(town)
    if config.provider == ProviderKind.SIMULATOR:
        return SimulatorProvider(town)
    if config.provider == ProviderKind.PAYFIP_WS and config.numcli:
        return PayFiPProvider(config.numcli, config.saisie)
    return None


def provider_of_kind(town: Town, kind: str) -> Provider | None:
    """The provider to ask about an operation started with `kind`, if the town still uses it.

    A simulator operation left over after a town moved to PayFiP is never credited.
    """
    provider = provider_for(town)
    return provider if provider is not None and provider.kind == kind else None
