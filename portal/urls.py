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
    path("bureau/accounts/", views.account_list, name="accounts"),
    path("bureau/accounts/new/", views.account_create, name="account_create"),
    path("bureau/accounts/<int:pk>/", views.account_edit, name="account_edit"),
    path("audit/", views.audit_list, name="audit"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
    path("cases/", include("cases.urls")),
    path("", include("collaboration.urls")),
    path("admin/", admin.site.urls),
]
