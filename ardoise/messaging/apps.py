from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "ardoise.messaging"
    label = "messaging"
