"""Reads of events: one method per page, owning its joins."""

from django.db import models

from people.querysets import public_claim_count


class EventQuerySet(models.QuerySet):
    def chronological(self):
        return self.order_by(models.F("date_lower").asc(nulls_last=True), "date_upper", "title")

    def turning_points(self):
        return self.filter(turning_point=True)

    def for_list(self):
        return self.prefetch_related("people", "tags").annotate(claim_count=public_claim_count()).chronological()

    def for_timeline(self):
        return self.chronological()

    def for_detail(self):
        return self.prefetch_related("people", "tags")
