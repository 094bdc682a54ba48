from django.urls import include, path

from ardoise.portal import absences, documents, ical, invoices, messages, payments, planning, record, requests, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("attestation-fiscale/", include("ardoise.billing.urls")),
    path("factures/", invoices.invoices, name="invoices"),
    path("factures/<int:invoice_id>.pdf", invoices.invoice_pdf, name="invoice_pdf"),
    path("factures/<int:invoice_id>/payer/", payments.pay_invoice, name="pay_invoice"),
    path("releve/", invoices.statement, name="statement"),
    path("planning/", planning.planning, name="planning"),
    path("planning/verifier/", planning.booking_review, name="booking_review"),
    path("planning/confirmer/", planning.booking_confirm, name="booking_confirm"),
    path("planning/inscription-reguliere/", planning.regular, name="regular"),
    path("absences/", absences.absences, name="absences"),
    path("absences/new/", absences.absence_new, name="absence_new"),
    path("demandes/", requests.request_list, name="requests"),
    path("dossier/", record.record, name="record"),
    path("dossier/famille/modifier/", record.record_family, name="record_family"),
    path("dossier/responsables/<int:guardian_id>/modifier/", record.record_guardian, name="record_guardian"),
    path("dossier/enfants/<int:child_id>/modifier/", record.record_child, name="record_child"),
    path("dossier/enfants/<int:child_id>/personnes/ajouter/", record.record_person_new, name="record_person_new"),
    path("dossier/agenda/regenerer/", record.ical_regenerate, name="ical_regenerate"),
    path("calendar/<str:token>.ics", ical.calendar_feed, name="ical"),
    path("messages/", messages.messages, name="messages"),
    path("messages/ecrire/", messages.message_new, name="message_new"),
    path("messages/<int:thread_id>/", messages.message_thread, name="message_thread"),
    path("messages/<int:thread_id>/supprimer/", messages.message_delete, name="message_delete"),
    path("messages/<int:thread_id>/restaurer/", messages.message_restore, name="message_restore"),
    path("messages/pieces-jointes/<int:attachment_id>/", messages.message_attachment, name="message_attachment"),
    path("messages/notifications/", messages.notification_preferences, name="notification_preferences"),
    path("contact/", messages.contact, name="contact"),
    path("documents/", documents.documents, name="documents"),
    path("documents/<int:document_id>/", documents.document_file, name="document_file"),
]
