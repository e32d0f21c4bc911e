from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Person


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "born", "died", "alias_count"]
    search_fields = ["name", "slug", "aliases"]
    list_filter = ["tags"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description="aliases")
    def alias_count(self, obj):
        return len(obj.alias_list)
