"""Reads of people: one method per page, owning its joins."""

from django.db import models

# Whether a claim is public is decided in sources/evidence.py and stored on the claim as ``is_public``;
# read through the reverse relation, so that this app needs nothing from ``sources``.
PUBLIC_CLAIMS = models.Q(claims__is_public=True)


def public_claim_count() -> models.Count:
    """Count only the claims the public can see, for the ``claims`` relation of a person or an event."""
    return models.Count("claims", filter=PUBLIC_CLAIMS, distinct=True)


class PersonQuerySet(models.QuerySet):
    def for_list(self):
        return self.annotate(claim_count=public_claim_count()).order_by("name")

    def for_detail(self):
        return self.prefetch_related("tags")
