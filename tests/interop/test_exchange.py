"""The case exchange format: exports follow the JSON Schema and the bureau boundary; an export imported
into a clean database reproduces the case; imports are idempotent and report conflicts."""

import copy
import io
import json
import uuid

import jsonschema
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from cases import services as case_services
from cases.models import Category, Document, JointCase, Party, TimelineEntry
from cases.permissions import visible_cases
from collaboration import services as request_services
from collaboration.models import RequestType
from interop.exchange import ExchangeFormatError, export_case, import_case, schema
from portal.services import personal_token_create
from tests.conftest import _build_cast
from tests.helpers import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich_case(answered_request, sz_officer, hz_officer, media_storage):
    """An open case with two parties, shared and internal evidence, an answered request with a file, an
    SZ draft request and an internal note."""
    case = answered_request.case
    case_services.party_add(case=case, actor=sz_officer, kind=Party.Kind.COMPANY, name="杭州某贸易有限公司")
    case_services.party_add(case=case, actor=sz_officer, kind=Party.Kind.ONLINE_SHOP, name="某某旗舰店",
                            platform="抖音", platform_account_id="88888")  # fmt: skip
    case_services.document_upload(
        case=case, actor=sz_officer, uploaded_file=upload("直播录屏.txt", b"screen")
    )
    case_services.document_upload(
        case=case, actor=sz_officer, uploaded_file=upload("内部研判.txt", b"sz only"), internal=True
    )
    case_services.document_upload(
        case=case, actor=hz_officer, uploaded_file=upload("杭州内部.txt", b"hz only"), internal=True
    )
    draft = request_services.request_create(
        case=case, actor=sz_officer, request_type=RequestType.PLATFORM_DATA, title="调取订单数据",
        items="请调取近三个月订单。", requested_bureau=hz_officer.bureau,
    )  # fmt: skip
    request_services.request_attach_document(
        request=draft, actor=sz_officer, uploaded_file=upload("协查函.txt", b"letter")
    )
    case.refresh_from_db()
    return case


def without_time_of_export(document: dict) -> dict:
    document = copy.deepcopy(document)
    document.pop("exported_at")
    return document


def from_elsewhere(document: dict) -> dict:
    """The same content as a case this portal has never seen (another exchange id)."""
    document = copy.deepcopy(document)
    exchange_id = str(uuid.uuid4())
    document["case"]["exchange_id"] = exchange_id
    document["case"]["external_id"] = document["case"]["external_id"].rsplit("/", 1)[0] + "/" + exchange_id
    return document


def test_an_export_follows_the_json_schema(rich_case, sz_officer, hz_officer):
    for viewer in (sz_officer, hz_officer):
        jsonschema.validate(export_case(rich_case, viewer=viewer), schema())


def test_an_export_shows_only_what_the_bureau_may_see(rich_case, sz_officer, hz_officer):
    sz_export, hz_export = (
        export_case(rich_case, viewer=sz_officer),
        export_case(rich_case, viewer=hz_officer),
    )
    sz_titles = {item["title"] for item in sz_export["evidence"]}
    hz_titles = {item["title"] for item in hz_export["evidence"]}
    assert "内部研判.txt" in sz_titles and "杭州内部.txt" not in sz_titles
    assert "杭州内部.txt" in hz_titles and "内部研判.txt" not in hz_titles
    assert {item["internal_to"] for item in sz_export["evidence"]} == {None, "SZ-AMR"}
    assert "调取订单数据" in {r["title"] for r in sz_export["requests"]}
    assert "调取订单数据" not in {r["title"] for r in hz_export["requests"]}, "SZ's draft stays with SZ"
    assert all(entry["internal_to"] in (None, "HZ-AMR") for entry in hz_export["timeline"])
    assert sz_export["case"]["exchange_id"] == hz_export["case"]["exchange_id"], "one stable id per case"
    assert sz_export["case"]["external_id"] == f"SZ-AMR/{rich_case.number}/{sz_export['case']['exchange_id']}"


@pytest.mark.django_db(transaction=True)
def test_export_then_import_into_a_clean_database_reproduces_the_case(rich_case, sz_officer):
    exported = json.loads(json.dumps(export_case(rich_case, viewer=sz_officer)))
    category = {"code": rich_case.category.code, "name_zh": rich_case.category.name_zh}

    # A clean database: nothing but the reference data every portal has (bureaus, teams, people, categories).
    call_command("flush", interactive=False, verbosity=0)
    assert not JointCase.objects.exists() and not Document.objects.exists()
    cast = _build_cast()
    Category.objects.create(**category)

    result = import_case(document=exported, actor=cast.sz_officer)

    assert result.outcome == "created"
    again = export_case(result.case, viewer=cast.sz_officer)
    assert without_time_of_export(again) == without_time_of_export(exported)
    assert len(again["evidence"]) == 3 and again["requests"][0]["responses"][0]["body"] == "已调取，见附件。"
    assert again["requests"][1]["documents"] == [
        e["sha256"] for e in again["evidence"] if e["title"] == "协查函.txt"
    ]
    assert import_case(document=exported, actor=cast.sz_officer).outcome == "unchanged"


def test_an_imported_case_gets_the_grants_of_a_created_one(rich_case, cast):
    document = from_elsewhere(export_case(rich_case, viewer=cast.sz_officer))
    case = import_case(document=document, actor=cast.sz_officer).case
    assert case.pk != rich_case.pk
    for name in ("sz_officer", "sz_leader", "hz_leader", "sz_auditor", "hz_auditor"):
        assert visible_cases(getattr(cast, name)).filter(pk=case.pk).exists(), name
    for name in ("sz_officer2", "hz_officer", "hz_officer2", "sz_leader2", "gz_officer", "gz_auditor"):
        assert not visible_cases(getattr(cast, name)).filter(pk=case.pk).exists(), name


def test_importing_the_same_document_twice_changes_nothing(rich_case, sz_officer):
    document = from_elsewhere(export_case(rich_case, viewer=sz_officer))
    first = import_case(document=document, actor=sz_officer)
    counts = (JointCase.objects.count(), TimelineEntry.objects.count(), Party.objects.count())
    second = import_case(document=document, actor=sz_officer)
    assert (first.outcome, second.outcome, second.case) == ("created", "unchanged", first.case)
    assert (JointCase.objects.count(), TimelineEntry.objects.count(), Party.objects.count()) == counts


def test_a_case_coming_back_unchanged_is_recognised(rich_case, sz_officer):
    result = import_case(document=export_case(rich_case, viewer=sz_officer), actor=sz_officer)
    assert (result.outcome, result.case.pk) == ("unchanged", rich_case.pk)


def test_a_conflict_is_reported_and_not_written(rich_case, sz_officer):
    exported = from_elsewhere(export_case(rich_case, viewer=sz_officer))
    case = import_case(document=exported, actor=sz_officer).case
    changed = copy.deepcopy(exported)
    changed["case"]["title"] = "另一个标题"
    changed["parties"].pop()
    result = import_case(document=changed, actor=sz_officer)
    assert result.outcome == "conflict" and result.differences == ["case", "parties"]
    case.refresh_from_db()
    assert case.title == exported["case"]["title"] and case.parties.count() == len(exported["parties"])


def test_only_a_participating_bureau_imports_and_only_valid_documents(
    rich_case, sz_officer, gz_officer, sz_auditor
):
    exported = from_elsewhere(export_case(rich_case, viewer=sz_officer))
    cases_before = JointCase.objects.count()
    for outsider in (gz_officer, sz_auditor):
        with pytest.raises(PermissionDenied):
            import_case(document=exported, actor=outsider)
    broken = copy.deepcopy(exported)
    broken["version"] = 2
    del broken["case"]["title"]
    broken["evidence"][0]["sha256"] = "not-a-hash"
    with pytest.raises(ExchangeFormatError) as error:
        import_case(document=broken, actor=sz_officer)
    text = "\n".join(error.value.messages)
    assert "version" in text and "title" in text and "evidence/0/sha256" in text
    assert JointCase.objects.count() == cases_before


def test_export_and_import_through_the_api(rich_case, sz_officer, hz_officer):
    token = personal_token_create(actor=sz_officer, name="sync", scope="write")[1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    from django.test import Client

    client = Client(**headers)
    exported = client.get(reverse("api:case-export", args=[rich_case.pk]))
    assert exported.status_code == 200
    document = exported.json()
    jsonschema.validate(document, schema())

    url = reverse("api:case-import")
    assert client.post(url, document, content_type="application/json").json()["outcome"] == "unchanged"
    document = from_elsewhere(document)
    created = client.post(url, document, content_type="application/json")
    assert created.status_code == 201 and created.json()["case"] is not None
    again = client.post(url, document, content_type="application/json")
    assert again.status_code == 200 and again.json()["outcome"] == "unchanged"
    document["case"]["summary"] = "改过的摘要"
    conflict = client.post(url, document, content_type="application/json")
    assert conflict.status_code == 409 and conflict.json()["differences"] == ["case"]
    invalid = client.post(url, {"format": "something else"}, content_type="application/json")
    assert invalid.status_code == 400 and invalid.json()["errors"]

    read_only = personal_token_create(actor=hz_officer, name="read", scope="read")[1]
    refused = Client(HTTP_AUTHORIZATION=f"Bearer {read_only}").post(
        url, document, content_type="application/json"
    )
    assert refused.status_code == 403


def test_export_and_import_commands(rich_case, sz_officer, tmp_path):
    path = tmp_path / "case.json"
    call_command("export_case", str(rich_case.pk), "--as", "sz_officer", "--output", str(path))
    exported = from_elsewhere(json.loads(path.read_text(encoding="utf-8")))
    jsonschema.validate(exported, schema())
    path.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")

    out = io.StringIO()
    call_command("import_case", str(path), "--as", "sz_officer", stdout=out)
    call_command("import_case", str(path), "--as", "sz_officer", stdout=out)
    lines = out.getvalue().split("\n")
    assert lines[0].startswith("created: case ") and lines[1].startswith("unchanged: case ")

    exported["case"]["title"] = "改名"
    path.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("import_case", str(path), "--as", "sz_officer")
    assert error.value.returncode == 2 and "conflict" in str(error.value)
    with pytest.raises(CommandError):
        call_command("export_case", "999999", "--as", "sz_officer")
