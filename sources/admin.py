from django.contrib import admin
from django.http import StreamingHttpResponse
from simple_history.admin import SimpleHistoryAdmin

from . import exports
from .models import Citation, Claim, Conflict, Figure, Reference, Source


class ReferenceInline(admin.TabularInline):
    model = Reference
    extra = 0


class FigureInline(admin.TabularInline):
    model = Figure
    extra = 0


class CitationInline(admin.StackedInline):
    """Paste the quote; its offsets are computed (give ``start`` only when the quote occurs more than once)."""

    model = Citation
    extra = 1
    autocomplete_fields = ["source"]
    fields = ["source", "quote", "start", "end"]


class ConflictInline(admin.TabularInline):
    model = Conflict
    fk_name = "from_claim"
    extra = 0
    autocomplete_fields = ["to_claim"]
    verbose_name = "conflicting claim"


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "slug", "publisher", "kind", "published", "file_name"]
    list_filter = ["kind", "publisher", "tags"]
    search_fields = ["title", "slug", "publisher", "author", "file_name"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["sha256"]
    inlines = [ReferenceInline, FigureInline]

    def has_delete_permission(self, request, obj=None):
        """A source that claims cite may not be deleted (the database refuses it too)."""
        if obj is not None and obj.citations.exists():
            return False
        return super().has_delete_permission(request, obj)


class YearListFilter(admin.SimpleListFilter):
    """Claims by the year their date starts in, and the undated ones."""

    title = "year"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        return [(str(y), str(y)) for y in range(1953, 1972)] + [("undated", "undated")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "undated":
            return queryset.filter(date_lower__isnull=True)
        if value and value.isdigit():
            return queryset.filter(date_lower__year=int(value))
        return queryset


@admin.action(description="Export selected claims as CSV (the /export/claims.csv columns)")
def export_claims_csv(modeladmin, request, queryset):
    lines = exports.table_lines("claims", Claim.objects.filter(pk__in=queryset.values("pk")))
    response = StreamingHttpResponse((line.encode("utf-8") for line in lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="claims-selected.csv"'
    return response


@admin.register(Claim)
class ClaimAdmin(SimpleHistoryAdmin):
    actions = [export_claims_csv]
    list_display = ["id", "statement", "date", "status", "event"]
    list_filter = ["status", YearListFilter, "tags", "citations__source", "people"]
    search_fields = ["statement", "key", "citations__quote"]
    autocomplete_fields = ["people", "event"]
    readonly_fields = ["status", "date_lower", "date_upper"]
    inlines = [CitationInline, ConflictInline]
    fieldsets = [
        (None, {"fields": ["statement", "date", "people", "event", "tags", "note"]}),
        ("Derived", {"fields": ["status", "date_lower", "date_upper", "key"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("event")


@admin.register(Citation)
class CitationAdmin(SimpleHistoryAdmin):
    list_display = ["id", "claim", "source", "start", "end"]
    list_filter = ["source"]
    search_fields = ["quote", "claim__statement"]
    autocomplete_fields = ["claim", "source"]
    list_select_related = ["claim", "source"]


@admin.register(Conflict)
class ConflictAdmin(SimpleHistoryAdmin):
    list_display = ["id", "from_claim", "to_claim", "note"]
    search_fields = ["note", "from_claim__statement", "to_claim__statement"]
    autocomplete_fields = ["from_claim", "to_claim"]
    list_select_related = ["from_claim", "to_claim"]


@admin.register(Reference)
class ReferenceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "source", "url"]
    search_fields = ["title", "url"]
    list_select_related = ["source"]


@admin.register(Figure)
class FigureAdmin(SimpleHistoryAdmin):
    list_display = ["file_name", "source", "caption"]
    search_fields = ["file_name", "caption"]
    list_select_related = ["source"]
