from django.apps import AppConfig


class SignupConfig(AppConfig):
    name = "ardoise.signup"
    label = "signup"
