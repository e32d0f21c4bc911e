"""Reads of people: one method per page, owning its joins."""

from django.db import models

# Whether a claim is public is decided in sources/evidence.py and stored on the claim as ``is_public``;
# read through the reverse relation, so that this app needs nothing from ``sources``.
PUBLIC_CLAIMS = models.Q(claims__is_public=True)


def public_claim_count() -> models.Count:
    """Count only the claims the public can see, for the ``claims`` relation of a person or an event."""
    return models.Count("claims", filter=PUBLIC_CLAIMS, distinct=True)


def with_page_counts(objects: list) -> list:
    """Set ``claim_count`` on the objects of one page (people or events): one grouped query over their ids, so a
    list page costs the same with 100 claims or 100,000 (counting every row before paging took seconds)."""
    if not objects:
        return objects
    model = type(objects[0])
    counts = dict(
        model.objects.filter(pk__in=[o.pk for o in objects]).annotate(n=public_claim_count()).values_list("pk", "n")
    )
    for obj in objects:
        obj.claim_count = counts.get(obj.pk, 0)
    return objects


class PersonQuerySet(models.QuerySet):
    def for_list(self):
        return self.order_by("name", "pk")

    def for_detail(self):
        return self.prefetch_related("tags")
