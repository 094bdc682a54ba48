from django.urls import path

from ardoise.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/forgot/", views.password_forgot, name="password_forgot"),
    path("password/forgot/sent/", views.password_forgot_sent, name="password_forgot_sent"),
    path("password/reset/<uidb64>/<token>/", views.password_reset, name="password_reset"),
    path("password/change/", views.password_change, name="password_change"),
]
