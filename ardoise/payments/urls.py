from django.urls import path

from ardoise.payments import views

app_name = "payments"
urlpatterns = [
    path("notification/<uuid:token>/", views.notification, name="notification"),
    path("retour/<uuid:token>/", views.payment_return, name="return"),
    path("resultat/<uuid:token>/", views.result, name="result"),
    path("simulateur/<str:idop>/", views.simulator, name="simulator"),
]
