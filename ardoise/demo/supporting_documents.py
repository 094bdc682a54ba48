"""The demo town's supporting documents (pièces justificatives): four document types and the families' files.

- Types: the insurance certificate (each child, 12 months, needed by `mercredi` and by any activity that runs
  in the school holidays), the vaccination record (each child, no expiry), the proof of quotient familial
  (the family, 12 months) and the signed PAI (each child with a PAI).
- Every child has an accepted insurance certificate dated 60 days ago (so every family, DUPONT first, can book
  `mercredi` for the next ten months) and an accepted vaccination record; every family but the last its
  accepted quotient proof. Then, for the guides' tour: three quotient proofs expiring within 30 days, two
  renewals waiting in the queue "Pièces à vérifier", and one vaccination record refused with its reason.
- The files are real small PDFs from the invoices' engine, one per type, stored under `demo/pieces/` in the
  media storage (rewritten only when they change, as demo.publications does).
"""

import datetime
from collections import Counter

from django.utils import timezone

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.documents.models import Concerns, DocumentStatus, DocumentType, SupportingDocument
from ardoise.documents.status import add_months, validity_end
from ardoise.families.models import Child
from ardoise.towns.models import Town

from .bulk import insert
from .people import FamilyPlan
from .publications import _stored, document_pdf

INSURANCE = "Attestation d'assurance (responsabilité civile)"
VACCINATIONS = "Carnet de vaccinations"
QUOTIENT = "Justificatif de quotient familial"
PAI = "PAI signé"
REFUSAL = "Les pages des vaccinations obligatoires manquent : déposez le carnet complet."


def create_supporting_documents(
    town: Town,
    today: datetime.date,
    activities: list[Activity],
    plans: list[FamilyPlan],
    front_desk: User,
    counts: Counter[str],
) -> None:
    insurance, vaccinations, quotient, pai = types = [
        DocumentType(town=town, label=INSURANCE, concerns=Concerns.CHILD, validity_months=12, position=1),
        DocumentType(town=town, label=VACCINATIONS, concerns=Concerns.CHILD, validity_months=None, position=2),
        DocumentType(town=town, label=QUOTIENT, concerns=Concerns.FAMILY, validity_months=12, position=3),
        DocumentType(town=town, label=PAI, concerns=Concerns.CHILD, validity_months=12, only_with_pai=True, position=4),
    ]
    insert(types, counts)
    insurance.activities.set(
        [a for a in activities if a.code == "mercredi" or a.runs_in_school_holidays or a.holidays_only]
    )
    files = {
        document_type.pk: _stored(f"pieces/{name}.pdf", document_pdf(lines))
        for document_type, name, lines in [
            (insurance, "attestation-assurance", [INSURANCE, "Assuré : l'enfant désigné", "Garantie : 12 mois"]),
            (vaccinations, "carnet-vaccinations", [VACCINATIONS, "Vaccinations obligatoires à jour"]),
            (quotient, "quotient-familial", [QUOTIENT, "Attestation de la CAF"]),
            (pai, "pai-signe", [PAI, "Projet d'accueil individualisé signé par le médecin scolaire"]),
        ]
    }
    moment = timezone.make_aware(datetime.datetime.combine(today, datetime.time(9, 0)))

    def document(
        plan: FamilyPlan,
        document_type: DocumentType,
        child: Child | None,
        dated_on: datetime.date,
        status: str = DocumentStatus.ACCEPTED,
        reason: str = "",
    ) -> SupportingDocument:
        path, size = files[document_type.pk]
        uploaded_at = moment - datetime.timedelta(days=max((today - dated_on).days, 0) + 1)
        return SupportingDocument(
            town=town,
            family=plan.family,
            child=child,
            document_type=document_type,
            file=path,
            file_name=path.rsplit("/", 1)[1],
            content_type="application/pdf",
            size=size,
            dated_on=dated_on,
            valid_from=dated_on,
            valid_until=validity_end(dated_on, document_type.validity_months),
            status=status,
            refusal_reason=reason,
            uploaded_by=plan.user,
            uploaded_at=uploaded_at,
            checked_by=None if status == DocumentStatus.PENDING else front_desk,
            checked_at=None if status == DocumentStatus.PENDING else uploaded_at + datetime.timedelta(days=1),
        )

    recent = today - datetime.timedelta(days=60)
    # A year ago plus two weeks: ends within the coming 30 days.
    expiring = add_months(today, -12) + datetime.timedelta(days=15)
    rows = []
    for index, plan in enumerate(plans):
        for child_index, child_plan in enumerate(plan.children):
            child = child_plan.child
            rows.append(document(plan, insurance, child, recent))
            if index == 8 and child_index == 0:  # The one refused.
                rows.append(document(plan, vaccinations, child, recent, DocumentStatus.REFUSED, REFUSAL))
            else:
                rows.append(document(plan, vaccinations, child, recent))
            if child.has_pai:
                rows.append(document(plan, pai, child, recent))
        if index == len(plans) - 1 and index > 0:
            continue  # One family without its quotient proof: "missing" in the lists.
        rows.append(document(plan, quotient, None, expiring if index in (2, 3, 4) else recent))
        if index in (5, 6):  # Renewals waiting in the queue.
            rows.append(document(plan, quotient, None, today - datetime.timedelta(days=3), DocumentStatus.PENDING))
    insert(rows, counts)
