"""The joint-case journey in the browser, four people in four browser contexts, in the zh-hans UI.

Shenzhen's officer opens a case and asks Hangzhou for evidence; Shenzhen's leader approves; Hangzhou's
leader accepts and assigns; Hangzhou's officer answers with a document; Shenzhen's officer confirms.
"""

import hashlib
import re

import pytest
from django.utils import timezone

from cases.models import JointCase
from cases.validators import USCC_ALPHABET, uscc_check_character
from collaboration.models import AssistanceRequest as Req

from .conftest import expect_ui_text, zh

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CASE_TITLE = "某直播间虚假宣传保健食品案"
REQUEST_TITLE = "调取涉案公司登记档案及直播回放"
COMPANY = "杭州某某电子商务有限公司"
USCC_FIRST17 = "91330106MA2H3K8P4"
ATTACHMENT = ("协查函（扫描件）.pdf", b"%PDF-1.4\n% assistance letter\n" + "协查函正文".encode() * 50)
ANSWER_DOCUMENT = ("登记档案 2026.pdf", b"%PDF-1.4\n% registration archive\n" + bytes(range(256)) * 8)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload(name_and_bytes, mime="application/pdf") -> dict:
    name, data = name_and_bytes
    return {"name": name, "mimeType": mime, "buffer": data}


def assert_chinese_page(page) -> None:
    assert page.locator("html").get_attribute("lang") == "zh-hans", page.url


def test_joint_case_journey_across_two_bureaus(cast, open_session, live_server, traffic, artifacts):
    from playwright.sync_api import expect

    shots = iter(range(1, 100))

    def screenshot(page, name: str) -> None:
        page.screenshot(path=artifacts / f"{next(shots):02d}-{name}.png", full_page=True)

    def click_step(page, step: str) -> None:
        page.locator(f'form[action$="/step/{step}/"] button').click()
        page.wait_for_load_state()

    sz_officer, sz_leader = cast["sz_officer"], cast["sz_leader"]
    hz_officer, hz_leader = cast["hz_officer"], cast["hz_leader"]
    hz_team, live_commerce = cast["hz_team"], cast["categories"][0]
    request_status = lambda page: page.get_by_test_id("request-status")  # noqa: E731

    # --- Shenzhen officer: case, number, party, request with attachment, submit ------------------
    officer_page = page = open_session(sz_officer, snap=screenshot)
    assert_chinese_page(page)
    expect_ui_text(page, "cases_heading")
    expect(page.get_by_test_id("queue-count")).to_have_count(0)
    page.locator('main a[href="/cases/new/"]').click()
    page.fill("input[name=title]", CASE_TITLE)
    page.fill("textarea[name=summary]", "主播在直播间宣称某保健食品可治疗糖尿病，涉嫌虚假宣传。")
    page.select_option("select[name=category]", str(live_commerce.pk))
    page.check(f'input[name=partner_teams][value="{hz_team.pk}"]')
    screenshot(page, "sz-officer-new-case-form")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    case_url = page.url
    expect(page.get_by_test_id("case-status")).to_have_text(zh(JointCase.Status.DRAFT.label))

    click_step(page, "open")
    year = timezone.localdate().year
    expect(page.get_by_test_id("case-number")).to_have_text(re.compile(rf"^深市监协〔{year}〕0001号$"))
    case_number = page.get_by_test_id("case-number").inner_text()
    expect(page.get_by_test_id("case-status")).to_have_text(zh(JointCase.Status.OPEN.label))

    page.locator('a[href$="/parties/add/"]').click()
    uscc = USCC_FIRST17 + uscc_check_character(USCC_FIRST17)
    wrong = next(c for c in USCC_ALPHABET if c != uscc[-1])
    page.select_option("select[name=kind]", "company")
    page.fill("input[name=name]", COMPANY)
    page.fill("input[name=uscc]", USCC_FIRST17 + wrong)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_uscc.is-invalid")).to_be_visible()  # the check character is verified
    assert page.url.endswith("/parties/add/")
    screenshot(page, "sz-officer-party-form-wrong-uscc")
    page.fill("input[name=uscc]", uscc.lower())  # normalised to upper case on save
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(case_url)
    expect(page.get_by_test_id("parties")).to_contain_text(COMPANY)
    expect(page.get_by_test_id("parties")).to_contain_text(uscc)

    page.locator('a[href$="/requests/new/"]').click()
    page.select_option("select[name=requested_bureau]", str(cast["hz"].pk))
    page.select_option("select[name=request_type]", "evidence_collection")
    page.fill("input[name=title]", REQUEST_TITLE)
    page.fill("textarea[name=items]", "1. 涉案公司工商登记档案；\n2. 2026年3月直播回放。")
    # Left empty, the time limit is the request type's default (15 working days), named in the help text.
    expect(page.locator("input[name=time_limit_days]")).to_have_value("")
    expect(page.locator("#id_time_limit_days_helptext")).to_contain_text("15")
    page.set_input_files("input[name=attachments]", files=[upload(ATTACHMENT)])
    screenshot(page, "sz-officer-request-form")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/requests/\d+/$"))
    request_url = page.url
    request_id = int(re.search(r"/requests/(\d+)/$", request_url).group(1))
    expect(request_status(page)).to_have_text(zh(Req.Status.DRAFT.label))
    documents = page.get_by_test_id("documents")
    expect(documents).to_contain_text(ATTACHMENT[0])
    expect(documents.locator(".hash")).to_have_text(sha256(ATTACHMENT[1]))

    click_step(page, "submit")
    expect(request_status(page)).to_have_text(zh(Req.Status.AWAITING_APPROVAL.label))
    assert_chinese_page(page)
    screenshot(page, "sz-officer-request-submitted")

    # --- Shenzhen leader: queue badge, approve -----------------------------------------------------
    page = open_session(sz_leader, two_factor="setup", snap=screenshot)
    expect(page.get_by_test_id("queue-count")).to_have_text("1")
    page.locator("#nav-queue").click()
    page.wait_for_url(f"{live_server.url}/queue/")
    assert_chinese_page(page)
    expect_ui_text(page, "queue_heading")
    expect(page.get_by_test_id("queue-incoming")).not_to_contain_text(REQUEST_TITLE)
    screenshot(page, "sz-leader-queue")
    page.get_by_test_id("queue-outgoing").get_by_role("link", name=REQUEST_TITLE).click()
    page.wait_for_url(request_url)
    expect_ui_text(page, "approve_button")
    click_step(page, "approve")
    expect(request_status(page)).to_have_text(zh(Req.Status.SENT.label))
    expect(page.get_by_test_id("due-date")).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2}$"))
    expect(page.get_by_test_id("queue-count")).to_have_count(0)
    screenshot(page, "sz-leader-approved")

    # --- Hangzhou leader: queue badge, accept and assign ------------------------------------------
    page = open_session(hz_leader, two_factor="verify")
    expect(page.get_by_test_id("queue-count")).to_have_text("1")
    page.locator("#nav-queue").click()
    page.wait_for_url(f"{live_server.url}/queue/")
    incoming = page.get_by_test_id("queue-incoming")
    expect(incoming).to_contain_text(case_number)
    incoming.get_by_role("link", name=REQUEST_TITLE).click()
    page.wait_for_url(request_url)
    assert_chinese_page(page)
    expect(page.get_by_test_id("documents").locator(".hash")).to_have_text(sha256(ATTACHMENT[1]))
    page.select_option("select[name=assignee]", str(hz_officer.pk))
    expect_ui_text(page, "accept_button")
    click_step(page, "accept")
    expect(request_status(page)).to_have_text(zh(Req.Status.ACCEPTED.label))
    expect(page.locator("main dl")).to_contain_text(str(hz_officer))
    expect(page.get_by_test_id("queue-count")).to_have_count(0)
    screenshot(page, "hz-leader-accepted")

    # --- Hangzhou officer: start, answer with a document -------------------------------------------
    page = open_session(hz_officer)
    page.locator("#nav-queue").click()
    page.get_by_test_id("queue-assigned").get_by_role("link", name=REQUEST_TITLE).click()
    page.wait_for_url(request_url)
    click_step(page, "start")
    expect(request_status(page)).to_have_text(zh(Req.Status.IN_PROGRESS.label))
    page.fill("textarea[name=body]", "已调取涉案公司登记档案，直播回放已向平台调取中，档案见附件。")
    page.set_input_files("#id_answer_files", files=[upload(ANSWER_DOCUMENT)])
    expect_ui_text(page, "answer_button")
    click_step(page, "answer")
    expect(request_status(page)).to_have_text(zh(Req.Status.ANSWERED.label))
    answer = page.get_by_test_id("response")
    expect(answer).to_contain_text("已调取涉案公司登记档案")
    expect(answer.locator(".hash")).to_have_text(sha256(ANSWER_DOCUMENT[1]))
    assert_chinese_page(page)
    screenshot(page, "hz-officer-answered")

    # --- Shenzhen officer: confirm; the case timeline tells the story ----------------------------
    page = officer_page
    page.goto(request_url)
    expect_ui_text(page, "complete_button")
    click_step(page, "complete")
    expect(request_status(page)).to_have_text(zh(Req.Status.COMPLETED.label))
    screenshot(page, "sz-officer-completed")

    page.locator(f'main nav a[href="{case_url.removeprefix(live_server.url)}"]').click()
    page.wait_for_url(case_url)
    assert_chinese_page(page)
    expect_ui_text(page, "timeline_heading")
    expect_ui_text(page, "documents_heading")
    expect(page.get_by_test_id("requests")).to_contain_text(zh(Req.Status.COMPLETED.label))
    case_hashes = page.get_by_test_id("documents").locator(".hash")
    expect(case_hashes).to_have_text([sha256(ATTACHMENT[1]), sha256(ANSWER_DOCUMENT[1])])
    entries = page.get_by_test_id("timeline").locator("li")
    so, sl, ho, hl = (str(user) for user in (sz_officer, sz_leader, hz_officer, hz_leader))
    expected = [
        (so, ""),  # created as a draft
        (so, case_number),  # opened, number issued
        (so, COMPANY),  # party added
        (so, REQUEST_TITLE),  # request drafted
        (so, ATTACHMENT[0]),  # attached to the draft (a line of the requesting side until it is sent)
        (so, REQUEST_TITLE),  # submitted
        (sl, REQUEST_TITLE),  # approved and sent
        (hl, ho),  # the assignee joins the case team
        (hl, REQUEST_TITLE),  # accepted and assigned
        (ho, REQUEST_TITLE),  # work started
        (ho, sha256(ANSWER_DOCUMENT[1])[:12]),  # answer document sealed
        (ho, REQUEST_TITLE),  # answered
        (so, REQUEST_TITLE),  # confirmed as complete
    ]
    expect(entries).to_have_count(len(expected))
    texts = entries.all_inner_texts()
    for position, (text, (actor, detail)) in enumerate(zip(texts, expected, strict=True), start=1):
        assert actor in text and detail in text, f"timeline line {position}: {text!r}"
    screenshot(page, "sz-officer-case-timeline")

    # --- What the browser did: loopback only, nothing broken ---------------------------------------
    assert traffic.requests, "the traffic recorder saw nothing"
    outside = [
        url
        for url in traffic.requests
        if not url.startswith(f"{live_server.url}/") and not url.startswith(("data:", "blob:"))
    ]
    assert not outside, f"requests left the live server: {outside}"
    assert any("/static/vendor/bootstrap/" in url for url in traffic.requests)
    assert any("/static/vendor/htmx/" in url for url in traffic.requests)
    # The browser asks for /favicon.ico on its own; the portal has none (reported, not a page's request).
    failures = [failure for failure in traffic.failures if not failure.endswith("/favicon.ico")]
    assert not failures, f"failed requests: {failures}"
    errors = [error for error in traffic.console_errors if "/favicon.ico" not in error]
    assert not errors, f"errors in the browser console: {errors}"

    stored = Req.objects.get(pk=request_id)
    assert stored.status == Req.Status.COMPLETED
    assert stored.assignee == hz_officer
    assert stored.case.number == case_number
