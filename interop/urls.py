from django.urls import path

from . import views

app_name = "interop"

urlpatterns = [
    path("", views.webhook_list, name="webhooks"),
    path("<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("<int:pk>/active/", views.webhook_set_active, name="webhook_active"),
    path("<int:pk>/deliveries/<int:delivery_pk>/replay/", views.webhook_replay, name="webhook_replay"),
]
