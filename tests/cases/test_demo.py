"""The demo data: the agreement's two bureaus and case, loadable twice without change."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django_otp.oath import totp

from cases import demo
from cases.models import Document, JointCase
from collaboration.models import AssistanceRequest

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_load_demo_twice_changes_nothing(media_storage, settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=open("/dev/null", "w"))
    first = row_counts()
    call_command("load_demo", stdout=open("/dev/null", "w"))
    assert row_counts() == first


def test_demo_case_is_the_agreements_live_streaming_case(media_storage):
    demo.load()
    case = JointCase.objects.get()
    assert case.lead_bureau.code == "SZ-AMR" and case.number.startswith("深市监协〔")
    assert {p.bureau.code for p in case.participants.all()} == {"SZ-AMR", "HZ-AMR"}
    sent = AssistanceRequest.objects.get(status=AssistanceRequest.Status.SENT)
    assert sent.requested_bureau.code == "HZ-AMR" and sent.due_date is not None
    kinds = {d.content_type for d in Document.objects.all()}
    assert {"application/pdf", "image/png", "text/plain"} <= kinds
    assert any("spreadsheet" in kind for kind in kinds)


def test_demo_leaders_log_in_with_the_published_authenticator_key(client, media_storage):
    demo.load()
    client.post("/accounts/login/", {"username": "sz_leader", "password": demo.DEMO_PASSWORD})
    assert client.get("/cases/")["Location"].startswith("/accounts/2fa/verify/")
    code = f"{totp(bytes.fromhex(demo.DEMO_TOTP_KEY_HEX)):06d}"
    client.post("/accounts/2fa/verify/", {"token": code})
    assert client.get("/queue/").status_code == 200
