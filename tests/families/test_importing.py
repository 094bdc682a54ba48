"""The CSV import of families as plain steps: parse, validate, apply — without HTTP."""

import datetime

import pytest
from django.db import IntegrityError

from ardoise.audit.models import AuditEntry
from ardoise.families import importing
from ardoise.families.models import Child, Family, Guardian
from ardoise.towns.models import Site, Town
from tests.factories import FamilyFactory

TODAY = datetime.date(2027, 3, 9)

HEADER = "N° famille;Nom;Prénom;Date de naissance;Sexe;École;Classe;Nom responsable;Prénom responsable;Courriel;QF"
GOOD = "\n".join(
    [
        HEADER,
        "101;LEROY;Inès;12/05/2018;F;École Jules Ferry;CE2;LEROY;Hélène;helene.leroy@example.test;650",
        "101;LEROY;Tom;03/09/2020;M;Jules Ferry;CP;LEROY;Hélène;helene.leroy@example.test;650",
        "102;NGUYEN;Lan;21/01/2017;F;école marie curie;CM1;NGUYEN;Minh;minh@example.test;",
    ]
)


def _plan(text: str, sites: dict[str, int] | None = None, existing: set[str] | None = None) -> importing.Plan:
    parsed = importing.parse(text.encode())
    mapping = importing.guess_mapping(parsed.headers)
    sites = sites if sites is not None else {"jules ferry": 1, "marie curie": 2}
    return importing.validate(parsed, mapping, sites=sites, existing_numbers=existing or set(), today=TODAY)


def test_it_reads_semicolons_in_utf8_and_commas_in_windows_1252() -> None:
    utf8 = importing.parse("Nom;Prénom\nDUPONT;Chloé\n".encode())
    assert (utf8.encoding, utf8.delimiter, utf8.headers, utf8.rows) == (
        "UTF-8",
        ";",
        ["Nom", "Prénom"],
        [(2, ["DUPONT", "Chloé"])],
    )
    cp1252 = importing.parse("N° famille,Prénom\r\n12,Chloé\r\n".encode("cp1252"))
    assert (cp1252.encoding, cp1252.delimiter) == ("Windows-1252", ",")
    assert cp1252.headers == ["N° famille", "Prénom"]
    assert cp1252.rows == [(2, ["12", "Chloé"])]


def test_it_reads_a_byte_order_mark_and_skips_blank_lines() -> None:
    parsed = importing.parse("\ufeffNom;Prénom\n\nA;B\n".encode())
    assert parsed.headers == ["Nom", "Prénom"]
    assert parsed.rows == [(3, ["A", "B"])]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "vide"),
        (b"PK\x03\x04\x00\x00binary", "CSV"),
        (b"une seule colonne\nx\n", "séparateur"),
        (b"Nom;Prenom\n", "aucune ligne"),
    ],
)
def test_it_refuses_unreadable_files_in_french(data: bytes, message: str) -> None:
    with pytest.raises(importing.ImportFileError, match=message):
        importing.parse(data)


def test_it_guesses_the_mapping_from_french_headers() -> None:
    mapping = importing.guess_mapping(HEADER.split(";"))
    assert [mapping.get(i, "") for i in range(11)] == [
        "family_number",
        "child_last_name",
        "child_first_name",
        "child_birth_date",
        "child_sex",
        "child_site",
        "child_class",
        "guardian_last_name",
        "guardian_first_name",
        "guardian_email",
        "quotient_familial",
    ]


def test_it_plans_families_with_their_guardians_and_children() -> None:
    plan = _plan(GOOD)
    assert plan.errors == []
    leroy, nguyen = plan.families
    assert (leroy.number, leroy.name, leroy.quotient_familial) == ("101", "LEROY", 650)
    assert [g.first_name for g in leroy.guardians] == ["Hélène"]
    assert [(c.first_name, c.site_id, c.birth_date) for c in leroy.children] == [
        ("Inès", 1, datetime.date(2018, 5, 12)),
        ("Tom", 1, datetime.date(2020, 9, 3)),
    ]
    assert nguyen.children[0].site_id == 2
    assert nguyen.quotient_familial is None
    assert (plan.child_count, plan.guardian_count) == (3, 2)


def test_it_reports_every_error_by_line_and_column() -> None:
    text = "\n".join(
        [
            HEADER,
            "101;LEROY;Inès;31/02/2018;F;Jules Ferry;CE2;LEROY;Hélène;helene@example.test;650",
            "102;NGUYEN;Lan;21/01/2017;F;École Victor Hugo;CM1;NGUYEN;Minh;pas-un-courriel;abc",
            ";MARTIN;Léo;01/01/2019;M;Jules Ferry;CE1;MARTIN;Julie;;",
            "103;PETIT;;;X;Jules Ferry;;PETIT;Zoé;;",
            "102;DURAND;Emma;02/02/2019;F;Jules Ferry;CE1;DURAND;Claire;;",
        ]
    )
    errors = [(e.line, e.column, e.message) for e in _plan(text).errors]
    assert errors == [
        (2, "Date de naissance", "Date invalide : « 31/02/2018 » (attendu JJ/MM/AAAA)."),
        (3, "QF", "Quotient familial invalide : « abc »."),
        (3, "Courriel", "Courriel invalide : « pas-un-courriel »."),
        (3, "École", "École inconnue : « École Victor Hugo »."),
        (4, "N° famille", "N° famille manquant(e)."),
        (5, "Prénom", "Prénom de l'enfant manquant."),
        (6, "N° famille", "N° famille « 102 » en double : déjà utilisé ligne 3 pour la famille NGUYEN."),
    ]


def test_it_reports_the_same_child_twice() -> None:
    line = "101;LEROY;Inès;12/05/2018;F;Jules Ferry;CE2;LEROY;Hélène;;"
    errors = _plan(f"{HEADER}\n{line}\n{line}").errors
    assert [(e.line, e.message) for e in errors] == [(3, "Enfant en double : Inès figure déjà ligne 2.")]


def test_it_refuses_a_mapping_without_family_number_or_with_a_field_twice() -> None:
    parsed = importing.parse(GOOD.encode())
    mapping = {1: "child_last_name", 2: "child_first_name", 7: "child_last_name"}
    plan = importing.validate(parsed, mapping, sites={}, existing_numbers=set(), today=TODAY)
    messages = [e.message for e in plan.errors]
    assert any("deux colonnes" in m for m in messages)
    assert any("N° famille" in m for m in messages)
    assert any("date de naissance" in m.lower() for m in messages)
    assert plan.families == []


def test_it_marks_families_already_present() -> None:
    plan = _plan(GOOD, existing={"101"})
    assert [f.number for f in plan.present_families] == ["101"]
    assert [f.number for f in plan.new_families] == ["102"]


def _town_plan(town: Town, text: str) -> importing.Plan:
    parsed = importing.parse(text.encode("cp1252"))
    return importing.check(town, parsed, importing.guess_mapping(parsed.headers))


def test_it_applies_a_valid_file_in_one_go(town: Town, site: Site, other_site: Site, town_admin) -> None:
    result = importing.apply(town, town_admin, _town_plan(town, GOOD))
    assert (result.families, result.guardians, result.children, result.already_present) == (2, 2, 3, [])
    leroy = Family.objects.get(town=town, number="101")
    assert leroy.name == "LEROY"
    assert leroy.quotient_familial == 650
    assert sorted(Child.objects.filter(family=leroy).values_list("first_name", "site__name")) == [
        ("Inès", "École Jules Ferry"),
        ("Tom", "École Jules Ferry"),
    ]
    guardian = Guardian.objects.get(family=leroy)
    assert (guardian.email, guardian.user, guardian.town) == ("helene.leroy@example.test", None, town)
    entry = AuditEntry.objects.get(town=town, action="families.import")
    assert entry.actor == town_admin
    assert entry.changes["families"] == [None, ["101", "102"]]


def test_it_imports_nothing_twice(town: Town, site: Site, other_site: Site, town_admin) -> None:
    importing.apply(town, town_admin, _town_plan(town, GOOD))
    again = importing.apply(town, town_admin, _town_plan(town, GOOD))
    assert (again.families, again.children, again.already_present) == (0, 0, ["101", "102"])
    assert Family.objects.filter(town=town).count() == 2
    assert Child.objects.filter(town=town).count() == 3


def test_it_applies_nothing_when_one_line_is_wrong(town: Town, site: Site, other_site: Site, town_admin) -> None:
    plan = _town_plan(town, GOOD + "\n103;PETIT;Zoé;12/13/2019;F;Jules Ferry;CP;PETIT;Marc;;")
    assert [e.line for e in plan.errors] == [5]
    with pytest.raises(ValueError, match="errors"):
        importing.apply(town, town_admin, plan)
    assert not Family.objects.filter(town=town).exists()


def test_it_rolls_back_everything_when_the_database_refuses_a_row(
    town: Town, site: Site, other_site: Site, town_admin
) -> None:
    plan = _town_plan(town, GOOD)
    plan.families[1].children[0].birth_date = None  # type: ignore[assignment]  # refused by the last insert
    with pytest.raises(IntegrityError):
        importing.apply(town, town_admin, plan)
    assert not Family.objects.filter(town=town).exists()
    assert not Guardian.objects.filter(town=town).exists()


def test_it_matches_schools_and_numbers_of_its_own_town_only(
    town: Town, other_town: Town, site: Site, other_site: Site, town_admin
) -> None:
    FamilyFactory(town=other_town, number="101")
    Site.objects.create(town=other_town, name="École Victor Hugo")
    plan = _town_plan(town, GOOD + "\n104;HUGO;Léa;01/01/2019;F;Victor Hugo;CP;HUGO;Jean;;")
    assert [(e.line, e.column) for e in plan.errors] == [(5, "École")]
    plan = _town_plan(town, GOOD)
    assert plan.present_families == []
