"""Every change of the treasury: the town's PES settings and product codes, a run exported to PES V2,
the unpaid invoices of a month handed over to the comptable public.

Each action is atomic and audited; a refused one (`TreasuryRefused`, with a French message) changes
nothing. Files are built once and stored: a bordereau is downloaded again as the very same bytes.
Handing over locks the families' rows first, as payments.actions does, so that no payment settles an
invoice while it is being handed over.
"""

import calendar
import datetime
import re
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit.actions import changes_between, record, snapshot
from ardoise.billing.models import Invoice, InvoicingRun, RunStatus
from ardoise.billing.money import ZERO
from ardoise.billing.pdf import invoice_pdf_bytes
from ardoise.families.models import Family
from ardoise.towns.models import Town, take_number

from . import pes
from .models import BordereauCounter, Handover, HandoverItem, ProductCode, RunExport, TreasurySettings
from .titles import Title, load_titles

SETTINGS_FIELDS = (
    "siret",
    "collectivity_code",
    "budget_code",
    "accounting_post_code",
    "label",
    "accountant_name",
    "accountant_address",
    "accountant_contact",
)
PRODUCT_CODE_FIELDS = ("activity", "code", "nature", "function", "label")
SUBJECT = "Restauration et accueil périscolaire"


class TreasuryRefused(Exception):
    """An operation refused, with a message for the person who asked (French)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _validation_message(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(message for messages in error.message_dict.values() for message in messages)
    return " ".join(error.messages)


# Settings and product codes


@transaction.atomic
def save_settings(town: Town, actor: User | None, **values: str) -> TreasurySettings:
    """Create or change the town's PES identifiers and its comptable public; TreasuryRefused when invalid."""
    settings = TreasurySettings.objects.select_for_update().filter(town=town).first()
    before = snapshot(settings, SETTINGS_FIELDS) if settings else {}
    if settings is None:
        settings = TreasurySettings(town=town)
    for name in SETTINGS_FIELDS:
        if name in values:
            value = (values[name] or "").strip()
            if name in ("siret", "accounting_post_code"):
                value = re.sub(r"\s", "", value)
            if name in ("collectivity_code", "budget_code"):
                value = value.upper()
            setattr(settings, name, value)
    settings.updated_at = timezone.now()
    try:
        settings.full_clean(exclude=["town"])
    except ValidationError as error:
        raise TreasuryRefused(_validation_message(error)) from None
    if not pes.siret_key_is_valid(settings.siret):
        raise TreasuryRefused(_("Ce SIRET est erroné : sa clé de contrôle ne correspond pas."))
    settings.save()
    record(
        town,
        actor,
        "treasury.settings_save",
        settings,
        "Paramètres du Trésor public",
        changes_between(before, snapshot(settings, SETTINGS_FIELDS)),
    )
    return settings


@transaction.atomic
def save_product_code(
    town: Town,
    actor: User | None,
    *,
    product_code: ProductCode | None = None,
    activity: Activity | None,
    code: str,
    nature: str,
    function: str,
    label: str,
) -> ProductCode:
    """Create or change a product code: the town's default one (`activity` None) or an activity's."""
    if activity is not None and activity.town_id != town.pk:
        raise TreasuryRefused(_("Cette activité n'est pas celle de la commune."))
    taken = ProductCode.objects.filter(town=town, activity=activity)
    if product_code is not None:
        taken = taken.exclude(pk=product_code.pk)
    if taken.exists():
        raise TreasuryRefused(
            _("Cette activité a déjà son code produit.") if activity else _("La commune a déjà un code par défaut.")
        )
    before = snapshot(product_code, PRODUCT_CODE_FIELDS) if product_code else {}
    item = product_code or ProductCode(town=town)
    item.activity = activity
    item.code = code.strip().upper()
    item.nature = nature.strip().upper()
    item.function = function.strip().upper()
    item.label = label.strip()
    try:
        item.full_clean(exclude=["town", "activity"], validate_unique=False)
    except ValidationError as error:
        raise TreasuryRefused(_validation_message(error)) from None
    item.save()
    record(
        town,
        actor,
        "treasury.product_code_save",
        item,
        f"Code produit {item.code} ({activity.label if activity else 'par défaut'})",
        changes_between(before, snapshot(item, PRODUCT_CODE_FIELDS)),
    )
    return item


@transaction.atomic
def delete_product_code(product_code: ProductCode, actor: User | None) -> None:
    town = product_code.town
    record(town, actor, "treasury.product_code_delete", product_code, f"Code produit {product_code.code} supprimé")
    product_code.delete()


# Building a bordereau


def collectivity_of(settings: TreasurySettings) -> pes.Collectivity:
    return pes.Collectivity(
        siret=settings.siret,
        collectivity_code=settings.collectivity_code,
        budget_code=settings.budget_code,
        accounting_post_code=settings.accounting_post_code,
        label=settings.label,
    )


def _settings(town: Town) -> TreasurySettings:
    settings = TreasurySettings.objects.filter(town=town).first()
    if settings is None:
        raise TreasuryRefused(
            _("Renseignez d'abord les paramètres du Trésor public (SIRET, codes collectivité, budget et poste).")
        )
    return settings


def missing_data(titles: Iterable[Title]) -> list[str]:
    """What a title lacks for the PES, in French (a line without product code, a debtor without address)."""
    problems = []
    uncoded = sorted(
        {line.activity_label or line.label for title in titles for line in title.lines if not line.imputation}
    )
    if uncoded:
        problems.append(_("Aucun code produit pour : %(activities)s.") % {"activities": ", ".join(uncoded)})
    for title in titles:
        address = title.debtor.address
        postcode = re.sub(r"\s", "", address.postcode)
        if not (
            pes.postal_text(address.street, 38)
            and pes.postal_text(address.city, 38)
            and re.fullmatch(r"\d{5}", postcode)
        ):
            problems.append(
                _("Adresse incomplète de la famille n° %(family)s (facture %(number)s).")
                % {"family": title.debtor.family_number, "number": title.number}
            )
        elif not pes.postal_text(title.debtor.last_name, 38):
            problems.append(_("Nom du débiteur manquant (facture %(number)s).") % {"number": title.number})
    return problems


def _next_number(town: Town, year: int) -> int:
    return take_number(BordereauCounter, town=town, year=year)


def _pdfs(invoices: Iterable[Invoice]) -> dict[int, bytes]:
    """Each invoice's PDF as issued (stored), or rendered now when the background task has not yet."""
    return {invoice.pk: invoice_pdf_bytes(invoice) for invoice in invoices}


def _build(
    town: Town,
    settings: TreasurySettings,
    year: int,
    number: int,
    today: datetime.date,
    pieces: list[pes.Piece],
    invoices: list[Invoice],
) -> bytes:
    bordereau = pes.Bordereau(
        collectivity=collectivity_of(settings),
        year=year,
        number=number,
        issued_on=today,
        subject=SUBJECT,
        pieces=pieces,
        attachments=_pdfs(invoices),
    )
    try:
        return pes.build(bordereau)
    except pes.InvalidFile as invalid:
        raise TreasuryRefused(
            _("Le fichier PES serait refusé par Hélios : %(errors)s") % {"errors": "; ".join(invalid.errors[:5])}
        ) from None


# A run's titles


def run_export(run: InvoicingRun) -> RunExport | None:
    """The run's PES export already made, if any."""
    return RunExport.objects.filter(town_id=run.town_id, run=run).order_by("-pk").first()


@transaction.atomic
def export_run(run: InvoicingRun, actor: User | None, *, today: datetime.date) -> RunExport:
    """The issued run's invoices as one PES V2 bordereau of titres (each for its total less its credit notes),
    built once: exporting the run again gives the same file back."""
    town = run.town
    InvoicingRun.objects.select_for_update().filter(town=town, pk=run.pk).get()
    existing = run_export(run)
    if existing is not None:
        return existing
    if run.status != RunStatus.ISSUED:
        raise TreasuryRefused(_("Seule une facturation émise peut être transmise au Trésor public."))
    settings = _settings(town)
    invoices = list(Invoice.objects.filter(town=town, run=run).order_by("number"))
    titles = load_titles(town, Invoice.objects.filter(town=town, run=run).order_by("number"))
    pieces = [pes.Piece(title, title.total - title.credited) for title in titles if title.total - title.credited > ZERO]
    if not pieces:
        raise TreasuryRefused(_("Cette facturation n'a aucune facture à transmettre."))
    problems = missing_data(piece.title for piece in pieces)
    if problems:
        raise TreasuryRefused(" ".join(problems))
    kept = {piece.title.invoice_id for piece in pieces}
    year = today.year
    number = _next_number(town, year)
    data = _build(town, settings, year, number, today, pieces, [invoice for invoice in invoices if invoice.pk in kept])
    export = RunExport.objects.create(
        town=town,
        run=run,
        number=number,
        year=year,
        invoice_count=len(pieces),
        total=sum((piece.amount for piece in pieces), ZERO),
        pes=data,
        file_name=pes.file_name(collectivity_of(settings), year, number),
        created_by=actor,
    )
    record(
        town,
        actor,
        "treasury.run_export",
        export,
        f"Export PES V2 de la facturation du {run} : bordereau {year}-{number}, {len(pieces)} titre(s), "
        f"{export.total:.2f} €",
    )
    return export


# Handing over the unpaid invoices of a month


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])


def unpaid_of_period(town: Town, start: datetime.date, end: datetime.date) -> list[Title]:
    """The town's invoices for a period starting within [start, end], not handed over, with something
    still due. Six queries (see titles.load_titles)."""
    invoices = Invoice.objects.filter(
        town=town, period_start__gte=start, period_start__lte=end, handed_over_at__isnull=True
    ).order_by("number")
    return [title for title in load_titles(town, invoices) if title.amount_due > ZERO]


def _lock_families(town: Town, family_ids: Iterable[int]) -> None:
    list(Family.objects.select_for_update().filter(town=town, pk__in=list(family_ids)).order_by("pk").values_list("pk"))


@transaction.atomic
def hand_over(town: Town, actor: User | None, *, year: int, month: int, today: datetime.date) -> Handover:
    """Hand the unpaid invoices of a month over to the comptable public: one bordereau of titres for what
    remains due on each, the PES V2 file stored, each invoice marked (`handed_over_at`): from now on it is
    paid at the Trésor public, and the régie takes no more payment for it."""
    try:
        start, end = month_bounds(year, month)
    except (ValueError, calendar.IllegalMonthError):
        raise TreasuryRefused(_("Ce mois n'existe pas.")) from None
    if end >= today:
        raise TreasuryRefused(_("Ce mois n'est pas terminé : ses factures ne peuvent pas encore être transmises."))
    settings = _settings(town)
    candidates = Invoice.objects.filter(
        town=town, period_start__gte=start, period_start__lte=end, handed_over_at__isnull=True
    )
    _lock_families(town, candidates.order_by().values_list("family_id", flat=True).distinct())
    titles = unpaid_of_period(town, start, end)
    if not titles:
        raise TreasuryRefused(_("Aucune facture impayée de ce mois à transmettre : rien n'a été créé."))
    problems = missing_data(titles)
    if problems:
        raise TreasuryRefused(" ".join(problems))
    pieces = [pes.Piece(title, title.amount_due) for title in titles]
    invoices = list(Invoice.objects.filter(town=town, pk__in=[title.invoice_id for title in titles]).order_by("number"))
    bordereau_year = today.year
    number = _next_number(town, bordereau_year)
    data = _build(town, settings, bordereau_year, number, today, pieces, invoices)
    now = timezone.now()
    total = sum((piece.amount for piece in pieces), ZERO)
    handover = Handover.objects.create(
        town=town,
        number=number,
        year=bordereau_year,
        period_start=start,
        period_end=end,
        invoice_count=len(pieces),
        total=total,
        pes=data,
        file_name=pes.file_name(collectivity_of(settings), bordereau_year, number),
        created_by=actor,
        created_at=now,
    )
    try:
        with transaction.atomic():
            HandoverItem.objects.bulk_create(
                HandoverItem(
                    town=town,
                    handover=handover,
                    invoice_id=piece.title.invoice_id,
                    piece_number=index,
                    amount=piece.amount,
                )
                for index, piece in enumerate(pieces, start=1)
            )
    except IntegrityError:
        raise TreasuryRefused(_("Une de ces factures vient d'être transmise : recommencez.")) from None
    Invoice.objects.filter(town=town, pk__in=[piece.title.invoice_id for piece in pieces]).update(handed_over_at=now)
    record(
        town,
        actor,
        "treasury.hand_over",
        handover,
        f"Bordereau de titres {bordereau_year}-{number} : {len(pieces)} facture(s) impayée(s) du "
        f"{start:%d/%m/%Y} au {end:%d/%m/%Y} transmises au comptable public, {total:.2f} €",
        {"invoices": {piece.title.number: f"{piece.amount:.2f}" for piece in pieces}},
    )
    return handover


def total_due(titles: Iterable[Title]) -> Decimal:
    return sum((title.amount_due for title in titles), ZERO)
