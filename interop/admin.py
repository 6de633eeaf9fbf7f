from django.contrib import admin

from .models import WebhookDelivery, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["url", "bureau", "is_active", "created_at"]
    list_filter = ["bureau", "is_active"]
    exclude = ["secret"]

    def has_add_permission(self, request):
        return False  # subscriptions are made by bureau administrators, who get the secret once


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "subscription", "event", "status", "attempts", "response_status"]
    list_filter = ["status", "event"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False
