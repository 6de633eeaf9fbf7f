from django.urls import path

from . import views

app_name = "collaboration"

urlpatterns = [
    path("cases/<int:case_pk>/requests/new/", views.request_create, name="request_create"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/edit/", views.request_edit, name="request_edit"),
    path("requests/<int:pk>/step/<str:step>/", views.request_step, name="request_step"),
    path("queue/", views.queue, name="queue"),
    path("calendar/feed/<str:token>.ics", views.deadline_feed, name="deadline_feed"),
]
