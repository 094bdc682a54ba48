"""The JVS Millésime (Millésime Online) import file of a batch of titles.

Millésime imports a PES V2 "Aller Recette"-shaped XML file whose lines carry JVS's own
`JVS_…` elements (the invoice's number, period, quantity and unit price); it then issues the
titres and sends them on to Hélios. `build(batch)` returns that file, ISO-8859-1, every value
in a `V` attribute; element by element: docs/finance-exports.md. Pure: no database, no clock.
Not validated against the PES XSD, which does not know the `JVS_…` elements.
"""

from lxml import etree

from ardoise.billing.money import ZERO

from .batch import Batch, check
from .magnus import CIVILITIES, piece_object
from .plain_text import amount, upper_text
from .titles import due_lines

NAMESPACE = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller"
ENCODING = "ISO-8859-1"
# The emitter's name in the envelope (Sigle).
EMITTER = "ARDOISE"


def _add(parent: etree._Element, tag: str, value: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if value is not None:
        element.set("V", value)
    return element


def file_name(batch: Batch) -> str:
    return f"jvs-{batch.reference}.xml"


def build(batch: Batch) -> bytes:
    check(batch, needs_siret=True, needs_address=True)
    titles = batch.due_titles
    dated = batch.dated.isoformat()
    root = etree.Element(f"{{{NAMESPACE}}}PES_Aller", nsmap={"n": NAMESPACE})

    envelope = _add(root, "Enveloppe")
    parameters = _add(envelope, "Parametres")
    _add(parameters, "Version", "2")
    _add(parameters, "TypFic", "PESALR2")
    _add(parameters, "NomFic", file_name(batch).removesuffix(".xml")[:100])
    emitter = _add(envelope, "Emetteur")
    _add(emitter, "Sigle", EMITTER)
    _add(emitter, "Adresse", upper_text(batch.collectivity_label, 50))

    header = _add(root, "EnTetePES")
    _add(header, "DteStr", dated)
    _add(header, "IdColl", upper_text(batch.siret, 14))
    _add(header, "CodCol", upper_text(batch.collectivity_code, 3))
    _add(header, "CodBud", upper_text(batch.budget_code, 10))
    _add(header, "LibelleColBud", upper_text(batch.collectivity_label, 50))

    receipts = _add(root, "PES_RecetteAller")
    receipts_header = _add(receipts, "EnTeteRecette")
    _add(receipts_header, "IdVer", "2")
    _add(receipts_header, "InfoDematerialisee", "1")

    bordereau = _add(receipts, "Bordereau")
    block = _add(bordereau, "BlocBordereau")
    _add(block, "Exer", str(batch.year))
    _add(block, "DteBordEm", dated)
    _add(block, "TypBord", "01")
    _add(block, "NbrPce", str(len(titles)))
    _add(block, "MtBordHt", amount(sum((due for _title, due in titles), ZERO)))

    for rank, (title, due_amount) in enumerate(titles, start=1):
        piece = _add(bordereau, "Piece")
        piece_block = _add(piece, "BlocPiece")
        _add(piece_block, "IdPce", str(rank))
        _add(piece_block, "TypPce", "01")
        _add(piece_block, "NatPce", "01")
        _add(piece_block, "DteAsp", dated)
        _add(piece_block, "Edition", "01")
        _add(piece_block, "ObjPce", piece_object(title, 160))
        debtor = title.debtor
        for order, (line, due) in enumerate(due_lines(title.lines, due_amount), start=1):
            imputation = line.imputation
            if imputation is None:  # check() refused such lines
                continue
            line_element = _add(piece, "LigneDePiece")
            info = _add(_add(line_element, "BlocLignePiece"), "InfoLignePiece")
            _add(info, "IdLigne", str(order))
            _add(info, "ObjLignePce", upper_text(line.label, 160))
            _add(info, "CodProdLoc", upper_text(imputation.code, 4))
            _add(info, "Nature", upper_text(imputation.nature, 10))
            _add(info, "Majo", "0")
            _add(info, "TvaIntraCom", "0")
            _add(info, "MtHT", amount(due))
            _add(info, "JVS_FAC_NumeroFacture", upper_text(title.number, 20))
            _add(info, "JVS_LFAC_Date", title.period_start.isoformat())
            _add(info, "JVS_LFAC_DateFin", title.period_end.isoformat())
            _add(info, "JVS_LFAC_Libelle", upper_text(line.label, 160))
            _add(info, "JVS_LFAC_Quantite", str(line.quantity))
            _add(info, "JVS_LFAC_Unite", "Unite")
            _add(info, "JVS_LFAC_MtUnitaire", amount(line.unit_price))
            _add(info, "JVS_LFAC_Ordre", str(order))

            tiers = _add(line_element, "Tiers")
            info_tiers = _add(tiers, "InfoTiers")
            _add(info_tiers, "RefTiers", upper_text(debtor.family_number, 15))
            _add(info_tiers, "CatTiers", debtor.category)
            _add(info_tiers, "NatJur", debtor.legal_nature)
            _add(info_tiers, "TypTiers", "01")
            if debtor.civility in CIVILITIES:
                _add(info_tiers, "Civilite", CIVILITIES[debtor.civility])
            _add(info_tiers, "Nom", upper_text(debtor.last_name, 38))
            if debtor.first_name.strip():
                _add(info_tiers, "Prenom", upper_text(debtor.first_name, 38))
            address = _add(tiers, "Adresse")
            _add(address, "TypAdr", "1")
            _add(address, "Adr2", upper_text(debtor.address.street, 38))
            _add(address, "CP", upper_text(debtor.address.postcode, 5))
            _add(address, "Ville", upper_text(debtor.address.city, 38))
            _add(address, "CodRes", "0")

    content: bytes = etree.tostring(root, xml_declaration=True, encoding=ENCODING)
    return content
