from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ardoise.accounts"
    label = "accounts"
