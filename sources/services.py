"""The write layer: every change to evidence goes through these functions, whichever path makes it.

The admin (change forms, inlines, changelist actions, history revert and
recovery), the importer, publishing and the synthetic generator all write
sources, claims, citations and conflicts here, so the invariants hold after
every one of them:

1. every conflict is stored both ways with one note;
2. every claim's stored ``is_public`` and ``status`` equal what its evidence gives
   (``sources/evidence.py``), and every source's ``origin`` is the root of its
   derived-from chain;
3. every citation's quote stands at its offsets in its source's text, with the
   context and text hash it was verified against; when a source text changes,
   each citation follows it only where that is certain, is flagged
   ``needs_review`` where it is not, and the change is refused where the passage
   is gone.

Each function takes keyword arguments, validates with ``full_clean()`` and runs
in one transaction. Nested calls join one *batch* (``changing()``): the derived
values of every claim the batch touched are refreshed once, set-based, when the
outermost call finishes, still inside its transaction. Model signals only
invalidate caches (``sources/invalidation.py``), except one: people put on or
taken off a claim by any path join the batch, so that their counts follow.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import m2m_changed

from caching import tags as T
from caching import versioning

from . import anchoring, evidence
from .models import Citation, Claim, Conflict, Source, text_sha256

# --------------------------------------------------------------------------- batches


@dataclass
class Touched:
    """What a batch of writes changed: the claims whose derived values must be refreshed."""

    claims: set[int] = field(default_factory=set)
    sources: set[int] = field(default_factory=set)  # whose counts and coverage may have changed
    people: set[int] = field(default_factory=set)  # whose claim counts may have changed (besides the claims')
    events: set[int] = field(default_factory=set)
    all_claims: bool = False
    origins: bool = False


_state = threading.local()


@contextmanager
def changing():
    """One batch of evidence writes: one transaction, and one refresh of derived values at its end."""
    touched = getattr(_state, "touched", None)
    if touched is not None:  # nested: the outermost batch refreshes
        with transaction.atomic():
            yield touched
        return
    touched = _state.touched = Touched()
    try:
        with transaction.atomic(), versioning.one_bump():
            yield touched
            _refresh(touched)
    finally:
        _state.touched = None


def _refresh(touched: Touched) -> None:
    if touched.origins:
        moved = evidence.refresh_origins()
        if moved:
            touched.claims.update(Citation.objects.filter(source__in=moved).values_list("claim_id", flat=True))
    if touched.all_claims:
        evidence.refresh(None)
        evidence.refresh_source_figures(None)
        evidence.refresh_record_counts(None, None)
        versioning.invalidate(T.ALL)
        return
    evidence.refresh(touched.claims)
    sources, people, events = set(touched.sources), set(touched.people), set(touched.events)
    claims = sorted(touched.claims)
    for i in range(0, len(claims), evidence.CHUNK):
        chunk = claims[i : i + evidence.CHUNK]
        sources.update(Citation.objects.filter(claim__in=chunk).values_list("source_id", flat=True))
        people.update(Claim.people.through.objects.filter(claim__in=chunk).values_list("person_id", flat=True))
        events.update(Claim.objects.filter(pk__in=chunk, event__isnull=False).values_list("event_id", flat=True))
    if sources:
        evidence.refresh_source_figures(sources)
    if people or events:
        evidence.refresh_record_counts(people, events)
    # Derived values are written in bulk (no signals): the pages showing these claims and sources are stale.
    versioning.invalidate(claim=touched.claims, source=sources)


def _people_linked(sender, instance, action, model, pk_set, **kwargs):
    """People put on or taken off claims, by any path (the admin's form, the importer, a shell): their counts
    follow, in the batch that made the change or in a batch of their own."""
    if action == "pre_clear":
        instance._kb_people_before = set(
            Claim.people.through.objects.filter(
                **({"claim_id": instance.pk} if isinstance(instance, Claim) else {"person_id": instance.pk})
            ).values_list("person_id" if isinstance(instance, Claim) else "claim_id", flat=True)
        )
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    ids = set(pk_set or ()) if action != "post_clear" else getattr(instance, "_kb_people_before", set())
    with changing() as touched:
        if isinstance(instance, Claim):
            touched.people.update(ids)
        else:  # person.claims.add(...): the person's own count
            touched.people.add(instance.pk)


def connect_signals() -> None:
    m2m_changed.connect(_people_linked, sender=Claim.people.through, dispatch_uid="kb_people_counts")


def refresh_everything() -> None:
    """Recompute every derived value (after a bulk load that bypassed the functions below)."""
    with changing() as touched:
        touched.origins = True
        touched.all_claims = True


# --------------------------------------------------------------------------- sources


@dataclass
class Followed:
    """What a source text change does to one citation (see ``anchoring.follow``)."""

    citation: Citation
    outcome: anchoring.Followed


@dataclass
class TextChange:
    """The plan for a source's new text: each citation kept, flagged for review, or refusing the change."""

    kept: list[Followed] = field(default_factory=list)
    review: list[Followed] = field(default_factory=list)
    refused: list[Followed] = field(default_factory=list)

    def error(self) -> ValidationError:
        lines = []
        for item in self.refused:
            c = item.citation
            line = f"citation {c.pk} of claim {c.claim_id} ({anchoring.shorten(c.quote, 80)!r})"
            if item.outcome.closest:
                line += f": the closest passage now is {anchoring.shorten(item.outcome.closest, 80)!r}"
            else:
                line += ": nothing like it is left in the text"
            lines.append(line)
        return ValidationError(
            "The new text would break citations; nothing was saved. Keep the cited passages, or edit or delete "
            "those citations first: " + "; ".join(lines),
            code="citations_broken",
        )


def plan_text_change(source: Source, new_text: str, *, old_text: str | None = None) -> TextChange:
    """How every citation of ``source`` would follow a change of its text to ``new_text`` (nothing written)."""
    plan = TextChange()
    if source.pk is None:
        return plan
    if old_text is None:
        old_text = Source.objects.filter(pk=source.pk).values_list("text", flat=True).first()
        if old_text is None:  # a deleted source being recovered from its history: no citations to follow yet
            return plan
    if old_text == new_text:
        return plan
    old_sha = text_sha256(old_text)
    for citation in Citation.objects.filter(source_id=source.pk).order_by("start", "id"):
        # The stored context is the one the quote was verified in, if it was verified against this text.
        context = (citation.prefix, citation.suffix) if citation.text_sha256 == old_sha else (None, None)
        outcome = anchoring.follow(old_text, new_text, citation.quote, citation.start, *context)
        getattr(plan, outcome.outcome).append(Followed(citation, outcome))
    return plan


def source_save(*, source: Source, text_change: TextChange | None = None) -> TextChange:
    """Create or change a source; a changed text takes its citations along (see ``plan_text_change``).

    Raises ValidationError (nothing written) when the fields are invalid or the
    new text loses a cited passage. Returns what happened to each citation.
    """
    source.full_clean()
    with changing() as touched:
        previous = (
            Source.objects.filter(pk=source.pk).values("text", "is_published", "derived_from_id", "origin_id").first()
            if source.pk is not None
            else None
        )
        plan = TextChange()
        if previous is not None and previous["text"] != source.text:
            plan = (
                text_change
                if text_change is not None
                else plan_text_change(source, source.text, old_text=previous["text"])
            )
            if plan.refused:
                raise plan.error()
        if previous is not None:
            source.origin_id = previous["origin_id"]  # derived: never written back from a stale instance
        source.save()
        for item in plan.kept + plan.review:
            citation, outcome = item.citation, item.outcome
            citation.start, citation.end, citation.quote = outcome.start, outcome.end, outcome.quote
            citation.source = source
            citation.needs_review = citation.needs_review or outcome.outcome == anchoring.REVIEW
            citation.verified_context(source.text)
            citation.save()
        touched.origins = True  # a handful of sources: cheap, and no path can leave an origin stale
        touched.sources.add(source.pk)
        if previous is not None and (previous["is_published"] != source.is_published or plan.review):
            touched.claims.update(Citation.objects.filter(source=source).values_list("claim_id", flat=True))
    return plan


def sources_set_published(*, sources, published: bool) -> int:
    """Publish or unpublish many sources; returns how many changed."""
    with changing() as touched:
        ids = list(sources.exclude(is_published=published).values_list("pk", flat=True))
        for source in Source.objects.filter(pk__in=ids):
            source.is_published = published
            source.save(update_fields=["is_published", "updated_at"])
        touched.claims.update(Citation.objects.filter(source__in=ids).values_list("claim_id", flat=True))
    return len(ids)


def source_delete(*, source: Source) -> None:
    """Delete a source that no claim cites and no source derives from (the database refuses it otherwise)."""
    if source.citations.exists():
        raise ValidationError(f"“{source}” is cited by claims: delete or move those citations first.")
    if source.derivatives.exists():
        raise ValidationError(f"Other sources derive from “{source}”: change their “derived from” first.")
    with changing() as touched:
        source.delete()
        touched.origins = True


# --------------------------------------------------------------------------- events


def event_save(*, event) -> None:
    """Create or change an event; the timeline places its undated claims by its date, so they follow."""
    event.full_clean()
    with changing() as touched:
        event.save()
        touched.claims.update(event.claims.values_list("pk", flat=True))


# --------------------------------------------------------------------------- claims


def claim_save(*, claim: Claim) -> Claim:
    """Create or change a claim's own fields (publishing included)."""
    claim.full_clean(exclude=["key"] if claim.key is None else None)
    with changing() as touched:
        if claim.pk is not None:  # the event it leaves counts one claim less
            touched.events.update(
                Claim.objects.filter(pk=claim.pk, event__isnull=False).values_list("event_id", flat=True)
            )
        claim.save()
        touched.claims.add(claim.pk)
    return claim


def claims_set_published(*, claims, published: bool) -> int:
    """Publish or unpublish many claims; returns how many changed."""
    with changing() as touched:
        ids = list(claims.exclude(published=published).values_list("pk", flat=True))
        for claim in Claim.objects.filter(pk__in=ids):
            claim.published = published
            claim.save(update_fields=["published", "updated_at"])
        touched.claims.update(ids)
    return len(ids)


def claims_delete(*, claims: Iterable[Claim]) -> int:
    """Delete claims with their citations and conflicts (both directions); their partners' statuses follow."""
    with changing() as touched:
        count = 0
        for claim in claims:
            pk = claim.pk
            partners = list(Conflict.objects.filter(from_claim=claim).values_list("to_claim_id", flat=True))
            # One by one, so that each row's deletion is kept in the history (recoverable).
            for link in Conflict.objects.filter(from_claim=claim) | Conflict.objects.filter(to_claim=claim):
                link.delete()
            for citation in claim.citations.all():
                touched.sources.add(citation.source_id)
                citation.delete()
            touched.people.update(claim.people.values_list("pk", flat=True))
            if claim.event_id:
                touched.events.add(claim.event_id)
            claim.delete()
            touched.claims.discard(pk)
            touched.claims.update(partners)
            count += 1
    return count


def claim_delete(*, claim: Claim) -> None:
    claims_delete(claims=[claim])


# --------------------------------------------------------------------------- citations


def citation_save(*, citation: Citation, reviewed: bool | None = None) -> Citation:
    """Create a citation, or change it: a new quote or offset, or a move to another claim or source.

    The quote is anchored in its source's text (``Citation.clean``) and its
    context recorded. The review flag changes only when told: ``reviewed=True``
    clears it (an editor checked the passage, or the fixtures' curators did),
    ``reviewed=False`` sets it; by default the citation keeps the flag it carries
    (a moved, re-anchored or recovered passage is never reviewed by accident).
    """
    previous = None
    if citation.pk is not None:
        previous = Citation.objects.filter(pk=citation.pk).values("claim_id", "source_id").first()
    citation.full_clean(validate_constraints=True)
    with changing() as touched:
        if reviewed is not None:
            citation.needs_review = not reviewed
        citation.verified_context(citation.source.text)
        citation.save()
        touched.claims.add(citation.claim_id)
        touched.sources.add(citation.source_id)
        if previous is not None:
            touched.claims.add(previous["claim_id"])
            touched.sources.add(previous["source_id"])
    return citation


def citations_accept(*, citations) -> int:
    """Mark citations under review as checked, as they stand; returns how many were flagged."""
    with changing() as touched:
        count = 0
        for citation in citations.filter(needs_review=True).select_related("source"):
            citation.needs_review = False
            citation.verified_context(citation.source.text)
            citation.save()
            touched.claims.add(citation.claim_id)
            count += 1
    return count


def citations_delete(*, citations: Iterable[Citation]) -> int:
    with changing() as touched:
        count = 0
        for citation in citations:
            touched.claims.add(citation.claim_id)
            touched.sources.add(citation.source_id)
            citation.delete()
            count += 1
    return count


def citation_delete(*, citation: Citation) -> None:
    citations_delete(citations=[citation])


# --------------------------------------------------------------------------- conflicts


def conflict_save(*, conflict: Conflict) -> Conflict:
    """Create a conflict, change its note, or re-point it at other claims; the mirror follows, always.

    Re-pointing removes the old pair in both directions. Declaring a pair that
    already exists (either way round) updates that pair's note.
    """
    conflict.full_clean(validate_unique=False, validate_constraints=False)
    if conflict.from_claim_id == conflict.to_claim_id:
        raise ValidationError("A claim cannot conflict with itself.")
    with changing() as touched:
        if conflict.pk is not None:
            old = Conflict.objects.filter(pk=conflict.pk).values("from_claim_id", "to_claim_id").first()
            if old is not None and (old["from_claim_id"], old["to_claim_id"]) != (
                conflict.from_claim_id,
                conflict.to_claim_id,
            ):
                _delete_pair(old["from_claim_id"], old["to_claim_id"], touched, keep=conflict.pk)
        clash = (
            Conflict.objects.filter(from_claim_id=conflict.from_claim_id, to_claim_id=conflict.to_claim_id)
            .exclude(pk=conflict.pk)
            .first()
        )
        if clash is not None:  # the pair exists already: it takes this note, and this row goes
            if conflict.pk is not None:
                Conflict.objects.get(pk=conflict.pk).delete()
            clash.note = conflict.note
            conflict = clash
        conflict.save()
        mirror = Conflict.objects.filter(from_claim_id=conflict.to_claim_id, to_claim_id=conflict.from_claim_id).first()
        if mirror is None:
            Conflict(from_claim_id=conflict.to_claim_id, to_claim_id=conflict.from_claim_id, note=conflict.note).save()
        elif mirror.note != conflict.note:
            mirror.note = conflict.note
            mirror.save()
        touched.claims.update((conflict.from_claim_id, conflict.to_claim_id))
    return conflict


def _delete_pair(a: int, b: int, touched: Touched, keep: int | None = None) -> None:
    for link in Conflict.objects.filter(from_claim_id=a, to_claim_id=b) | Conflict.objects.filter(
        from_claim_id=b, to_claim_id=a
    ):
        if link.pk == keep:
            continue
        link.delete()
    touched.claims.update((a, b))


def conflicts_delete(*, conflicts: Iterable[Conflict]) -> int:
    """Delete conflicts, each with its mirror; returns how many pairs."""
    with changing() as touched:
        pairs = {frozenset((c.from_claim_id, c.to_claim_id)) for c in conflicts}
        for pair in pairs:
            a, b = sorted(pair)
            _delete_pair(a, b, touched)
    return len(pairs)


def conflict_delete(*, conflict: Conflict) -> None:
    conflicts_delete(conflicts=[conflict])
