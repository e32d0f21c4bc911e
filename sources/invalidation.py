"""Which cache tags each write touches: the writes' side of ``caching/tags.py``.

Every content model is described here (a model that is not invalidates
everything, ``caching.versioning.register``). Receivers note the objects a
write touches, by kind and id, and the coarse tags it changes (``COUNTS`` when
what counts where changes, ``REMOVALS`` for an unpublishing or a deletion);
at the end of the batch the resolvers below turn the objects into tags with
the data as the batch left it, a handful of queries for any number of rows.
Before a save, the old row's placement (its year, its event, its slug) is
read, so that the pages that showed the old state are invalidated too.

A claim is shown on its own page, its people's, its event's, its sources' and
its themes' pages, its conflict partners' pages, its year and every list of
claims; a person, event, source or theme on its own page and, by name, in the
catalog of every list.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from taggit.models import Tag, TaggedItem

from caching import tags as T
from caching import versioning
from events.models import Event
from people.models import Person

from .models import Citation, Claim, Conflict, Figure, Position, Reference, Source

CHUNK = 500
# What counts where: a change of one of these fields moves a claim between lists, years, statuses or totals.
CLAIM_COUNTED = ("published", "is_public", "date", "date_lower", "date_upper", "event_id", "status", "timeline_date")


def _chunks(ids):
    ids = sorted(ids)
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def claim_tags(ids) -> set[str]:
    """Everything that shows these claims (rows already deleted give just their own tag)."""
    if not ids:
        return set()
    out = {T.CLAIMS} | {T.claim(pk) for pk in ids}
    claim_type = ContentType.objects.get_for_model(Claim)
    for chunk in _chunks(ids):
        for day, event in Claim.objects.filter(pk__in=chunk).values_list("timeline_date", "event__slug"):
            out.update(T.years_of(day.year if day else None))
            if event:
                out.add(T.event(event))
        people = Claim.people.through.objects.filter(claim_id__in=chunk).values_list("person__slug", flat=True)
        out.update(T.person(slug) for slug in people)
        out.update(
            T.source(slug)
            for slug in Citation.objects.filter(claim_id__in=chunk).values_list("source__slug", flat=True)
        )
        themes = TaggedItem.objects.filter(content_type=claim_type, object_id__in=chunk).values_list(
            "tag__slug", flat=True
        )
        out.update(T.theme(slug) for slug in themes)
        partners = set(Conflict.objects.filter(from_claim_id__in=chunk).values_list("to_claim_id", flat=True))
        if partners:
            out.update({T.CONFLICTS, *(T.claim(pk) for pk in partners)})
        if Position.claims.through.objects.filter(claim_id__in=chunk).exists():
            out.add(T.POSITIONS)
    return out


def _slugs(model, make):
    def resolve(ids) -> set[str]:
        out = set()
        for chunk in _chunks(ids):
            out.update(make(slug) for slug in model.objects.filter(pk__in=chunk).values_list("slug", flat=True))
        return out

    return resolve


RESOLVERS = {
    "claim": claim_tags,
    "person": _slugs(Person, T.person),
    "event": _slugs(Event, T.event),
    "source": _slugs(Source, T.source),
    "theme": _slugs(Tag, T.theme),
}

# --------------------------------------------------------------------------- before a save: the old state


def _remember(sender, instance, raw=False, **kwargs):
    """The row as it was (None for a new one), read once before the save."""
    fields = BEFORE.get(sender)
    if fields is None or instance.pk is None or raw:
        instance._kb_before = None
        return
    instance._kb_before = sender.objects.filter(pk=instance.pk).values(*fields).first()


BEFORE = {
    Claim: ("timeline_date", "event__slug", *CLAIM_COUNTED),
    Person: ("slug",),
    Event: ("slug", "date_lower"),
    Source: ("slug", "is_published"),
    Citation: ("claim_id", "source__slug", "needs_review", "start", "end"),
    Tag: ("slug",),
}


def _before(instance) -> dict | None:
    return getattr(instance, "_kb_before", None)


# --------------------------------------------------------------------------- saves and deletions


def _claim_saved(instance, created, **kwargs):
    before = _before(instance)
    tags = set()
    if created or before is None:
        tags.add(T.COUNTS)
    else:
        day = before["timeline_date"]
        tags.update(T.years_of(day.year if day else None))
        if before["event__slug"]:
            tags.add(T.event(before["event__slug"]))
        if any(before[f] != getattr(instance, f) for f in CLAIM_COUNTED):
            tags.add(T.COUNTS)
        if before["published"] and not instance.published:
            tags.add(T.REMOVALS)
    versioning.invalidate(*tags, claim=[instance.pk])


def _claim_deleted(instance, **kwargs):
    # Before the row goes: what showed it, read while its links still exist.
    versioning.invalidate(*claim_tags([instance.pk]), T.COUNTS, T.REMOVALS)


def _citation_saved(instance, created, **kwargs):
    before = _before(instance)
    tags = {T.COUNTS}
    claims = [instance.claim_id]
    if before is not None:
        claims.append(before["claim_id"])
        tags.add(T.source(before["source__slug"]))
        if (before["start"], before["end"], before["needs_review"]) == (
            instance.start,
            instance.end,
            instance.needs_review,
        ) and before["claim_id"] == instance.claim_id:
            tags.discard(T.COUNTS)  # a quote's text corrected in place counts nowhere differently
    versioning.invalidate(*tags, claim=claims, source=[instance.source_id])


def _citation_deleted(instance, **kwargs):
    versioning.invalidate(T.COUNTS, T.claim(instance.claim_id), claim=[instance.claim_id], source=[instance.source_id])


def _conflict_changed(instance, **kwargs):
    versioning.invalidate(T.CONFLICTS, T.COUNTS, claim=[instance.from_claim_id, instance.to_claim_id])


def _position_changed(instance, **kwargs):
    versioning.invalidate(T.POSITIONS)


def _record_saved(kind, make):
    """A person, an event, a source or a theme: its own page, and its name in every list (the catalog)."""

    def receiver(instance, created, **kwargs):
        before = _before(instance)
        tags = {T.CATALOG, make(instance.slug)}
        if created or before is None:
            tags.add(T.COUNTS)
        else:
            tags.add(make(before["slug"]))
        if kind == "event":
            old = before["date_lower"] if before else None
            if old != instance.date_lower:
                tags.update({T.COUNTS, *T.years_of(old.year if old else None)})
            tags.update(T.years_of(instance.date_lower.year if instance.date_lower else None))
        if kind == "source" and before is not None and before["is_published"] != instance.is_published:
            tags.add(T.COUNTS)
            if not instance.is_published:
                tags.add(T.REMOVALS)
            claims = set(Citation.objects.filter(source_id=instance.pk).values_list("claim_id", flat=True))
            versioning.invalidate(*tags, claim=claims)
            return
        versioning.invalidate(*tags)

    return receiver


def _record_deleted(kind, make):
    def receiver(instance, **kwargs):
        tags = {T.CATALOG, T.COUNTS, T.REMOVALS, make(instance.slug)}
        if kind == "event":
            tags.update(T.years_of(instance.date_lower.year if instance.date_lower else None))
        versioning.invalidate(*tags)

    return receiver


def _source_part_changed(instance, **kwargs):
    """A source's reference or figure: its page."""
    versioning.invalidate(source=[instance.source_id])


def _tagged_item_changed(instance, **kwargs):
    """A theme put on or taken off anything (taggit also sends ``m2m_changed``; either is enough)."""
    claim_type = ContentType.objects.get_for_model(Claim)
    objects = {"theme": [instance.tag_id]}
    if instance.content_type_id == claim_type.pk:
        objects["claim"] = [instance.object_id]
        versioning.invalidate(T.COUNTS, T.claim(instance.object_id), **objects)
    else:
        versioning.invalidate(T.COUNTS, T.CATALOG, **objects)


# --------------------------------------------------------------------------- many-to-many links


KINDS = {Claim: "claim", Person: "person", Event: "event", Source: "source", Tag: "theme", Position: "position"}


def _linked(sender, instance, action, model, pk_set, **kwargs):
    """People on claims and events, themes on anything, claims under positions, in either direction."""
    if action == "pre_clear":  # the links about to go: a clear sends no ids afterwards
        instance._kb_cleared = _linked_ids(sender, instance, model)
        return
    if not action.startswith("post_"):
        return
    ids = set(pk_set or ()) if action != "post_clear" else getattr(instance, "_kb_cleared", set())
    this, other = KINDS.get(type(instance)), KINDS.get(model)
    if this is None or other is None:
        return
    if "position" in (this, other):
        versioning.invalidate(T.POSITIONS)
        return
    tags = {T.COUNTS}
    if "claim" not in (this, other):
        tags.add(T.CATALOG)  # people on events, themes on people, events and sources: shown by name in lists
    objects: dict[str, set] = {this: {instance.pk}}
    objects.setdefault(other, set()).update(ids)
    versioning.invalidate(*tags, **objects)


def _linked_ids(sender, instance, model) -> set:
    if model is Tag:
        return set(instance.tags.values_list("pk", flat=True))
    mine = next(f.attname for f in sender._meta.fields if f.related_model is type(instance))
    theirs = next(f.attname for f in sender._meta.fields if f.related_model is model)
    return set(sender.objects.filter(**{mine: instance.pk}).values_list(theirs, flat=True))


def connect() -> None:
    versioning.resolvers.update(RESOLVERS)
    versioning.resolvers["position"] = lambda ids: {T.POSITIONS}
    models = [Claim, Citation, Conflict, Position, Person, Event, Source, Reference, Figure, Tag, TaggedItem]
    versioning.register(*models)
    for model in BEFORE:
        pre_save.connect(_remember, sender=model, dispatch_uid=f"kb_before_{model.__name__}")
    handlers = [
        (post_save, Claim, _claim_saved),
        (pre_delete, Claim, _claim_deleted),
        (post_save, Citation, _citation_saved),
        (post_delete, Citation, _citation_deleted),
        (post_save, Conflict, _conflict_changed),
        (post_delete, Conflict, _conflict_changed),
        (post_save, Position, _position_changed),
        (post_delete, Position, _position_changed),
        (post_save, Reference, _source_part_changed),
        (post_delete, Reference, _source_part_changed),
        (post_save, Figure, _source_part_changed),
        (post_delete, Figure, _source_part_changed),
        (post_save, TaggedItem, _tagged_item_changed),
        (post_delete, TaggedItem, _tagged_item_changed),
    ]
    for kind, model, make in (("person", Person, T.person), ("event", Event, T.event), ("source", Source, T.source)):
        handlers += [(post_save, model, _record_saved(kind, make)), (post_delete, model, _record_deleted(kind, make))]
    handlers += [
        (post_save, Tag, _record_saved("theme", T.theme)),
        (post_delete, Tag, _record_deleted("theme", T.theme)),
    ]
    for i, (signal, model, handler) in enumerate(handlers):
        signal.connect(handler, sender=model, weak=False, dispatch_uid=f"kb_cache_{i}")
    m2m_changed.connect(_linked, weak=False, dispatch_uid="kb_cache_links")
