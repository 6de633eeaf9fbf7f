"""The OpenAPI schema is generated from the code, checked into the repository, served with its
documentation locally (no request leaves the portal, no inline script), and fuzzed with schemathesis."""

from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core import signals
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import reverse
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from portal.services import personal_token_create

pytestmark = pytest.mark.django_db

SCHEMA_FILE = Path(settings.BASE_DIR) / "openapi.yaml"
REGENERATE = "DJANGO_DEBUG=1 .venv/bin/python manage.py spectacular --lang en --file openapi.yaml"


def generated_schema() -> str:
    with translation.override("en"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        return OpenApiYamlRenderer().render(schema, renderer_context={}).decode()


def test_checked_in_schema_matches_the_code():
    checked_in = SCHEMA_FILE.read_text(encoding="utf-8")
    assert generated_schema() == checked_in, (
        f"openapi.yaml is out of date with the API's code. Regenerate it with `{REGENERATE}` and commit it."
    )


def test_schema_is_served_and_documents_the_bearer_token(client):
    response = client.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API client's or a personal token: `Authorization: Bearer jep_…`.",
    }
    assert "/api/v1/requests/{id}/approve/" in schema["paths"]


def test_docs_load_only_local_files_and_no_inline_script(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    html = response.content.decode()
    assert "<script>" not in html and "<style>" not in html
    assert "http://" not in html and "https://" not in html  # nothing from outside
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    script = client.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert '"validatorUrl": null' in script.content.decode()  # no call to the public validator
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{asset}"), asset  # served locally


# --- fuzzing --------------------------------------------------------------------------------------

# Per operation: valid and invalid input, on the world's real objects and on any id, a few examples each
# (about 40 operations × 4 strategies × 5 examples: well under two minutes).
EXAMPLES = 5


@pytest.fixture
def in_process_app():
    """Django's WSGI application, called in the test's thread and transaction. Like Django's test client,
    it must not close the database connection at the end of each request (that would end the test's
    transaction), so close_old_connections is unhooked meanwhile."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(settings, accepted_request, sz_leader, sz_officer, media_storage):
    """A write token of the lead team's leader, and the real objects its calls are aimed at."""
    from cases import services as case_services
    from portal.models import Notification

    settings.PORTAL_API_RATE = "100000/min"
    case = accepted_request.case
    party = case_services.party_add(case=case, actor=sz_officer, kind="company", name="某科技有限公司")
    document = case_services.document_upload(
        case=case, actor=sz_officer, uploaded_file=SimpleUploadedFile("证据.txt", b"evidence")
    )
    notification = Notification.objects.create(recipient=sz_leader, kind="case_closed", params={}, url="/")
    return {
        "token": personal_token_create(actor=sz_leader, name="fuzz", scope="write")[1],
        "case": case.pk,
        "request": accepted_request.pk,
        "party_pk": party.pk,
        "document_pk": document.pk,
        "notification": notification.pk,
    }


def real_ids(operation, world) -> dict:
    names = {parameter.name for parameter in operation.path_parameters}
    owner = "request" if operation.path.startswith("/api/v1/requests/") else "case"
    if operation.path.startswith("/api/v1/notifications/"):
        owner = "notification"
    ids = {"id": world[owner], "case_pk": world["case"], "party_pk": world["party_pk"]}
    ids["document_pk"] = world["document_pk"]
    return {name: ids[name] for name in names}


def test_no_generated_input_makes_the_api_fail(in_process_app, fuzz_world):
    """Schemathesis generates valid and invalid input for every operation of the served schema and calls
    the application in-process (WSGI), authenticated with a token: nothing may answer 5xx."""
    schema = schemathesis.openapi.from_wsgi(reverse("api:schema"), in_process_app)
    headers = {"Authorization": f"Bearer {fuzz_world['token']}"}
    failures, statuses = [], Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 35
    for operation in operations:
        ids = real_ids(operation, fuzz_world)
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            for path_parameters in [ids, None] if ids else [None]:

                @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
                @hypothesis_settings(
                    max_examples=EXAMPLES,
                    deadline=None,
                    derandomize=True,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
                def call(case):
                    response = case.call(headers=headers)
                    statuses[response.status_code] += 1
                    if response.status_code >= 500:
                        failures.append(
                            f"{case.method} {case.formatted_path} → {response.status_code}\n"
                            f"{case.as_curl_command(headers=headers)}\n{response.text[:1500]}"
                        )

                call()
    print(f"schemathesis: {sum(statuses.values())} calls, statuses {dict(sorted(statuses.items()))}")
    assert failures == [], "\n\n".join(failures[:5])
    assert statuses[200] + statuses[201] > 50, "the fuzzer should reach the handlers, not only the 404s"
