"""The PES V2 Aller Recette file: structure, text rules, amounts, and each rule `check()` enforces (no database)."""

import base64
import datetime
import re
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from lxml import etree

from ardoise.treasury import pes
from ardoise.treasury.titles import Address, Debtor, DirectDebit, Imputation, Title, TitleLine, due_lines

PDF = b"%PDF-1.4\n% a tiny invoice\n%%EOF\n"
CANTEEN = Imputation(code="CANT", nature="7067", function="251", label="Restauration scolaire")
CARE = Imputation(code="PERI", nature="7066", function="421", label="Périscolaire")
COLLECTIVITY = pes.Collectivity(
    siret="21750001600019",
    collectivity_code="123",
    budget_code="00",
    accounting_post_code="0750100",
    label="Saint-Exemple budget principal",
)


def line(amount: str, imputation: Imputation | None = CANTEEN, child: str = "Chloé") -> TitleLine:
    return TitleLine(
        label="Restauration scolaire (10 × 3,50 €)",
        child_name=child,
        activity_id=1,
        activity_label="Restauration scolaire",
        quantity=1,
        unit_price=Decimal(amount),
        amount=Decimal(amount),
        imputation=imputation,
    )


def title(
    invoice_id: int = 1,
    lines: tuple[TitleLine, ...] = (line("35.00"), line("8.40", CARE)),
    direct_debit: DirectDebit | None = None,
) -> Title:
    return Title(
        invoice_id=invoice_id,
        number=f"2027-{invoice_id:06d}",
        issued_on=datetime.date(2027, 2, 28),
        due_on=datetime.date(2027, 3, 20),
        period_start=datetime.date(2027, 2, 1),
        period_end=datetime.date(2027, 2, 28),
        total=sum((item.amount for item in lines), Decimal("0.00")),
        credited=Decimal("0.00"),
        paid=Decimal("0.00"),
        regie_name="Régie périscolaire",
        debtor=Debtor(
            family_id=invoice_id,
            family_number=str(invoice_id),
            civility="Mme",
            last_name="Dupont-Lefèvre",
            first_name="Hélène",
            address=Address("3, rue de l'Église", "12345", "Saint-Étienne-du-Bois"),
            email="",
            phone="",
        ),
        lines=lines,
        pdf_name="",
        direct_debit=direct_debit,
        handed_over_at=None,
    )


MANDATE = DirectDebit(
    mandate_reference="ARD-1-2-1",
    signed_on=datetime.date(2026, 9, 1),
    debtor_name="Hélène Dupont",
    iban="FR7630006000011234567890189",
    bic="AGRIFRPP",
    creditor_ics="FR72ZZZ123456",
    first_collection_done=True,
)


def bordereau(**overrides: object) -> pes.Bordereau:
    values: dict[str, object] = {
        "collectivity": COLLECTIVITY,
        "year": 2027,
        "number": 4,
        "issued_on": datetime.date(2027, 3, 5),
        "subject": "Restauration et accueil périscolaire",
        "pieces": [
            pes.Piece(title(1), Decimal("43.40")),
            pes.Piece(title(2, direct_debit=MANDATE), Decimal("20.00")),
        ],
        "attachments": {1: PDF},
    }
    values.update(overrides)
    return pes.Bordereau(**values)  # type: ignore[arg-type]


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def test_it_builds_a_file_that_follows_every_rule() -> None:
    data = pes.build(bordereau())

    assert data.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    assert pes.check(data) == []


def test_it_is_the_same_bytes_for_the_same_bordereau() -> None:
    assert pes.build(bordereau()) == pes.build(bordereau())


def test_it_writes_the_header_and_the_bordereau() -> None:
    root = parse(pes.build(bordereau()))

    assert root.find("EnTetePES/IdColl").get("V") == "21750001600019"
    assert root.find("EnTetePES/IdPost").get("V") == "0750100"
    assert root.find("EnTetePES/LibelleColBud").get("V") == "SAINT-EXEMPLE BUDGET PRINCIPAL"
    block = root.find("PES_RecetteAller/Bordereau/BlocBordereau")
    assert [block.find(tag).get("V") for tag in ("Exer", "IdBord", "DteBordEm", "NbrPce", "MtBordHt")] == [
        "2027",
        "4",
        "2027-03-05",
        "2",
        "63.40",
    ]
    assert root.find("Enveloppe/Parametres/NomFic").get("V") == "PES_12300_2027_0000004.xml"


def test_it_writes_one_piece_per_title_and_one_line_per_invoice_line() -> None:
    root = parse(pes.build(bordereau()))

    pieces = root.findall("PES_RecetteAller/Bordereau/Piece")
    assert [piece.find("BlocPiece/IdPce").get("V") for piece in pieces] == ["1", "2"]
    first = pieces[0].findall("LigneDePiece/BlocLignePiece/InfoLignePiece")
    assert [
        (
            info.find("CodProdLoc").get("V"),
            info.find("Nature").get("V"),
            info.find("Fonction").get("V"),
            info.find("MtHT").get("V"),
        )
        for info in first
    ] == [
        ("CANT", "7067", "251", "35.00"),
        ("PERI", "7066", "421", "8.40"),
    ]
    # The second title asks 20.00 of its 43.40: what was paid comes off the last lines first.
    second = pieces[1].findall("LigneDePiece/BlocLignePiece/InfoLignePiece")
    assert [info.find("MtHT").get("V") for info in second] == ["20.00"]


def test_it_writes_the_debtor_in_upper_case_without_accents_and_keeps_latin1_accents_elsewhere() -> None:
    data = pes.build(bordereau())
    root = parse(data)

    tiers = root.find("PES_RecetteAller/Bordereau/Piece/LigneDePiece/Tiers")
    assert tiers.find("InfoTiers/Nom").get("V") == "DUPONT-LEFEVRE"
    assert tiers.find("InfoTiers/Prenom").get("V") == "HELENE"
    assert tiers.find("InfoTiers/Civilite").get("V") == "MME"
    assert tiers.find("Adresse/Adr2").get("V") == "3 RUE DE L EGLISE"
    assert tiers.find("Adresse/Ville").get("V") == "SAINT-ETIENNE-DU-BOIS"
    assert tiers.find("Adresse/CP").get("V") == "12345"
    # Free text keeps its accents, written as ISO-8859-1 bytes.
    assert "Chloé".encode("iso-8859-1") in data


def test_it_writes_the_direct_debit_block_for_a_family_with_a_mandate() -> None:
    root = parse(pes.build(bordereau()))

    piece = root.findall("PES_RecetteAller/Bordereau/Piece")[1]
    sepa = piece.find("LigneDePiece/BlocLignePiece/InfoPrelevementSEPA")
    assert sepa.find("RefUniMdt").get("V") == "ARD-1-2-1"
    assert sepa.find("SequencePres").get("V") == "03"
    assert sepa.find("DateSignMandat").get("V") == "2026-09-01"
    # Due on 20 March, and at least 14 days after the bordereau of 5 March.
    assert sepa.find("DtePrel").get("V") == "2027-03-20"
    assert piece.find("LigneDePiece/Tiers/CpteBancaire/IBAN").get("V") == "FR7630006000011234567890189"
    first = root.find("PES_RecetteAller/Bordereau/Piece")
    assert first.find("LigneDePiece/BlocLignePiece/InfoPrelevementSEPA") is None


def test_it_attaches_the_invoice_pdf_and_references_it() -> None:
    root = parse(pes.build(bordereau()))

    reference = root.find("PES_RecetteAller/Bordereau/Piece/BlocPiece/PJRef")
    assert reference.find("IdUnique").get("V") == "FACT2027000001"
    attachment = root.find("PES_PJ/PJ")
    assert attachment.find("IdUnique").get("V") == "FACT2027000001"
    assert attachment.find("NomPJ").get("V") == "FACTURE_2027-000001.pdf"
    assert base64.b64decode(attachment.find("Contenu/Fichier").text) == PDF


def test_it_refuses_an_empty_bordereau() -> None:
    with pytest.raises(pes.InvalidFile):
        pes.build(bordereau(pieces=[]))


def test_it_refuses_a_line_without_product_code() -> None:
    with pytest.raises(pes.InvalidFile) as refused:
        pes.build(bordereau(pieces=[pes.Piece(title(1, lines=(line("3.50", imputation=None),)), Decimal("3.50"))]))

    assert any("CodProdLoc" in error for error in refused.value.errors)


def test_it_brings_the_debit_date_to_fourteen_days_after_the_bordereau() -> None:
    assert pes.debit_date(datetime.date(2027, 1, 10), datetime.date(2027, 3, 5)) == datetime.date(2027, 3, 19)


# Each rule of the module's docstring, broken on purpose: check() names it.

BREAKS = [
    (1, "EnTetePES/DteStr", ""),
    (1, "PES_RecetteAller/Bordereau/Piece/BlocPiece/ObjPce", "Facture € payée"),
    (2, "Enveloppe/Parametres/Version", "1"),
    (2, "Enveloppe/Parametres/TypFic", "PESORMC"),
    (2, "Enveloppe/Parametres/NomFic", "fichier pes.txt"),
    (3, "EnTetePES/DteStr", "05/03/2027"),
    (3, "EnTetePES/IdPost", "75010"),
    (3, "EnTetePES/IdColl", "2175000160001"),
    (3, "EnTetePES/IdColl", "21750001600018"),
    (3, "EnTetePES/CodCol", "12"),
    (3, "EnTetePES/CodBud", "0a"),
    (3, "EnTetePES/LibelleColBud", "Saint-Exemple"),
    (4, "PES_RecetteAller/EnTeteRecette/IdVer", "1"),
    (4, "PES_RecetteAller/EnTeteRecette/InfoDematerialisee", "1"),
    (5, "PES_RecetteAller/Bordereau/BlocBordereau/Exer", "27"),
    (5, "PES_RecetteAller/Bordereau/BlocBordereau/IdBord", "0"),
    (5, "PES_RecetteAller/Bordereau/BlocBordereau/IdBord", "12345678"),
    (5, "PES_RecetteAller/Bordereau/BlocBordereau/DteBordEm", "2027-02-30"),
    (5, "PES_RecetteAller/Bordereau/BlocBordereau/TypBord", "02"),
    (5, "PES_RecetteAller/Bordereau/BlocBordereau/NbrPce", "3"),
    (5, "PES_RecetteAller/Bordereau/BlocBordereau/MtBordHt", "63.41"),
    (6, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/BlocLignePiece/InfoLignePiece/MtHT", "35,00"),
    (6, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/BlocLignePiece/InfoLignePiece/MtHT", "0.00"),
    (7, "PES_RecetteAller/Bordereau/Piece/BlocPiece/IdPce", "0"),
    (7, "PES_RecetteAller/Bordereau/Piece/BlocPiece/IdPce", "2"),
    (7, "PES_RecetteAller/Bordereau/Piece/BlocPiece/TypPce", "15"),
    (7, "PES_RecetteAller/Bordereau/Piece/BlocPiece/NatPce", "05"),
    (7, "PES_RecetteAller/Bordereau/Piece/BlocPiece/Edition", "03"),
    (7, "PES_RecetteAller/Bordereau/Piece/BlocPiece/ObjPce", "x" * 161),
    (7, "PES_RecetteAller/Bordereau/Piece/BlocPiece/NumeroFacture", "x" * 21),
    (8, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/BlocLignePiece/InfoLignePiece/IdLigne", "2"),
    (8, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/BlocLignePiece/InfoLignePiece/ObjLignePce", "x" * 161),
    (8, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/BlocLignePiece/InfoLignePiece/CodProdLoc", "CANTI"),
    (8, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/BlocLignePiece/InfoLignePiece/CodProdLoc", "cant"),
    (8, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/BlocLignePiece/InfoLignePiece/Nature", "70-67"),
    (8, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/BlocLignePiece/InfoLignePiece/Fonction", "25100000001"),
    (8, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/BlocLignePiece/InfoLignePiece/Majo", "1"),
    (8, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/BlocLignePiece/InfoLignePiece/TvaIntraCom", "1"),
    (9, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/Tiers/InfoTiers/CatTiers", "23"),
    (9, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/Tiers/InfoTiers/NatJur", "03"),
    (9, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/Tiers/InfoTiers/TypTiers", "04"),
    (9, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/Tiers/InfoTiers/Nom", "Dupont"),
    (9, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/Tiers/InfoTiers/Nom", "DUPONTÉ"),
    (9, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/Tiers/InfoTiers/Nom", "X" * 39),
    (9, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/Tiers/InfoTiers/Prenom", "HÉLÈNE"),
    (9, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/Tiers/InfoTiers/Civilite", "MADEMOISELLE"),
    (10, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/Tiers/Adresse/TypAdr", "2"),
    (10, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/Tiers/Adresse/Adr2", "3, rue de l'Église"),
    (10, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/Tiers/Adresse/CP", "1234"),
    (10, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/Tiers/Adresse/Ville", "X" * 39),
    (10, "PES_RecetteAller/Bordereau/Piece/LigneDePiece/Tiers/Adresse/CodRes", "1"),
    (12, "PES_PJ/EnTetePES_PJ/IdVer", "2"),
    (12, "PES_PJ/PJ/IdUnique", "FACT0"),
    (12, "PES_PJ/PJ/NomPJ", "facture.doc"),
    (12, "PES_RecetteAller/Bordereau/Piece/BlocPiece/PJRef/Support", "02"),
]
SEPA = "PES_RecetteAller/Bordereau/Piece[2]/LigneDePiece/BlocLignePiece/InfoPrelevementSEPA"
ACCOUNT = "PES_RecetteAller/Bordereau/Piece[2]/LigneDePiece/Tiers/CpteBancaire"
BREAKS += [
    (11, f"{SEPA}/NatPrel", "03"),
    (11, f"{SEPA}/PerPrel", "02"),
    (11, f"{SEPA}/DtePrel", "2027-03-04"),
    (11, f"{SEPA}/MtPrel", "20.01"),
    (11, f"{SEPA}/SequencePres", "01"),
    (11, f"{SEPA}/DateSignMandat", "2027-03-06"),
    (11, f"{SEPA}/RefUniMdt", "ARD_1"),
    (11, f"{SEPA}/RefUniMdt", "A" * 36),
    (11, f"{SEPA}/LibPrel", "Facture n°1"),
    (11, f"{ACCOUNT}/IBAN", "fr7630006000011234567890189"),
    (11, f"{ACCOUNT}/IBAN", "FR7630006000011234567890188"),
    (11, f"{ACCOUNT}/BIC", "AGRIFRP"),
    (11, f"{ACCOUNT}/TitCpte", "X" * 33),
]


@pytest.mark.parametrize(("rule", "path", "value"), BREAKS)
def test_it_checks_each_rule(rule: int, path: str, value: str) -> None:
    root = pes.document(bordereau())
    assert pes.check(root) == []
    element = root.find(path)
    assert element is not None, path
    element.set("V", value)

    errors = pes.check(root)

    assert any(error.startswith(f"règle {rule},") for error in errors), errors


def test_it_checks_that_the_root_is_pes_aller() -> None:
    root = pes.document(bordereau())
    root.tag = "PES_Retour"

    assert pes.check(root)[0].startswith("règle 1,")


def test_it_checks_the_encoding_of_the_bytes() -> None:
    data = pes.build(bordereau()).replace(b"encoding='ISO-8859-1'", b"encoding='UTF-8'", 1)

    assert any(error.startswith("règle 1,") for error in pes.check(data.decode("iso-8859-1").encode("utf-8")))


def test_it_checks_that_a_mandated_line_has_the_debtors_account() -> None:
    root = pes.document(bordereau())
    account = root.find(ACCOUNT)
    account.getparent().remove(account)

    assert any(error.startswith("règle 11,") for error in pes.check(root))


def test_it_checks_that_an_attachment_is_a_pdf() -> None:
    root = pes.document(bordereau())
    root.find("PES_PJ/PJ/Contenu/Fichier").text = base64.b64encode(b"not a pdf").decode()

    assert any(error.startswith("règle 12,") for error in pes.check(root))


def test_it_checks_that_a_referenced_attachment_is_there() -> None:
    root = pes.document(bordereau())
    block = root.find("PES_PJ")
    root.remove(block)

    assert any("citée mais absente" in error for error in pes.check(root))


# Pure rules, for any input.

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2)


@given(st.lists(amounts, min_size=1, max_size=8), st.data())
def test_due_lines_ask_exactly_the_amount_without_zero_or_growing_lines(
    values: list[Decimal], data: st.DataObject
) -> None:
    lines = tuple(line(str(value)) for value in values)
    total = sum(values, Decimal("0.00"))
    amount = data.draw(st.decimals(min_value=Decimal("0.00"), max_value=total, places=2))

    kept = due_lines(lines, amount)

    assert sum((value for _, value in kept), Decimal("0.00")) == amount
    assert all(Decimal("0.00") < value <= item.amount for item, value in kept)
    # What is taken off comes from the last lines: the first kept lines are whole.
    assert all(value == item.amount for item, value in kept[:-1])


@given(st.text(max_size=80), st.integers(min_value=1, max_value=60))
def test_postal_text_is_upper_case_ascii_within_its_length(value: str, length: int) -> None:
    text = pes.postal_text(value, length)

    assert re.fullmatch(r"[A-Z0-9 -]*", text)
    assert len(text) <= length
    assert text == text.strip()


@given(st.text(max_size=200))
def test_latin1_text_can_always_be_written_in_iso_8859_1(value: str) -> None:
    text = pes.latin1_text(value, 160)

    text.encode("iso-8859-1")
    assert len(text) <= 160
    assert not any(ord(char) < 32 for char in text)


digits = st.text(alphabet="0123456789", min_size=13, max_size=13)


@given(digits)
def test_a_siret_has_exactly_one_right_key(head: str) -> None:
    keys = [key for key in "0123456789" if pes.siret_key_is_valid(head + key)]

    assert len(keys) == 1 or head.startswith("356000000")


@given(digits, st.integers(min_value=0, max_value=13), st.integers(min_value=1, max_value=9))
def test_a_siret_with_one_digit_changed_is_refused(head: str, position: int, shift: int) -> None:
    assume(not head.startswith("356000000"))
    [key] = [key for key in "0123456789" if pes.siret_key_is_valid(head + key)]
    siret = head + key
    changed = siret[:position] + str((int(siret[position]) + shift) % 10) + siret[position + 1 :]

    assert not pes.siret_key_is_valid(changed)


def test_it_knows_la_postes_siret_rule() -> None:
    # 3 + 5 + 6 + 4 + 7 = 25, a multiple of 5 (Luhn would refuse it).
    assert pes.siret_key_is_valid("35600000000047")
    assert not pes.siret_key_is_valid("35600000000048")


def test_it_checks_iban_keys() -> None:
    assert pes.iban_key_is_valid("FR7630006000011234567890189")
    assert pes.iban_key_is_valid("DE89370400440532013000")
    assert not pes.iban_key_is_valid("FR7630006000011234567890198")
