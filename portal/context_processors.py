from django.conf import settings
from django.utils import timezone

from .middleware import TWO_FACTOR_STEP_KEY


def navigation(request):
    """Counts in the navigation: a fixed number of queries whatever the data size."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"site_name": settings.PORTAL_SITE_NAME}
    if not user.is_verified() and request.session.get(TWO_FACTOR_STEP_KEY):
        # Before the second factor nothing of the portal shows: no links, no counts.
        return {"site_name": settings.PORTAL_SITE_NAME, "nav_locked": True}
    from collaboration.selectors import queue_count, uncovered_deadline_years

    from .permissions import can_edit_calendar

    context = {
        "site_name": settings.PORTAL_SITE_NAME,
        "nav_queue_count": queue_count(user),
        "nav_unread_count": user.notifications.filter(read_at__isnull=True).count(),
    }
    if can_edit_calendar(user):
        # Administrators are asked to enter a year the calendar lacks while a deadline needs it.
        context["calendar_uncovered_years"] = uncovered_deadline_years(timezone.localdate())
    return context
