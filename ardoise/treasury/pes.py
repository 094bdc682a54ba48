"""The PES V2 "Aller Recette" file (titres de recette for the DGFiP's Hélios), built from plain data.

`build(bordereau)` returns the ISO-8859-1 XML bytes of one bordereau of titres ordinaires: one pièce
per invoice (its `Title`), one ligne de pièce per invoice line with its product code (CodProdLoc),
its imputation (Nature, Fonction) and the debtor (Tiers), the SEPA block (InfoPrelevementSEPA and the
debtor's account) when the family has an active mandate, and the invoices' PDFs attached in PES_PJ,
each referenced from its pièce (PJRef). No database here: the caller gathers the data.

The DGFiP publishes the PES V2 schemas as one archive of some forty interdependent XSD files; only a
part of them could be found in the public sources available to this project, not enough to validate
against (PES_Aller.xsd imports the budget, expense, role, asset and signature schemas). So the rules
of the specification ("PES V2 Recette Aller", cahier des charges des flux, and its annexe on the tiers
and the SEPA block) that a file of ours can break are written down and checked by `check()`, which
`build()` runs on every file: a file that fails is never produced (`InvalidFile` says why). Each of
these rules has its own test (tests/treasury/test_pes.py). They are:

 1. the root is n:PES_Aller in the namespace of PES V2 Rev0 aller; the file is ISO-8859-1 and every
    value can be written in it; no value is empty;
 2. Enveloppe: Version 2, TypFic PESALR1, NomFic a file name ending in .xml, at most 100 characters;
 3. EnTetePES: DteStr a date; IdPost 6 or 7 digits; IdColl (SIRET) 14 digits whose check key is right
    (Luhn; the sum of the digits a multiple of 5 for La Poste's SIREN 356000000); CodCol 3 upper-case
    letters or digits; CodBud 2 upper-case letters or digits; LibelleColBud 1 to 38 characters;
 4. EnTeteRecette: IdVer 2, InfoDematerialisee 0 (the file is not signed);
 5. BlocBordereau: Exer 4 digits; IdBord 1 to 7 digits, not 0; DteBordEm a date; TypBord 01
    (ordinaire); NbrPce the number of pièces, 1 to 99999; MtBordHt the sum of the lines' MtHT;
 6. amounts (MtBordHt, MtHT, MtPrel) are written 0.00 with at most 12 digits before the point and
    are above 0.00;
 7. BlocPiece: IdPce 1 to 8 digits, not 0, unique in the bordereau; TypPce 01 (titre ordinaire);
    NatPce 01 (fonctionnement); Edition 01 (avis des sommes à payer edited by Hélios); ObjPce 1 to 160
    characters; NumeroFacture at most 20 characters;
 8. InfoLignePiece: IdLigne 1 to 6 digits, not 0, unique in its pièce; ObjLignePce 1 to 160
    characters; CodProdLoc 1 to 4 upper-case letters or digits; Nature 1 to 10 and Fonction at most
    10 upper-case letters or digits; Majo and TvaIntraCom 0;
 9. InfoTiers: CatTiers and NatJur one of the pairs of the grid the file uses (01/01: a private
    person); TypTiers 01 (débiteur principal); Civilite at most 10, Nom 1 to 38, Prenom at most 38
    characters, in the postal norm: upper case without accents, letters, digits, spaces and hyphens;
10. Adresse: TypAdr 1 (principale); Adr2 1 to 38 and Ville 1 to 38 characters in the postal norm;
    CP 5 digits; CodRes 0 (resident in France);
11. InfoPrelevementSEPA: NatPrel 01 (the Trésor debits); PerPrel 07 (unique); DtePrel a date not
    before DteBordEm; MtPrel equal to the line's MtHT; SequencePres 02 (FRST) or 03 (RCUR);
    DateSignMandat a date not after DteBordEm; RefUniMdt 1 to 35 and LibPrel 1 to 140 characters of
    the SEPA set; CpteBancaire: IBAN upper case (2 letters, 2 digits, up to 30 letters or digits) with
    right check digits (ISO 13616, MOD 97-10), BIC
    8 or 11 characters when given, TitCpte 1 to 32 characters;
12. PES_PJ: IdVer 1; each PJ holds a base64 PDF (Fichier, MIMEType application/pdf), an IdUnique
    referenced by exactly one PJRef, a NomPJ ending in .pdf (at most 100 characters); each PJRef
    names a PJ of the file.
"""

import base64
import binascii
import datetime
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

from ardoise.directdebit.banking import sepa_text

from .titles import Title, TitleLine, due_lines

NAMESPACE = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller"
ENCODING = "ISO-8859-1"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Days between the bordereau and the earliest debit of a handed-over title: the debtor's pre-notification.
DEBIT_NOTICE_DAYS = 14
# CatTiers / NatJur pairs of the grid this file uses: a private person.
TIERS_PAIRS = frozenset({("01", "01")})
SEQUENCE_CODES = {False: "02", True: "03"}  # first debit under the mandate (FRST), or recurrent (RCUR)
# TypePJ of an invoice attached to its title.
INVOICE_ATTACHMENT_TYPE = "007"


class InvalidFile(ValueError):
    """The file would break the specification's rules; `errors` are the broken ones, in French."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Collectivity:
    """The town as Hélios knows it (EnTetePES)."""

    siret: str
    collectivity_code: str
    budget_code: str
    accounting_post_code: str
    label: str


@dataclass(frozen=True, slots=True)
class Piece:
    """One title of the bordereau and the euros it asks (its invoice's total less what was credited,
    or less what was also paid when it is handed over)."""

    title: Title
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Bordereau:
    collectivity: Collectivity
    # Exercice and number of the bordereau (IdBord).
    year: int
    number: int
    issued_on: datetime.date
    # Objet of the pièces: "Restauration et accueil périscolaire", completed with each invoice's period.
    subject: str
    pieces: Sequence[Piece]
    # The PDF of each invoice, by invoice id; an invoice without one is sent without attachment.
    attachments: Mapping[int, bytes] = field(default_factory=dict)


# Text


_POSTAL_REPLACEMENTS = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O"})


def postal_text(value: str, max_length: int) -> str:
    """`value` in the postal norm of the tiers' fields: upper case without accents, letters, digits,
    spaces and hyphens only, at most `max_length` characters ("Chloé d'Aubigné" → "CHLOE D AUBIGNE")."""
    decomposed = unicodedata.normalize("NFKD", (value or "").translate(_POSTAL_REPLACEMENTS))
    kept = [
        char if (char.isascii() and char.isalnum()) or char == "-" else " "
        for char in decomposed
        if not unicodedata.combining(char)
    ]
    return re.sub(r"\s+", " ", "".join(kept)).strip().upper()[:max_length].strip()


def latin1_text(value: str, max_length: int) -> str:
    """Free text that ISO-8859-1 can hold: characters it lacks are transliterated (œ → oe, ’ → ')
    or dropped, control characters and runs of spaces become one space."""
    text = (value or "").translate(_POSTAL_REPLACEMENTS).translate({0x2019: "'", 0x2018: "'", 0x2013: "-", 0x2014: "-"})
    kept = []
    for char in text:
        if unicodedata.category(char).startswith("C"):
            kept.append(" ")
            continue
        try:
            char.encode(ENCODING)
        except UnicodeEncodeError:
            char = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            char = char if char.isascii() else ""
        kept.append(char)
    return re.sub(r"\s+", " ", "".join(kept)).strip()[:max_length].strip()


def amount_text(value: Decimal) -> str:
    return f"{value.quantize(CENT):.2f}"


def code_text(value: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", (value or "").upper())


# Check keys


def siret_key_is_valid(siret: str) -> bool:
    """Whether a SIRET's check key is right: 14 digits passing the Luhn algorithm, or for La Poste's
    establishments (SIREN 356000000, whose SIRETs break Luhn) digits summing to a multiple of 5."""
    if not re.fullmatch(r"[0-9]{14}", siret or ""):
        return False
    if siret.startswith("356000000"):
        return sum(int(digit) for digit in siret) % 5 == 0
    total = 0
    for position, char in enumerate(reversed(siret)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def iban_key_is_valid(iban: str) -> bool:
    """Whether an IBAN's check digits are right (ISO 13616: the country and check digits moved to the
    end, letters as 10…35, the number modulo 97 is 1)."""
    compact = (iban or "").replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}", compact):
        return False
    return int("".join(str(int(char, 36)) for char in compact[4:] + compact[:4])) % 97 == 1


# Amounts


def debit_date(due_on: datetime.date, issued_on: datetime.date) -> datetime.date:
    """When the Trésor may debit a title: its due date, but never less than DEBIT_NOTICE_DAYS after
    the bordereau (the debtor is told first)."""
    return max(due_on, issued_on + datetime.timedelta(days=DEBIT_NOTICE_DAYS))


def file_name(collectivity: Collectivity, year: int, number: int) -> str:
    return (
        f"PES_{code_text(collectivity.collectivity_code)}{code_text(collectivity.budget_code)}_{year}_{number:07d}.xml"
    )


def attachment_name(title: Title) -> str:
    return f"FACTURE_{re.sub(r'[^A-Za-z0-9-]', '-', title.number)}.pdf"


def attachment_id(title: Title) -> str:
    return f"FACT{re.sub(r'[^0-9]', '', title.number)}"


# Building


def _sub(parent: etree._Element, tag: str, value: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if value is not None:
        element.set("V", value)
    return element


def _piece_subject(bordereau: Bordereau, title: Title) -> str:
    period = f"{title.period_start:%d/%m/%Y} au {title.period_end:%d/%m/%Y}"
    return latin1_text(f"{bordereau.subject} - facture {title.number} du {period}", 160)


def _line_subject(line: TitleLine) -> str:
    who = f"{line.child_name} - " if line.child_name else ""
    return latin1_text(f"{who}{line.label}", 160) or latin1_text(line.activity_label, 160) or "PRESTATION"


def _tiers(parent: etree._Element, title: Title) -> None:
    debtor = title.debtor
    tiers = _sub(parent, "Tiers")
    info = _sub(tiers, "InfoTiers")
    reference = postal_text(debtor.family_number, 30)
    if reference:
        _sub(info, "RefTiers", reference)
    _sub(info, "CatTiers", debtor.category)
    _sub(info, "NatJur", debtor.legal_nature)
    _sub(info, "TypTiers", "01")
    civility = postal_text(debtor.civility, 10)
    if civility:
        _sub(info, "Civilite", civility)
    _sub(info, "Nom", postal_text(debtor.last_name, 38))
    first_name = postal_text(debtor.first_name, 38)
    if first_name:
        _sub(info, "Prenom", first_name)
    address = _sub(tiers, "Adresse")
    _sub(address, "TypAdr", "1")
    _sub(address, "Adr2", postal_text(debtor.address.street, 38))
    _sub(address, "CP", re.sub(r"\s", "", debtor.address.postcode))
    _sub(address, "Ville", postal_text(debtor.address.city, 38))
    _sub(address, "CodRes", "0")
    if title.direct_debit is not None:
        account = _sub(tiers, "CpteBancaire")
        if title.direct_debit.bic:
            _sub(account, "BIC", title.direct_debit.bic.upper())
        _sub(account, "IBAN", title.direct_debit.iban.replace(" ", "").upper())
        _sub(account, "TitCpte", postal_text(title.direct_debit.debtor_name, 32))


def _piece(root: etree._Element, bordereau: Bordereau, number: int, piece: Piece) -> None:
    title = piece.title
    element = _sub(root, "Piece")
    block = _sub(element, "BlocPiece")
    _sub(block, "IdPce", str(number))
    _sub(block, "TypPce", "01")
    _sub(block, "NatPce", "01")
    _sub(block, "Edition", "01")
    _sub(block, "ObjPce", _piece_subject(bordereau, title))
    if title.invoice_id in bordereau.attachments:
        reference = _sub(block, "PJRef")
        _sub(reference, "Support", "01")
        _sub(reference, "IdUnique", attachment_id(title))
        _sub(reference, "NomPJ", attachment_name(title))
    _sub(block, "NumeroFacture", latin1_text(title.number, 20))
    for index, (line, amount) in enumerate(due_lines(title.lines, piece.amount), start=1):
        row = _sub(element, "LigneDePiece")
        line_block = _sub(row, "BlocLignePiece")
        info = _sub(line_block, "InfoLignePiece")
        _sub(info, "IdLigne", str(index))
        _sub(info, "ObjLignePce", _line_subject(line))
        imputation = line.imputation
        _sub(info, "CodProdLoc", code_text(imputation.code) if imputation else "")
        _sub(info, "Nature", code_text(imputation.nature) if imputation else "")
        if imputation and code_text(imputation.function):
            _sub(info, "Fonction", code_text(imputation.function))
        _sub(info, "Majo", "0")
        _sub(info, "TvaIntraCom", "0")
        _sub(info, "MtHT", amount_text(amount))
        if title.direct_debit is not None:
            debit = title.direct_debit
            sepa = _sub(line_block, "InfoPrelevementSEPA")
            _sub(sepa, "NatPrel", "01")
            _sub(sepa, "PerPrel", "07")
            _sub(sepa, "DtePrel", debit_date(title.due_on, bordereau.issued_on).isoformat())
            _sub(sepa, "MtPrel", amount_text(amount))
            _sub(sepa, "SequencePres", SEQUENCE_CODES[debit.first_collection_done])
            _sub(sepa, "DateSignMandat", debit.signed_on.isoformat())
            _sub(sepa, "RefUniMdt", sepa_text(debit.mandate_reference, 35))
            _sub(sepa, "LibPrel", sepa_text(f"Facture {title.number} {bordereau.collectivity.label}", 140))
        _tiers(row, title)


def _attachments(root: etree._Element, bordereau: Bordereau) -> None:
    attached = [piece.title for piece in bordereau.pieces if piece.title.invoice_id in bordereau.attachments]
    if not attached:
        return
    block = _sub(root, "PES_PJ")
    _sub(_sub(block, "EnTetePES_PJ"), "IdVer", "1")
    for title in attached:
        attachment = _sub(block, "PJ")
        content = etree.SubElement(_sub(attachment, "Contenu"), "Fichier", MIMEType="application/pdf")
        content.text = base64.b64encode(bordereau.attachments[title.invoice_id]).decode("ascii")
        _sub(attachment, "IdUnique", attachment_id(title))
        _sub(attachment, "NomPJ", attachment_name(title))
        _sub(attachment, "TypePJ", INVOICE_ATTACHMENT_TYPE)
        _sub(attachment, "Description", latin1_text(f"Facture {title.number}", 100))


def document(bordereau: Bordereau) -> etree._Element:
    """The PES_Aller tree of `bordereau`, not checked (see `build`)."""
    collectivity = bordereau.collectivity
    root = etree.Element(f"{{{NAMESPACE}}}PES_Aller", nsmap={"n": NAMESPACE})
    envelope = _sub(root, "Enveloppe")
    parameters = _sub(envelope, "Parametres")
    _sub(parameters, "Version", "2")
    _sub(parameters, "TypFic", "PESALR1")
    _sub(parameters, "NomFic", file_name(collectivity, bordereau.year, bordereau.number))
    sender = _sub(envelope, "Emetteur")
    _sub(sender, "Sigle", "ARDOISE")
    _sub(sender, "Adresse", "ARDOISE")
    header = _sub(root, "EnTetePES")
    _sub(header, "DteStr", bordereau.issued_on.isoformat())
    _sub(header, "IdPost", collectivity.accounting_post_code)
    _sub(header, "IdColl", collectivity.siret)
    _sub(header, "CodCol", collectivity.collectivity_code)
    _sub(header, "CodBud", collectivity.budget_code)
    _sub(header, "LibelleColBud", postal_text(collectivity.label, 38))
    receipts = _sub(root, "PES_RecetteAller")
    receipts_header = _sub(receipts, "EnTeteRecette")
    _sub(receipts_header, "IdVer", "2")
    _sub(receipts_header, "InfoDematerialisee", "0")
    slip = _sub(receipts, "Bordereau")
    block = _sub(slip, "BlocBordereau")
    _sub(block, "Exer", str(bordereau.year))
    _sub(block, "IdBord", str(bordereau.number))
    _sub(block, "DteBordEm", bordereau.issued_on.isoformat())
    _sub(block, "TypBord", "01")
    _sub(block, "NbrPce", str(len(bordereau.pieces)))
    _sub(block, "MtBordHt", amount_text(sum((piece.amount for piece in bordereau.pieces), ZERO)))
    for number, piece in enumerate(bordereau.pieces, start=1):
        _piece(slip, bordereau, number, piece)
    _attachments(root, bordereau)
    return root


def serialize(root: etree._Element) -> bytes:
    data: bytes = etree.tostring(root, xml_declaration=True, encoding=ENCODING, pretty_print=True)
    return data


def build(bordereau: Bordereau) -> bytes:
    """The PES V2 Aller Recette file of `bordereau` (ISO-8859-1 bytes), checked; or InvalidFile."""
    if not bordereau.pieces:
        raise InvalidFile(["Aucun titre à transmettre."])
    root = document(bordereau)
    errors = check(root)
    if errors:
        raise InvalidFile(errors)
    return serialize(root)


# Checking: the rules of the module's docstring, numbered as there.

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_AMOUNT = re.compile(r"^[0-9]{1,12}\.[0-9]{2}$")
_POSTAL = re.compile(r"^[A-Z0-9 -]*$")
_CODE = re.compile(r"^[A-Z0-9]+$")
_SEPA = re.compile(r"^[0-9A-Za-z/?:().,'+ -]+$")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$")
_BIC = re.compile(r"^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$")


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, rule: int, element: etree._Element | None, message: str) -> None:
        where = f"{element.tag} (ligne {element.sourceline})" if element is not None else "fichier"
        self.errors.append(f"règle {rule}, {where} : {message}")

    def value(self, parent: etree._Element, path: str, rule: int, *, required: bool = True) -> str | None:
        element = parent.find(path)
        if element is None:
            if required:
                self.fail(rule, parent, f"{path} manque")
            return None
        value: str | None = element.get("V")
        return value

    def match(
        self,
        parent: etree._Element,
        path: str,
        rule: int,
        pattern: re.Pattern[str] | str,
        *,
        length: tuple[int, int] | None = None,
        required: bool = True,
    ) -> str | None:
        value = self.value(parent, path, rule, required=required)
        if value is None:
            return None
        element = parent.find(path)
        compiled = re.compile(f"^(?:{pattern})$") if isinstance(pattern, str) else pattern
        if not compiled.match(value):
            self.fail(rule, element, f"« {value} » ne respecte pas le format attendu")
        if length is not None and not length[0] <= len(value) <= length[1]:
            self.fail(rule, element, f"« {value} » doit avoir de {length[0]} à {length[1]} caractères")
        return value

    def date(self, parent: etree._Element, path: str, rule: int) -> datetime.date | None:
        value = self.match(parent, path, rule, _DATE)
        try:
            return datetime.date.fromisoformat(value) if value else None
        except ValueError:
            self.fail(rule, parent.find(path), f"« {value} » n'est pas une date")
            return None

    def amount(self, parent: etree._Element, path: str, rule: int = 6) -> Decimal:
        value = self.match(parent, path, rule, _AMOUNT)
        if value is None or not _AMOUNT.match(value):
            return ZERO
        amount = Decimal(value)
        if amount <= ZERO:
            self.fail(6, parent.find(path), "un montant doit être supérieur à 0,00")
        return amount

    def number(self, parent: etree._Element, path: str, rule: int, digits: int) -> int | None:
        value = self.match(parent, path, rule, rf"[0-9]{{1,{digits}}}")
        if value is None or not value.isdigit() or len(value) > digits:
            return None
        if int(value) == 0:
            self.fail(rule, parent.find(path), "doit être supérieur à 0")
        return int(value)


def _check_values(checker: _Checker, root: etree._Element) -> None:
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if name == "V" and value == "":
                checker.fail(1, element, "valeur vide")
            try:
                value.encode(ENCODING)
            except UnicodeEncodeError:
                checker.fail(1, element, f"« {value} » ne s'écrit pas en ISO-8859-1")


def _check_sepa(checker: _Checker, line: etree._Element, mtht: Decimal, issued_on: datetime.date | None) -> None:
    sepa = line.find("InfoPrelevementSEPA")
    if sepa is None:
        return
    checker.match(sepa, "NatPrel", 11, "01")
    checker.match(sepa, "PerPrel", 11, "07")
    debit_on = checker.date(sepa, "DtePrel", 11)
    if debit_on and issued_on and debit_on < issued_on:
        checker.fail(11, sepa.find("DtePrel"), "la date de prélèvement précède le bordereau")
    if checker.amount(sepa, "MtPrel") != mtht:
        checker.fail(11, sepa.find("MtPrel"), "le montant prélevé diffère de celui de la ligne")
    checker.match(sepa, "SequencePres", 11, "0[23]")
    signed_on = checker.date(sepa, "DateSignMandat", 11)
    if signed_on and issued_on and signed_on > issued_on:
        checker.fail(11, sepa.find("DateSignMandat"), "le mandat est signé après le bordereau")
    checker.match(sepa, "RefUniMdt", 11, _SEPA, length=(1, 35))
    checker.match(sepa, "LibPrel", 11, _SEPA, length=(1, 140))


def _check_tiers(checker: _Checker, row: etree._Element, mandated: bool) -> None:
    tiers = row.find("Tiers")
    if tiers is None:
        checker.fail(9, row, "Tiers manque")
        return
    info = tiers.find("InfoTiers")
    if info is None:
        checker.fail(9, tiers, "InfoTiers manque")
        return
    pair = (checker.value(info, "CatTiers", 9), checker.value(info, "NatJur", 9))
    if pair not in TIERS_PAIRS:
        checker.fail(9, info, f"catégorie et nature juridique {pair[0]}/{pair[1]} non prévues")
    checker.match(info, "TypTiers", 9, "01")
    checker.match(info, "Civilite", 9, _POSTAL, length=(1, 10), required=False)
    checker.match(info, "Nom", 9, _POSTAL, length=(1, 38))
    checker.match(info, "Prenom", 9, _POSTAL, length=(1, 38), required=False)
    address = tiers.find("Adresse")
    if address is None:
        checker.fail(10, tiers, "Adresse manque")
    else:
        checker.match(address, "TypAdr", 10, "1")
        checker.match(address, "Adr2", 10, _POSTAL, length=(1, 38))
        checker.match(address, "CP", 10, "[0-9]{5}")
        checker.match(address, "Ville", 10, _POSTAL, length=(1, 38))
        checker.match(address, "CodRes", 10, "0")
    account = tiers.find("CpteBancaire")
    if mandated and account is None:
        checker.fail(11, tiers, "le compte du débiteur manque pour le prélèvement")
    if account is not None:
        iban = checker.match(account, "IBAN", 11, _IBAN, length=(5, 34))
        if iban and _IBAN.match(iban) and not iban_key_is_valid(iban):
            checker.fail(11, account.find("IBAN"), f"la clé de contrôle de l'IBAN « {iban} » est fausse")
        checker.match(account, "BIC", 11, _BIC, required=False)
        checker.match(account, "TitCpte", 11, _POSTAL, length=(1, 32))


def _check_piece(
    checker: _Checker, piece: etree._Element, issued_on: datetime.date | None, seen: set[int], references: list[str]
) -> Decimal:
    block = piece.find("BlocPiece")
    if block is None:
        checker.fail(7, piece, "BlocPiece manque")
        return ZERO
    number = checker.number(block, "IdPce", 7, 8)
    if number is not None:
        if number in seen:
            checker.fail(7, block.find("IdPce"), f"la pièce {number} figure deux fois")
        seen.add(number)
    checker.match(block, "TypPce", 7, "01")
    checker.match(block, "NatPce", 7, "01")
    checker.match(block, "Edition", 7, "01")
    checker.match(block, "ObjPce", 7, r".*", length=(1, 160))
    checker.match(block, "NumeroFacture", 7, r".*", length=(1, 20), required=False)
    for reference in block.findall("PJRef"):
        checker.match(reference, "Support", 12, "01")
        unique = checker.value(reference, "IdUnique", 12)
        if unique:
            references.append(unique)
    rows = piece.findall("LigneDePiece")
    if not rows:
        checker.fail(8, piece, "la pièce n'a pas de ligne")
    total = ZERO
    lines: set[int] = set()
    for row in rows:
        line = row.find("BlocLignePiece")
        info = line.find("InfoLignePiece") if line is not None else None
        if line is None or info is None:
            checker.fail(8, row, "InfoLignePiece manque")
            continue
        index = checker.number(info, "IdLigne", 8, 6)
        if index is not None:
            if index in lines:
                checker.fail(8, info.find("IdLigne"), f"la ligne {index} figure deux fois")
            lines.add(index)
        checker.match(info, "ObjLignePce", 8, r".*", length=(1, 160))
        checker.match(info, "CodProdLoc", 8, _CODE, length=(1, 4))
        checker.match(info, "Nature", 8, _CODE, length=(1, 10))
        checker.match(info, "Fonction", 8, _CODE, length=(1, 10), required=False)
        checker.match(info, "Majo", 8, "0")
        checker.match(info, "TvaIntraCom", 8, "0")
        mtht = checker.amount(info, "MtHT")
        total += mtht
        _check_sepa(checker, line, mtht, issued_on)
        _check_tiers(checker, row, line.find("InfoPrelevementSEPA") is not None)
    return total


def _check_attachments(checker: _Checker, root: etree._Element, references: list[str]) -> None:
    block = root.find("PES_PJ")
    attached: list[str] = []
    if block is not None:
        checker.match(block, "EnTetePES_PJ/IdVer", 12, "1")
        for attachment in block.findall("PJ"):
            content = attachment.find("Contenu/Fichier")
            if content is None or content.get("MIMEType") != "application/pdf":
                checker.fail(12, attachment, "le fichier joint doit être un PDF")
            else:
                try:
                    data = base64.b64decode(content.text or "", validate=True)
                except binascii.Error:
                    data = b""
                if not data.startswith(b"%PDF"):
                    checker.fail(12, content, "le contenu n'est pas un PDF en base64")
            unique = checker.value(attachment, "IdUnique", 12)
            if unique:
                attached.append(unique)
            checker.match(attachment, "NomPJ", 12, r"[A-Za-z0-9_.-]+\.pdf", length=(5, 100))
    for unique in sorted(set(references) - set(attached)):
        checker.fail(12, None, f"la pièce jointe {unique} est citée mais absente")
    for unique in sorted(set(attached) - set(references)):
        checker.fail(12, None, f"la pièce jointe {unique} n'est citée par aucune pièce")
    for unique in sorted({u for u in references if references.count(u) > 1}):
        checker.fail(12, None, f"la pièce jointe {unique} est citée plusieurs fois")


def check(root: etree._Element | bytes) -> list[str]:
    """The broken rules of the module's docstring, in French ([] when the file follows them all)."""
    checker = _Checker()
    if isinstance(root, bytes):
        if not root.startswith(b"<?xml version='1.0' encoding='" + ENCODING.encode() + b"'?>"):
            checker.fail(1, None, "le fichier doit être encodé en ISO-8859-1")
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        root = etree.fromstring(root, parser)
    if root.tag != f"{{{NAMESPACE}}}PES_Aller":
        checker.fail(1, root, "la racine doit être n:PES_Aller de l'espace de noms PES V2 aller")
        return checker.errors
    _check_values(checker, root)
    checker.match(root, "Enveloppe/Parametres/Version", 2, "2")
    checker.match(root, "Enveloppe/Parametres/TypFic", 2, "PESALR1")
    checker.match(root, "Enveloppe/Parametres/NomFic", 2, r"[A-Za-z0-9_.-]+\.xml", length=(5, 100))
    header = root.find("EnTetePES")
    if header is None:
        checker.fail(3, root, "EnTetePES manque")
        return checker.errors
    checker.date(header, "DteStr", 3)
    checker.match(header, "IdPost", 3, "[0-9]{6,7}")
    siret = checker.match(header, "IdColl", 3, "[0-9]{14}")
    if siret and re.fullmatch("[0-9]{14}", siret) and not siret_key_is_valid(siret):
        checker.fail(3, header.find("IdColl"), f"la clé de contrôle du SIRET « {siret} » est fausse")
    checker.match(header, "CodCol", 3, "[0-9A-Z]{3}")
    checker.match(header, "CodBud", 3, "[0-9A-Z]{2}")
    checker.match(header, "LibelleColBud", 3, _POSTAL, length=(1, 38))
    receipts = root.find("PES_RecetteAller")
    if receipts is None:
        checker.fail(4, root, "PES_RecetteAller manque")
        return checker.errors
    checker.match(receipts, "EnTeteRecette/IdVer", 4, "2")
    checker.match(receipts, "EnTeteRecette/InfoDematerialisee", 4, "0")
    references: list[str] = []
    for slip in receipts.findall("Bordereau"):
        block = slip.find("BlocBordereau")
        if block is None:
            checker.fail(5, slip, "BlocBordereau manque")
            continue
        checker.match(block, "Exer", 5, "[0-9]{4}")
        checker.number(block, "IdBord", 5, 7)
        issued_on = checker.date(block, "DteBordEm", 5)
        checker.match(block, "TypBord", 5, "01")
        pieces = slip.findall("Piece")
        count = checker.number(block, "NbrPce", 5, 5)
        if count is not None and count != len(pieces):
            checker.fail(5, block.find("NbrPce"), f"{count} pièces annoncées, {len(pieces)} présentes")
        announced = checker.amount(block, "MtBordHt")
        seen: set[int] = set()
        total = sum((_check_piece(checker, piece, issued_on, seen, references) for piece in pieces), ZERO)
        if announced != total:
            checker.fail(5, block.find("MtBordHt"), f"{announced} annoncés, {total} dans les lignes")
    _check_attachments(checker, root, references)
    return checker.errors
