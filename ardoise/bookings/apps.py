from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "ardoise.bookings"
    label = "bookings"
