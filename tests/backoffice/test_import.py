"""The import pages: upload, column mapping with a dry run, then an import of everything or nothing."""

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.families.models import Child, Family
from ardoise.towns.models import Site, Town

HEADER = "N° famille;Nom;Prénom;Date de naissance;Sexe;École;Classe;Nom responsable;Prénom responsable;Courriel"
LINES = [
    "101;LEROY;Inès;12/05/2018;F;École Jules Ferry;CE2;LEROY;Hélène;helene.leroy@example.test",
    "101;LEROY;Tom;03/09/2020;M;Jules Ferry;CP;LEROY;Hélène;helene.leroy@example.test",
    "102;NGUYEN;Lan;21/01/2017;F;école marie curie;CM1;NGUYEN;Minh;minh@example.test",
]
GOOD = "\r\n".join([HEADER, *LINES]) + "\r\n"


def url(town: Town, name: str) -> str:
    return reverse(f"backoffice:{name}", args=[town.slug])


@pytest.fixture
def admin(client_for: Callable[[User], Client], town_admin: User, site: Site, other_site: Site) -> Client:
    return client_for(town_admin)


def upload(client: Client, town: Town, content: bytes, name: str = "familles.csv"):
    return client.post(url(town, "import"), {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


def guessed(client: Client, town: Town) -> dict[str, str]:
    response = client.get(url(town, "import_mapping"))
    form = response.context["form"]
    return {name: form[name].value() or "" for name in form.fields}


def test_it_walks_from_upload_to_dry_run_to_import(admin: Client, town: Town) -> None:
    response = upload(admin, town, GOOD.encode("cp1252"))
    assert response.status_code == 302
    assert response["Location"] == url(town, "import_mapping")
    page = admin.get(url(town, "import_mapping")).content.decode()
    assert "encodage Windows-1252" in page
    mapping = guessed(admin, town)
    assert mapping["col_0"] == "family_number"
    assert mapping["col_3"] == "child_birth_date"

    dry_run = admin.post(url(town, "import_mapping"), mapping)
    assert dry_run.status_code == 200
    report = dry_run.content.decode()
    assert "Aucune erreur." in report
    assert "Importer 2 familles" in report
    assert not Family.objects.filter(town=town).exists()

    done = admin.post(url(town, "import_apply"), mapping, follow=True)
    assert "Import terminé : 2 familles, 2 responsables et 3 enfants créés." in done.content.decode()
    assert sorted(Family.objects.filter(town=town).values_list("number", flat=True)) == ["101", "102"]
    assert Child.objects.filter(town=town).count() == 3


def test_it_reports_errors_by_line_and_imports_nothing(admin: Client, town: Town) -> None:
    bad = "\n".join([HEADER, *LINES, "103;PETIT;Zoé;31/02/2019;F;École Victor Hugo;CP;PETIT;Marc;marc@"])
    upload(admin, town, bad.encode())
    mapping = guessed(admin, town)
    response = admin.post(url(town, "import_mapping"), mapping)
    assert response.status_code == 422
    plan = response.context["plan"]
    assert [(e.line, e.column) for e in plan.errors] == [(5, "Courriel"), (5, "Date de naissance"), (5, "École")]
    page = response.content.decode()
    assert "3 erreurs : rien ne sera importé" in page
    assert "Date invalide : « 31/02/2019 »" in page
    # Forcing the import anyway changes nothing.
    response = admin.post(url(town, "import_apply"), mapping, follow=True)
    assert "rien n&#x27;a été importé" in response.content.decode()
    assert not Family.objects.filter(town=town).exists()


def test_it_reports_families_already_present_on_a_second_import(admin: Client, town: Town) -> None:
    upload(admin, town, GOOD.encode())
    admin.post(url(town, "import_apply"), guessed(admin, town))
    upload(admin, town, GOOD.encode())
    mapping = guessed(admin, town)
    page = admin.post(url(town, "import_mapping"), mapping).content.decode()
    assert "2 familles déjà présentes, laissées telles quelles" in page
    assert "Importer" not in page.split("Résultat de la vérification")[1].split("Correspondance")[0]
    assert Family.objects.filter(town=town).count() == 2


def test_it_refuses_a_mapping_without_family_number(admin: Client, town: Town) -> None:
    upload(admin, town, GOOD.encode())
    mapping = guessed(admin, town) | {"col_0": ""}
    response = admin.post(url(town, "import_mapping"), mapping)
    assert response.status_code == 422
    assert "Choisissez la colonne du « N° famille »" in response.content.decode()
    mapping = guessed(admin, town) | {"col_9": "hacked"}
    assert admin.post(url(town, "import_mapping"), mapping).status_code == 422


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("familles.xlsx", b"PK\x03\x04", "Seuls les fichiers CSV (.csv) sont acceptés"),
        ("familles.csv", b"PK\x03\x04\x00\x00", "n&#x27;est pas un fichier texte CSV"),
        ("familles.csv", b"", "Le fichier soumis est vide."),
        ("familles.csv", HEADER.encode(), "aucune ligne de données"),
        ("familles.csv", b"a;b\n" + b"x;y\n" * 1_400_000, "Le fichier dépasse 5 Mo"),
    ],
)
def test_it_refuses_files_it_cannot_read(admin: Client, town: Town, name: str, content: bytes, message: str) -> None:
    response = upload(admin, town, content, name)
    assert response.status_code == 422
    assert message in response.content.decode()


def test_it_asks_for_the_file_again_when_the_session_lost_it(admin: Client, town: Town) -> None:
    response = admin.get(url(town, "import_mapping"), follow=True)
    assert "Le fichier n&#x27;est plus disponible" in response.content.decode()
    assert admin.post(url(town, "import_apply"), {"col_0": "family_number"}).status_code == 302


def test_it_does_not_reuse_a_file_uploaded_for_another_town(
    client_for, town: Town, other_town: Town, town_admin: User
) -> None:
    client = client_for(town_admin)
    upload(client, town, GOOD.encode())
    session = client.session
    session["family_import"]["town"] = other_town.pk
    session.save()
    response = client.get(url(town, "import_mapping"))
    assert response.status_code == 302


@pytest.mark.parametrize("name", ["import", "import_mapping", "import_apply"])
@pytest.mark.parametrize("persona", ["front_desk", "site_agent", "kitchen_agent", "finance_agent"])
def test_it_refuses_other_roles_with_403(
    request: pytest.FixtureRequest, client_for, town: Town, name: str, persona: str
) -> None:
    client = client_for(request.getfixturevalue(persona))
    assert client.post(url(town, name), {}).status_code == 403


@pytest.mark.parametrize("persona", ["parent", "stranger"])
def test_it_answers_404_to_parents_and_other_towns(
    request: pytest.FixtureRequest, client_for, town: Town, persona: str
) -> None:
    assert client_for(request.getfixturevalue(persona)).get(url(town, "import")).status_code == 404
