from django.urls import path

from ardoise.backoffice import audit, kitchen, requests, roll_call, views

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("demandes/", requests.request_queue, name="requests"),
    path("demandes/decider/", requests.request_decide, name="requests_decide"),
    path("absences/<int:absence_id>/justificatif/", requests.absence_document, name="absence_document"),
    path("journal/", audit.audit_log, name="audit"),
    path("pointage/", roll_call.roll_call, name="roll_call"),
    path("pointage/reservations/<int:booking_id>/", roll_call.roll_call_mark, name="roll_call_mark"),
    path("pointage/ajouter/", roll_call.roll_call_add, name="roll_call_add"),
    path("pointage/cloturer/", roll_call.roll_call_close, name="roll_call_close"),
    path("cuisine/", kitchen.kitchen, name="kitchen"),
    path("cuisine/repas.csv", kitchen.kitchen_csv, name="kitchen_csv"),
    path("cuisine/repas.pdf", kitchen.kitchen_pdf, name="kitchen_pdf"),
]
