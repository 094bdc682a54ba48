"""The demo town's supporting documents: its four types, every child enrolled at the Wednesday centre able to
book it, and the guides' tour (documents waiting in the queue, expiring soon, refused, missing)."""

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from ardoise.bookings.models import Enrollment
from ardoise.documents.models import DocumentStatus, DocumentType, SupportingDocument
from ardoise.documents.queries import dossiers
from ardoise.documents.requirements import missing_for
from ardoise.families.models import Family, FileStatus
from ardoise.towns.models import Town

TODAY = datetime.date(2026, 11, 18)


@pytest.mark.django_db
def test_it_asks_four_documents_the_insurance_for_the_wednesday_centre(demo: Town) -> None:
    types = list(DocumentType.objects.filter(town=demo).prefetch_related("activities"))
    assert [document_type.label for document_type in types] == [
        "Attestation d'assurance (responsabilité civile)",
        "Carnet de vaccinations",
        "Justificatif de quotient familial",
        "PAI signé",
    ]
    assert {activity.code for activity in types[0].activities.all()} == {"mercredi", "vacances"}


@pytest.mark.django_db
def test_every_child_enrolled_at_the_wednesday_centre_may_book_it(demo: Town) -> None:
    enrollments = Enrollment.objects.filter(
        town=demo, activity__code="mercredi", school_year__starts_on__lte=TODAY, school_year__ends_on__gte=TODAY
    ).select_related("child", "activity")
    assert enrollments.filter(child__family__name="DUPONT").exists()
    for day in (TODAY, TODAY + datetime.timedelta(days=7 * 20)):
        for enrollment in enrollments:
            assert missing_for(enrollment.child, enrollment.activity, day) == [], enrollment


@pytest.mark.django_db
def test_it_has_documents_waiting_expiring_refused_and_missing(demo: Town) -> None:
    assert SupportingDocument.objects.filter(town=demo, status=DocumentStatus.PENDING).count() == 2
    refused = SupportingDocument.objects.get(town=demo, status=DocumentStatus.REFUSED)
    assert refused.refusal_reason
    # The families that signed up online have sent no document yet: only the accepted ones are counted here.
    # Nor the departed family past retention (demo.privacy): archived, it is asked nothing.
    families = Family.objects.filter(town=demo, file_status=FileStatus.ACCEPTED, archived_on=None).order_by("number")
    with_today = dossiers(demo, families, TODAY)
    states = Counter(line.state.value for dossier in with_today for line in dossier.lines)
    assert states["expiring"] == 3
    assert states["refused"] == 1
    assert states["missing"] == 1
    assert with_today[0].incomplete() == []
    assert timezone.is_aware(refused.uploaded_at)
    with refused.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
