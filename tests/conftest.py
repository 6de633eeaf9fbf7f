"""The fixed cast and the shared fixtures of the test suite.

Every test that asks for any member of the cast gets all of it, built through the real services
(`team_create`, `user_set_position`), so "who is notified" and "who can see" are always asked of the
same population:

    bureau  team        people
    SZ-AMR  sz_team     sz_officer (drafts and runs the case), sz_officer2 (not on the case), sz_leader
            sz_team2    sz_leader2 (leads another team of the same bureau)
            —           sz_auditor
    HZ-AMR  hz_team     hz_officer (gets the request assigned), hz_officer2 (not on the case), hz_leader
            —           hz_auditor
    GZ-AMR  gz_team     gz_officer, gz_leader (a third bureau that takes no part in the case)
            —           gz_auditor
    —       —           outsider (an account with no bureau and no team)

The people read the portal in English, so that tests can match the messages they are shown whether or
not the zh-hans catalogue has been compiled. Each person has a logged-in client, `<name>_client`, past
the two-factor step where their role requires one (`sign_in`).

Workflow fixtures build on each other, each one step further: `draft_case` → `joint_case` (opened,
numbered, SZ leads, HZ partner) → `draft_request` (SZ asks HZ) → `submitted_request` → `sent_request`
→ `accepted_request` (assigned to hz_officer) → `in_progress_request` → `answered_request`.
"""

import os
import threading
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import services as case_services
from cases.models import Category
from collaboration import services as request_services
from collaboration.models import RequestType
from portal.models import Bureau, User
from portal.services import team_create, user_set_position

# The test modules import tests.helpers after this conftest: its shared assertions get pytest's diffs.
pytest.register_assert_rewrite("tests.helpers")

OFFICER, LEADER, AUDITOR = User.Role.OFFICER, User.Role.LEADER, User.Role.AUDITOR

# name: (bureau, team, role); a team of None means the person belongs to the bureau but to no team.
PEOPLE = {
    "sz_officer": ("sz", "sz_team", OFFICER),
    "sz_officer2": ("sz", "sz_team", OFFICER),
    "sz_leader": ("sz", "sz_team", LEADER),
    "sz_leader2": ("sz", "sz_team2", LEADER),
    "sz_auditor": ("sz", None, AUDITOR),
    "hz_officer": ("hz", "hz_team", OFFICER),
    "hz_officer2": ("hz", "hz_team", OFFICER),
    "hz_leader": ("hz", "hz_team", LEADER),
    "hz_auditor": ("hz", None, AUDITOR),
    "gz_officer": ("gz", "gz_team", OFFICER),
    "gz_leader": ("gz", "gz_team", LEADER),
    "gz_auditor": ("gz", None, AUDITOR),
    "outsider": (None, None, OFFICER),
}
# key: (code, Chinese name, short name, case number prefix)
BUREAUS = {
    "sz": ("SZ-AMR", "深圳市市场监督管理局", "深圳", "深市监协"),
    "hz": ("HZ-AMR", "杭州市市场监督管理局", "杭州", "杭市监协"),
    "gz": ("GZ-AMR", "广州市市场监督管理局", "广州", "穗市监协"),
}
TEAMS = {
    "sz_team": ("sz", "稽查一队"),
    "sz_team2": ("sz", "稽查二队"),
    "hz_team": ("hz", "综合执法队"),
    "gz_team": ("gz", "稽查支队"),
}


def _build_cast() -> SimpleNamespace:
    cast = SimpleNamespace()
    for key, (code, name, short_name, prefix) in BUREAUS.items():
        bureau = Bureau.objects.create(
            code=code, name_zh=name, short_name=short_name, case_number_prefix=prefix
        )
        setattr(cast, key, bureau)
    for key, (bureau, name) in TEAMS.items():
        setattr(cast, key, team_create(bureau=getattr(cast, bureau), name_zh=name))
    for name, (bureau, team, role) in PEOPLE.items():
        user = User.objects.create_user(
            name,
            email=f"{name}@example.gov.cn",
            password="not-used-by-tests",
            display_name=name,
            language="en",
            bureau=getattr(cast, bureau) if bureau else None,
        )
        user = user_set_position(user=user, team=getattr(cast, team) if team else None, role=role)
        setattr(cast, name, user)
    return cast


@pytest.fixture
def cast(db) -> SimpleNamespace:
    """The whole cast (bureaus, teams, people) as attributes: cast.sz, cast.hz_team, cast.hz_leader."""
    return _build_cast()


def _cast_member(name: str):
    @pytest.fixture(name=name)
    def fixture(cast):
        return getattr(cast, name)

    return fixture


def sign_in(client: Client, user: User) -> Client:
    """Log the client in as the user would be after the login page, two-factor step included.

    Roles that must use two-factor login get a confirmed TOTP device, and the session is marked as
    verified with it, as django_otp.login() does after a correct code.
    """
    client.force_login(user)
    if user.role in settings.PORTAL_2FA_REQUIRED_ROLES:
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="test device", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def _logged_in(name: str):
    @pytest.fixture(name=f"{name}_client")
    def fixture(request):
        return sign_in(Client(), request.getfixturevalue(name))

    return fixture


# One fixture per bureau, team and person (`sz`, `hz_team`, `hz_leader`, …) and one logged-in client per
# person (`hz_leader_client`, …): plain lookups into the cast, generated to avoid forty identical bodies.
for _name in [*BUREAUS, *TEAMS, *PEOPLE]:
    globals()[f"_fixture_{_name}"] = _cast_member(_name)
for _name in PEOPLE:
    globals()[f"_fixture_{_name}_client"] = _logged_in(_name)


@pytest.fixture
def login_as():
    """A fresh client logged in as any user: `login_as(user)`."""

    return lambda user: sign_in(Client(), user)


# --- Cases and requests, one workflow step per fixture ------------------------------------------


@pytest.fixture
def category(db) -> Category:
    return Category.objects.create(
        code="live-streaming", name_zh="直播电商", name_en="Live-streaming commerce"
    )


@pytest.fixture
def make_case(cast, category):
    """Create a joint case through the services: `make_case(actor=…, partners=[…], opened=True)`.

    By default sz_officer creates it with hz_team as partner and opens it, so it has a number.
    """

    def make(*, actor=None, partners=None, opened=True, title="直播间虚假宣传"):
        actor = actor or cast.sz_officer
        case = case_services.case_create(
            actor=actor,
            title=title,
            summary="某直播间对所售保健食品作虚假宣传，涉及杭州的供货商。",
            category=category,
            partner_teams=partners if partners is not None else [cast.hz_team],
        )
        return case_services.case_open(case=case, actor=actor) if opened else case

    return make


@pytest.fixture
def draft_case(make_case):
    return make_case(opened=False)


@pytest.fixture
def joint_case(draft_case, sz_officer):
    """SZ leads, HZ takes part; opened, so it has its number."""
    return case_services.case_open(case=draft_case, actor=sz_officer)


@pytest.fixture
def draft_request(joint_case, sz_officer, hz):
    return request_services.request_create(
        case=joint_case,
        actor=sz_officer,
        request_type=RequestType.EVIDENCE_COLLECTION,
        title="调取供货商登记档案",
        items="请调取杭州某供货商的工商登记档案及近一年的发货记录。",
        requested_bureau=hz,
    )


@pytest.fixture
def submitted_request(draft_request, sz_officer):
    return request_services.request_submit(request=draft_request, actor=sz_officer)


@pytest.fixture
def sent_request(submitted_request, sz_leader):
    return request_services.request_approve(request=submitted_request, actor=sz_leader)


@pytest.fixture
def accepted_request(sent_request, hz_leader, hz_officer):
    return request_services.request_accept(request=sent_request, actor=hz_leader, assignee=hz_officer)


@pytest.fixture
def in_progress_request(accepted_request, hz_officer):
    return request_services.request_start(request=accepted_request, actor=hz_officer)


@pytest.fixture
def answered_request(in_progress_request, hz_officer):
    request_services.request_answer(request=in_progress_request, actor=hz_officer, body="已调取，见附件。")
    in_progress_request.refresh_from_db()
    return in_progress_request


# --- Infrastructure -----------------------------------------------------------------------------


@pytest.fixture
def media_storage(settings, tmp_path):
    """Uploaded files go to a fresh directory of this test; returns that directory."""
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": root}},
    }
    return root


@pytest.fixture
def require_postgres():
    """Skip a test that needs PostgreSQL's locking; fail instead when the run promised real services.

    CI sets PORTAL_REQUIRE_SERVICES=1, so a suite that silently ran on SQLite cannot pass there.
    """
    if connection.vendor == "postgresql":
        return
    reason = f"needs PostgreSQL (row locks under real concurrency); this run uses {connection.vendor}"
    if os.environ.get("PORTAL_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, but PORTAL_REQUIRE_SERVICES=1 says the real services must be there")
    pytest.skip(reason)


@pytest.fixture
def run_concurrently():
    """Run callables in threads released together by a barrier; return ("ok", value) or ("error", exc).

    Each thread gets its own database connection (Django's are per thread) and closes it at the end,
    so use it only in `django_db(transaction=True)` tests, where the threads see committed data.
    """

    def run(*calls, timeout: float = 30.0):
        barrier = threading.Barrier(len(calls))
        outcomes: list = [None] * len(calls)

        def worker(index, call):
            try:
                barrier.wait(timeout=timeout)
                outcomes[index] = ("ok", call())
            except Exception as error:  # the test inspects what each thread got
                outcomes[index] = ("error", error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=timeout)
        assert not any(thread.is_alive() for thread in threads), "a thread is still running: deadlock?"
        return outcomes

    return run
