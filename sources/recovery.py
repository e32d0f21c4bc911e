"""Recovering a deleted claim from its history, with the citations and conflicts deleted along with it.

django-simple-history keeps a "-" record of every deleted row. Reverting a
deleted claim in the admin (its history page, then "Revert") re-creates the
claim; this module then re-creates the citations and conflicts that went with
it by cascade, checking each citation still matches its source's text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from . import services
from .models import Citation, Claim, Conflict


@dataclass
class Recovered:
    citations: list[Citation] = field(default_factory=list)
    conflicts: int = 0
    skipped: list[str] = field(default_factory=list)  # why a citation or conflict could not come back


def _last_deleted(history, **lookup):
    """The last record of each deleted row matching ``lookup``: {row id: historical record}."""
    records = {}
    for record in history.filter(history_type="-", **lookup).order_by("history_date"):
        records[record.id] = record
    return records


def recover_dependents(claim: Claim) -> Recovered:
    """Re-create the deleted citations and conflicts of a claim that has just been re-created."""
    result = Recovered()
    for citation_id, record in _last_deleted(Citation.history, claim_id=claim.pk).items():
        if Citation.objects.filter(pk=citation_id).exists():
            continue
        citation = record.instance
        try:
            with services.changing():
                services.citation_save(citation=citation)  # its review flag comes back as it was
        except (ValidationError, Citation.source.RelatedObjectDoesNotExist) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else ["its source no longer exists"]
            result.skipped.append(f"citation {citation_id} ({citation.quote[:60]!r}): {'; '.join(messages)}")
            continue
        result.citations.append(citation)
    for record in _last_deleted(Conflict.history, from_claim_id=claim.pk).values():
        if Conflict.objects.filter(from_claim_id=claim.pk, to_claim_id=record.to_claim_id).exists():
            continue
        if not Claim.objects.filter(pk=record.to_claim_id).exists():
            result.skipped.append(f"conflict with claim {record.to_claim_id}: that claim no longer exists")
            continue
        services.conflict_save(
            conflict=Conflict(from_claim_id=claim.pk, to_claim_id=record.to_claim_id, note=record.note)
        )
        result.conflicts += 1
    with services.changing() as touched:
        touched.claims.add(claim.pk)
    return result
