"""What the site says about its evidence, decided in one place: which claims are public, and each claim's status.

The rules, written once here and stored on each claim by the write layer
(``sources/services.py``), so that every page, search, export, count and filter
reads one indexed flag instead of spelling the rule out again:

* **public**: the claim is published and a published source cites it. A citation,
  conflict or tag is public when what it joins is (``sources/querysets.py``).
* **origin**: the first source of a ``derived_from`` chain (a capture of a page,
  a copy, an excerpt, a translation). Sources with one origin are not
  independent: two captures of one web page agree because they are one text.
* **placement**: where the timeline places a claim (``timeline_date``): the
  earliest day of its own date, or, when it has none, of its event's date
  (shown "dated by its event", never as if its source gave the date).
* **status**: ``contested`` if the claim conflicts with a public claim; else
  ``corroborated`` if published sources of at least two independent origins cite
  it, not counting citations under review (their passage changed and nobody has
  checked it yet); else ``single-source``.

Everything here is set-based (a few statements, whatever the number of claims),
so the admin, the importer and the synthetic generator share one implementation.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

CHUNK = 500  # ids per statement: well inside every backend's limit on parameters


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def public_rule() -> Q:
    """A claim is public: published, and a published source cites it."""
    from .models import Citation

    return Q(published=True) & Exists(Citation.objects.filter(claim=OuterRef("pk"), source__is_published=True))


def counted_citations(ref: str = "pk"):
    """The citations that count as evidence for the claim at ``ref``: in a published source, not under review."""
    from .models import Citation

    return Citation.objects.filter(claim=OuterRef(ref), source__is_published=True, needs_review=False)


def independent_origins(ref: str = "pk"):
    """How many independent origins (published, reviewed) cite the claim at ``ref``: an integer expression."""
    counted = counted_citations(ref).values("claim").annotate(n=Count("source__origin", distinct=True)).values("n")
    return Coalesce(Subquery(counted[:1], output_field=IntegerField()), Value(0))


def status_expression():
    from .models import Claim, Conflict

    contested = Exists(Conflict.objects.filter(from_claim=OuterRef("pk"), to_claim__is_public=True))
    return Case(
        When(contested, then=Value(Claim.Status.CONTESTED)),
        When(Q(origins__gte=2), then=Value(Claim.Status.CORROBORATED)),
        default=Value(Claim.Status.SINGLE_SOURCE),
    )


def derived_statuses(claim_ids: Iterable[int] | None = None) -> dict[int, str]:
    """{claim id: the status its evidence gives}, for some claims or (None) all."""
    from .models import Claim

    queryset = Claim.objects.all() if claim_ids is None else Claim.objects.filter(pk__in=list(claim_ids))
    rows = queryset.annotate(origins=independent_origins()).annotate(derived=status_expression())
    return dict(rows.values_list("pk", "derived"))


def _scope(claim_ids: list[int] | None):
    from .models import Claim

    if claim_ids is None:
        yield Claim.objects.all()
        return
    for chunk in _chunks(claim_ids):
        yield Claim.objects.filter(pk__in=chunk)


def refresh_public(claim_ids: list[int] | None = None) -> int:
    """Store ``is_public`` where it differs from the rule; returns how many claims changed."""
    changed = 0
    for queryset in _scope(claim_ids):
        changed += queryset.filter(public_rule()).exclude(is_public=True).update(is_public=True)
        changed += queryset.exclude(public_rule()).exclude(is_public=False).update(is_public=False)
    return changed


def refresh_statuses(claim_ids: list[int] | None = None) -> int:
    """Store each status where it differs from the rule; returns how many claims changed.

    Written with ``update()`` so that a derived value never creates a history
    record of its own: history keeps what people changed.
    """
    from .models import Claim

    changes: dict[str, list[int]] = {}
    for queryset in _scope(claim_ids):
        rows = (
            queryset.annotate(origins=independent_origins())
            .annotate(derived=status_expression())
            .exclude(status=F("derived"))
            .values_list("pk", "derived")
        )
        for pk, status in rows:
            changes.setdefault(status, []).append(pk)
    for status, ids in changes.items():
        for chunk in _chunks(ids):
            Claim.objects.filter(pk__in=chunk).update(status=status)
    return sum(len(ids) for ids in changes.values())


def partners(claim_ids: Iterable[int]) -> set[int]:
    """The claims that conflict with any of ``claim_ids`` (their status depends on whether those are public)."""
    from .models import Conflict

    found: set[int] = set()
    for chunk in _chunks(list(claim_ids)):
        found.update(Conflict.objects.filter(from_claim__in=chunk).values_list("to_claim_id", flat=True))
    return found


def placement():
    """Where the timeline places a claim: its own date's lower bound, else its event's (an expression)."""
    from django.db.models.functions import Coalesce as _Coalesce

    from events.models import Event

    event_date = Subquery(Event.objects.filter(pk=OuterRef("event_id")).values("date_lower")[:1])
    return _Coalesce("date_lower", event_date)


def refresh_placement(claim_ids: list[int] | None = None) -> int:
    """Store ``timeline_date`` where it differs from the rule (one UPDATE per chunk); returns how many changed."""
    changed = 0
    for queryset in _scope(claim_ids):
        both = Q(timeline_date__isnull=False, placed__isnull=False)
        differs = queryset.annotate(placed=placement()).filter(
            (both & ~Q(timeline_date=F("placed")))
            | Q(timeline_date__isnull=True, placed__isnull=False)
            | Q(timeline_date__isnull=False, placed__isnull=True)
        )
        changed += queryset.model.objects.filter(pk__in=differs.values("pk")).update(timeline_date=placement())
    return changed


def refresh(claim_ids: Iterable[int] | None = None) -> None:
    """Bring ``is_public``, ``status`` and ``timeline_date`` of these claims (None: all) and their conflict
    partners' statuses up to date."""
    if claim_ids is None:
        refresh_public(None)
        refresh_statuses(None)
        refresh_placement(None)
        return
    ids = sorted(set(claim_ids))
    if not ids:
        return
    refresh_public(ids)
    refresh_statuses(sorted(set(ids) | partners(ids)))
    refresh_placement(ids)


def refresh_origins() -> set[int]:
    """Store every source's origin (the root of its derived-from chain); returns the ids of sources that changed.

    Sources are few (hundreds at 100,000 claims), so the chains are walked here
    rather than in recursive SQL. The admin and the importer refuse cycles
    (``Source.clean``); one that slipped in anyway is broken at its lowest id.
    """
    from .models import Source

    parent = dict(Source.objects.values_list("pk", "derived_from_id"))
    changed: set[int] = set()
    for pk, origin in Source.objects.values_list("pk", "origin_id"):
        root = _root(pk, parent)
        if origin != root:
            Source.objects.filter(pk=pk).update(origin_id=root)
            changed.add(pk)
    return changed


def _root(pk: int, parent: dict[int, int | None]) -> int:
    seen, current = [pk], pk
    while parent.get(current) is not None and parent[current] not in seen:
        current = parent[current]
        seen.append(current)
    if parent.get(current) is not None:  # a cycle: its lowest member stands as the origin of all of it
        return min(seen[seen.index(parent[current]) :])
    return current


def refresh_source_figures(source_ids: Iterable[int] | None = None) -> int:
    """Store each source's public claim and citation counts and its coverage (substantive sentences, and how
    many a public citation covers); returns how many sources changed. The sentence split is cached by the
    text's hash (sources/sentences.py), so a citation change costs one sweep over that source's passages."""
    from .models import Citation, Source
    from .sentences import coverage

    sources = Source.objects.all() if source_ids is None else Source.objects.filter(pk__in=list(source_ids))
    changed = 0
    for source in sources.only("id", "text", "claim_count", "citation_count", "sentence_count", "cited_sentence_count"):
        public = Citation.objects.public().filter(source_id=source.pk)
        spans = list(public.values_list("start", "end"))
        claims = public.values("claim_id").distinct().count()
        result = coverage(source.text, spans)
        figures = {
            "claim_count": claims,
            "citation_count": len(spans),
            "sentence_count": len(result.sentences),
            "cited_sentence_count": len(result.cited),
        }
        if any(getattr(source, name) != value for name, value in figures.items()):
            Source.objects.filter(pk=source.pk).update(**figures)
            changed += 1
    return changed


def refresh_record_counts(person_ids: Iterable[int] | None = None, event_ids: Iterable[int] | None = None) -> int:
    """Store how many public claims name each of these people and belong to each of these events (None: all);
    returns how many rows changed. The people and events lists read the stored figure: counting a page's
    claims on every request grew with the claims (25 ms for 100 people at 100,000 claims)."""
    from django.db.models import Count, Q

    from events.models import Event
    from people.models import Person

    changed = 0
    for model, ids, relation in ((Person, person_ids, "claims"), (Event, event_ids, "claims")):
        if ids is not None:
            ids = sorted(set(ids))
            if not ids:
                continue
        rows = model.objects.all() if ids is None else model.objects.filter(pk__in=ids)
        counted = rows.annotate(n=Count(relation, filter=Q(**{f"{relation}__is_public": True}), distinct=True))
        for pk, stored, n in counted.values_list("pk", "claim_count", "n"):
            if stored != n:
                model.objects.filter(pk=pk).update(claim_count=n)
                changed += 1
    return changed


def origin_groups(sources) -> list[list]:
    """Published sources grouped by origin, each group in order, for the sentence on a claim page."""
    groups: dict[int, list] = {}
    for source in sources:
        groups.setdefault(source.origin_id or source.pk, []).append(source)
    return list(groups.values())
