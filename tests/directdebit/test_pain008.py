"""The pain.008.001.02 file: valid against ISO 20022's schema, counts and control sums right."""

import dataclasses
import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from ardoise.directdebit import pain008

NS = {"p": pain008.NAMESPACE}
CREDITOR = pain008.Creditor(
    name="Régie périscolaire de Saint-Exemple",
    iban="FR7630006000011234567890189",
    bic="AGRIFRPPXXX",
    ics="FR72ZZZ123456",
)
CREATED = datetime.datetime(2027, 3, 9, 10, 0, 5, 123, tzinfo=ZoneInfo("Europe/Paris"))


def debit(n: int, amount: str = "12.30", sequence: str = "RCUR", name: str = "Marie DUPONT") -> pain008.Debit:
    return pain008.Debit(
        end_to_end_id=f"2027-{n:06d}",
        amount=Decimal(amount),
        mandate_id=f"ARD-SAINT-EXEMPLE-{n}-1",
        mandate_signed_on=datetime.date(2026, 9, 1),
        debtor_name=name,
        debtor_iban="FR7630006000010001000000215",
        debtor_bic="AGRIFRPPXXX",
        remittance=f"Facture 2027-{n:06d} Saint-Exemple",
        sequence_type=sequence,
    )


def build(debits: list[pain008.Debit]) -> etree._Element:
    xml = pain008.build(
        pain008.Message("ARDOISE-1-PR2027-000001", CREATED, datetime.date(2027, 3, 10), CREDITOR, debits)
    )
    pain008.validate(xml)  # the bytes themselves, as the bank gets them
    return etree.fromstring(xml)


def texts(root: etree._Element, path: str) -> list[str]:
    return [element.text for element in root.xpath(path, namespaces=NS)]


def test_it_builds_a_valid_file_with_one_debit():
    root = build([debit(1, "42.00", "FRST")])
    assert texts(root, "//p:GrpHdr/p:NbOfTxs") == ["1"]
    assert texts(root, "//p:GrpHdr/p:CtrlSum") == ["42.00"]
    assert texts(root, "//p:GrpHdr/p:CreDtTm") == ["2027-03-09T10:00:05+01:00"]
    assert texts(root, "//p:PmtInf/p:PmtTpInf/p:SeqTp") == ["FRST"]
    assert texts(root, "//p:PmtInf/p:ReqdColltnDt") == ["2027-03-10"]
    assert texts(root, "//p:CdtrSchmeId//p:Othr/p:Id") == ["FR72ZZZ123456"]
    assert texts(root, "//p:DrctDbtTxInf/p:PmtId/p:EndToEndId") == ["2027-000001"]
    assert texts(root, "//p:MndtRltdInf/p:DtOfSgntr") == ["2026-09-01"]
    assert texts(root, "//p:RmtInf/p:Ustrd") == ["Facture 2027-000001 Saint-Exemple"]
    amount = root.xpath("//p:InstdAmt", namespaces=NS)[0]
    assert (amount.get("Ccy"), amount.text) == ("EUR", "42.00")


def test_it_makes_one_batch_per_sequence_type_with_its_own_sums():
    root = build([debit(1, "10.10", "FRST"), debit(2, "20.20", "RCUR"), debit(3, "0.05", "FRST")])
    assert texts(root, "//p:GrpHdr/p:NbOfTxs") == ["3"]
    assert texts(root, "//p:GrpHdr/p:CtrlSum") == ["30.35"]
    assert texts(root, "//p:PmtInf/p:PmtTpInf/p:SeqTp") == ["FRST", "RCUR"]
    assert texts(root, "//p:PmtInf/p:NbOfTxs") == ["2", "1"]
    assert texts(root, "//p:PmtInf/p:CtrlSum") == ["10.15", "20.20"]
    assert texts(root, "//p:PmtInf/p:PmtInfId") == ["ARDOISE-1-PR2027-000001-FRST", "ARDOISE-1-PR2027-000001-RCUR"]


def test_it_builds_a_valid_file_with_many_debits_and_exact_sums():
    debits = [debit(n, f"{n}.{n % 100:02d}", "RCUR" if n % 3 else "FRST") for n in range(1, 301)]
    root = build(debits)
    assert texts(root, "//p:GrpHdr/p:NbOfTxs") == ["300"]
    expected = sum((d.amount for d in debits), Decimal("0"))
    assert Decimal(texts(root, "//p:GrpHdr/p:CtrlSum")[0]) == expected
    batch_sums = [Decimal(total) for total in texts(root, "//p:PmtInf/p:CtrlSum")]
    assert sum(batch_sums) == expected
    assert sum(Decimal(amount) for amount in texts(root, "//p:InstdAmt")) == expected


def test_it_writes_names_with_accents_and_apostrophes_in_the_sepa_set():
    root = build(
        [
            debit(1, name="Zoë N’Guessan-Lefèvre"),
            debit(2, name="Hervé D'Artagnan & Cœur"),
            debit(3, name="Ñúñez « l'aîné » " + "très long " * 10),
        ]
    )
    names = texts(root, "//p:Dbtr/p:Nm")
    assert names[:2] == ["Zoe N'Guessan-Lefevre", "Herve D'Artagnan + Coeur"]
    assert names[2].startswith("Nunez ' l'aine ' tres long")
    assert len(names[2]) <= 70
    assert texts(root, "//p:Cdtr/p:Nm") == ["Regie periscolaire de Saint-Exemple"]


def test_it_refuses_to_produce_a_file_the_schema_rejects():
    bad = dataclasses.replace(debit(1), debtor_bic="AGRI")
    with pytest.raises(pain008.InvalidFile) as invalid:
        pain008.build(pain008.Message("M1", CREATED, datetime.date(2027, 3, 10), CREDITOR, [bad]))
    assert "BIC" in str(invalid.value)


def test_it_refuses_an_empty_file_and_an_unknown_sequence():
    with pytest.raises(pain008.InvalidFile):
        pain008.build(pain008.Message("M1", CREATED, datetime.date(2027, 3, 10), CREDITOR, []))
    with pytest.raises(pain008.InvalidFile):
        pain008.build(pain008.Message("M1", CREATED, datetime.date(2027, 3, 10), CREDITOR, [debit(1, sequence="OOFF")]))


def test_it_refuses_a_negative_amount():
    with pytest.raises(pain008.InvalidFile):
        pain008.build(pain008.Message("M1", CREATED, datetime.date(2027, 3, 10), CREDITOR, [debit(1, "-1.00")]))
