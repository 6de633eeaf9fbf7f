from django.contrib import admin

from .models import Category, Document, EvidencePackage


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "position", "is_active"]
    list_editable = ["position", "is_active"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Sealed evidence is read in the admin, never added, changed or deleted there."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["id", "case", "title", "original_name", "sha256", "size", "content_type", "version"]
    list_filter = ["integrity", "type_mismatch"]
    search_fields = ["sha256", "title", "original_name"]
    list_select_related = ["case"]
    show_full_result_count = False


@admin.register(EvidencePackage)
class EvidencePackageAdmin(ReadOnlyAdmin):
    list_display = ["id", "case", "created_by", "created_at", "document_count", "manifest_sha256"]
    search_fields = ["manifest_sha256"]
    list_select_related = ["case", "created_by"]
    show_full_result_count = False
