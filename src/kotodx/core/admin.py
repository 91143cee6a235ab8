"""Django admin for operators only; staff work in the module pages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from kotodx.core.models import AuditEntry, Department, Job, User


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ("username", "display_name", "department", "is_active")
    list_filter = ("department", "groups", "is_active")
    fieldsets = (*(UserAdmin.fieldsets or ()), ("所属", {"fields": ("display_name", "department")}))


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "division", "is_it_division", "sort_order")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "target_type", "target_repr")
    list_filter = ("action", "target_type")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "status", "created_at")
