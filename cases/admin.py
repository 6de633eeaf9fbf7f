from django.contrib import admin

from .models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "position", "is_active"]
    list_editable = ["position", "is_active"]
