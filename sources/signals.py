"""Keep the stored claim status (a derived value, i.e. a cache) current when citations or conflicts go away.

A receiver rather than ``delete()`` overrides, because deletions also happen in
bulk and by cascade (deleting a claim removes its conflicts with other claims,
whose status must then drop from "contested"), and neither calls ``delete()``
on each row. Saves refresh the status in ``Citation.save`` / ``Conflict.save``.
"""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Citation, Claim, Conflict


def _refresh(*claim_ids: int) -> None:
    for claim in Claim.objects.filter(pk__in=claim_ids):
        claim.refresh_status()


@receiver(post_delete, sender=Citation, dispatch_uid="citation_deleted_refresh_status")
def citation_deleted(sender, instance, **kwargs):
    _refresh(instance.claim_id)


@receiver(post_delete, sender=Conflict, dispatch_uid="conflict_deleted_refresh_status")
def conflict_deleted(sender, instance, **kwargs):
    _refresh(instance.from_claim_id, instance.to_claim_id)
