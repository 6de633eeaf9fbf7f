"""The iCalendar feed of a person's deadlines (collaboration.views.deadline_feed): a secret, revocable
link; valid RFC 5545; only deadlines that concern the person, of cases they may see."""

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from cases import services as case_services
from portal.models import CalendarFeed, User
from portal.services import calendar_feed_issue, calendar_feed_revoke

pytestmark = pytest.mark.django_db


def feed(token: str, client: Client | None = None):
    return (client or Client()).get(reverse("collaboration:deadline_feed", args=[token]))


def events(response) -> dict[str, object]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def uid(request) -> str:
    return f"request-{request.pk}-due@127.0.0.1"


@pytest.mark.parametrize("who", ["sz_officer", "hz_officer", "sz_leader", "hz_leader"])
def test_the_people_concerned_see_the_due_date_as_an_all_day_event(request, accepted_request, who):
    token = calendar_feed_issue(user=request.getfixturevalue(who))

    found = events(feed(token))

    event = found[uid(accepted_request)]
    assert event.decoded("dtstart") == accepted_request.due_date
    assert accepted_request.case.number in str(event["summary"])
    assert str(event["url"]).endswith(f"/requests/{accepted_request.pk}/")


def test_the_feed_is_valid_icalendar(accepted_request, sz_officer):
    body = feed(calendar_feed_issue(user=sz_officer)).content
    calendar = Calendar.from_ical(body)
    assert calendar["version"] == "2.0" and calendar["prodid"]
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # folded as RFC 5545 wants
    for event in calendar.walk("VEVENT"):
        assert {"UID", "DTSTAMP", "DTSTART", "SUMMARY"} <= set(event)


@pytest.mark.parametrize("who", ["sz_officer2", "sz_leader2", "hz_officer2", "gz_leader", "sz_auditor"])
def test_people_the_deadline_does_not_concern_or_who_cannot_see_the_case_get_none(
    request, accepted_request, who
):
    assert events(feed(calendar_feed_issue(user=request.getfixturevalue(who)))) == {}


def test_a_person_taken_off_the_case_stops_seeing_its_deadline(answered_request, sz_officer, sz_leader):
    """sz_officer drafted a request; once off the case team the deadline leaves their feed at once.
    (An answered request has no deadline left; reopen one that is in progress instead.)"""
    from collaboration.models import AssistanceRequest

    AssistanceRequest.objects.filter(pk=answered_request.pk).update(
        status=AssistanceRequest.Status.IN_PROGRESS
    )
    token = calendar_feed_issue(user=sz_officer)
    assert uid(answered_request) in events(feed(token))

    case_services.member_remove(case=answered_request.case, user=sz_officer, actor=sz_leader)

    assert events(feed(token)) == {}


def test_a_revoked_link_answers_404(accepted_request, sz_officer):
    token = calendar_feed_issue(user=sz_officer)
    calendar_feed_revoke(user=sz_officer)
    assert feed(token).status_code == 404


def test_a_new_link_replaces_the_old_one(accepted_request, sz_officer):
    old = calendar_feed_issue(user=sz_officer)
    new = calendar_feed_issue(user=sz_officer)
    assert feed(old).status_code == 404
    assert feed(new).status_code == 200
    assert CalendarFeed.objects.filter(user=sz_officer).count() == 1


def test_the_link_of_a_deactivated_account_answers_404(accepted_request, sz_officer):
    token = calendar_feed_issue(user=sz_officer)
    User.objects.filter(pk=sz_officer.pk).update(is_active=False)
    assert feed(token).status_code == 404


def test_a_made_up_token_answers_404(db):
    assert feed("not-a-token").status_code == 404


def test_only_a_hash_of_the_token_is_stored(sz_officer):
    token = calendar_feed_issue(user=sz_officer)
    assert token not in CalendarFeed.objects.get(user=sz_officer).token_hash


def test_the_feed_costs_the_same_queries_for_1_and_30_deadlines(
    cast, category, sz_officer, django_assert_num_queries
):
    from collaboration.models import AssistanceRequest
    from tests.factories import bulk_cases, bulk_requests

    token = calendar_feed_issue(user=sz_officer)

    def fill(n):
        cases = bulk_cases(n, creator=sz_officer, partner_team=cast.hz_team, category=category)
        bulk_requests(
            cases,
            status=AssistanceRequest.Status.SENT,
            created_by=sz_officer,
            from_team=cast.sz_team,
            to_team=cast.hz_team,
        )

    fill(1)
    feed(token)  # the first read records the last use (then at most once an hour)
    with django_assert_num_queries(FEED_QUERIES):
        assert len(events(feed(token))) == 1
    fill(29)
    with django_assert_num_queries(FEED_QUERIES):
        assert len(events(feed(token))) == 30


# The token's feed with its owner, the requests with their case and bureaus.
FEED_QUERIES = 2


def test_the_subscription_page_shows_the_link_once_and_revokes_it(sz_officer_client, sz_officer):
    page = sz_officer_client.post(reverse("calendar_feed"), {"action": "issue"})
    link = page.context["feed_url"]
    assert "/calendar/feed/" in link and link.endswith(".ics")
    assert link not in sz_officer_client.get(reverse("calendar_feed")).content.decode()

    sz_officer_client.post(reverse("calendar_feed"), {"action": "revoke"})

    token = link.rsplit("/", 1)[1].removesuffix(".ics")
    assert feed(token).status_code == 404
