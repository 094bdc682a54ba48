from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    login = forms.CharField(
        label=_("Adresse e-mail ou n° de famille"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    remember_me = forms.BooleanField(
        label=_("Se souvenir de moi"),
        label_suffix="",
        required=False,
        help_text=_("Rester connecté 30 jours sur cet appareil. À éviter sur un ordinateur partagé."),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class PasswordForgotForm(forms.Form):
    login = forms.CharField(
        label=_("Adresse e-mail ou n° de famille"),
        max_length=254,
        help_text=_("Le n° de famille figure sur vos factures et sur le courrier d'inscription."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
