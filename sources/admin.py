from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join

from core import period
from editing.concurrency import EditConflictGuard
from editing.history import SafeHistoryAdmin
from editing.widgets import SafeAutocompleteAdmin
from events.admin import EventAdmin
from events.models import Event

from . import anchoring, evidence, recovery, services
from .admin_forms import SourceAdminForm
from .models import Citation, Claim, Conflict, Figure, Reference, Source, editable_text_fields
from .sentences import coverage


class WriteLayerAdmin:
    """Every save and delete of the admin goes through the write layer (``sources/services.py``).

    A whole change form (the object, its inlines, the history revert) is one
    batch: derived values are refreshed once, when it is saved. Bulk "Delete
    selected" goes through ``delete_queryset``, which the write layer handles
    row by row so that history keeps every deleted row.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with services.changing():
            return super().changeform_view(request, object_id, form_url, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        with services.changing():
            return super().history_form_view(request, object_id, version_id, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            with services.changing():
                return super().delete_view(request, object_id, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def delete_queryset(self, request, queryset):
        try:
            self.delete_rows(list(queryset))
        except ValidationError as exc:
            self.message_user(request, "Nothing was deleted: " + " ".join(exc.messages), messages.ERROR)

    def delete_model(self, request, obj):
        self.delete_rows([obj])

    def delete_rows(self, objs):
        raise NotImplementedError

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        if formset.model is Citation:
            services.citations_delete(citations=formset.deleted_objects)
            for citation in instances:
                services.citation_save(citation=citation)
        elif formset.model is Conflict:
            services.conflicts_delete(conflicts=formset.deleted_objects)
            for conflict in instances:
                services.conflict_save(conflict=conflict)
        else:
            for obj in formset.deleted_objects:
                obj.delete()
            for obj in instances:
                obj.save()
        formset.save_m2m()


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


class ConflictInline(SafeAutocompleteAdmin, admin.StackedInline):
    """Stacked, not tabular: a claim's statement and a note side by side made the form wider than a laptop."""

    model = Conflict
    fk_name = "from_claim"
    extra = 0
    autocomplete_fields = ["to_claim"]
    verbose_name = "conflicting claim"


def _set_published(queryset, value: bool) -> int:
    if queryset.model is Source:
        return services.sources_set_published(sources=queryset, published=value)
    return services.claims_set_published(claims=queryset, published=value)


@admin.action(description="Publish the selected items")
def publish(modeladmin, request, queryset):
    selected = queryset.count()  # before: the changelist may be filtered on the flag being changed
    changed = _set_published(queryset, True)
    modeladmin.message_user(request, f"Published {changed} of {selected} (the others already were).")


@admin.action(description="Unpublish the selected items (keep them as drafts)")
def unpublish(modeladmin, request, queryset):
    selected = queryset.count()
    changed = _set_published(queryset, False)
    modeladmin.message_user(request, f"Unpublished {changed} of {selected}; drafts are off the public site.")


@admin.register(Source)
class SourceAdmin(WriteLayerAdmin, SafeAutocompleteAdmin, EditConflictGuard, SafeHistoryAdmin):
    form = SourceAdminForm
    actions = [publish, unpublish]
    list_display = [
        "title",
        "slug",
        "publisher",
        "kind",
        "publication_date",
        "is_published",
        "derived_from",
        "file_name",
    ]
    list_filter = ["is_published", "kind", "publisher", "tags"]
    search_fields = ["title", "slug", "publisher", "author", "file_name"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["derived_from"]
    readonly_fields = ["sha256", "origin", "citation_list", "uncited_passages"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "short_title",
                    "slug",
                    "publisher",
                    "author",
                    "kind",
                    "publication_date",
                    "url",
                    "tags",
                    "notes",
                    "is_published",
                ]
            },
        ),
        ("Independence", {"fields": ["derived_from", "origin"]}),
        ("Text", {"fields": ["text", "upload", "file_name", "sha256"]}),
        ("Citations (edit them on their claims)", {"fields": ["citation_list"]}),
        ("Uncited passages", {"fields": ["uncited_passages"]}),
    ]
    inlines = [ReferenceInline, FigureInline]

    @admin.display(description="Citations of this source")
    def citation_list(self, obj):
        if obj is None or obj.pk is None:
            return "None yet."
        citations = obj.citations.select_related("claim").order_by("start", "id")
        if not citations:
            return "No claim cites this source yet."
        rows = [
            (
                reverse("admin:sources_citation_change", args=[c.pk]),
                f"{c.start}–{c.end}",
                "under review · " if c.needs_review else "",
                anchoring.shorten(c.quote, 100),
                reverse("admin:sources_claim_change", args=[c.claim_id]),
                anchoring.shorten(c.claim.statement, 80),
            )
            for c in citations
        ]
        items = format_html_join("", '<li><a href="{}">{}</a> {}“{}” for <a href="{}">{}</a></li>', rows)
        return format_html("<ol>{}</ol>", items)

    @admin.display(description="Substantive sentences no claim cites yet; the evidence assistant")
    def uncited_passages(self, obj):
        if obj is None or obj.pk is None:
            return "Save the source first."
        result = coverage(obj.text, [(c.start, c.end) for c in obj.citations.all()])
        assistant = _assistant_link(obj)
        if not result.uncited:
            return format_html(
                "<p>Every one of the {} substantive sentences is cited.</p>{}", len(result.sentences), assistant
            )
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
            "<p>{} of {} sentences cited ({}%).</p>{}<ol>{}</ol>",
            len(result.cited),
            len(result.sentences),
            f"{result.percent:.1f}",
            assistant,
            items,
        )

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        plan = services.source_save(source=obj, text_change=form.text_change)
        if plan.kept or plan.review:
            messages.info(request, f"The text changed: {len(plan.kept)} citation(s) followed it word for word.")
        for item in plan.review:
            url = reverse("admin:sources_citation_change", args=[item.citation.pk])
            messages.warning(
                request,
                format_html(
                    'Citation <a href="{}">{}</a> of claim {} needs review: {}. It now reads “{}”.',
                    url,
                    item.citation.pk,
                    item.citation.claim_id,
                    item.outcome.reason,
                    anchoring.shorten(item.outcome.quote or "", 100),
                ),
            )

    def delete_rows(self, objs):
        with services.changing():
            for source in objs:
                services.source_delete(source=source)

    def has_delete_permission(self, request, obj=None):
        """A source that claims cite may not be deleted (the database refuses it too)."""
        if obj is not None and obj.citations.exists():
            return False
        return super().has_delete_permission(request, obj)


def _assistant_link(source: Source) -> str:
    """The evidence assistant's page for the source, where that app is installed (it builds on this one)."""
    try:
        url = reverse("assistant:source", args=[source.pk])
    except NoReverseMatch:
        return ""
    return format_html(
        '<p><a href="{}"><strong>Evidence assistant</strong></a>: each sentence with the existing claims it may '
        "support or contradict, to cite it for them (or link a conflict) instead of making a near-duplicate claim."
        "</p>",
        url,
    )


class YearListFilter(admin.SimpleListFilter):
    """Claims by the year their date starts in, and the undated ones."""

    title = "year"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        return [(str(y), str(y)) for y in period.YEARS] + [("undated", "undated")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "undated":
            return queryset.filter(date_lower__isnull=True)
        if value and value.isascii() and value.isdigit():
            return queryset.filter(date_lower__year=int(value))
        return queryset


@admin.register(Claim)
class ClaimAdmin(WriteLayerAdmin, SafeAutocompleteAdmin, EditConflictGuard, SafeHistoryAdmin):
    actions = [publish, unpublish]  # and "Export selected claims as CSV", added by the exports app
    list_display = ["id", "statement", "date", "status", "published", "event"]
    list_filter = ["published", "status", YearListFilter, "tags", "citations__source", "people"]
    search_fields = ["statement", "key", "citations__quote"]
    autocomplete_fields = ["people", "event"]
    readonly_fields = ["status", "date_lower", "date_upper"]
    inlines = [CitationInline, ConflictInline]
    fieldsets = [
        # Every editable text field of the model, then the relations and the draft flag: a new text field shows.
        (
            None,
            {
                "fields": [
                    "statement",
                    *editable_text_fields(Claim, exclude=("key", "statement")),
                    "people",
                    "event",
                    "tags",
                    "published",
                ]
            },
        ),
        ("Derived", {"fields": ["status", "date_lower", "date_upper", "key"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("event")

    def save_model(self, request, obj, form, change):
        """Saving from the history of a deleted claim recovers it, with its citations and conflicts."""
        recovering = change and not Claim.objects.filter(pk=obj.pk).exists()
        obj._history_user = request.user
        services.claim_save(claim=obj)
        if recovering:
            result = recovery.recover_dependents(obj)
            messages.success(
                request,
                f"Recovered the deleted claim with {len(result.citations)} citation(s) "
                f"and {result.conflicts} conflict(s).",
            )
            for problem in result.skipped:
                messages.warning(request, f"Not recovered: {problem}.")

    def delete_rows(self, objs):
        services.claims_delete(claims=objs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        claim = form.instance
        if claim.published and not Claim.objects.filter(pk=claim.pk).filter(evidence.public_rule()).exists():
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


@admin.action(description="Accept the selected passages as they stand (reviewed)")
def accept_passages(modeladmin, request, queryset):
    accepted = services.citations_accept(citations=queryset)
    modeladmin.message_user(request, f"Accepted {accepted} passage(s); they count as evidence again.")


@admin.register(Citation)
class CitationAdmin(WriteLayerAdmin, SafeAutocompleteAdmin, EditConflictGuard, SafeHistoryAdmin):
    """Also the review queue: filter on "needs review", then accept, re-target (edit the quote) or delete."""

    actions = [accept_passages]
    list_display = ["id", "claim", "source", "start", "end", "needs_review"]
    list_filter = ["needs_review", "source"]
    search_fields = ["quote", "claim__statement"]
    autocomplete_fields = ["claim", "source"]
    list_select_related = ["claim", "source"]
    fields = ["claim", "source", "quote", "start", "end", "needs_review", "prefix", "suffix", "text_sha256"]
    readonly_fields = ["prefix", "suffix", "text_sha256"]

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        services.citation_save(citation=obj)

    def delete_rows(self, objs):
        services.citations_delete(citations=objs)


@admin.register(Conflict)
class ConflictAdmin(WriteLayerAdmin, SafeAutocompleteAdmin, EditConflictGuard, SafeHistoryAdmin):
    list_display = ["id", "from_claim", "to_claim", "note"]
    search_fields = ["note", "from_claim__statement", "to_claim__statement"]
    autocomplete_fields = ["from_claim", "to_claim"]
    list_select_related = ["from_claim", "to_claim"]

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        services.conflict_save(conflict=obj)

    def delete_rows(self, objs):
        services.conflicts_delete(conflicts=objs)


class EventWriteLayerAdmin(EventAdmin):
    """The event admin, saving through the write layer: the claims an event dates follow a change of its date.

    Registered here because ``events`` stands below ``sources`` and cannot import the write layer.
    """

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        services.event_save(event=obj)

    def delete_queryset(self, request, queryset):
        dating = queryset.filter(claims__isnull=False).distinct()
        if dating.exists():
            names = ", ".join(str(e) for e in dating[:5])
            self.message_user(request, f"Nothing was deleted: claims belong to {names}; move them first.", "error")
            return
        super().delete_queryset(request, queryset)


admin.site.unregister(Event)
admin.site.register(Event, EventWriteLayerAdmin)


@admin.register(Reference)
class ReferenceAdmin(SafeAutocompleteAdmin, EditConflictGuard, SafeHistoryAdmin):
    list_display = ["title", "source", "url"]
    search_fields = ["title", "url"]
    list_select_related = ["source"]


@admin.register(Figure)
class FigureAdmin(SafeAutocompleteAdmin, EditConflictGuard, SafeHistoryAdmin):
    list_display = ["file_name", "source", "caption"]
    search_fields = ["file_name", "caption"]
    list_select_related = ["source"]
