"""Right of access as a readable PDF: the same data as the JSON (`export.collect`), French headings, tables.

`sections(data)` turns the collected dict into titled blocks (a record as label / value rows, a list
as a table) with no database; `render_pdf(data)` prints them through `billing.pdf`'s engine
(WeasyPrint, or the fake chosen by settings).
"""

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ardoise.billing.pdf import get_renderer

TEMPLATE = "privacy/access_pdf.html"

# Keys of the export as people read them.
LABELS = {
    "number": gettext_lazy("Numéro"),
    "name": gettext_lazy("Nom"),
    "quotient_familial": gettext_lazy("Quotient familial"),
    "resident": gettext_lazy("Résident"),
    "caf_number": gettext_lazy("N° allocataire"),
    "caf_regime": gettext_lazy("Régime"),
    "qf_consent_at": gettext_lazy("Accord consultation QF"),
    "tax_reference": gettext_lazy("Référence fiscale"),
    "iban": gettext_lazy("IBAN"),
    "bic": gettext_lazy("BIC"),
    "account_holder": gettext_lazy("Titulaire du compte"),
    "bank_name": gettext_lazy("Banque"),
    "archived_on": gettext_lazy("Archivée le"),
    "file_status": gettext_lazy("État du dossier"),
    "file_submitted_at": gettext_lazy("Dossier envoyé le"),
    "file_refusal_reason": gettext_lazy("Motif de refus du dossier"),
    "created_at": gettext_lazy("Créé le"),
    "updated_at": gettext_lazy("Modifié le"),
    "position": gettext_lazy("Rang"),
    "civility": gettext_lazy("Civilité"),
    "first_name": gettext_lazy("Prénom"),
    "last_name": gettext_lazy("Nom"),
    "relationship": gettext_lazy("Qualité"),
    "marital_status": gettext_lazy("Situation familiale"),
    "address": gettext_lazy("Adresse"),
    "postcode": gettext_lazy("Code postal"),
    "city": gettext_lazy("Commune"),
    "home_phone": gettext_lazy("Téléphone domicile"),
    "work_phone": gettext_lazy("Téléphone travail"),
    "mobile_phone": gettext_lazy("Mobile"),
    "email": gettext_lazy("E-mail"),
    "profession": gettext_lazy("Profession"),
    "employer": gettext_lazy("Employeur"),
    "employer_address": gettext_lazy("Adresse de l'employeur"),
    "email_consent": gettext_lazy("Accord e-mails"),
    "sms_consent": gettext_lazy("Accord SMS"),
    "account": gettext_lazy("Compte"),
    "is_active": gettext_lazy("Actif"),
    "date_joined": gettext_lazy("Créé le"),
    "last_login": gettext_lazy("Dernière connexion"),
    "notification_preferences": gettext_lazy("Préférences de notification"),
    "new_message": gettext_lazy("Nouveau message"),
    "booking_confirmation": gettext_lazy("Confirmation de réservation"),
    "request_decision": gettext_lazy("Décision sur une demande"),
    "sex": gettext_lazy("Sexe"),
    "birth_date": gettext_lazy("Date de naissance"),
    "school_class": gettext_lazy("Classe"),
    "may_leave_alone": gettext_lazy("Peut partir seul"),
    "site": gettext_lazy("École"),
    "health": gettext_lazy("Santé"),
    "allergies": gettext_lazy("Allergies"),
    "has_pai": gettext_lazy("PAI"),
    "pai_details": gettext_lazy("Détails du PAI"),
    "diet": gettext_lazy("Régime alimentaire"),
    "wears_glasses": gettext_lazy("Porte des lunettes"),
    "doctor": gettext_lazy("Médecin"),
    "health_notes": gettext_lazy("Remarques de santé"),
    "authorised_persons": gettext_lazy("Personnes autorisées"),
    "phone": gettext_lazy("Téléphone"),
    "child": gettext_lazy("Enfant"),
    "activity": gettext_lazy("Activité"),
    "school_year": gettext_lazy("Année scolaire"),
    "weekly_pattern": gettext_lazy("Jours réguliers"),
    "date": gettext_lazy("Jour"),
    "state": gettext_lazy("État"),
    "refusal_reason": gettext_lazy("Motif de refus"),
    "absence": gettext_lazy("Absence"),
    "comment": gettext_lazy("Commentaire"),
    "document": gettext_lazy("Justificatif"),
    "declared_at": gettext_lazy("Déclarée le"),
    "reason": gettext_lazy("Motif"),
    "kind": gettext_lazy("Type"),
    "status": gettext_lazy("État"),
    "target": gettext_lazy("Objet"),
    "changes": gettext_lazy("Changements"),
    "decided_at": gettext_lazy("Décidée le"),
    "days": gettext_lazy("Jours"),
    "waiting_since": gettext_lazy("En attente depuis"),
    "offered_at": gettext_lazy("Place proposée le"),
    "offer_expires_at": gettext_lazy("Proposition valable jusqu'au"),
    "registration_period": gettext_lazy("Période d'inscription"),
    "campaign": gettext_lazy("Campagne"),
    "submitted_at": gettext_lazy("Envoyée le"),
    "steps_done": gettext_lazy("Étapes faites"),
    "issued_on": gettext_lazy("Émise le"),
    "due_on": gettext_lazy("Échéance"),
    "period_start": gettext_lazy("Du"),
    "period_end": gettext_lazy("Au"),
    "total": gettext_lazy("Total (€)"),
    "payer_name": gettext_lazy("Payeur"),
    "payer_address": gettext_lazy("Adresse du payeur"),
    "regie_name": gettext_lazy("Régie"),
    "notified_at": gettext_lazy("Envoyée le"),
    "handed_over_at": gettext_lazy("Transmise au Trésor public le"),
    "lines": gettext_lazy("Lignes"),
    "label": gettext_lazy("Libellé"),
    "quantity": gettext_lazy("Quantité"),
    "unit_price": gettext_lazy("Prix unitaire (€)"),
    "amount": gettext_lazy("Montant (€)"),
    "reminders": gettext_lazy("Relances"),
    "level": gettext_lazy("Niveau"),
    "sent_on": gettext_lazy("Envoyée le"),
    "remaining": gettext_lazy("Reste dû (€)"),
    "invoice": gettext_lazy("Facture"),
    "method": gettext_lazy("Mode"),
    "received_on": gettext_lazy("Reçu le"),
    "reference": gettext_lazy("Référence"),
    "bank": gettext_lazy("Banque"),
    "settles": gettext_lazy("Affecté à"),
    "refunded_on": gettext_lazy("Remboursé le"),
    "reversed_on": gettext_lazy("Annulé le"),
    "detail": gettext_lazy("Détail"),
    "payment": gettext_lazy("Règlement"),
    "provider": gettext_lazy("Prestataire"),
    "subject": gettext_lazy("Objet"),
    "debtor_name": gettext_lazy("Débiteur"),
    "signed_on": gettext_lazy("Signé le"),
    "revoked_on": gettext_lazy("Révoqué le"),
    "sequence_type": gettext_lazy("Séquence"),
    "end_to_end_id": gettext_lazy("Référence de bout en bout"),
    "reject_reason": gettext_lazy("Motif de rejet"),
    "rejected_on": gettext_lazy("Rejeté le"),
    "collection_date": gettext_lazy("Date de prélèvement"),
    "mandate": gettext_lazy("Mandat"),
    "file_name": gettext_lazy("Fichier"),
    "content_type": gettext_lazy("Format"),
    "size": gettext_lazy("Taille (octets)"),
    "dated_on": gettext_lazy("Daté du"),
    "valid_from": gettext_lazy("Valable du"),
    "valid_until": gettext_lazy("Valable jusqu'au"),
    "uploaded_at": gettext_lazy("Déposé le"),
    "checked_at": gettext_lazy("Vérifié le"),
    "replaced_at": gettext_lazy("Remplacé le"),
    "document_type": gettext_lazy("Pièce"),
    "version": gettext_lazy("Version"),
    "given": gettext_lazy("Accordé"),
    "answered_at": gettext_lazy("Répondu le"),
    "consent": gettext_lazy("Autorisation"),
    "answered_by_family": gettext_lazy("Réponse de la famille"),
    "value": gettext_lazy("Valeur"),
    "source": gettext_lazy("Source"),
    "fetched_at": gettext_lazy("Obtenu le"),
    "applies_from": gettext_lazy("Appliqué à partir du"),
    "reference_month": gettext_lazy("Mois de référence"),
    "birth_name": gettext_lazy("Nom de naissance"),
    "first_names": gettext_lazy("Prénoms"),
    "birth_commune_code": gettext_lazy("Commune de naissance (code)"),
    "birth_country_code": gettext_lazy("Pays de naissance (code)"),
    "message": gettext_lazy("Message"),
    "at": gettext_lazy("Le"),
    "family_deleted_at": gettext_lazy("Supprimée par la famille le"),
    "messages": gettext_lazy("Messages"),
    "from_staff": gettext_lazy("Du service"),
    "body": gettext_lazy("Texte"),
    "read_at": gettext_lazy("Lu le"),
    "attachments": gettext_lazy("Pièces jointes"),
    "to": gettext_lazy("Destinataire"),
    "body_text": gettext_lazy("Texte"),
    "sent_at": gettext_lazy("Envoyé le"),
    "action": gettext_lazy("Action"),
    "summary": gettext_lazy("Résumé"),
    "by": gettext_lazy("Par"),
}

# The sections in order: key of the export, French title, and whether it is one record (label / value)
# or a list shown as one record per item (wide rows) or as a table.
SECTIONS: list[tuple[str, Any, str]] = [
    ("family", gettext_lazy("Famille"), "record"),
    ("guardians", gettext_lazy("Responsables"), "records"),
    ("children", gettext_lazy("Enfants"), "records"),
    ("enrolments", gettext_lazy("Inscriptions aux activités"), "table"),
    ("bookings", gettext_lazy("Réservations et présences (pointage)"), "table"),
    ("requests", gettext_lazy("Demandes au service"), "table"),
    ("enrolment_requests", gettext_lazy("Demandes d'inscription"), "table"),
    ("reenrolment_replies", gettext_lazy("Réponses aux réinscriptions"), "table"),
    ("signup", gettext_lazy("Inscription en ligne"), "table"),
    ("invoices", gettext_lazy("Factures"), "records"),
    ("credit_notes", gettext_lazy("Avoirs"), "table"),
    ("payments", gettext_lazy("Règlements"), "table"),
    ("refunds", gettext_lazy("Remboursements"), "table"),
    ("reversals", gettext_lazy("Annulations de règlements"), "table"),
    ("online_payments", gettext_lazy("Paiements en ligne"), "table"),
    ("mandates", gettext_lazy("Mandats de prélèvement SEPA"), "table"),
    ("direct_debits", gettext_lazy("Prélèvements"), "table"),
    ("documents", gettext_lazy("Pièces justificatives (liste)"), "table"),
    ("consents", gettext_lazy("Autorisations et consentements"), "table"),
    ("quotients.history", gettext_lazy("Quotient familial : historique"), "table"),
    ("quotients.allocataire", gettext_lazy("Quotient familial : identité de l'allocataire"), "table"),
    ("quotients.fetches", gettext_lazy("Quotient familial : consultations"), "table"),
    ("messages", gettext_lazy("Messages"), "records"),
    ("emails", gettext_lazy("E-mails envoyés"), "records"),
    ("audit", gettext_lazy("Journal des opérations sur votre dossier"), "table"),
]


def label(key: str) -> str:
    return str(LABELS.get(key, key))


def text(value: Any) -> str:
    """A plain value as one line of French text; nested records as "Label : valeur ; …"."""
    if value is None or value == "":
        return "—"
    if value is True:
        return _("oui")
    if value is False:
        return _("non")
    if isinstance(value, dict):
        return " ; ".join(f"{label(key)} : {text(item)}" for key, item in value.items())
    if isinstance(value, list):
        return " | ".join(text(item) for item in value) or "—"
    if isinstance(value, str) and ISO_DATE.match(value):
        return _french_date(value)
    return str(value)


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?)?$")


def _french_date(value: str) -> str:
    """ "2027-04-08" as "08/04/2027", "2027-04-08T10:05:00+02:00" as "08/04/2027 10:05" (Paris time)."""
    if "T" not in value:
        return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
    return datetime.datetime.fromisoformat(value).strftime("%d/%m/%Y %H:%M")


@dataclass
class Block:
    title: str
    layout: str  # "facts": label / value rows; "table": headers and rows
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    subtitle: str = ""


def _facts(title: str, record: dict[str, Any], subtitle: str = "") -> Block:
    """Label / value rows; a nested record (a child's health, a guardian's account) as one row per field."""
    rows: list[list[str]] = []
    for key, value in record.items():
        if isinstance(value, dict) and value:
            rows.extend([f"{label(key)} — {label(name)}", text(part)] for name, part in value.items())
        else:
            rows.append([label(key), text(value)])
    return Block(title, "facts", rows=rows, subtitle=subtitle)


def _name_of(item: dict[str, Any], number: int) -> str:
    """What a record is called in its heading: a person's names, an invoice's number, a thread's subject."""
    if item.get("first_name"):
        return f"{item['first_name']} {item.get('last_name') or ''}".strip()
    for key in ("number", "subject"):
        if item.get(key):
            return str(item[key])
    return str(number)


def _table(title: str, items: list[dict[str, Any]]) -> Block:
    keys: list[str] = []
    for item in items:
        keys.extend(key for key in item if key not in keys)
    return Block(
        title,
        "table",
        headers=[label(key) for key in keys],
        rows=[[text(item.get(key)) for key in keys] for item in items],
    )


def _lookup(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def sections(data: dict[str, Any]) -> list[Block]:
    """The export as titled blocks, in the order of SECTIONS; empty lists say "Aucune donnée"."""
    blocks: list[Block] = []
    for key, title, layout in SECTIONS:
        value = _lookup(data, key)
        if layout == "record":
            blocks.append(_facts(str(title), value or {}))
        elif not value:
            blocks.append(Block(str(title), "empty"))
        elif layout == "records":
            for number, item in enumerate(value, start=1):
                nested = {name: part for name, part in item.items() if _is_table(part)}
                flat = {name: part for name, part in item.items() if name not in nested}
                name = _name_of(item, number)
                blocks.append(_facts(f"{title} : {name}", flat, subtitle=f"{number} / {len(value)}"))
                blocks.extend(_table(f"{name} — {label(key)}", part) for key, part in nested.items())
        else:
            blocks.append(_table(str(title), value))
    return blocks


def _is_table(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def render_html(data: dict[str, Any]) -> str:
    return render_to_string(TEMPLATE, {"data": data, "blocks": sections(data)})


def render_pdf(data: dict[str, Any]) -> bytes:
    return get_renderer().render(render_html(data))
