"""Reads of people: one method per page, owning its joins."""

from django.db import models


class PersonQuerySet(models.QuerySet):
    def for_list(self):
        # the cards show names, dates, aliases and counts: only those are read (a row costs its fields' decoding)
        return self.only("name", "slug", "aliases", "born", "died", "claim_count").order_by("name", "pk")

    def for_detail(self):
        return self.prefetch_related("tags")
