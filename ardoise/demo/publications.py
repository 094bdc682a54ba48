"""What the demo town publishes for families: news, documents and the menus of the weeks around today.

- News: the booking deadlines reminder and the coming evening without study;
- Documents: the rules, the registration form (town-wide) and each school's menus
  of the fortnight, as PDFs from the invoices' engine (`billing.pdf.get_renderer`:
  WeasyPrint, about 0.6 s to import once, then 20 ms a document; its output is stable,
  so the files, with fixed names under `demo/` in the media storage, are rewritten
  only when they change and rebuilding never piles files up);
- Menus: every school day of the current and the next week (`bookings.calendar.current_week`:
  at the weekend, the coming one) at both schools, through `messaging.actions.set_menu`.
"""

import datetime
from collections import Counter
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.html import format_html, format_html_join

from ardoise.accounts.models import User
from ardoise.billing.pdf import get_renderer
from ardoise.bookings.calendar import current_week
from ardoise.calendars.wording import date_fr
from ardoise.messaging import actions as messaging
from ardoise.messaging.models import Document, DocumentKind
from ardoise.towns.models import Site, Town

from .bulk import insert

STARTERS = ["Carottes râpées", "Salade de lentilles", "Potage de légumes", "Concombre à la crème", "Betteraves"]
MAINS = [
    "Poulet rôti, haricots verts",
    "Lasagnes",
    "Poisson pané, riz",
    "Omelette, pommes de terre sautées",
    "Sauté de bœuf, carottes",
    "Dahl de lentilles corail, riz (plat végétarien)",
    "Filet de colin, purée",
]
DESSERTS = ["Yaourt nature", "Fruit de saison", "Compote", "Fromage blanc", "Gâteau au chocolat", "Emmental"]

RULES = [
    "Règlement intérieur des services périscolaires",
    "Les réservations de la cantine et de l'accueil du mercredi se font au plus tard le jeudi 12h pour la "
    "semaine suivante ; la garderie, deux jours ouvrés avant à 12h ; l'étude, la veille à 18h.",
    "Une absence pour raison médicale n'est pas facturée si un certificat est joint dans les 48 heures. "
    "Un enfant présent sans réservation est facturé au tarif majoré.",
    "Les factures sont émises chaque mois et payables en ligne, par chèque, en espèces, par CESU (garderie) "
    "ou par prélèvement.",
]
FORM = [
    "Fiche de renseignements et fiche sanitaire",
    "Nom et prénom de l'enfant : ...............................................",
    "Date de naissance : .........   École et classe : .........................",
    "Allergies, régime alimentaire, PAI : .......................................",
    "Personnes autorisées à venir chercher l'enfant : ...........................",
    "À remettre au service périscolaire avec une attestation d'assurance.",
]


def menu_text(day: datetime.date, site_index: int) -> str:
    """A day's menu, the same for the same day and school at every build."""
    n = day.toordinal() + 3 * site_index
    return " · ".join([STARTERS[n % len(STARTERS)], MAINS[n % len(MAINS)], DESSERTS[(n // 2) % len(DESSERTS)]])


def document_pdf(lines: list[str]) -> bytes:
    """A document's PDF through the project's engine (`billing.pdf`): its title, then one paragraph a line."""
    title, *paragraphs = lines
    html = format_html(
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{}</title>'
        "<style>@page {{ size: A4; margin: 2cm }} body {{ font: 11pt 'DejaVu Sans', sans-serif }}"
        " h1 {{ font-size: 15pt }}</style>"
        "</head><body><h1>{}</h1>{}</body></html>",
        title,
        title,
        format_html_join("", "<p>{}</p>", ((paragraph,) for paragraph in paragraphs)),
    )
    return get_renderer().render(html)


def _stored(name: str, content: bytes) -> tuple[str, int]:
    """The file `demo/<name>` in the media storage, (re)written when it differs: (path, size)."""
    path = f"demo/{name}"
    if default_storage.exists(path):
        with default_storage.open(path, "rb") as existing:
            if existing.read() == content:
                return path, len(content)
        default_storage.delete(path)
    saved = default_storage.save(path, ContentFile(content))
    assert saved == path, saved
    return path, len(content)


def publish(
    town: Town,
    today: datetime.date,
    sites: list[Site],
    staff: dict[str, User],
    serves_meals: Callable[[Site, datetime.date], bool],
    counts: Counter[str],
) -> None:
    front_desk, kitchen = staff["accueil@demo.test"], staff["cuisine@demo.test"]
    monday = current_week(today)
    messaging.publish_news(
        town,
        front_desk,
        title="Réservations : le jeudi 12h pour la semaine suivante",
        body=(
            "Pensez à réserver la cantine et l'accueil du mercredi de la semaine prochaine avant jeudi 12h, "
            "depuis le planning. Les absences pour raison médicale se déclarent avec le certificat."
        ),
        published_from=today - datetime.timedelta(days=7),
        published_until=today + datetime.timedelta(days=21),
    )
    messaging.publish_news(
        town,
        front_desk,
        title="Conseil d'école à l'École Marie Curie",
        body="Pas d'étude surveillée le soir du conseil d'école : la garderie du soir accueille les enfants.",
        published_from=today - datetime.timedelta(days=2),
        published_until=today + datetime.timedelta(days=14),
    )
    counts["messaging.News"] += 2

    documents: list[tuple[Site | None, str, str, str, list[str]]] = [
        (None, "Règlement intérieur des services périscolaires", DocumentKind.RULES, "reglement-interieur.pdf", RULES),
        (None, "Fiche de renseignements et fiche sanitaire", DocumentKind.FORM, "fiche-sanitaire.pdf", FORM),
    ]
    for index, school in enumerate(sites[:2]):
        days = [monday + datetime.timedelta(days=offset) for offset in range(14)]
        lines = [f"Menus de la quinzaine, {school.name}"] + [
            f"{date_fr(day, 'l j F').capitalize()} : {menu_text(day, index)}"
            for day in days
            if serves_meals(school, day)
        ]
        name = f"menus-{index + 1}.pdf"
        documents.append((school, f"Menus de la quinzaine, {school.name}", DocumentKind.MENU, name, lines))
    rows = []
    for for_site, title, kind, name, lines in documents:
        path, size = _stored(name, document_pdf(lines))
        rows.append(
            Document(
                town=town,
                site=for_site,
                title=title,
                kind=kind,
                file=path,
                file_name=name,
                content_type="application/pdf",
                size=size,
                published_from=today.replace(day=1) if for_site is None else monday,
                published_until=None if for_site is None else monday + datetime.timedelta(days=13),
            )
        )
    insert(rows, counts)

    for index, site in enumerate(sites[:2]):
        for offset in range(14):
            day = monday + datetime.timedelta(days=offset)
            if serves_meals(site, day):
                messaging.set_menu(town, kitchen, site, day, menu_text(day, index))
                counts["messaging.Menu"] += 1
