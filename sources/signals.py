"""Keep derived data current: the stored claim status, and (after ``migrate``) SQLite's search triggers.

The stored claim status is a derived value (a cache) that must follow when citations or conflicts go away.

A receiver rather than ``delete()`` overrides, because deletions also happen in
bulk and by cascade (deleting a claim removes its conflicts with other claims,
whose status must then drop from "contested"), and neither calls ``delete()``
on each row. Saves refresh the status in ``Citation.save`` / ``Conflict.save``.
"""

import sys

from django.db import connections
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Citation, Claim, Conflict, refresh_statuses_around


def _refresh(*claim_ids: int) -> None:
    for claim in Claim.objects.filter(pk__in=claim_ids):
        claim.refresh_status()


@receiver(post_delete, sender=Citation, dispatch_uid="citation_deleted_refresh_status")
def citation_deleted(sender, instance, **kwargs):
    # The claim may have lost its last public citation, which changes its partners' status too.
    refresh_statuses_around([instance.claim_id])


@receiver(post_delete, sender=Conflict, dispatch_uid="conflict_deleted_refresh_status")
def conflict_deleted(sender, instance, **kwargs):
    _refresh(instance.from_claim_id, instance.to_claim_id)


def repair_search_index(sender, using="default", verbosity=1, stdout=None, **kwargs):
    """After ``migrate`` on SQLite: re-create the search triggers a table rebuild dropped (sources/search.py)."""
    from .search import ensure_sqlite_index

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        repaired = ensure_sqlite_index(cursor)
    if repaired and verbosity >= 1:
        (stdout or sys.stdout).write(f"  Search index: re-created triggers and re-indexed {', '.join(repaired)}\n")
