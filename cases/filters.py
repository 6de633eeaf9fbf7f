import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Category, JointCase


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=JointCase.Status.choices, empty_label=_("All")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=Category.objects.all(), empty_label=_("All")
    )

    class Meta:
        model = JointCase
        fields = ["q", "status", "category"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value) | Q(number__icontains=value) | Q(summary__icontains=value)
        )
