"""The JVS Millésime import file: exact bytes, encoding, widths, refusals, query count."""

import dataclasses
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from ardoise.activities.models import Activity
from ardoise.families.models import Family
from ardoise.towns.models import Town
from ardoise.treasury import jvs
from ardoise.treasury.batch import ExportRefused
from ardoise.treasury.queries import handover_batch, run_batch
from tests.treasury.conftest import issued_run, make_handover, make_invoice, more_families
from tests.treasury.exports_data import DEBTOR, batch, line, title

# One title, one line: every element of the file, in order.
ONE_TITLE = [
    "<?xml version='1.0' encoding='ISO-8859-1'?>\n"
    '<n:PES_Aller xmlns:n="http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller">'
    "<Enveloppe>"
    "<Parametres>"
    '<Version V="2"/>'
    '<TypFic V="PESALR2"/>'
    '<NomFic V="jvs-facturation-5"/>'
    "</Parametres>"
    "<Emetteur>"
    '<Sigle V="ARDOISE"/>'
    '<Adresse V="SAINT-EXEMPLE BUDGET PRINCIPAL"/>'
    "</Emetteur>"
    "</Enveloppe>"
    "<EnTetePES>"
    '<DteStr V="2027-04-02"/>'
    '<IdColl V="21750001600019"/>'
    '<CodCol V="123"/>'
    '<CodBud V="00"/>'
    '<LibelleColBud V="SAINT-EXEMPLE BUDGET PRINCIPAL"/>'
    "</EnTetePES>"
    "<PES_RecetteAller>"
    "<EnTeteRecette>"
    '<IdVer V="2"/>'
    '<InfoDematerialisee V="1"/>'
    "</EnTeteRecette>"
    "<Bordereau>"
    "<BlocBordereau>"
    '<Exer V="2027"/>'
    '<DteBordEm V="2027-04-02"/>'
    '<TypBord V="01"/>'
    '<NbrPce V="1"/>'
    '<MtBordHt V="35.00"/>'
    "</BlocBordereau>"
    "<Piece>"
    "<BlocPiece>"
    '<IdPce V="1"/>'
    '<TypPce V="01"/>'
    '<NatPce V="01"/>'
    '<DteAsp V="2027-04-02"/>'
    '<Edition V="01"/>'
    '<ObjPce V="FACTURE 2027-000123 DU 01/03/2027 AU 31/03/2027"/>'
    "</BlocPiece>"
    "<LigneDePiece>"
    "<BlocLignePiece>"
    "<InfoLignePiece>"
    '<IdLigne V="1"/>'
    '<ObjLignePce V="REPAS - LEA"/>'
    '<CodProdLoc V="CANT"/>'
    '<Nature V="7067"/>'
    '<Majo V="0"/>'
    '<TvaIntraCom V="0"/>'
    '<MtHT V="35.00"/>'
    '<JVS_FAC_NumeroFacture V="2027-000123"/>'
    '<JVS_LFAC_Date V="2027-03-01"/>'
    '<JVS_LFAC_DateFin V="2027-03-31"/>'
    '<JVS_LFAC_Libelle V="REPAS - LEA"/>'
    '<JVS_LFAC_Quantite V="10"/>'
    '<JVS_LFAC_Unite V="Unite"/>'
    '<JVS_LFAC_MtUnitaire V="3.50"/>'
    '<JVS_LFAC_Ordre V="1"/>'
    "</InfoLignePiece>"
    "</BlocLignePiece>"
    "<Tiers>"
    "<InfoTiers>"
    '<RefTiers V="F0042"/>'
    '<CatTiers V="01"/>'
    '<NatJur V="01"/>'
    '<TypTiers V="01"/>'
    '<Civilite V="MME"/>'
    '<Nom V="DUPONT-LEFEVRE"/>'
    '<Prenom V="HELENE"/>'
    "</InfoTiers>"
    "<Adresse>"
    '<TypAdr V="1"/>'
    '<Adr2 V="12 RUE DE L\'EGLISE; BAT. B, 2E ETAGE"/>'
    '<CP V="12345"/>'
    '<Ville V="SAINT-EXEMPLE-SUR-OEISE"/>'
    '<CodRes V="0"/>'
    "</Adresse>"
    "</Tiers>"
    "</LigneDePiece>"
    "</Piece>"
    "</Bordereau>"
    "</PES_RecetteAller>"
    "</n:PES_Aller>"
]


def values(content: bytes, path: str) -> list[str]:
    return [element.get("V") for element in etree.fromstring(content).iterfind(path)]


def test_it_writes_a_hand_made_title_byte_for_byte():
    content = jvs.build(batch(titles=(title(lines=(line("Repas — Léa", 10, "3.50"),)),)))

    assert content == "".join(ONE_TITLE).encode("iso-8859-1")


def test_it_declares_iso_8859_1_and_writes_one_line_per_invoice_line():
    content = jvs.build(batch())

    assert content.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    root = etree.fromstring(content)
    assert root.tag == f"{{{jvs.NAMESPACE}}}PES_Aller"
    assert values(content, ".//Piece/LigneDePiece/BlocLignePiece/InfoLignePiece/Nature") == ["7067", "7066"]
    assert values(content, ".//InfoLignePiece/CodProdLoc") == ["CANT", "PERI"]
    assert values(content, ".//InfoLignePiece/MtHT") == ["35.00", "8.40"]
    assert values(content, ".//InfoLignePiece/JVS_LFAC_Ordre") == ["1", "2"]
    assert values(content, ".//BlocBordereau/MtBordHt") == ["43.40"]
    # The debtor on each line, as PES puts the tiers under the line.
    assert values(content, ".//LigneDePiece/Tiers/InfoTiers/RefTiers") == ["F0042", "F0042"]


def test_it_cuts_names_and_addresses_to_their_widths():
    debtor = dataclasses.replace(
        DEBTOR,
        last_name="Éléonore-Anne-Sophie de la Tour d'Auvergne-Lauraguais",
        first_name="Marie-Thérèse-Bernadette-Geneviève-Françoise",
        address=dataclasses.replace(
            DEBTOR.address, street="123 boulevard du Général-de-Gaulle prolongé", postcode="123456"
        ),
    )
    content = jvs.build(batch(titles=(title(debtor=debtor),)))

    [name] = set(values(content, ".//InfoTiers/Nom"))
    [first_name] = set(values(content, ".//InfoTiers/Prenom"))
    [street] = set(values(content, ".//Adresse/Adr2"))
    assert name == "ELEONORE-ANNE-SOPHIE DE LA TOUR D'AUVE"
    assert len(name) == 38
    assert len(first_name) <= 38
    assert len(street) <= 38
    assert first_name.startswith("MARIE-THERESE-")
    assert set(values(content, ".//Adresse/CP")) == {"12345"}
    content.decode("ascii")  # accents folded: nothing outside ASCII


def test_it_takes_credit_and_payments_off_the_last_lines():
    # 43.40 billed, 10.40 paid: 33.00 due, the evening care line (8.40) dropped and 2.00 off the meals.
    content = jvs.build(batch(titles=(title(paid="10.40"),)))

    assert values(content, ".//InfoLignePiece/MtHT") == ["33.00"]
    assert values(content, ".//InfoLignePiece/JVS_LFAC_MtUnitaire") == ["3.50"]
    assert values(content, ".//BlocBordereau/MtBordHt") == ["33.00"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"siret": ""}, "indiquez le SIRET"),
        (
            {
                "titles": (
                    title(debtor=dataclasses.replace(DEBTOR, address=dataclasses.replace(DEBTOR.address, city=""))),
                )
            },
            "Adresse incomplète (rue, code postal et ville) pour : Hélène Dupont-Lefèvre (famille F0042)",
        ),
        ({"titles": (title(lines=(line("Garderie", 1, "2.10", imputation=None),)),)}, "Aucun code produit"),
        ({"titles": ()}, "Aucune facture à mettre en recouvrement"),
    ],
)
def test_it_refuses_a_batch_it_cannot_write(changes, expected):
    made = batch(**changes)
    with pytest.raises(ExportRefused) as refused:
        jvs.build(made)
    assert expected in " ".join(refused.value.reasons)


# From the database


@pytest.mark.usefixtures("exportable")
def test_it_exports_a_handover_for_the_amounts_handed_over_in_constant_queries(
    town: Town,
    family: Family,
    canteen: Activity,
    evening_care: Activity,
    django_assert_num_queries: Any,
) -> None:
    families: list[Family] = [family, *more_families(town, 3)]
    invoices = [make_invoice(member, [(canteen, 10, "3.50"), (evening_care, 4, "2.10")]) for member in families]
    # Pièces numbered against the invoices' order; each handed over for 39.00 + its pièce number.
    pieces = [(invoice, Decimal("39.00") + piece) for piece, invoice in enumerate(reversed(invoices), start=1)]
    handover = make_handover(town, 3, pieces)

    with django_assert_num_queries(7):
        content = jvs.build(handover_batch(town, handover))

    assert values(content, ".//BlocBordereau/NbrPce") == ["4"]
    assert values(content, ".//BlocBordereau/Exer") == ["2027"]
    assert values(content, ".//BlocBordereau/DteBordEm") == ["2027-03-10"]
    # In the order of the pièces, for what was handed over (40.00, 41.00…), not what is due today (43.40).
    assert values(content, ".//Piece/LigneDePiece/BlocLignePiece/InfoLignePiece/MtHT") == [
        "35.00", "5.00", "35.00", "6.00", "35.00", "7.00", "35.00", "8.00",
    ]  # fmt: skip
    numbers = values(content, ".//InfoLignePiece/JVS_FAC_NumeroFacture")
    assert numbers[::2] == [invoice.number for invoice in reversed(invoices)]


@pytest.mark.usefixtures("exportable")
def test_it_exports_a_run_in_the_same_number_of_queries_whatever_its_size(
    town: Town,
    family: Family,
    canteen: Activity,
    evening_care: Activity,
    django_assert_num_queries: Any,
) -> None:
    run = issued_run(town, [], [])
    counts = []
    for size in (1, 6):
        for member in more_families(town, size):
            make_invoice(member, [(canteen, 2, "3.50")], run=run)
        with django_assert_num_queries(6) as captured:
            jvs.build(run_batch(town, run))
        counts.append(len(captured.captured_queries))
    assert counts == [6, 6]
