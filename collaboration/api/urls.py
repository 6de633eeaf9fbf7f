from django.urls import path

from . import views

STEPS = {
    "submit": views.RequestSubmitView,
    "approve": views.RequestApproveView,
    "return": views.RequestReturnView,
    "accept": views.RequestAcceptView,
    "decline": views.RequestDeclineView,
    "start": views.RequestStartView,
    "answer": views.RequestAnswerView,
    "complete": views.RequestCompleteView,
}

urlpatterns = [
    path("cases/<int:case_pk>/requests/", views.CaseRequestListView.as_view(), name="case-requests"),
    path("requests/", views.RequestListView.as_view(), name="request-list"),
    path("requests/<int:pk>/", views.RequestDetailView.as_view(), name="request-detail"),
    path("requests/<int:pk>/documents/", views.RequestAttachView.as_view(), name="request-attach"),
    *(
        path(f"requests/<int:pk>/{step}/", view.as_view(), name=f"request-{step}")
        for step, view in STEPS.items()
    ),
]
