from urllib.parse import urlencode

from django.contrib import admin, messages
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from editing.concurrency import EditConflictGuard
from editing.widgets import SafeAutocompleteAdmin

from . import exports, recovery
from .admin_forms import SourceAdminForm
from .models import Citation, Claim, Conflict, Figure, Reference, Source, set_published
from .sentences import coverage


class ReferenceInline(admin.TabularInline):
    model = Reference
    extra = 0


class FigureInline(admin.TabularInline):
    model = Figure
    extra = 0


class CitationInline(SafeAutocompleteAdmin, admin.StackedInline):
    """Paste the quote; its offsets are computed (give ``start`` only when the quote occurs more than once)."""

    model = Citation
    extra = 1
    autocomplete_fields = ["source"]
    fields = ["source", "quote", "start", "end"]


class ConflictInline(SafeAutocompleteAdmin, admin.TabularInline):
    model = Conflict
    fk_name = "from_claim"
    extra = 0
    autocomplete_fields = ["to_claim"]
    verbose_name = "conflicting claim"


class SourceCitationInline(admin.TabularInline):
    model = Citation
    extra = 0
    fields = ["claim", "quote", "start", "end"]
    readonly_fields = ["claim", "quote", "start", "end"]
    can_delete = False
    show_change_link = True
    verbose_name_plural = "citations (edit them on their claims)"

    def has_add_permission(self, request, obj=None):
        return False


@admin.action(description="Publish the selected items")
def publish(modeladmin, request, queryset):
    selected = queryset.count()  # before: the changelist may be filtered on the flag being changed
    changed = set_published(queryset, True)
    modeladmin.message_user(request, f"Published {changed} of {selected} (the others already were).")


@admin.action(description="Unpublish the selected items (keep them as drafts)")
def unpublish(modeladmin, request, queryset):
    selected = queryset.count()
    changed = set_published(queryset, False)
    modeladmin.message_user(request, f"Unpublished {changed} of {selected}; drafts are off the public site.")


@admin.register(Source)
class SourceAdmin(SafeAutocompleteAdmin, EditConflictGuard, SimpleHistoryAdmin):
    form = SourceAdminForm
    actions = [publish, unpublish]
    list_display = ["title", "slug", "publisher", "kind", "published", "is_published", "file_name"]
    list_filter = ["is_published", "kind", "publisher", "tags"]
    search_fields = ["title", "slug", "publisher", "author", "file_name"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["sha256", "uncited_passages"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "publisher",
                    "author",
                    "kind",
                    "published",
                    "url",
                    "tags",
                    "notes",
                    "is_published",
                ]
            },
        ),
        ("Text", {"fields": ["text", "upload", "file_name", "sha256"]}),
        ("Uncited passages", {"fields": ["uncited_passages"]}),
    ]
    inlines = [ReferenceInline, FigureInline, SourceCitationInline]

    @admin.display(description="Substantive sentences no claim cites yet")
    def uncited_passages(self, obj):
        if obj is None or obj.pk is None:
            return "Save the source first."
        result = coverage(obj.text, [(c.start, c.end) for c in obj.citations.all()])
        if not result.uncited:
            return f"Every one of the {len(result.sentences)} substantive sentences is cited."
        add = reverse("admin:sources_claim_add")
        rows = [
            (
                obj.text[s.start : s.end],
                f"{add}?"
                + urlencode({"cite_source": obj.pk, "cite_start": s.start, "cite_quote": obj.text[s.start : s.end]}),
            )
            for s in result.uncited
        ]
        items = format_html_join("", '<li>{} <a href="{}">New claim from this passage</a></li>', rows)
        return format_html(
            "<p>{} of {} sentences cited ({}%).</p><ol>{}</ol>",
            len(result.cited),
            len(result.sentences),
            f"{result.percent:.1f}",
            items,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        for citation, start, end, quote in form.reanchored:  # inside the admin's transaction
            citation.start, citation.end, citation.quote = start, end, quote
            citation.source = obj
            citation.full_clean()
            citation.save()

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
        if value and value.isascii() and value.isdigit():
            return queryset.filter(date_lower__year=int(value))
        return queryset


@admin.action(description="Export selected claims as CSV (the /export/claims.csv columns)")
def export_claims_csv(modeladmin, request, queryset):
    lines = exports.table_lines("claims", Claim.objects.filter(pk__in=queryset.values("pk")), public=False)
    response = StreamingHttpResponse((line.encode("utf-8") for line in lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="claims-selected.csv"'
    return response


@admin.register(Claim)
class ClaimAdmin(SafeAutocompleteAdmin, EditConflictGuard, SimpleHistoryAdmin):
    actions = [export_claims_csv, publish, unpublish]
    list_display = ["id", "statement", "date", "status", "published", "event"]
    list_filter = ["published", "status", YearListFilter, "tags", "citations__source", "people"]
    search_fields = ["statement", "key", "citations__quote"]
    autocomplete_fields = ["people", "event"]
    readonly_fields = ["status", "date_lower", "date_upper"]
    inlines = [CitationInline, ConflictInline]
    fieldsets = [
        (None, {"fields": ["statement", "date", "people", "event", "tags", "note", "published"]}),
        ("Derived", {"fields": ["status", "date_lower", "date_upper", "key"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("event")

    def save_model(self, request, obj, form, change):
        """Saving from the history of a deleted claim recovers it, with its citations and conflicts."""
        recovering = change and not Claim.objects.filter(pk=obj.pk).exists()
        super().save_model(request, obj, form, change)
        if recovering:
            result = recovery.recover_dependents(obj)
            messages.success(
                request,
                f"Recovered the deleted claim with {len(result.citations)} citation(s) "
                f"and {result.conflicts} conflict(s).",
            )
            for problem in result.skipped:
                messages.warning(request, f"Not recovered: {problem}.")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        claim = form.instance
        if claim.published and not Claim.objects.public().filter(pk=claim.pk).exists():
            messages.warning(
                request,
                "This claim is published but no published source cites it yet, so the public pages do not show it. "
                "Add a citation (or publish its source) to make it visible.",
            )

    def get_formset_kwargs(self, request, obj, inline, prefix):
        """ "New claim from this passage": the source admin's link prefills the first citation."""
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, CitationInline) and request.method == "GET" and "cite_source" in request.GET:
            kwargs["initial"] = [
                {
                    "source": request.GET.get("cite_source"),
                    "quote": request.GET.get("cite_quote", ""),
                    "start": request.GET.get("cite_start") or None,
                }
            ]
        return kwargs

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        for key in ("cite_source", "cite_quote", "cite_start"):
            initial.pop(key, None)
        if "cite_quote" in request.GET and "statement" not in initial:
            initial["statement"] = ""
        return initial


@admin.register(Citation)
class CitationAdmin(SafeAutocompleteAdmin, EditConflictGuard, SimpleHistoryAdmin):
    list_display = ["id", "claim", "source", "start", "end"]
    list_filter = ["source"]
    search_fields = ["quote", "claim__statement"]
    autocomplete_fields = ["claim", "source"]
    list_select_related = ["claim", "source"]


@admin.register(Conflict)
class ConflictAdmin(SafeAutocompleteAdmin, EditConflictGuard, SimpleHistoryAdmin):
    list_display = ["id", "from_claim", "to_claim", "note"]
    search_fields = ["note", "from_claim__statement", "to_claim__statement"]
    autocomplete_fields = ["from_claim", "to_claim"]
    list_select_related = ["from_claim", "to_claim"]


@admin.register(Reference)
class ReferenceAdmin(SafeAutocompleteAdmin, EditConflictGuard, SimpleHistoryAdmin):
    list_display = ["title", "source", "url"]
    search_fields = ["title", "url"]
    list_select_related = ["source"]


@admin.register(Figure)
class FigureAdmin(SafeAutocompleteAdmin, EditConflictGuard, SimpleHistoryAdmin):
    list_display = ["file_name", "source", "caption"]
    search_fields = ["file_name", "caption"]
    list_select_related = ["source"]
