from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    """Data interoperability: the case exchange format (export/import) and signed webhooks."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "interop"
    verbose_name = _("Data exchange")
