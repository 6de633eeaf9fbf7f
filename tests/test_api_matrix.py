"""The API half of the authorization matrix: every /api/v1/ URL × the same cast, in the same table style.

The world and the columns are those of tests/test_authorization_matrix.py (read its docstring); every
caller authenticates as systems do, with a personal write-scope token (`Authorization: Bearer …`), so
the cells show the one access policy and nothing about the token's scope (tests/portal/test_api_auth.py
covers scopes). The URL list is read from the URL configuration: an API URL without a row here fails
`test_every_api_url_has_a_row`.

Cells: ok = 2xx (the schema and its documentation are public and read no credentials), 401 = no valid credentials (anonymous; the deactivated user's token is refused),
403 = visible but forbidden, 404 = not visible, 409 = the policy allows it but the workflow step is
refused in the object's current state (the world's case is open with an accepted request; the draft
request is a draft). Unlike the pages, which redirect with a message, the API says 409.
"""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from interop.exchange import export_case
from portal.models import User
from portal.services import personal_token_create
from tests import test_authorization_matrix as web_matrix
from tests.test_authorization_matrix import COLUMNS, named_patterns

# The world of the pages' matrix, as a fixture of this module too.
world = web_matrix.world

pytestmark = pytest.mark.django_db

# fmt: off
MATRIX = """
row                                    anon off  off2 p_off p_off2 lead p_lead x_lead adm  p_adm aud  p_aud gz   gone
GET  me                                401  ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   401
GET  schema                            ok   ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   ok
GET  docs                              ok   ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   ok
GET  notification-list                 401  ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   401
POST notification-read                 401  ok   404  404   404    404  404    404    404  404   404  404   404  401
POST notification-read-all             401  ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   401
GET  case-list                         401  ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   401
POST case-list                         401  ok   ok   ok    ok     ok   ok     ok     403  403   403  403   ok   401
GET  case-detail                       401  ok   404  ok    404    ok   ok     404    404  404   ok   ok    404  401
PATCH case-detail                      401  ok   404  403   404    ok   403    404    404  404   403  403   404  401
POST case-open                         401  409  404  403   404    409  403    404    404  404   403  403   404  401
POST case-investigate                  401  ok   404  403   404    ok   403    404    404  404   403  403   404  401
POST case-request-closure              401  409  404  403   404    409  403    404    404  404   403  403   404  401
POST case-approve-closure              401  403  404  403   404    409  403    404    404  404   403  403   404  401
POST case-refuse-closure               401  403  404  403   404    409  403    404    404  404   403  403   404  401
GET  party-list                        401  ok   404  ok    404    ok   ok     404    404  404   ok   ok    404  401
POST party-list                        401  ok   404  ok    404    ok   ok     404    404  404   403  403   404  401
GET  party-detail                      401  ok   404  ok    404    ok   ok     404    404  404   ok   ok    404  401
GET  document-list                     401  ok   404  ok    404    ok   ok     404    404  404   ok   ok    404  401
POST document-list                     401  ok   404  ok    404    ok   ok     404    404  404   403  403   404  401
GET  document-detail[shared]           401  ok   404  ok    404    ok   ok     404    404  404   ok   ok    404  401
GET  document-detail[internal]         401  ok   404  404   404    ok   404    404    404  404   ok   404   404  401
GET  document-download[shared]         401  ok   404  ok    404    ok   ok     404    404  404   ok   ok    404  401
GET  document-download[internal]       401  ok   404  404   404    ok   404    404    404  404   ok   404   404  401
GET  case-timeline                     401  ok   404  ok    404    ok   ok     404    404  404   ok   ok    404  401
GET  case-export                       401  ok   404  ok    404    ok   ok     404    404  404   ok   ok    404  401
POST case-import                       401  ok   ok   ok    ok     ok   ok     ok     ok   ok    403  403   403  401
GET  case-requests                     401  ok   404  ok    404    ok   ok     404    404  404   ok   ok    404  401
POST case-requests                     401  ok   404  ok    404    ok   ok     404    404  404   403  403   404  401
GET  request-list                      401  ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   401
GET  request-detail                    401  ok   404  ok    404    ok   ok     404    404  404   ok   ok    404  401
GET  request-detail[draft]             401  ok   404  404   404    ok   404    404    404  404   ok   404   404  401
PATCH request-detail[draft]            401  ok   404  404   404    ok   404    404    404  404   403  404   404  401
POST request-attach                    401  ok   404  404   404    ok   404    404    404  404   403  404   404  401
POST request-submit                    401  ok   404  404   404    ok   404    404    404  404   403  404   404  401
POST request-approve                   401  403  404  404   404    409  404    404    404  404   403  404   404  401
POST request-return                    401  403  404  404   404    409  404    404    404  404   403  404   404  401
POST request-accept                    401  403  404  403   404    403  409    404    404  404   403  403   404  401
POST request-decline                   401  403  404  403   404    403  409    404    404  404   403  403   404  401
POST request-start                     401  403  404  ok    404    403  403    404    404  404   403  403   404  401
POST request-answer                    401  403  404  ok    404    403  403    404    404  404   403  403   404  401
POST request-complete                  401  409  404  403   404    409  403    404    404  404   403  403   404  401
"""
# fmt: on


def parse_matrix() -> dict[str, dict[str, str]]:
    table = {}
    for method, row, *cells in (line.split() for line in MATRIX.strip().splitlines()[1:]):
        assert len(cells) == len(COLUMNS), f"{row}: {len(cells)} cells for {len(COLUMNS)} columns"
        table[f"{method} {row}"] = dict(zip(COLUMNS, cells, strict=True))
    return table


TABLE = parse_matrix()


def test_every_api_url_has_a_row():
    rows = {key.split()[1].split("[")[0] for key in TABLE}
    api = [name.removeprefix("api:") for name, _route in named_patterns() if name.startswith("api:")]
    assert len(api) > 30
    assert sorted(set(api) - rows) == [], "API URLs without a row in the API authorization matrix"


# --- callers ------------------------------------------------------------------------------------

PEOPLE = {
    "off": "sz_officer", "off2": "sz_officer2", "p_off": "hz_officer", "p_off2": "hz_officer2",
    "lead": "sz_leader", "p_lead": "hz_leader", "x_lead": "sz_leader2", "aud": "sz_auditor",
    "p_aud": "hz_auditor", "gz": "gz_officer",
}  # fmt: skip


def user_for(w, column) -> User | None:
    if column == "anon":
        return None
    if column == "gone":
        return w.gone
    if column in ("adm", "p_adm"):
        return w.admins["sz" if column == "adm" else "hz"]
    return getattr(w.cast, PEOPLE[column])


def api_client_for(w, column) -> Client:
    """A client sending the column's person's personal write token (the deactivated user's is refused)."""
    user = user_for(w, column)
    if user is None:
        return Client()
    _client, token = personal_token_create(actor=user, name="matrix", scope="write")
    if column == "gone":
        User.objects.filter(pk=user.pk).update(is_active=False)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def call_for(w, key: str, user):
    """(url, body, content type) for a row, as the column's person would send it."""
    method, row = key.split()
    name, _, variant = row.partition("[")
    variant = variant.rstrip("]")
    case, req, draft = w.case.pk, w.request.pk, w.draft.pk
    own, other = (w.cast.hz, w.cast.sz) if user and user.bureau_id == w.cast.hz.pk else (
        w.cast.sz, w.cast.hz)  # fmt: skip
    partner_team = w.cast.sz_team if own == w.cast.hz else w.cast.hz_team
    document = getattr(w, variant or "shared")
    json_calls = {
        "me": ([], {}),
        "schema": ([], {}),
        "docs": ([], {}),
        "notification-list": ([], {}),
        "notification-read": ([w.notification.pk], {}),
        "notification-read-all": ([], {}),
        "case-list": ([], {"title": "新案件", "summary": "…", "category": w.category.code,
                           "partner_teams": [partner_team.pk]}),
        "case-detail": ([case], {"title": "改名"}),
        "case-open": ([case], {}),
        "case-investigate": ([case], {}),
        "case-request-closure": ([case], {}),
        "case-approve-closure": ([case], {}),
        "case-refuse-closure": ([case], {"comment": "理由"}),
        "party-list": ([case], {"kind": "individual", "name": "主播乙"}),
        "party-detail": ([case, w.party.pk], {}),
        "document-list": ([case], None),
        "document-detail": ([case, document.pk], {}),
        "document-download": ([case, document.pk], {}),
        "case-timeline": ([case], {}),
        "case-export": ([case], {}),
        "case-import": ([], w.exchange_document),
        "case-requests": ([case], {"requested_bureau": other.code, "request_type": "evidence_collection",
                                   "title": "新请求", "items": "…", "time_limit_days": 15}),
        "request-list": ([], {}),
        "request-detail": ([draft if variant == "draft" else req], {"title": "改"}),
        "request-attach": ([draft], None),
        "request-submit": ([draft], {}),
        "request-approve": ([draft], {}),
        "request-return": ([draft], {"reason": "理由"}),
        "request-accept": ([req], {"assignee": w.hz_officer2.pk}),
        "request-decline": ([req], {"reason": "理由"}),
        "request-start": ([req], {}),
        "request-answer": ([req], {"body": "回复"}),
        "request-complete": ([req], {}),
    }  # fmt: skip
    args, body = json_calls[name]
    return reverse(f"api:{name}", args=args), body


def outcome(response) -> str:
    return "ok" if 200 <= response.status_code < 300 else str(response.status_code)


@pytest.fixture
def api_world(request, sz_officer):
    w = request.getfixturevalue("world")
    document = export_case(w.case, viewer=sz_officer)
    document["case"]["exchange_id"] = str(uuid.uuid4())  # a case from elsewhere: the import creates it
    w.exchange_document = document
    return w


CELLS = [(key, column) for key in TABLE for column in COLUMNS]


@pytest.mark.parametrize(
    ("key", "column"), CELLS, ids=[f"{k.split()[0]} {k.split()[1]} × {c}" for k, c in CELLS]
)
def test_api_matrix_cell(api_world, key, column):
    client = api_client_for(api_world, column)
    url, body = call_for(api_world, key, user_for(api_world, column))
    method = key.split()[0].lower()
    if method == "get":
        response = client.get(url)
    elif body is None:  # multipart: a file
        response = client.post(url, {"file": SimpleUploadedFile("新.txt", b"new")})
    else:
        response = getattr(client, method)(url, body, content_type="application/json")
    assert outcome(response) == TABLE[key][column], (
        f"{key} as {column}: {response.status_code} {getattr(response, 'data', '')}"
    )


def test_api_matrix_size_is_reported():
    print(f"API authorization matrix: {len(TABLE)} rows × {len(COLUMNS)} users = {len(CELLS)} cells")
    assert len(TABLE) >= 40
