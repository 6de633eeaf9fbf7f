import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import AssistanceRequest, RequestType


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number in the database's range (anything else is a 400, not a failed query)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=2**63 - 1, **kwargs)


class RequestFilter(django_filters.FilterSet):
    """Narrows a list that the access policy already filtered; it never widens it."""

    status = django_filters.ChoiceFilter(choices=AssistanceRequest.Status.choices)
    request_type = django_filters.ChoiceFilter(choices=RequestType.choices)
    case = IdFilter(field_name="case_id")
    direction = django_filters.ChoiceFilter(
        label=_("Direction"),
        choices=[("incoming", _("Incoming")), ("outgoing", _("Outgoing"))],
        method="filter_direction",
    )
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = AssistanceRequest
        fields = ["status", "request_type", "case", "direction", "due_before"]

    def filter_direction(self, queryset, name, value):
        bureau_id = getattr(self.request.user, "bureau_id", None)
        if value == "incoming":
            return queryset.filter(requested_bureau_id=bureau_id)
        return queryset.filter(requesting_bureau_id=bureau_id)
