from django.urls import path

from . import views

urlpatterns = [
    path("cases/", views.CaseListView.as_view(), name="case-list"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:pk>/open/", views.CaseOpenView.as_view(), name="case-open"),
    path("cases/<int:pk>/investigate/", views.CaseInvestigateView.as_view(), name="case-investigate"),
    path(
        "cases/<int:pk>/request-closure/", views.CaseRequestClosureView.as_view(), name="case-request-closure"
    ),
    path(
        "cases/<int:pk>/approve-closure/", views.CaseApproveClosureView.as_view(), name="case-approve-closure"
    ),
    path("cases/<int:pk>/refuse-closure/", views.CaseRefuseClosureView.as_view(), name="case-refuse-closure"),
    path("cases/<int:pk>/parties/", views.PartyListView.as_view(), name="party-list"),
    path("cases/<int:pk>/parties/<int:party_pk>/", views.PartyDetailView.as_view(), name="party-detail"),
    path("cases/<int:pk>/documents/", views.DocumentListView.as_view(), name="document-list"),
    path(
        "cases/<int:pk>/documents/<int:document_pk>/",
        views.DocumentDetailView.as_view(),
        name="document-detail",
    ),
    path(
        "cases/<int:pk>/documents/<int:document_pk>/download/",
        views.DocumentDownloadView.as_view(),
        name="document-download",
    ),
    path("cases/<int:pk>/timeline/", views.TimelineView.as_view(), name="case-timeline"),
]
