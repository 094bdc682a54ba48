from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "ardoise.documents"
    label = "documents"
