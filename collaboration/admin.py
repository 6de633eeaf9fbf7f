from django.contrib import admin

from .models import DeadlineExtension, RequestTypeTimeLimit


@admin.register(RequestTypeTimeLimit)
class RequestTypeTimeLimitAdmin(admin.ModelAdmin):
    """Default time limits per request type (15 working days when a type has none)."""

    list_display = ["request_type", "time_limit_days"]


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(admin.ModelAdmin):
    """Extensions are asked and decided through the workflow; here they are only read."""

    list_display = [
        "request",
        "status",
        "previous_due_date",
        "proposed_due_date",
        "requested_by",
        "decided_by",
    ]
    list_filter = ["status"]
    list_select_related = ["request", "requested_by", "decided_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
