"""Importing families, guardians and children from the town's previous software.

Three plain steps, usable without HTTP:

1. `parse(data)` reads the uploaded bytes: UTF-8 or Windows-1252, `;` or `,`
   separator, a header line, then one line per child (a family spans as many
   lines as it has children; its number ties them together).
2. `validate(parsed, mapping, sites=…, existing_numbers=…)` checks every line
   against the column mapping the administrator chose and gives a `Plan`: the
   families to create, and every error by line number and column, in French.
   `check(town, parsed, mapping)` loads the town's schools and family numbers
   and calls it.
3. `apply(town, actor, plan)` creates everything in one transaction with bulk
   inserts, or nothing. Families whose number the town already has are left as
   they are and reported "déjà présente", so importing a file twice creates
   nothing the second time.

No account is created: a guardian with an e-mail gets one at their first
"Obtenir un mot de passe" (accounts.actions.open_guardian_accounts).
"""

import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ardoise.accounts.models import User
from ardoise.audit import actions as audit
from ardoise.families.models import Child, Civility, Family, Guardian, Sex
from ardoise.towns.models import Site, Town

# Upload limit of the import page, in bytes.
MAX_FILE_SIZE = 5 * 1024 * 1024
BULK_BATCH = 500


class ImportFileError(ValueError):
    """The file cannot be read as a CSV table; the message is French, for the administrator."""


@dataclass(frozen=True)
class ImportField:
    key: str
    label: str
    # Header words (normalised: lower case, no accents) that suggest this field.
    aliases: tuple[str, ...] = ()


FIELDS: tuple[ImportField, ...] = (
    ImportField(
        "family_number",
        gettext_lazy("N° famille"),
        (
            "n famille",
            "no famille",
            "numero famille",
            "num famille",
            "numero de famille",
            "n de famille",
            "code famille",
            "id famille",
            "famille n",
            "dossier",
            "n dossier",
        ),
    ),
    ImportField(
        "family_name",
        gettext_lazy("Nom de la famille"),
        ("nom famille", "nom de famille", "famille", "nom du foyer", "foyer"),
    ),
    ImportField("quotient_familial", gettext_lazy("Quotient familial"), ("qf", "quotient familial", "quotient")),
    ImportField(
        "caf_number", gettext_lazy("N° allocataire CAF"), ("n allocataire", "allocataire", "n caf", "numero caf", "caf")
    ),
    ImportField(
        "guardian_civility",
        gettext_lazy("Responsable : civilité"),
        ("civilite", "civilite responsable", "civilite resp 1", "civilite responsable 1"),
    ),
    ImportField(
        "guardian_last_name",
        gettext_lazy("Responsable : nom"),
        (
            "nom responsable",
            "nom du responsable",
            "nom resp",
            "nom resp 1",
            "nom responsable 1",
            "nom parent",
            "nom parent 1",
        ),
    ),
    ImportField(
        "guardian_first_name",
        gettext_lazy("Responsable : prénom"),
        (
            "prenom responsable",
            "prenom du responsable",
            "prenom resp",
            "prenom resp 1",
            "prenom responsable 1",
            "prenom parent",
            "prenom parent 1",
        ),
    ),
    ImportField(
        "guardian_email",
        gettext_lazy("Responsable : courriel"),
        (
            "courriel",
            "email",
            "e mail",
            "mail",
            "adresse mail",
            "adresse electronique",
            "courriel responsable",
            "email responsable",
            "courriel resp 1",
            "courriel responsable 1",
        ),
    ),
    ImportField(
        "guardian_mobile_phone",
        gettext_lazy("Responsable : mobile"),
        ("portable", "mobile", "tel portable", "telephone portable", "tel mobile", "telephone mobile"),
    ),
    ImportField(
        "guardian_home_phone",
        gettext_lazy("Responsable : téléphone domicile"),
        ("telephone", "tel", "tel domicile", "telephone domicile", "tel fixe"),
    ),
    ImportField(
        "guardian_address",
        gettext_lazy("Responsable : adresse"),
        ("adresse", "adresse postale", "rue", "adresse responsable"),
    ),
    ImportField("guardian_postcode", gettext_lazy("Responsable : code postal"), ("code postal", "cp")),
    ImportField("guardian_city", gettext_lazy("Responsable : ville"), ("ville", "commune", "localite")),
    ImportField(
        "guardian2_last_name",
        gettext_lazy("2e responsable : nom"),
        ("nom resp 2", "nom responsable 2", "nom parent 2", "nom conjoint"),
    ),
    ImportField(
        "guardian2_first_name",
        gettext_lazy("2e responsable : prénom"),
        ("prenom resp 2", "prenom responsable 2", "prenom parent 2", "prenom conjoint"),
    ),
    ImportField(
        "guardian2_email",
        gettext_lazy("2e responsable : courriel"),
        (
            "courriel resp 2",
            "courriel responsable 2",
            "email responsable 2",
            "email resp 2",
            "courriel conjoint",
            "email conjoint",
        ),
    ),
    ImportField(
        "guardian2_mobile_phone",
        gettext_lazy("2e responsable : mobile"),
        ("portable resp 2", "mobile responsable 2", "portable responsable 2", "portable conjoint"),
    ),
    ImportField("child_last_name", gettext_lazy("Enfant : nom"), ("nom", "nom enfant", "nom de l enfant")),
    ImportField("child_first_name", gettext_lazy("Enfant : prénom"), ("prenom", "prenom enfant", "prenom de l enfant")),
    ImportField(
        "child_birth_date",
        gettext_lazy("Enfant : date de naissance"),
        ("date de naissance", "naissance", "date naissance", "ne le", "ne e le", "ddn"),
    ),
    ImportField("child_sex", gettext_lazy("Enfant : sexe"), ("sexe", "genre", "sexe enfant")),
    ImportField(
        "child_site",
        gettext_lazy("Enfant : école"),
        ("ecole", "etablissement", "structure", "site", "ecole enfant", "groupe scolaire"),
    ),
    ImportField("child_class", gettext_lazy("Enfant : classe"), ("classe", "niveau", "classe enfant")),
)
FIELDS_BY_KEY = {f.key: f for f in FIELDS}
# A family needs a number; its name comes from one of these columns, in this order.
NAME_SOURCES = ("family_name", "guardian_last_name", "child_last_name")

# column index → field key ("" or absent: column ignored)
type ColumnMapping = dict[int, str]


@dataclass(frozen=True)
class ParsedFile:
    headers: list[str]
    # (line number in the file, cells) for each data line; the header is line 1.
    rows: list[tuple[int, list[str]]]
    encoding: str
    delimiter: str


@dataclass(frozen=True)
class LineError:
    line: int
    column: str  # the file's header of the column, "" for the whole line
    message: str


@dataclass
class PlannedGuardian:
    line: int
    civility: str
    first_name: str
    last_name: str
    email: str = ""
    mobile_phone: str = ""
    home_phone: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""


@dataclass
class PlannedChild:
    line: int
    first_name: str
    last_name: str
    sex: str
    birth_date: datetime.date
    site_id: int
    school_class: str


@dataclass
class PlannedFamily:
    number: str
    name: str
    first_line: int
    quotient_familial: int | None = None
    caf_number: str = ""
    already_present: bool = False
    guardians: list[PlannedGuardian] = field(default_factory=list)
    children: list[PlannedChild] = field(default_factory=list)


@dataclass
class Plan:
    families: list[PlannedFamily]
    errors: list[LineError]

    @property
    def new_families(self) -> list[PlannedFamily]:
        return [f for f in self.families if not f.already_present]

    @property
    def present_families(self) -> list[PlannedFamily]:
        return [f for f in self.families if f.already_present]

    @property
    def guardian_count(self) -> int:
        return sum(len(f.guardians) for f in self.new_families)

    @property
    def child_count(self) -> int:
        return sum(len(f.children) for f in self.new_families)


@dataclass(frozen=True)
class ImportResult:
    families: int
    guardians: int
    children: int
    already_present: list[str]


# Reading the file


def decode(data: bytes) -> tuple[str, str]:
    """The text and the name of its encoding: UTF-8 (with or without BOM), else Windows-1252."""
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise ImportFileError(
            _("Le fichier n'est ni en UTF-8 ni en Windows-1252 : enregistrez-le au format CSV et réessayez.")
        ) from None


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") >= header_line.count(",") else ","


def parse(data: bytes) -> ParsedFile:
    """The header and the data lines of a CSV file; raises ImportFileError when unreadable."""
    if b"\x00" in data[:4096]:
        raise ImportFileError(
            _("Ce fichier n'est pas un fichier texte CSV (un classeur Excel ?) : exportez-le au format CSV.")
        )
    text, encoding = decode(data)
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise ImportFileError(_("Le fichier est vide ou sa première ligne (les en-têtes des colonnes) est vide."))
    delimiter = _delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = [cell.strip() for cell in next(reader)]
        rows: list[tuple[int, list[str]]] = []
        line = reader.line_num
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((line + 1, [cell.strip() for cell in cells]))
            line = reader.line_num
    except csv.Error as error:
        raise ImportFileError(
            _("Le fichier CSV est mal formé près de la ligne %(line)s.") % {"line": reader.line_num}
        ) from error
    if len(headers) < 2:
        raise ImportFileError(
            _("Une seule colonne a été trouvée : le séparateur doit être le point-virgule ou la virgule.")
        )
    if not rows:
        raise ImportFileError(_("Le fichier ne contient aucune ligne de données sous les en-têtes."))
    return ParsedFile(headers=headers, rows=rows, encoding=encoding, delimiter=delimiter)


def normalise(text: str) -> str:
    """Lower case, no accents, words separated by one space: "N° Famille" → "n famille"."""
    text = unicodedata.normalize("NFKD", text.replace("°", " ").replace("º", " "))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def guess_mapping(headers: Iterable[str]) -> ColumnMapping:
    """A first mapping from the headers' usual French names; each field used once at most."""
    by_alias = {alias: f.key for f in FIELDS for alias in f.aliases}
    mapping: ColumnMapping = {}
    used: set[str] = set()
    for index, header in enumerate(headers):
        key = by_alias.get(normalise(header), "")
        if key and key not in used:
            mapping[index] = key
            used.add(key)
    return mapping


def mapping_errors(mapping: Mapping[int, str], headers: list[str]) -> list[str]:
    """What is wrong with a mapping as a whole (in French), before reading any line."""
    errors: list[str] = []
    seen: dict[str, int] = {}
    for index, key in sorted(mapping.items()):
        if not key:
            continue
        if key not in FIELDS_BY_KEY or not 0 <= index < len(headers):
            errors.append(_("La correspondance des colonnes est invalide."))
            continue
        if key in seen:
            errors.append(
                _("Le champ « %(field)s » est choisi pour deux colonnes : « %(first)s » et « %(second)s ».")
                % {"field": FIELDS_BY_KEY[key].label, "first": headers[seen[key]], "second": headers[index]}
            )
        seen[key] = index
    if "family_number" not in seen:
        errors.append(_("Choisissez la colonne du « N° famille » : elle relie les lignes d'une même famille."))
    if not any(source in seen for source in NAME_SOURCES):
        errors.append(
            _("Choisissez au moins une colonne donnant le nom de la famille, d'un responsable ou d'un enfant.")
        )
    child_fields = {"child_first_name", "child_birth_date", "child_sex", "child_site"}
    mapped_child = child_fields & seen.keys()
    if mapped_child and mapped_child != child_fields:
        missing = [str(FIELDS_BY_KEY[key].label) for key in sorted(child_fields - mapped_child)]
        errors.append(_("Pour importer des enfants, choisissez aussi : %(fields)s.") % {"fields": ", ".join(missing)})
    return errors


# Checking the lines


DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y")
SEXES = {"f": Sex.FEMALE, "fille": Sex.FEMALE, "feminin": Sex.FEMALE, "m": Sex.MALE, "g": Sex.MALE}
SEXES |= {"garcon": Sex.MALE, "masculin": Sex.MALE}
CIVILITIES = {"mme": Civility.MADAME, "madame": Civility.MADAME, "mlle": Civility.MADAME}
CIVILITIES |= {"m": Civility.MONSIEUR, "mr": Civility.MONSIEUR, "monsieur": Civility.MONSIEUR}


def parse_date(value: str) -> datetime.date | None:
    for date_format in DATE_FORMATS:
        try:
            # A date alone: no time zone is involved.
            return datetime.datetime.strptime(value, date_format).date()  # noqa: DTZ007
        except ValueError:
            continue
    return None


def site_key(name: str) -> str:
    """A school's name as matched against the file: "École Jules-Ferry" and "jules ferry" match."""
    words = normalise(name).split()
    if words and words[0] in {"ecole", "groupe"}:
        words = words[1:]
    return " ".join(words)


class _Line:
    """One data line, read through the mapping, collecting its errors."""

    def __init__(self, line: int, cells: list[str], columns: dict[str, int], headers: list[str]) -> None:
        self.line, self.cells, self.columns, self.headers = line, cells, columns, headers
        self.errors: list[LineError] = []

    def get(self, key: str) -> str:
        index = self.columns.get(key)
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index].strip()

    def column(self, key: str) -> str:
        index = self.columns.get(key)
        return self.headers[index] if index is not None else str(FIELDS_BY_KEY[key].label)

    def error(self, key: str, message: str) -> None:
        self.errors.append(LineError(self.line, self.column(key) if key else "", message))

    def required(self, key: str, what: str) -> str:
        value = self.get(key)
        if not value:
            self.error(key, _("%(what)s manquant(e).") % {"what": what})
        return value

    def email(self, key: str) -> str:
        value = self.get(key).lower()
        if value:
            try:
                validate_email(value)
            except ValidationError:
                self.error(key, _("Courriel invalide : « %(value)s ».") % {"value": value})
        return value


def validate(
    parsed: ParsedFile,
    mapping: Mapping[int, str],
    *,
    sites: Mapping[str, int],
    existing_numbers: Iterable[str],
    today: datetime.date,
) -> Plan:
    """Check every line; `sites` maps `site_key(name)` to a site id of the town."""
    problems = mapping_errors(mapping, parsed.headers)
    if problems:
        return Plan(families=[], errors=[LineError(1, "", message) for message in problems])
    columns = {key: index for index, key in mapping.items() if key}
    existing = set(existing_numbers)
    families: dict[str, PlannedFamily] = {}
    children_seen: dict[tuple[str, str, datetime.date], int] = {}
    errors: list[LineError] = []
    for number_of_line, cells in parsed.rows:
        row = _Line(number_of_line, cells, columns, parsed.headers)
        _read_line(row, families, children_seen, existing, sites, today)
        errors.extend(row.errors)
    return Plan(families=list(families.values()), errors=errors)


def _read_line(
    row: _Line,
    families: dict[str, PlannedFamily],
    children_seen: dict[tuple[str, str, datetime.date], int],
    existing: set[str],
    sites: Mapping[str, int],
    today: datetime.date,
) -> None:
    number = row.required("family_number", _("N° famille"))
    source = next((key for key in NAME_SOURCES if row.get(key)), "")
    name = row.get(source).upper() if source else ""
    if not name:
        row.error(NAME_SOURCES[0] if NAME_SOURCES[0] in row.columns else "", _("Nom de la famille manquant."))
    qf_text = row.get("quotient_familial").replace(" ", "").replace("\u202f", "").replace("\xa0", "")
    quotient: int | None = None
    if qf_text:
        if qf_text.isdigit():
            quotient = int(qf_text)
        else:
            row.error("quotient_familial", _("Quotient familial invalide : « %(value)s ».") % {"value": qf_text})
    if not number:
        return
    family = families.get(number)
    if family is None:
        family = PlannedFamily(
            number=number,
            name=name,
            first_line=row.line,
            quotient_familial=quotient,
            caf_number=row.get("caf_number")[:20],
            already_present=number in existing,
        )
        families[number] = family
    elif source in ("family_name", "guardian_last_name") and name != family.name:
        # Children may carry another surname than their family; a family or guardian name may not change.
        row.error(
            "family_number",
            _("N° famille « %(number)s » en double : déjà utilisé ligne %(line)s pour la famille %(name)s.")
            % {"number": number, "line": family.first_line, "name": family.name},
        )
        return
    for prefix in ("guardian", "guardian2"):
        guardian = _read_guardian(row, prefix)
        if guardian is not None and not any(
            (g.first_name.casefold(), g.last_name.casefold())
            == (guardian.first_name.casefold(), guardian.last_name.casefold())
            for g in family.guardians
        ):
            family.guardians.append(guardian)
    child = _read_child(row, name, sites, today)
    if child is not None:
        key = (number, child.first_name.casefold(), child.birth_date)
        if key in children_seen:
            row.error(
                "child_first_name",
                _("Enfant en double : %(name)s figure déjà ligne %(line)s.")
                % {"name": child.first_name, "line": children_seen[key]},
            )
        else:
            children_seen[key] = row.line
            family.children.append(child)


def _read_guardian(row: _Line, prefix: str) -> PlannedGuardian | None:
    first_name, last_name = row.get(f"{prefix}_first_name"), row.get(f"{prefix}_last_name")
    email = row.email(f"{prefix}_email")
    if not (first_name or last_name):
        if email:
            row.error(
                f"{prefix}_last_name",
                _("Nom du responsable manquant pour le courriel « %(email)s ».") % {"email": email},
            )
        return None
    if not first_name:
        row.error(f"{prefix}_first_name", _("Prénom du responsable manquant."))
    if not last_name:
        row.error(f"{prefix}_last_name", _("Nom du responsable manquant."))
    civility_text = row.get(f"{prefix}_civility")
    civility = CIVILITIES.get(normalise(civility_text), "")
    if civility_text and not civility:
        row.error(f"{prefix}_civility", _("Civilité inconnue : « %(value)s » (Mme ou M.).") % {"value": civility_text})
    return PlannedGuardian(
        line=row.line,
        civility=civility,
        first_name=first_name[:100],
        last_name=last_name.upper()[:100],
        email=email,
        mobile_phone=row.get(f"{prefix}_mobile_phone")[:20],
        home_phone=row.get(f"{prefix}_home_phone")[:20],
        address=row.get(f"{prefix}_address")[:300],
        postcode=row.get(f"{prefix}_postcode")[:10],
        city=row.get(f"{prefix}_city")[:100],
    )


def _read_child(row: _Line, family_name: str, sites: Mapping[str, int], today: datetime.date) -> PlannedChild | None:
    first_name = row.get("child_first_name")
    if "child_first_name" not in row.columns or not first_name:
        if row.get("child_birth_date") or row.get("child_site"):
            row.error("child_first_name", _("Prénom de l'enfant manquant."))
        return None
    birth_text = row.required("child_birth_date", _("Date de naissance"))
    birth_date = parse_date(birth_text) if birth_text else None
    if birth_text and birth_date is None:
        row.error("child_birth_date", _("Date invalide : « %(value)s » (attendu JJ/MM/AAAA).") % {"value": birth_text})
    elif birth_date is not None and not (today.year - 25 <= birth_date.year and birth_date <= today):
        row.error("child_birth_date", _("Date de naissance improbable : « %(value)s ».") % {"value": birth_text})
        birth_date = None
    sex_text = row.required("child_sex", _("Sexe"))
    sex = SEXES.get(normalise(sex_text), "")
    if sex_text and not sex:
        row.error("child_sex", _("Sexe inconnu : « %(value)s » (F ou M).") % {"value": sex_text})
    site_text = row.required("child_site", _("École"))
    site_id = sites.get(site_key(site_text)) if site_text else None
    if site_text and site_id is None:
        row.error("child_site", _("École inconnue : « %(value)s ».") % {"value": site_text})
    if birth_date is None or not sex or site_id is None:
        return None
    return PlannedChild(
        line=row.line,
        first_name=first_name[:100],
        last_name=(row.get("child_last_name") or family_name).upper()[:100],
        sex=sex,
        birth_date=birth_date,
        site_id=site_id,
        school_class=row.get("child_class")[:50],
    )


def check(town: Town, parsed: ParsedFile, mapping: Mapping[int, str]) -> Plan:
    """`validate` against the town's schools and family numbers."""
    sites = {site_key(name): pk for pk, name in Site.objects.filter(town=town).values_list("pk", "name")}
    number_index = next((index for index, key in mapping.items() if key == "family_number"), None)
    numbers = {
        cells[number_index].strip()
        for _line, cells in parsed.rows
        if number_index is not None and number_index < len(cells)
    }
    existing = Family.objects.filter(town=town, number__in=numbers).values_list("number", flat=True)
    return validate(parsed, mapping, sites=sites, existing_numbers=existing, today=timezone.localdate())


# Applying


@transaction.atomic
def apply(town: Town, actor: User | None, plan: Plan) -> ImportResult:
    """Create the plan's new families, their guardians and children: all of them or none."""
    if plan.errors:
        raise ValueError("A plan with errors cannot be applied.")
    numbers = [f.number for f in plan.families]
    # Read again inside the transaction: another import may have run since the dry run.
    present = set(Family.objects.filter(town=town, number__in=numbers).values_list("number", flat=True))
    new = [f for f in plan.families if f.number not in present]
    families = Family.objects.bulk_create(
        [
            Family(
                town=town,
                number=f.number,
                name=f.name[:200],
                quotient_familial=f.quotient_familial,
                caf_number=f.caf_number,
            )
            for f in new
        ],
        batch_size=BULK_BATCH,
    )
    guardians: list[Guardian] = []
    children: list[Child] = []
    for planned, family in zip(new, families, strict=True):
        for position, g in enumerate(planned.guardians, start=1):
            guardians.append(
                Guardian(
                    town=town,
                    family=family,
                    position=position,
                    civility=g.civility,
                    first_name=g.first_name,
                    last_name=g.last_name,
                    email=g.email,
                    mobile_phone=g.mobile_phone,
                    home_phone=g.home_phone,
                    address=g.address,
                    postcode=g.postcode,
                    city=g.city,
                )
            )
        children.extend(
            Child(
                town=town,
                family=family,
                first_name=c.first_name,
                last_name=c.last_name,
                sex=c.sex,
                birth_date=c.birth_date,
                site_id=c.site_id,
                school_class=c.school_class,
            )
            for c in planned.children
        )
    Guardian.objects.bulk_create(guardians, batch_size=BULK_BATCH)
    Child.objects.bulk_create(children, batch_size=BULK_BATCH)
    already = sorted(present, key=lambda number: (len(number), number))
    result = ImportResult(
        families=len(families), guardians=len(guardians), children=len(children), already_present=already
    )
    audit.record(
        town,
        actor,
        "families.import",
        None,
        summary=_(
            "Import : %(families)s familles, %(guardians)s responsables, %(children)s enfants créés ; "
            "%(present)s déjà présentes"
        )
        % {
            "families": result.families,
            "guardians": result.guardians,
            "children": result.children,
            "present": len(already),
        },
        changes={"families": [None, [f.number for f in new]], "already_present": [None, already]},
    )
    return result
