from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import ApiClient, AuditEvent, Bureau, CalendarDay, CalendarYear, Notification, Team, User


@admin.register(Bureau)
class BureauAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "short_name", "case_number_prefix", "is_active"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "bureau"]
    list_filter = ["bureau"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:  # a new team needs its leaders group, created by the service
            created = services.team_create(bureau=obj.bureau, name_zh=obj.name_zh, name_en=obj.name_en)
            obj.pk, obj.leaders_group = created.pk, created.leaders_group


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "bureau", "team", "role", "is_active"]
    list_filter = ["bureau", "role", "is_active"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Portal"), {"fields": ["display_name", "bureau", "team", "role", "language"]}),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Team leaders' access follows their team through its leaders group: keep it in step.
        services.user_set_position(user=obj, team=obj.team, role=obj.role)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The email outbox as the administrators follow it: state, attempts, next attempt and last error."""

    list_display = [
        "created_at",
        "recipient",
        "kind",
        "email_status",
        "email_attempts",
        "email_next_attempt_at",
        "email_sent_at",
        "short_error",
    ]
    list_filter = ["email_status", "kind", "created_at"]
    search_fields = ["recipient__username", "recipient__email", "email_last_error"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient"]
    readonly_fields = [f.name for f in Notification._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return (obj.email_last_error[:80] + "…") if len(obj.email_last_error) > 80 else obj.email_last_error

    @admin.action(description=_("Send the failed emails again"))
    def send_again(self, request, queryset):
        from . import outbox

        ids = list(queryset.filter(email_status=Notification.EmailStatus.FAILED).values_list("pk", flat=True))
        count = outbox.retry_failed(ids)
        outbox.dispatch(ids)
        services.audit(actor=request.user, action="mail.retry", detail={"notifications": ids})
        self.message_user(request, _("%(count)s email(s) will be sent again.") % {"count": count})


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 5
    fields = ["date", "is_working_day", "name_zh", "name_en"]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """The working-day calendar: a year and its exceptional days, entered together."""

    list_display = ["year", "source", "updated_at", "updated_by"]
    readonly_fields = ["source", "updated_at", "updated_by"]
    inlines = [CalendarDayInline]

    def save_model(self, request, obj, form, change):
        obj.source = CalendarYear.Source.MANUAL
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        services.audit(
            actor=request.user, action="calendar.year_saved", detail={"year": obj.year, "admin": True}
        )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "object_type", "object_id", "ip_address"]
    list_filter = ["action"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Read-only: clients and tokens are made on the portal's pages, where their secret is shown once."""

    list_display = ["name", "kind", "scope", "bureau", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["kind", "scope", "bureau"]
    exclude = ["secret_hash"]
    readonly_fields = ["kind", "name", "scope", "bureau", "user", "prefix", "created_by", "created_at",
                       "last_used_at", "revoked_at"]  # fmt: skip

    def has_add_permission(self, request):
        return False
