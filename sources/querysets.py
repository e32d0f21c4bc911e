"""Reads of sources and claims: small chainable filters, and one method per page owning its joins.

Views never add ``select_related`` / ``prefetch_related`` of their own: a page's
query count is decided here, where a test pins it.

Publishing: ``public()`` on each queryset is what every public page, search and
export starts from. Whether a claim is public is decided by one rule
(``sources/evidence.py``) and stored in ``Claim.is_public`` by the write layer;
everything else here follows from that flag and ``Source.is_published``: a
citation is public when its claim is public and its source published, a
conflict when both its claims are public, a tag when something public carries
it. The ``for_*`` methods filter what they prefetch the same way.
"""

from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q


def public_citations():
    """Citations the public may see: in a published source, for a public claim."""
    from .models import Citation

    return Citation.objects.public()


def cited_passages():
    """Public citations with their source, but not the source's text: a source page needs the text,
    a list of claims only the source's name (and a synthetic source's text is 45 kB)."""
    return public_citations().select_related("source").defer("source__text", "source__notes")


def public_claim(ref: str) -> Q:
    """The claim at ``ref`` (a foreign key of the queried model) is public."""
    return Q(**{f"{ref}__is_public": True})


def public_tags():
    """Tags that something public carries: a public claim, a published source, a person or an event.

    A tag used only by drafts is not public: it appears in no filter, list or page.
    """
    from taggit.models import Tag, TaggedItem

    from events.models import Event
    from people.models import Person

    from .models import Claim, Source

    public_ids = {
        Claim: Claim.objects.filter(is_public=True, pk=OuterRef("object_id")),
        Source: Source.objects.filter(is_published=True, pk=OuterRef("object_id")),
    }
    carried = Q()
    for model in (Claim, Source, Person, Event):
        # The content type by name, joined in SQL: no lookup query of its own on a cold start.
        kind = {"content_type__app_label": model._meta.app_label, "content_type__model": model._meta.model_name}
        items = TaggedItem.objects.filter(tag=OuterRef(OuterRef("pk")), **kind)
        if model in public_ids:
            items = items.filter(Exists(public_ids[model]))
        carried |= Q(Exists(items))
    return Tag.objects.filter(carried)


class SourceQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_published=True)

    def for_list(self):
        """The sources list: what its rows show, the stored counts and coverage (not the texts: a row costs its
        fields' decoding)."""
        return self.only(
            "title",
            "short_title",
            "slug",
            "publisher",
            "kind",
            "file_name",
            "claim_count",
            "citation_count",
            "sentence_count",
            "cited_sentence_count",
        ).order_by("file_name", "slug")

    def for_reading(self):
        """The source page: the text, its references and figures, every public citation with its claim."""
        return self.prefetch_related(
            "references",
            "figures",
            "tags",
            Prefetch("citations", queryset=public_citations().select_related("claim").order_by("start", "-end", "id")),
        )


class CitationQuerySet(models.QuerySet):
    def public(self):
        return self.filter(source__is_published=True, claim__is_public=True)

    def under_review(self):
        return self.filter(needs_review=True)


class ClaimQuerySet(models.QuerySet):
    def public(self):
        """Published claims that at least one published source cites (stored by the write layer)."""
        return self.filter(is_public=True)

    def overlapping(self, start=None, end=None):
        """Claims whose date range meets [start, end] (either may be None); undated claims never do."""
        qs = self
        if start is not None:
            qs = qs.filter(date_upper__gte=start)
        if end is not None:
            qs = qs.filter(date_lower__lte=end)
        return qs

    def chronological(self):
        return self.order_by(models.F("date_lower").asc(nulls_last=True), "date_upper", "id")

    def with_citations(self):
        return self.prefetch_related(Prefetch("citations", queryset=cited_passages().order_by("source__slug", "start")))

    def for_list(self):
        """Claims with everything a list row shows: statement, date, status, and the sources of its citations."""
        return self.with_citations().chronological()

    def for_timeline(self):
        """Timeline entries: the statement, date, placement and status, the event's title (for claims dated by
        it), and the sources as small labels, in the order the timeline places them."""
        return (
            self.select_related("event")
            .only(
                "id",
                "statement",
                "date",
                "date_lower",
                "date_upper",
                "timeline_date",
                "status",
                "event_id",
                "event__title",
                "event__slug",
                "event__date",
            )
            .prefetch_related(
                Prefetch(
                    "citations",
                    queryset=public_citations()
                    .select_related("source")
                    .only(
                        "id", "claim_id", "source__slug", "source__title", "source__short_title", "source__publisher"
                    ),
                )
            )
            .order_by(models.F("timeline_date").asc(nulls_last=True), "date_upper", "id")
        )

    def for_event(self):
        """An event page: its claims with citations, sources and the claims they conflict with."""
        from .models import Claim

        return (
            self.with_citations()
            .prefetch_related(Prefetch("conflicts", queryset=Claim.objects.public()))
            .chronological()
        )

    def for_detail(self):
        """The claim page: everything, plus the conflicting claims with their own citations and the notes."""
        from .models import Conflict

        citations = cited_passages().order_by("source__slug", "start")
        return self.select_related("event").prefetch_related(
            "people",
            "tags",
            Prefetch("citations", queryset=citations),
            Prefetch(
                "conflict_links",
                queryset=Conflict.objects.filter(public_claim("to_claim"))
                .select_related("to_claim")
                .prefetch_related(Prefetch("to_claim__citations", queryset=citations)),
            ),
        )


class ConflictQuerySet(models.QuerySet):
    def public(self):
        """Conflicts between two public claims."""
        return self.filter(public_claim("from_claim"), public_claim("to_claim"))

    def pairs(self):
        """Each conflict once (it is stored both ways)."""
        return self.filter(from_claim_id__lt=models.F("to_claim_id"))

    def for_disputes(self):
        """The disputes page: both claims of every pair with their citations and sources."""
        citations = cited_passages().order_by("source__slug", "start")
        return (
            self.pairs()
            .select_related("from_claim", "to_claim")
            .prefetch_related(
                Prefetch("from_claim__citations", queryset=citations),
                Prefetch("to_claim__citations", queryset=citations),
            )
            .order_by(models.F("from_claim__date_lower").asc(nulls_last=True), "from_claim_id", "to_claim_id")
        )
