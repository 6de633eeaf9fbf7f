from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code"),
        max_length=6,
        min_length=6,
        validators=[RegexValidator(r"^\d{6}$", _("Enter the six digits shown by your authenticator app."))],
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
