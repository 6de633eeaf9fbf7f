from django.urls import path

from . import views

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
    path("<int:pk>/documents/upload/", views.document_upload, name="document_upload"),
    path("<int:pk>/documents/<int:document_pk>/download/", views.document_download, name="document_download"),
]
