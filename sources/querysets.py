"""Reads of sources and claims: small chainable filters, and one method per page owning its joins.

Views never add ``select_related`` / ``prefetch_related`` of their own: a page's
query count is decided here, where a test pins it.
"""

from django.db import models
from django.db.models import Count, Prefetch


class SourceQuerySet(models.QuerySet):
    def with_claim_counts(self):
        return self.annotate(
            claim_count=Count("citations__claim", distinct=True),
            citation_count=Count("citations", distinct=True),
        )


class ClaimQuerySet(models.QuerySet):
    def dated(self):
        return self.filter(date_lower__isnull=False)

    def undated(self):
        return self.filter(date_lower__isnull=True)

    def chronological(self):
        return self.order_by(models.F("date_lower").asc(nulls_last=True), "date_upper", "id")

    def with_citations(self):
        from .models import Citation

        return self.prefetch_related(
            Prefetch("citations", queryset=Citation.objects.select_related("source").order_by("source__slug", "start"))
        )

    def for_list(self):
        """Claims with everything a list row shows: event, people, tags, citations and their sources."""
        return self.select_related("event").prefetch_related("people", "tags").with_citations().chronological()
