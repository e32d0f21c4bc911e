from django.contrib import admin

from editing.concurrency import EditConflictGuard
from editing.history import SafeHistoryAdmin
from editing.widgets import SafeAutocompleteAdmin

from .models import Event


@admin.register(Event)
class EventAdmin(SafeAutocompleteAdmin, EditConflictGuard, SafeHistoryAdmin):
    list_display = ["title", "date", "date_lower", "date_upper", "place", "turning_point"]
    list_filter = ["turning_point", "tags"]
    search_fields = ["title", "slug", "place", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["people"]
    readonly_fields = ["date_lower", "date_upper"]

    def has_delete_permission(self, request, obj=None):
        """An event that claims belong to may not be deleted (move the claims first)."""
        if obj is not None and obj.claims.exists():
            return False
        return super().has_delete_permission(request, obj)
