"""Who may reach which enrollment or booking: 404 (Http404) for anything outside the caller's reach."""

from ardoise.accounts.models import User
from ardoise.bookings.models import Booking, Enrollment
from ardoise.families.models import Family
from ardoise.towns.access import accessible_sites, object_or_404
from ardoise.towns.models import Town


def access_enrollment(family: Family, enrollment_id: int) -> Enrollment:
    """An enrollment of a child of this family, or 404."""
    enrollments = Enrollment.objects.filter(town_id=family.town_id, child__family=family)
    return object_or_404(enrollments.select_related("child", "activity"), pk=enrollment_id)


def access_site_booking(user: User, town: Town, booking_id: int) -> Booking:
    """A booking at a site the staff member works at (every site for admins and the front desk), or 404."""
    bookings = Booking.objects.filter(town=town, activity__site__in=accessible_sites(user, town))
    return object_or_404(bookings.select_related("activity__site", "activity__town"), pk=booking_id)
