"""/api/v1/: the REST API of every app, under one namespace ("api")."""

from django.urls import include, path

from . import views

app_name = "api"

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
    path("notifications/<int:pk>/read/", views.NotificationReadView.as_view(), name="notification-read"),
    path("notifications/read-all/", views.NotificationReadAllView.as_view(), name="notification-read-all"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(), name="docs"),
    path("", include("cases.api.urls")),
    path("", include("collaboration.api.urls")),
    path("", include("interop.api.urls")),
]
