"""Reads of events: one method per page, owning its joins."""

from django.db import models


class EventQuerySet(models.QuerySet):
    def chronological(self):
        return self.order_by(models.F("date_lower").asc(nulls_last=True), "date_upper", "title")

    def turning_points(self):
        return self.filter(turning_point=True)

    def for_list(self):
        """The events list: counts are added for one page at a time (``with_page_counts``)."""
        return self.prefetch_related("people", "tags").chronological()

    def for_timeline(self):
        return self.chronological()

    def for_detail(self):
        return self.prefetch_related("people", "tags")
