from django import forms
from django.utils.translation import gettext_lazy as _

from .events import EVENTS


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=_("Address (URL)"),
        max_length=500,
        assume_scheme="https",
        help_text=_("An http:// or https:// address of your bureau's system. Redirects are not followed."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=list(EVENTS.items()), widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
