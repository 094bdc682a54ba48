"""The JSON shapes of API v1 (../shared/API.md). Inputs refuse unknown fields."""

import datetime
from typing import Annotated

from ninja import Schema
from pydantic import ConfigDict, Field

from ardoise.towns.ids import MAX_ID

# An id a client sends: a table's 64-bit key, so that no number out of the database's range reaches a query.
Id = Annotated[int, Field(gt=0, le=MAX_ID)]


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    field: str = Field(description="Où : `body.payload.changes.0.date`, `query.from`…")
    message: str


class InvalidOut(Schema):
    """422: what is wrong, field by field when the input's shape is wrong."""

    detail: str
    errors: list[FieldErrorOut] = []


class ChangeError(Schema):
    date: datetime.date
    activity_id: int
    code: str
    message: str


class BatchErrorOut(Schema):
    detail: str
    errors: list[ChangeError]


class TokenIn(Input):
    login: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=4096)


class TokenOut(Schema):
    token: str
    expires_at: datetime.datetime


class GuardianOut(Schema):
    id: int
    civility: str
    first_name: str
    last_name: str
    email: str
    phone: str


class SiteOut(Schema):
    id: int
    name: str


class ChildOut(Schema):
    id: int
    first_name: str
    last_name: str
    birth_date: datetime.date
    site: SiteOut


class FamilyOut(Schema):
    number: str
    name: str
    balance: str
    guardians: list[GuardianOut]
    children: list[ChildOut]


class ActivityOut(Schema):
    id: int
    code: str
    label: str
    site_id: int
    weekdays: list[int]
    needs_validation: bool
    capacity: int | None
    deadline_rule: str


class AbsenceReasonOut(Schema):
    code: str
    label: str
    billed: bool
    document_required: bool


class EntryOut(Schema):
    activity_id: int
    code: str
    state: str = Field(
        description="none, requested, booked, refused, absence_pending (absence en attente de la décision du "
        "service), absent_excused, absent_billed, present, present_unbooked."
    )
    open: bool
    closed_reason: str | None
    deadline: datetime.datetime | None
    changeable: bool
    unit_price: str


class PlanningDayOut(Schema):
    date: datetime.date
    activities: list[EntryOut]


class PlanningOut(Schema):
    child_id: int
    days: list[PlanningDayOut]


class ChangeIn(Input):
    date: datetime.date
    activity_id: Id
    book: bool


class BatchIn(Input):
    changes: list[ChangeIn] = Field(max_length=1000)


class QuoteLineOut(Schema):
    date: datetime.date
    activity_id: int
    unit_price: str


class QuoteOut(Schema):
    lines: list[QuoteLineOut]
    total: str
    # Additive to v1: the changes the rules would refuse, so a client can warn before sending.
    errors: list[ChangeError]


class AppliedChangeOut(Schema):
    date: datetime.date
    activity_id: int
    state: str


class BatchOut(Schema):
    changes: list[AppliedChangeOut]
    total: str


class AbsenceIn(Input):
    date: datetime.date
    activity_id: Id
    reason: str = Field(max_length=40)
    comment: str = Field(default="", max_length=2000)


class AbsenceOut(Schema):
    # null when the day could still be cancelled: the absence cancelled it (state "none"), nothing is recorded.
    id: int | None = Field(description="L'absence enregistrée ; null quand elle a annulé un jour encore annulable.")
    state: str = Field(
        description="L'état du jour : none (annulé avant la date limite), absence_pending (justificatif à "
        "vérifier par le service), absent_excused ou absent_billed."
    )
    billed: bool


class RequestOut(Schema):
    id: int
    kind: str
    child_id: int | None
    date: datetime.date | None
    activity_id: int | None
    status: str
    created_at: datetime.datetime
    decided_at: datetime.datetime | None
    reason: str


class InvoiceOut(Schema):
    id: int
    number: str
    issued_on: datetime.date
    due_on: datetime.date
    period_start: datetime.date
    period_end: datetime.date
    total: str
    paid: str
    status: str


class OperationOut(Schema):
    date: datetime.date
    reference: str
    label: str
    debit: str
    credit: str


class StatementOut(Schema):
    school_year: int
    opening_balance: str
    operations: list[OperationOut]
    balance: str


class PaymentRedirectOut(Schema):
    redirect_url: str
