"""Reads of people: one method per page, owning its joins."""

from django.db import models


class PersonQuerySet(models.QuerySet):
    def for_list(self):
        return self.defer("bio").order_by("name", "pk")  # the cards show names, dates, aliases and counts

    def for_detail(self):
        return self.prefetch_related("tags")
