from django.contrib import admin

from editing.concurrency import EditConflictGuard
from editing.history import SafeHistoryAdmin
from editing.widgets import SafeAutocompleteAdmin

from .models import Person


@admin.register(Person)
class PersonAdmin(SafeAutocompleteAdmin, EditConflictGuard, SafeHistoryAdmin):
    list_display = ["name", "slug", "born", "died", "alias_count"]
    search_fields = ["name", "slug", "aliases"]
    list_filter = ["tags"]
    prepopulated_fields = {"slug": ["name"]}

    def has_delete_permission(self, request, obj=None):
        """Nothing a claim or event still names may be deleted (edit the claims first)."""
        if obj is not None and (obj.claims.exists() or obj.events.exists()):
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="aliases")
    def alias_count(self, obj):
        return len(obj.alias_list)
