"""The parent's billing downloads, included under "attestation-fiscale/" by portal/urls.py (portal namespace)."""

from django.urls import path

from ardoise.billing import views

urlpatterns = [
    path("<int:year>.pdf", views.tax_certificate, name="tax_certificate"),
]
