import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    person = django_filters.CharFilter(
        label=_("Person (user name)"), field_name="actor_name", lookup_expr="icontains"
    )
    case = django_filters.NumberFilter(label=_("Case ID"), field_name="case_id")
    action = django_filters.CharFilter(label=_("Action"), field_name="action", lookup_expr="startswith")
    since = django_filters.DateFilter(
        label=_("From"),
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        label=_("To"),
        field_name="created_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields = ["person", "case", "action", "since", "until"]
