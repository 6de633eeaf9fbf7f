from django.urls import path

from . import views
from .evidence import views as evidence

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/edit/", views.case_edit, name="edit"),
    path("<int:pk>/step/<str:step>/", views.case_step, name="step"),
    path("<int:pk>/parties/add/", views.party_add, name="party_add"),
    path("<int:pk>/parties/<int:party_pk>/", views.party_detail, name="party_detail"),
    path("<int:pk>/notes/add/", views.note_add, name="note_add"),
    path("<int:pk>/members/add/", views.member_add, name="member_add"),
    path("<int:pk>/documents/upload/", evidence.document_upload, name="document_upload"),
    path("<int:pk>/documents/<int:document_pk>/", evidence.document_detail, name="document_detail"),
    path(
        "<int:pk>/documents/<int:document_pk>/download/", evidence.document_download, name="document_download"
    ),
    path("<int:pk>/documents/<int:document_pk>/preview/", evidence.document_preview, name="document_preview"),
    path(
        "<int:pk>/documents/<int:document_pk>/version/",
        evidence.document_new_version,
        name="document_version",
    ),
    path(
        "<int:pk>/documents/<int:document_pk>/withdraw/", evidence.document_withdraw, name="document_withdraw"
    ),
    path("<int:pk>/packages/", evidence.package_create, name="package_create"),
    path("<int:pk>/packages/<int:package_pk>/", evidence.package_detail, name="package_detail"),
    path("<int:pk>/packages/<int:package_pk>/download/", evidence.package_download, name="package_download"),
    path("verify/", evidence.verify, name="verify"),
]
