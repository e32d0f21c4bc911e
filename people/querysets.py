"""Reads of people: one method per page, owning its joins."""

from django.db import models


class PersonQuerySet(models.QuerySet):
    def for_list(self):
        return self.annotate(claim_count=models.Count("claims", distinct=True)).order_by("name")

    def for_detail(self):
        return self.prefetch_related("tags")
