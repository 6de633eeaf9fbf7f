"""The iCalendar (RFC 5545) feed of a person's deadlines, written with the `icalendar` package."""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event


def deadlines_calendar(user, requests) -> bytes:
    """One all-day event per request on its due date, in the user's language, linking to the request."""
    base = settings.PORTAL_BASE_URL.rstrip("/")
    domain = urlsplit(base).hostname or "portal.local"
    now = timezone.now()
    with translation.override(user.language):
        calendar = Calendar()
        calendar.add("prodid", "-//Joint Enforcement Portal//Deadlines//ZH")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("x-wr-calname", _("Assistance request deadlines") + f" · {user}")
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        for request in requests:
            link = base + reverse("collaboration:request_detail", args=[request.pk])
            event = Event()
            event.add("uid", f"request-{request.pk}-due@{domain}")
            event.add("dtstamp", now)
            event.add("last-modified", request.updated_at)
            event.add("dtstart", request.due_date)
            event.add("dtend", request.due_date + datetime.timedelta(days=1))
            event.add("transp", "TRANSPARENT")
            event.add(
                "summary",
                _("[%(case)s] Due: %(request)s") % {"case": request.case.reference, "request": request.title},
            )
            lines = [
                f"{request.requesting_bureau} → {request.requested_bureau}",
                _("Status: %(status)s") % {"status": request.get_status_display()},
            ]
            if request.due_date_provisional:
                lines.append(
                    _("Provisional: the calendar of this year is not entered yet (counted Monday–Friday).")
                )
            lines.append(link)
            event.add("description", "\n".join(lines))
            event.add("url", link)
            calendar.add_component(event)
    return calendar.to_ical()
