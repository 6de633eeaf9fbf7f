"""Small assertions shared by the tests of cases and collaboration."""

from contextlib import contextmanager

from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import CaseMember, Document, JointCase, Party, TimelineEntry
from collaboration.models import AssistanceRequest, DeadlineExtension, DeadlineReminder, Response
from portal.models import AuditEvent, Notification

# Every table a workflow step writes to: a refused step must leave all of them as they were.
WATCHED_MODELS = (
    TimelineEntry,
    Notification,
    Document,
    AuditEvent,
    Response,
    CaseMember,
    Party,
    JointCase,
    AssistanceRequest,
    DeadlineReminder,
    DeadlineExtension,
)


def _row(obj) -> dict:
    return type(obj).objects.filter(pk=obj.pk).values().get()


@contextmanager
def nothing_changes(*objects):
    """Assert that the block writes nothing: no row added or removed, the given rows unchanged.

    Use it around a step that must be refused: `with nothing_changes(case), pytest.raises(...)`.
    """
    counts = {model.__name__: model.objects.count() for model in WATCHED_MODELS}
    rows = [_row(obj) for obj in objects]
    yield
    assert {model.__name__: model.objects.count() for model in WATCHED_MODELS} == counts
    assert [_row(obj) for obj in objects] == rows


def timeline_kinds(case) -> list[str]:
    return list(TimelineEntry.objects.filter(case_id=case.pk).order_by("id").values_list("kind", flat=True))


def notified(kind: str) -> set[str]:
    """Usernames of everyone holding a notification of this kind."""
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def upload(name: str = "证据.txt", content: bytes = b"evidence") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def freeze_time(monkeypatch, when: str):
    """Make django.utils.timezone.now() return this moment (ISO 8601 with its offset) for the test.

    Every date the portal computes goes through timezone.now() (localdate included), so this moves
    "today" without a clock library. Returns the aware datetime.
    """
    import datetime

    from django.utils import timezone

    moment = datetime.datetime.fromisoformat(when)
    assert moment.tzinfo is not None, "give the offset, e.g. +08:00"
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment
