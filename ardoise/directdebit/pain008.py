"""The pain.008.001.02 file (SEPA Core Direct Debit initiation), built from plain data.

`build(message)` returns the XML bytes, validated against ISO 20022's schema
(schemas/pain.008.001.02.xsd): a file the bank would refuse is never produced,
`InvalidFile` says why. No database here: the caller gathers the data.

One PmtInf (batch) per sequence type (FRST, RCUR), each with its count and
control sum; text is transliterated to the SEPA Latin character set.
"""

import datetime
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from lxml import etree

from .banking import sepa_identifier, sepa_text

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"
SCHEMA_PATH = Path(__file__).parent / "schemas" / "pain.008.001.02.xsd"
SEQUENCE_TYPES = ("FRST", "RCUR")
CENT = Decimal("0.01")


class InvalidFile(ValueError):
    """The file would not pass the schema; `errors` are the validator's lines."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Creditor:
    name: str
    iban: str
    bic: str
    # Identifiant créancier SEPA (ICS).
    ics: str


@dataclass(frozen=True, slots=True)
class Debit:
    end_to_end_id: str
    # Euros, two places, positive.
    amount: Decimal
    mandate_id: str
    mandate_signed_on: datetime.date
    debtor_name: str
    debtor_iban: str
    debtor_bic: str
    remittance: str
    # FRST or RCUR.
    sequence_type: str


@dataclass(frozen=True, slots=True)
class Message:
    message_id: str
    # Aware (Europe/Paris): written with its offset.
    created_at: datetime.datetime
    collection_date: datetime.date
    creditor: Creditor
    debits: Sequence[Debit]


@functools.cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def control_sum(debits: Sequence[Debit]) -> Decimal:
    return sum((debit.amount for debit in debits), Decimal("0.00")).quantize(CENT)


def _amount(value: Decimal) -> str:
    return f"{value.quantize(CENT):.2f}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def _path(parent: etree._Element, tags: str, text: str) -> etree._Element:
    """Nested elements "A/B/C" under `parent`, the last holding `text`."""
    element = parent
    for tag in tags.split("/"):
        element = _sub(element, tag)
    element.text = text
    return element


def _agent(parent: etree._Element, tag: str, bic: str) -> None:
    _path(_sub(parent, tag), "FinInstnId/BIC", bic)


def _batch(root: etree._Element, message: Message, sequence_type: str, debits: Sequence[Debit]) -> None:
    creditor = message.creditor
    batch = _sub(root, "PmtInf")
    _sub(batch, "PmtInfId", sepa_identifier(f"{message.message_id}-{sequence_type}"))
    _sub(batch, "PmtMtd", "DD")
    _sub(batch, "NbOfTxs", str(len(debits)))
    _sub(batch, "CtrlSum", _amount(control_sum(debits)))
    kind = _sub(batch, "PmtTpInf")
    _path(kind, "SvcLvl/Cd", "SEPA")
    _path(kind, "LclInstrm/Cd", "CORE")
    _sub(kind, "SeqTp", sequence_type)
    _sub(batch, "ReqdColltnDt", message.collection_date.isoformat())
    _path(batch, "Cdtr/Nm", sepa_text(creditor.name, 70))
    _path(batch, "CdtrAcct/Id/IBAN", creditor.iban)
    _agent(batch, "CdtrAgt", creditor.bic)
    _sub(batch, "ChrgBr", "SLEV")
    scheme = _path(batch, "CdtrSchmeId/Id/PrvtId/Othr/Id", creditor.ics).getparent()
    _path(scheme, "SchmeNm/Prtry", "SEPA")
    for debit in debits:
        transaction = _sub(batch, "DrctDbtTxInf")
        _path(transaction, "PmtId/EndToEndId", sepa_identifier(debit.end_to_end_id))
        _sub(transaction, "InstdAmt", _amount(debit.amount), Ccy="EUR")
        mandate = _path(_sub(transaction, "DrctDbtTx"), "MndtRltdInf/MndtId", sepa_identifier(debit.mandate_id))
        _sub(mandate.getparent(), "DtOfSgntr", debit.mandate_signed_on.isoformat())
        _agent(transaction, "DbtrAgt", debit.debtor_bic)
        _path(transaction, "Dbtr/Nm", sepa_text(debit.debtor_name, 70))
        _path(transaction, "DbtrAcct/Id/IBAN", debit.debtor_iban)
        _path(transaction, "RmtInf/Ustrd", sepa_text(debit.remittance, 140))


def build(message: Message) -> bytes:
    """The pain.008.001.02 document of `message`, checked against the schema; or InvalidFile."""
    if not message.debits:
        raise InvalidFile(["Aucun prélèvement."])
    if message.created_at.tzinfo is None:
        raise ValueError("created_at must be aware.")
    unknown = {debit.sequence_type for debit in message.debits} - set(SEQUENCE_TYPES)
    if unknown:
        raise InvalidFile([f"Type de séquence inconnu : {', '.join(sorted(unknown))}."])
    document = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    root = _sub(document, "CstmrDrctDbtInitn")
    header = _sub(root, "GrpHdr")
    _sub(header, "MsgId", sepa_identifier(message.message_id))
    _sub(header, "CreDtTm", message.created_at.replace(microsecond=0).isoformat())
    _sub(header, "NbOfTxs", str(len(message.debits)))
    _sub(header, "CtrlSum", _amount(control_sum(message.debits)))
    _path(header, "InitgPty/Nm", sepa_text(message.creditor.name, 70))
    for sequence_type in SEQUENCE_TYPES:
        batch = [debit for debit in message.debits if debit.sequence_type == sequence_type]
        if batch:
            _batch(root, message, sequence_type, batch)
    validate(document)
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def validate(document: etree._Element | bytes) -> None:
    """InvalidFile unless `document` passes ISO 20022's pain.008.001.02 schema."""
    if isinstance(document, bytes):
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        document = etree.fromstring(document, parser)
    tree = document
    checker = schema()
    if not checker.validate(tree):
        raise InvalidFile([f"ligne {error.line} : {error.message}" for error in checker.error_log])
