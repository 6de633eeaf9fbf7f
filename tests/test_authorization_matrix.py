"""The authorization matrix: every URL of the project × a fixed cast, with the policy readable at a glance.

The URL list is read from the URL configuration, so a URL added without a row here fails
`test_every_url_pattern_has_a_row`. Django admin URLs are checked as one rule (nobody in the cast is
staff: every admin page sends them to the admin login).

The world the matrix is asked of: a joint case led by Shenzhen (SZ) with Hangzhou (HZ) as partner; an
accepted request from SZ to HZ assigned to hz_officer (so hz_officer is on the case team); a draft request
by sz_officer; an individual party; a shared document; a document internal to SZ; a notification of
sz_officer. The draft request is the requesting bureau's own until it is sent: the partner gets 404 for it.
The cast (columns):

    anon    anonymous visitor
    off     sz_officer, on the case team           off2    sz_officer2, same bureau, not on the case
    p_off   hz_officer, partner, on the case        p_off2  hz_officer2, partner, not on the case
    lead    sz_leader, lead team's leader           p_lead  hz_leader, partner team's leader
    x_lead  sz_leader2, leader of an uninvolved team of the lead bureau
    adm     SZ bureau administrator                 p_adm   HZ bureau administrator
    aud     SZ auditor                              p_aud   HZ auditor
    gz      gz_officer, a third bureau              gone    a deactivated officer who was on the case team

Cells: ok = the page or action answers (2xx, or a redirect that is not to the login page; a refused
workflow step redirects with a message), L = sent to the login page, 403 = visible but forbidden,
404 = not visible (its existence is not revealed), 405 = method not allowed.
"""

import re
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases import services as case_services
from cases.models import Party
from collaboration import services as request_services
from collaboration.models import RequestType
from interop.services import webhook_subscription_create
from portal import workdays
from portal.models import Notification, User
from portal.services import api_client_create, calendar_feed_issue, personal_token_create, user_set_position
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

COLUMNS = "anon off off2 p_off p_off2 lead p_lead x_lead adm p_adm aud p_aud gz gone".split()

# fmt: off
MATRIX = """
row                                    anon off  off2 p_off p_off2 lead p_lead x_lead adm  p_adm aud  p_aud gz   gone
GET  home                              ok   ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   ok
GET  login                             ok   ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   ok
POST logout                            L    L    L    L     L      L    L      L      L    L     L    L     L    L
GET  logout                            405  405  405  405   405    405  405    405    405  405   405  405   405  405
POST set_language                      L    ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   L
GET  otp_setup                         L    ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   L
GET  otp_verify                        L    ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   L
GET  notifications                     L    ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   L
POST notification_open                 L    ok   404  404   404    404  404    404    404  404   404  404   404  L
POST notification_read_all             L    ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   L
POST notification_read                 L    ok   404  404   404    404  404    404    404  404   404  404   404  L
GET  notification_preferences          L    ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   L
POST notification_preferences          L    ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   L
GET  calendar_feed                     L    ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   L
POST calendar_feed                     L    ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   L
GET  collaboration:deadline_feed       ok   ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   ok
GET  working_calendar                  L    ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   L
GET  working_calendar_edit             L    403  403  403   403    403  403    403    ok   ok    403  403   403  L
POST working_calendar_edit             L    403  403  403   403    403  403    403    ok   ok    403  403   403  L
GET  mail_outbox                       L    403  403  403   403    403  403    403    ok   ok    403  403   403  L
POST mail_outbox                       L    403  403  403   403    403  403    403    ok   ok    403  403   403  L
GET  accounts                          L    403  403  403   403    403  403    403    ok   ok    403  403   403  L
GET  account_create                    L    403  403  403   403    403  403    403    ok   ok    403  403   403  L
POST account_create                    L    403  403  403   403    403  403    403    ok   ok    403  403   403  L
GET  account_edit                      L    403  403  403   403    403  403    403    ok   404   403  403   403  L
POST account_edit                      L    403  403  403   403    403  403    403    ok   404   403  403   403  L
GET  tokens                            L    ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   L
POST tokens                            L    ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   L
POST token_revoke                      L    ok   404  404   404    404  404    404    404  404   404  404   404  L
GET  api_clients                       L    403  403  403   403    403  403    403    ok   ok    403  403   403  L
POST api_clients                       L    403  403  403   403    403  403    403    ok   ok    403  403   403  L
POST api_client_revoke                 L    403  403  403   403    403  403    403    ok   404   403  403   403  L
GET  interop:webhooks                  L    403  403  403   403    403  403    403    ok   ok    403  403   403  L
POST interop:webhooks                  L    403  403  403   403    403  403    403    ok   ok    403  403   403  L
GET  interop:webhook_detail            L    403  403  403   403    403  403    403    ok   404   403  403   403  L
POST interop:webhook_active            L    403  403  403   403    403  403    403    ok   404   403  403   403  L
POST interop:webhook_replay            L    403  403  403   403    403  403    403    ok   404   403  403   403  L
GET  account_password                  L    403  403  403   403    403  403    403    ok   404   403  403   403  L
POST account_password                  L    403  403  403   403    403  403    403    ok   404   403  403   403  L
POST account_action[unlock]            L    403  403  403   403    403  403    403    ok   404   403  403   403  L
POST account_action[reset_2fa]         L    403  403  403   403    403  403    403    ok   404   403  403   403  L
POST account_action[no_such]           L    403  403  403   403    403  403    403    404  404   403  403   403  L
GET  password_change                   L    ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   L
GET  audit                             L    403  403  403   403    403  403    403    403  403   ok   ok    403  L
GET  audit_export                      L    403  403  403   403    403  403    403    403  403   ok   ok    403  L
GET  cases:list                        L    ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   L
GET  cases:create                      L    ok   ok   ok    ok     ok   ok     ok     403  403   403  403   ok   L
POST cases:create                      L    ok   ok   ok    ok     ok   ok     ok     403  403   403  403   ok   L
GET  cases:detail                      L    ok   404  ok    404    ok   ok     404    404  404   ok   ok    404  L
GET  cases:edit                        L    ok   404  403   404    ok   403    404    404  404   403  403   404  L
POST cases:edit                        L    ok   404  403   404    ok   403    404    404  404   403  403   404  L
POST cases:step[open]                  L    ok   404  403   404    ok   403    404    404  404   403  403   404  L
POST cases:step[investigate]           L    ok   404  403   404    ok   403    404    404  404   403  403   404  L
POST cases:step[request_closure]       L    ok   404  403   404    ok   403    404    404  404   403  403   404  L
POST cases:step[approve_closure]       L    403  404  403   404    ok   403    404    404  404   403  403   404  L
POST cases:step[refuse_closure]        L    403  404  403   404    ok   403    404    404  404   403  403   404  L
POST cases:step[no_such_step]          L    404  404  404   404    404  404    404    404  404   404  404   404  L
GET  cases:party_add                   L    ok   404  ok    404    ok   ok     404    404  404   403  403   404  L
POST cases:party_add                   L    ok   404  ok    404    ok   ok     404    404  404   403  403   404  L
GET  cases:party_detail                L    ok   404  ok    404    ok   ok     404    404  404   ok   ok    404  L
POST cases:note_add                    L    ok   404  ok    404    ok   ok     404    404  404   403  403   404  L
POST cases:member_add                  L    ok   404  403   404    ok   403    404    404  404   403  403   404  L
POST cases:document_upload             L    ok   404  ok    404    ok   ok     404    404  404   403  403   404  L
GET  cases:document_download[shared]   L    ok   404  ok    404    ok   ok     404    404  404   ok   ok    404  L
GET  cases:document_download[internal] L    ok   404  404   404    ok   404    404    404  404   ok   404   404  L
GET  cases:document_detail[shared]     L    ok   404  ok    404    ok   ok     404    404  404   ok   ok    404  L
GET  cases:document_detail[internal]   L    ok   404  404   404    ok   404    404    404  404   ok   404   404  L
GET  cases:document_preview[shared]    L    ok   404  ok    404    ok   ok     404    404  404   ok   ok    404  L
GET  cases:document_preview[internal]  L    ok   404  404   404    ok   404    404    404  404   ok   404   404  L
GET  cases:document_preview[program]   L    403  404  403   404    403  403    404    404  404   403  403   404  L
POST cases:document_version[shared]    L    ok   404  403   404    ok   403    404    404  404   403  403   404  L
POST cases:document_version[internal]  L    ok   404  404   404    ok   404    404    404  404   403  404   404  L
POST cases:document_withdraw[shared]   L    ok   404  403   404    ok   403    404    404  404   403  403   404  L
POST cases:document_withdraw[internal] L    ok   404  404   404    ok   404    404    404  404   403  404   404  L
POST cases:package_create              L    ok   404  ok    404    ok   ok     404    404  404   ok   ok    404  L
GET  cases:package_detail[shared]      L    ok   404  ok    404    ok   ok     404    404  404   ok   ok    404  L
GET  cases:package_detail[internal]    L    ok   404  404   404    ok   404    404    404  404   ok   404   404  L
GET  cases:package_download[shared]    L    ok   404  ok    404    ok   ok     404    404  404   ok   ok    404  L
GET  cases:package_download[internal]  L    ok   404  404   404    ok   404    404    404  404   ok   404   404  L
GET  cases:verify                      L    ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   L
POST cases:verify                      L    ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   L
GET  collaboration:queue               L    ok   ok   ok    ok     ok   ok     ok     ok   ok    ok   ok    ok   L
GET  collaboration:request_create      L    ok   404  ok    404    ok   ok     404    404  404   403  403   404  L
POST collaboration:request_create      L    ok   404  ok    404    ok   ok     404    404  404   403  403   404  L
GET  collaboration:request_detail      L    ok   404  ok    404    ok   ok     404    404  404   ok   ok    404  L
GET  collaboration:request_edit        L    ok   404  404   404    ok   404    404    404  404   403  404   404  L
POST collaboration:request_edit        L    ok   404  404   404    ok   404    404    404  404   403  404   404  L
POST collaboration:request_step[submit]   L ok   404  404   404    ok   404    404    404  404   403  404   404  L
POST collaboration:request_step[approve]  L 403  404  404   404    ok   404    404    404  404   403  404   404  L
POST collaboration:request_step[return]   L 403  404  404   404    ok   404    404    404  404   403  404   404  L
POST collaboration:request_step[accept]   L 403  404  403   404    403  ok     404    404  404   403  403   404  L
POST collaboration:request_step[decline]  L 403  404  403   404    403  ok     404    404  404   403  403   404  L
POST collaboration:request_step[start]    L 403  404  ok    404    403  403    404    404  404   403  403   404  L
POST collaboration:request_step[answer]   L 403  404  ok    404    403  403    404    404  404   403  403   404  L
POST collaboration:request_step[complete] L ok   404  403   404    ok   403    404    404  404   403  403   404  L
POST collaboration:request_step[extend]            L 403  404  ok    404    403  ok     404    404  404   403  403   404  L
POST collaboration:request_step[extension_approve] L 403  404  403   404    ok   403    404    404  404   403  403   404  L
POST collaboration:request_step[extension_refuse]  L 403  404  403   404    ok   403    404    404  404   403  403   404  L
POST collaboration:request_step[no_such]  L 404  404  404   404    404  404    404    404  404   404  404   404  L
"""
# fmt: on

# URL patterns whose rows are written above; the admin site is checked separately below.
# The REST API (/api/v1/, namespace "api") has its own table, with the same world and cast, in
# tests/test_api_matrix.py, which fails on an API URL without a row there.
NOT_IN_MATRIX = {"admin", "api"}


def parse_matrix() -> dict[str, dict[str, str]]:
    lines = [line.split() for line in MATRIX.strip().splitlines()[1:]]
    table = {}
    for method, row, *cells in lines:
        assert len(cells) == len(COLUMNS), f"{row}: {len(cells)} cells for {len(COLUMNS)} columns"
        table[f"{method} {row}"] = dict(zip(COLUMNS, cells, strict=True))
    return table


TABLE = parse_matrix()


def named_patterns(resolver=None, namespace="") -> list[tuple[str, str]]:
    """(qualified name, route) of every URL pattern, walking includes."""
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += named_patterns(entry, inner)
        elif isinstance(entry, URLPattern):
            found.append((f"{namespace}{entry.name or entry.pattern}", str(entry.pattern)))
    return found


def test_every_url_pattern_has_a_row():
    rows = {key.split()[1].split("[")[0] for key in TABLE}
    missing = sorted(
        name for name, _ in named_patterns() if name not in rows and name.split(":")[0] not in NOT_IN_MATRIX
    )
    assert missing == [], f"URLs without a row in the authorization matrix: {missing}"


# --- the world ----------------------------------------------------------------------------------


@pytest.fixture
def world(cast, accepted_request, sz_officer, hz_officer2, media_storage, category):
    case = accepted_request.case
    w = SimpleNamespace(case=case, request=accepted_request, cast=cast, category=category)
    w.draft = request_services.request_create(
        case=case,
        actor=sz_officer,
        request_type=RequestType.INFORMATION_VERIFICATION,
        title="核查备案信息",
        items="…",
        requested_bureau=cast.hz,
    )
    w.party = case_services.party_add(case=case, actor=sz_officer, kind=Party.Kind.INDIVIDUAL, name="主播甲")
    w.shared = case_services.document_upload(
        case=case, actor=sz_officer, uploaded_file=SimpleUploadedFile("共享.txt", b"shared")
    )
    w.internal = case_services.document_upload(
        case=case, actor=sz_officer, uploaded_file=SimpleUploadedFile("内部.txt", b"internal"), internal=True
    )
    w.program = case_services.document_upload(
        case=case, actor=sz_officer, uploaded_file=SimpleUploadedFile("程序.exe", b"MZ\x90\x00program")
    )
    # A package of shared documents, and one holding the internal document (so internal to SZ).
    w.package_shared = case_services.package_create(case=case, actor=sz_officer, document_ids=[w.shared.pk])
    w.package_internal = case_services.package_create(case=case, actor=sz_officer)
    w.notification = Notification.objects.filter(recipient=sz_officer).first() or Notification.objects.create(
        recipient=sz_officer, kind="request_completed", params={}, url="/"
    )
    w.admins = {key: _admin(cast, key) for key in ("sz", "hz")}
    w.gone = _gone_officer(cast, case)
    w.hz_officer2 = hz_officer2
    w.token = personal_token_create(actor=sz_officer, name="script", scope="read")[0]
    w.api_client = api_client_create(actor=w.admins["sz"], name="稽查云平台", scope="read")[0]
    w.subscription = webhook_subscription_create(
        actor=w.admins["sz"], url="http://127.0.0.1:9/hook", events=["request.sent"]
    )[0]
    w.delivery = w.subscription.deliveries.create(event="request.sent", payload={}, status="failed")
    w.feed_token = calendar_feed_issue(user=sz_officer)
    w.later_due = workdays.add_working_days(accepted_request.due_date, 5).isoformat()
    return w


def _admin(cast, bureau_key):
    bureau = getattr(cast, bureau_key)
    user = User.objects.create_user(f"{bureau_key}_admin", bureau=bureau, email=f"{bureau_key}_admin@x.cn")
    return user_set_position(user=user, team=None, role=User.Role.BUREAU_ADMIN)


def _gone_officer(cast, case):
    user = User.objects.create_user("gone_officer", bureau=cast.sz)
    user_set_position(user=user, team=cast.sz_team, role=User.Role.OFFICER)
    case_services.member_add(case=case, user=user, actor=cast.sz_officer)
    return user


def client_for(world, column) -> Client:
    if column == "anon":
        return Client()
    if column == "gone":
        client = sign_in(Client(), world.gone)
        User.objects.filter(pk=world.gone.pk).update(is_active=False)
        return client
    people = {
        "off": "sz_officer", "off2": "sz_officer2", "p_off": "hz_officer", "p_off2": "hz_officer2",
        "lead": "sz_leader", "p_lead": "hz_leader", "x_lead": "sz_leader2", "aud": "sz_auditor",
        "p_aud": "hz_auditor", "gz": "gz_officer",
    }  # fmt: skip
    user = (
        world.admins["sz" if column == "adm" else "hz"]
        if column in ("adm", "p_adm")
        else getattr(world.cast, people[column])
    )
    return sign_in(Client(), user)


def request_for(world, key: str):
    """URL and data for a row."""
    method, row = key.split()
    name, _, variant = row.partition("[")
    variant = variant.rstrip("]")
    case, req = world.case.pk, world.request.pk
    case_form = {"title": "改名", "summary": "…", "category": world.category.pk}
    urls = {
        "home": lambda: (reverse("home"), {}),
        "login": lambda: (reverse("login"), {}),
        "logout": lambda: (reverse("logout"), {}),
        "set_language": lambda: (reverse("set_language"), {"language": "en", "next": "/cases/"}),
        "otp_setup": lambda: (reverse("otp_setup"), {}),
        "otp_verify": lambda: (reverse("otp_verify"), {}),
        "notifications": lambda: (reverse("notifications"), {}),
        "notification_open": lambda: (reverse("notification_open", args=[world.notification.pk]), {}),
        "notification_read_all": lambda: (reverse("notification_read_all"), {}),
        "notification_read": lambda: (reverse("notification_read", args=[world.notification.pk]), {}),
        "notification_preferences": lambda: (reverse("notification_preferences"), {"deadline_reminder": "digest"}),
        "calendar_feed": lambda: (reverse("calendar_feed"), {"action": "issue"}),
        "collaboration:deadline_feed": lambda: (reverse("collaboration:deadline_feed", args=[world.feed_token]), {}),
        "working_calendar": lambda: (reverse("working_calendar"), {}),
        "working_calendar_edit": lambda: (
            reverse("working_calendar_edit", args=[2031]), {"holidays": "2031-01-01 元旦", "working_days": ""},
        ),
        "mail_outbox": lambda: (reverse("mail_outbox"), {"ids": [world.notification.pk]}),
        "accounts": lambda: (reverse("accounts"), {}),
        "account_create": lambda: (reverse("account_create"), {}),
        "account_edit": lambda: (
            reverse("account_edit", args=[world.cast.sz_officer2.pk]),
            {"display_name": "x", "email": "x@x.cn", "role": "officer", "team": world.cast.sz_team.pk,
             "language": "en", "is_active": "on"},
        ),
        "account_password": lambda: (
            reverse("account_password", args=[world.cast.sz_officer2.pk]),
            {"new_password1": "Str0ng-Enough-Pass", "new_password2": "Str0ng-Enough-Pass"},
        ),
        "account_action": lambda: (reverse("account_action", args=[world.cast.sz_officer2.pk, variant]), {}),
        "password_change": lambda: (reverse("password_change"), {}),
        "audit": lambda: (reverse("audit"), {}),
        "audit_export": lambda: (reverse("audit_export"), {}),
        "tokens": lambda: (reverse("tokens"), {"name": "脚本", "scope": "read"}),
        "token_revoke": lambda: (reverse("token_revoke", args=[world.token.pk]), {}),
        "api_clients": lambda: (reverse("api_clients"), {"name": "智慧网监", "scope": "read"}),
        "api_client_revoke": lambda: (reverse("api_client_revoke", args=[world.api_client.pk]), {}),
        "interop:webhooks": lambda: (
            reverse("interop:webhooks"), {"url": "https://hooks.example.gov.cn/in", "events": ["document.added"]},
        ),
        "interop:webhook_detail": lambda: (reverse("interop:webhook_detail", args=[world.subscription.pk]), {}),
        "interop:webhook_active": lambda: (
            reverse("interop:webhook_active", args=[world.subscription.pk]), {"active": "0"},
        ),
        "interop:webhook_replay": lambda: (
            reverse("interop:webhook_replay", args=[world.subscription.pk, world.delivery.pk]), {},
        ),
        "cases:list": lambda: (reverse("cases:list"), {}),
        "cases:create": lambda: (reverse("cases:create"), {}),
        "cases:detail": lambda: (reverse("cases:detail", args=[case]), {}),
        "cases:edit": lambda: (reverse("cases:edit", args=[case]), case_form),
        "cases:step": lambda: (reverse("cases:step", args=[case, variant]), {"comment": "理由"}),
        "cases:party_add": lambda: (reverse("cases:party_add", args=[case]), {"kind": "individual", "name": "主播乙"}),
        "cases:party_detail": lambda: (reverse("cases:party_detail", args=[case, world.party.pk]), {}),
        "cases:note_add": lambda: (reverse("cases:note_add", args=[case]), {"body": "备注"}),
        "cases:member_add": lambda: (reverse("cases:member_add", args=[case]), {"user": world.cast.sz_officer2.pk}),
        "cases:document_upload": lambda: (
            reverse("cases:document_upload", args=[case]),
            {"files": SimpleUploadedFile("新.txt", b"new")},
        ),
        "cases:document_download": lambda: (
            reverse("cases:document_download", args=[case, getattr(world, variant).pk]),
            {},
        ),
        "cases:document_detail": lambda: (reverse("cases:document_detail", args=[case, getattr(world, variant).pk]), {}),
        "cases:document_preview": lambda: (reverse("cases:document_preview", args=[case, getattr(world, variant).pk]), {}),
        "cases:document_version": lambda: (
            reverse("cases:document_version", args=[case, getattr(world, variant).pk]),
            {"file": SimpleUploadedFile("更正.txt", b"corrected")},
        ),
        "cases:document_withdraw": lambda: (
            reverse("cases:document_withdraw", args=[case, getattr(world, variant).pk]), {"reason": "误传"},
        ),
        "cases:package_create": lambda: (reverse("cases:package_create", args=[case]), {}),
        "cases:package_detail": lambda: (
            reverse("cases:package_detail", args=[case, getattr(world, f"package_{variant}").pk]), {},
        ),
        "cases:package_download": lambda: (
            reverse("cases:package_download", args=[case, getattr(world, f"package_{variant}").pk]), {},
        ),
        "cases:verify": lambda: (reverse("cases:verify"), {"file": SimpleUploadedFile("收到的.txt", b"shared")}),
        "collaboration:queue": lambda: (reverse("collaboration:queue"), {}),
        "collaboration:request_create": lambda: (
            reverse("collaboration:request_create", args=[case]),
            {"requested_bureau": world.cast.hz.pk, "request_type": "evidence_collection", "title": "新请求",
             "items": "…", "time_limit_days": 15},
        ),
        "collaboration:request_detail": lambda: (reverse("collaboration:request_detail", args=[req]), {}),
        "collaboration:request_edit": lambda: (
            reverse("collaboration:request_edit", args=[world.draft.pk]),
            {"request_type": "evidence_collection", "title": "改", "items": "…", "time_limit_days": 10},
        ),
        "collaboration:request_step": lambda: (
            reverse(
                "collaboration:request_step",
                args=[world.draft.pk if variant in ("submit", "approve", "return") else req, variant],
            ),
            {"reason": "理由", "assignee": world.hz_officer2.pk, "body": "回复", "new_due_date": world.later_due},
        ),
    }  # fmt: skip
    if name == "account_create" and method == "POST":
        url, _ = urls[name]()
        return url, {"username": "new_one", "display_name": "x", "email": "n@x.cn", "role": "auditor",
                     "language": "en", "password": "Str0ng-Enough-Pass"}  # fmt: skip
    return urls[name]()


def outcome(response) -> str:
    if response.status_code in (301, 302) and "/accounts/login/" in response.get("Location", ""):
        return "L"
    if response.status_code < 400:
        return "ok"
    return str(response.status_code)


CELLS = [(key, column) for key in TABLE for column in COLUMNS]


@pytest.mark.parametrize(
    ("key", "column"), CELLS, ids=[f"{k.split()[0]} {k.split()[1]} × {c}" for k, c in CELLS]
)
def test_matrix_cell(world, key, column):
    client = client_for(world, column)
    url, data = request_for(world, key)
    method = key.split()[0].lower()
    response = getattr(client, method)(url, data) if method == "post" else client.get(url)
    assert outcome(response) == TABLE[key][column], (
        f"{key} as {column}: {response.status_code} {response.get('Location', '')}"
    )


# --- the admin site ------------------------------------------------------------------------------

ADMIN_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def admin_urls() -> list[str]:
    urls = []
    for name, route in named_patterns():
        if not name.startswith("admin:") or name in ("admin:login", "admin:logout"):
            continue
        route = route.lstrip("^").rstrip("$")
        route = re.sub(r"\(\?P<app_label>([\w]+)[^)]*\)", r"\1", route)
        route = ADMIN_CONVERTER.sub("1", route)
        urls.append("/admin/" + route)
    return urls


@pytest.mark.parametrize("column", COLUMNS)
def test_no_one_in_the_cast_reaches_the_admin_site(world, column):
    client = client_for(world, column)
    urls = admin_urls()
    assert len(urls) > 20
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], (
            url,
            response.status_code,
        )


def test_matrix_size_is_reported():
    """The size of the matrix, for the close note (URL rows × cast), and a floor so it cannot shrink silently."""
    print(f"authorization matrix: {len(TABLE)} URL rows × {len(COLUMNS)} users = {len(CELLS)} cells")
    assert len(TABLE) >= 50 and len(COLUMNS) == 14
