from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Platform")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import auth_events

        auth_events.connect()
        post_migrate.connect(_seed_calendar, sender=self)


def _seed_calendar(*, using, **kwargs):
    """Bring the working-day calendar's new years in from the package after every migrate (and after a
    test database is flushed, which also sends post_migrate). Years already in the table are kept."""
    from django.db import connections

    from .services import calendar_seed_from_package

    if "portal_calendaryear" not in connections[using].introspection.table_names():
        return  # migrating backwards, or not that far yet
    calendar_seed_from_package()
