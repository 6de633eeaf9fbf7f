from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import AuditEvent, Bureau, Notification, Team, User


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
    list_display = ["recipient", "kind", "created_at", "email_status", "email_attempts"]
    list_filter = ["email_status", "kind"]
    readonly_fields = [f.name for f in Notification._meta.fields]


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
