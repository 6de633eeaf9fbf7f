"""The notification centre: preferences per kind of event, mark read through htmx, the unread count,
and the administrators' view of email delivery."""

import pytest
from django.core import mail
from django.urls import reverse

from portal import services
from portal.models import Notification, NotificationPreference, User
from portal.services import notify, user_set_position

pytestmark = pytest.mark.django_db

Status = Notification.EmailStatus


def sent_to(user) -> int:
    return sum(1 for message in mail.outbox if message.to == [user.email])


@pytest.mark.parametrize(
    "delivery, status, mails",
    [("immediate", Status.SENT, 1), ("digest", Status.DIGEST, 0), ("in_app", Status.NONE, 0)],
)
def test_the_preference_for_the_kind_decides_the_email(
    sz_officer, delivery, status, mails, django_capture_on_commit_callbacks
):
    services.notification_preferences_save(user=sz_officer, deliveries={"request_answered": delivery})
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        created = notify(recipients=[sz_officer], kind="request_answered", params={}, url="/")

    assert Notification.objects.get(pk=created[0].pk).email_status == status
    assert sent_to(sz_officer) == mails


def test_a_preference_for_one_kind_leaves_the_others_immediate(
    sz_officer, django_capture_on_commit_callbacks
):
    services.notification_preferences_save(user=sz_officer, deliveries={"request_answered": "in_app"})
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(recipients=[sz_officer], kind="request_completed", params={}, url="/")
    assert Notification.objects.get(pk=created[0].pk).email_status == Status.SENT


def test_security_alerts_always_go_out_at_once(sz_officer, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=sz_officer, kind="audit_chain_broken", delivery="in_app")
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(recipients=[sz_officer], kind="audit_chain_broken", params={}, url="/")
    assert Notification.objects.get(pk=created[0].pk).email_status == Status.SENT


def test_notify_costs_two_queries_for_any_number_of_recipients(cast, django_assert_num_queries):
    people = [cast.sz_officer, cast.sz_leader, cast.hz_officer, cast.hz_leader, cast.gz_officer]
    with django_assert_num_queries(2):  # the preferences, one INSERT
        notify(recipients=people, kind="request_answered", params={}, url="/")


def test_the_preferences_page_saves_only_what_differs_from_the_default(sz_officer, sz_officer_client):
    page = sz_officer_client.get(reverse("notification_preferences"))
    assert page.status_code == 200
    data = {name: "immediate" for name in page.context["form"].fields}
    data |= {"deadline_reminder": "digest", "request_answered": "in_app", "daily_digest": "in_app"}

    response = sz_officer_client.post(reverse("notification_preferences"), data)

    assert response.status_code == 302
    assert dict(sz_officer.notification_preferences.values_list("kind", "delivery")) == {
        "deadline_reminder": "digest",
        "request_answered": "in_app",
        "daily_digest": "in_app",
    }
    form = sz_officer_client.get(reverse("notification_preferences")).context["form"]
    assert form["deadline_reminder"].value() == "digest"
    assert form["request_received"].value() == "immediate"


def test_the_digest_cannot_be_chosen_for_the_digest_itself(sz_officer, sz_officer_client):
    response = sz_officer_client.post(reverse("notification_preferences"), {"daily_digest": "digest"})
    assert response.status_code == 200
    assert "daily_digest" in response.context["form"].errors
    assert not sz_officer.notification_preferences.exists()


# --- the list, mark read, the unread count --------------------------------------------------------------


@pytest.fixture
def three_unread(sz_officer):
    return (
        notify(recipients=[sz_officer], kind="request_completed", params={"request": "甲"}, url="/")
        + notify(recipients=[sz_officer], kind="request_answered", params={"request": "乙"}, url="/")
        + notify(recipients=[sz_officer], kind="request_approved", params={"request": "丙"}, url="/")
    )


def test_marking_one_read_through_htmx_answers_the_line_and_the_new_unread_count(
    three_unread, sz_officer_client
):
    first = three_unread[0]
    response = sz_officer_client.post(reverse("notification_read", args=[first.pk]), HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{first.pk}"' in body and "mark-read" not in body
    assert 'id="nav-unread" hx-swap-oob="true"' in body and ">2<" in body
    assert Notification.objects.get(pk=first.pk).read_at is not None


def test_marking_all_read_through_htmx_answers_the_list_without_a_count(three_unread, sz_officer_client):
    response = sz_officer_client.post(reverse("notification_read_all"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="notification-list"' in body and 'data-testid="unread-count"' not in body
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_without_htmx_marking_read_goes_back_to_the_list(three_unread, sz_officer_client):
    response = sz_officer_client.post(reverse("notification_read", args=[three_unread[0].pk]))
    assert response.status_code == 302 and response.url == reverse("notifications")


def test_nobody_marks_someone_elses_notification(three_unread, hz_officer_client):
    response = hz_officer_client.post(reverse("notification_read", args=[three_unread[0].pk]))
    assert response.status_code == 404
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_the_navigation_shows_the_unread_count(three_unread, sz_officer_client):
    page = sz_officer_client.get(reverse("notifications")).content.decode()
    assert 'data-testid="unread-count">3<' in page


def test_the_list_costs_the_same_queries_for_3_and_60_notifications(
    sz_officer, sz_officer_client, django_assert_num_queries
):
    def fill(n):
        notify(recipients=[sz_officer], kind="request_completed", params={}, url="/")
        Notification.objects.bulk_create(
            Notification(recipient=sz_officer, kind="request_completed", params={}, url="/") for _ in range(n)
        )

    fill(2)
    with django_assert_num_queries(NOTIFICATION_LIST_QUERIES):
        sz_officer_client.get(reverse("notifications"))
    fill(57)
    with django_assert_num_queries(NOTIFICATION_LIST_QUERIES):
        sz_officer_client.get(reverse("notifications"))


# Session, user, navigation (unread count, bureau), the page's count and rows (an officer has no queue).
NOTIFICATION_LIST_QUERIES = 6


# --- email delivery for bureau administrators -----------------------------------------------------------


@pytest.fixture
def sz_admin(cast):
    admin = User.objects.create_user(
        "sz_admin", bureau=cast.sz, email="sz_admin@example.gov.cn", language="en"
    )
    return user_set_position(user=admin, team=None, role=User.Role.BUREAU_ADMIN)


@pytest.fixture
def failed_mails(cast):
    rows = notify(recipients=[cast.sz_officer, cast.hz_officer], kind="request_completed", params={}, url="/")
    Notification.objects.filter(pk__in=[n.pk for n in rows]).update(
        email_status=Status.FAILED,
        email_attempts=8,
        email_last_error="SMTPRecipientsRefused: 550 No such user",
    )
    return {n.recipient.username: n for n in rows}


def test_a_bureau_administrator_sees_the_failed_mails_of_their_own_bureau_only(
    failed_mails, sz_admin, login_as
):
    page = login_as(sz_admin).get(reverse("mail_outbox")).content.decode()
    assert "sz_officer@example.gov.cn" in page and "550 No such user" in page
    assert "hz_officer@example.gov.cn" not in page


def test_a_bureau_administrator_sends_failed_mails_again(
    failed_mails, sz_admin, login_as, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    ids = [failed_mails["sz_officer"].pk, failed_mails["hz_officer"].pk]  # the other bureau's is ignored

    with django_capture_on_commit_callbacks(execute=True):
        login_as(sz_admin).post(reverse("mail_outbox"), {"ids": ids})

    assert Notification.objects.get(pk=failed_mails["sz_officer"].pk).email_status == Status.SENT
    assert Notification.objects.get(pk=failed_mails["hz_officer"].pk).email_status == Status.FAILED
    assert [m.to for m in mail.outbox] == [["sz_officer@example.gov.cn"]]


def test_officers_cannot_follow_the_email_delivery(sz_officer_client):
    assert sz_officer_client.get(reverse("mail_outbox")).status_code == 403
