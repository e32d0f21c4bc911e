"""Reads of events: one method per page, owning its joins."""

from django.db import models


class EventQuerySet(models.QuerySet):
    def chronological(self):
        return self.order_by(models.F("date_lower").asc(nulls_last=True), "date_upper", "title")

    def turning_points(self):
        return self.filter(turning_point=True)

    def for_list(self):
        """The events list: title, date and the stored claim count (no people or themes: the list shows none)."""
        return self.chronological()

    def for_timeline(self):
        return self.chronological()

    def for_detail(self):
        return self.prefetch_related("people", "tags")
