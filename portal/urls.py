from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cases:list", permanent=False), name="home"),
    path(
        "accounts/login/",
        # LoginView sets its own site_name (the request's host, without django.contrib.sites); keep ours.
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, extra_context={"site_name": settings.PORTAL_SITE_NAME}
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/language/", views.set_language, name="set_language"),
    path("accounts/2fa/setup/", views.otp_setup, name="otp_setup"),
    path("accounts/2fa/verify/", views.otp_verify, name="otp_verify"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/settings/", views.notification_preferences, name="notification_preferences"),
    path("accounts/calendar-feed/", views.calendar_feed, name="calendar_feed"),
    path("calendar/", views.working_calendar, name="working_calendar"),
    path("calendar/<int:year>/edit/", views.working_calendar_edit, name="working_calendar_edit"),
    path("bureau/mail/", views.mail_outbox, name="mail_outbox"),
    path("bureau/accounts/", views.account_list, name="accounts"),
    path("bureau/accounts/new/", views.account_create, name="account_create"),
    path("bureau/accounts/<int:pk>/", views.account_edit, name="account_edit"),
    path("bureau/accounts/<int:pk>/password/", views.account_password, name="account_password"),
    path("bureau/accounts/<int:pk>/<slug:action>/", views.account_action, name="account_action"),
    path("accounts/password/", views.OwnPasswordChangeView.as_view(), name="password_change"),
    path("accounts/tokens/", views.token_list, name="tokens"),
    path("accounts/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("bureau/api-clients/", views.api_client_list, name="api_clients"),
    path("bureau/api-clients/<int:pk>/revoke/", views.api_client_revoke, name="api_client_revoke"),
    path("bureau/webhooks/", include("interop.urls")),
    path("audit/", views.audit_list, name="audit"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
    path("cases/", include("cases.urls")),
    path("", include("collaboration.urls")),
    path("api/v1/", include("portal.api.urls")),
    path("admin/", admin.site.urls),
]

if settings.PORTAL_BENCHMARK_VIEWS:  # bench/pages.sh only: the stack's limit, for comparison
    from .bench_views import bare_table

    urlpatterns.append(path("bench/bare/", bare_table, name="bench_bare"))
