from django.apps import AppConfig


class AdmissionsConfig(AppConfig):
    name = "ardoise.admissions"
    label = "admissions"
