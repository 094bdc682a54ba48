from django.urls import path

from ardoise.backoffice import audit, requests, views

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("demandes/", requests.request_queue, name="requests"),
    path("demandes/decider/", requests.request_decide, name="requests_decide"),
    path("absences/<int:absence_id>/justificatif/", requests.absence_document, name="absence_document"),
    path("journal/", audit.audit_log, name="audit"),
]
