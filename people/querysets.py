"""Reads of people: one method per page, owning its joins."""

from django.db import models

# A claim is public when it is published and a published source cites it (sources/querysets.py);
# spelled through the reverse relations so that this app needs nothing from ``sources``.
PUBLIC_CLAIMS = models.Q(claims__published=True, claims__citations__source__is_published=True)


def public_claim_count() -> models.Count:
    """Count only the claims the public can see, for the ``claims`` relation of a person or an event."""
    return models.Count("claims", filter=PUBLIC_CLAIMS, distinct=True)


class PersonQuerySet(models.QuerySet):
    def for_list(self):
        return self.annotate(claim_count=public_claim_count()).order_by("name")

    def for_detail(self):
        return self.prefetch_related("tags")
