from django.urls import path

from . import views

urlpatterns = [
    path("cases/<int:pk>/export/", views.CaseExportView.as_view(), name="case-export"),
    path("exchange/import/", views.CaseImportView.as_view(), name="case-import"),
]
