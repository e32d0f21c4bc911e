"""Sources, the claims they support, and the citations tying each claim to exact passages.

The top content app: stands on ``people`` and ``events``. The invariant everything
rests on: ``citation.source.text[citation.start:citation.end] == citation.quote``.

Models hold fields and their validation (``clean()``, constraints); what must stay
true across rows (conflict mirrors, derived statuses, re-anchoring) is kept by the
write layer, ``sources/services.py``, through which every path writes.
"""

import hashlib

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords
from taggit.managers import TaggableManager

from core import images
from core.addresses import address
from core.dating import EDTF_HELP, EDTFDatedModel, validate_edtf
from events.models import Event
from people.models import Person

from . import anchoring
from .querysets import CitationQuerySet, ClaimQuerySet, ConflictQuerySet, SourceQuerySet

CONTEXT_CHARS = 32  # characters of context kept on each side of a quote, as in the W3C TextQuoteSelector


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Source(models.Model):
    class Kind(models.TextChoices):
        ARTICLE = "article", "Article"
        WIKI_PAGE = "wiki-page", "Wiki page"
        BOOK = "book", "Book"
        BOOK_PAGE = "book-page", "Web page of a book"
        DOCUMENT = "document", "Primary document"
        OTHER = "other", "Other"

    title = models.CharField(max_length=300)
    short_title = models.CharField(
        max_length=80,
        blank=True,
        help_text="One short label, used in every list, badge and note (e.g. “DailyHistory.org edit capture”); "
        "the title when blank.",
    )
    slug = models.SlugField(max_length=100, unique=True)
    publisher = models.CharField(max_length=200, blank=True, help_text="The site or book that published it.")
    author = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ARTICLE)
    publication_date = models.CharField(
        max_length=100, blank=True, validators=[validate_edtf], help_text="Publication date. " + EDTF_HELP
    )
    url = models.URLField(blank=True, max_length=500, help_text="Where the source was found, if known.")
    file_name = models.CharField(
        max_length=255, blank=True, help_text="The original file the text was imported from, under its own name."
    )
    text = models.TextField(help_text="The source text, stored verbatim: never cleaned in place.")
    sha256 = models.CharField(max_length=64, editable=False, help_text="SHA-256 of the text encoded as UTF-8.")
    notes = models.TextField(blank=True, help_text="Markdown, editorial.")
    tags = TaggableManager(blank=True)
    # The draft flag; ``publication_date`` is when the source itself appeared (exported as ``published``).
    is_published = models.BooleanField(
        "published on the site",
        default=True,
        db_index=True,
        help_text="Untick to keep the source as a draft: it and its citations stay off every public page, "
        "search and export until it is published.",
    )
    derived_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="derivatives",
        help_text="If this text is a capture, copy, excerpt or translation of another source, that source: "
        "the two then count as one origin, and their agreement does not corroborate a claim.",
    )
    origin = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text="Derived: the first source of the derived-from chain (itself when it derives from none).",
    )
    # Derived by the write layer whenever the text or the public citations change (sources/evidence.py): the
    # sources list reads them instead of counting and splitting every text on every request.
    claim_count = models.PositiveIntegerField(default=0, editable=False, help_text="Public claims citing it.")
    citation_count = models.PositiveIntegerField(default=0, editable=False, help_text="Public passages cited.")
    sentence_count = models.PositiveIntegerField(default=0, editable=False, help_text="Substantive sentences.")
    cited_sentence_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Substantive sentences a public citation covers."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["claim_count", "citation_count", "sentence_count", "cited_sentence_count"]
    )
    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["file_name", "slug"]
        # One per sorting of the sources list: a page reads 50 rows in order instead of sorting every source
        # (whose long texts lie between the columns a sort needs).
        indexes = [
            models.Index(fields=["file_name", "slug"], name="source_by_file"),
            models.Index(fields=["title", "slug"], name="source_by_title"),
            models.Index(fields=["-claim_count", "slug"], name="source_by_claims"),
            models.Index(fields=["cited_sentence_count", "slug"], name="source_by_coverage"),
            # What a citation needs of its source (the claims export reads it 150,000 times at 100k claims),
            # without the row: SQLite keeps a source's text inside it, before the later columns, so reading
            # origin_id from the row walks the text's overflow pages (the export took twice as long).
            models.Index(fields=["id", "is_published", "origin", "slug", "file_name"], name="source_cited_fields"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.sha256 = text_sha256(self.text)  # a property of the text, like a date's bounds: not domain logic
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return address("sources:detail", self.slug)

    @property
    def coverage_percent(self) -> float:
        return 100.0 * self.cited_sentence_count / self.sentence_count if self.sentence_count else 100.0

    @property
    def label(self) -> str:
        """How lists, badges and notes name the source."""
        return self.short_title or self.title

    def clean(self):
        """No derived-from cycle (a source cannot be a copy of its own copy)."""
        if self.derived_from_id is None:
            return
        if self.pk is not None and self.derived_from_id == self.pk:
            raise ValidationError({"derived_from": "A source cannot derive from itself."})
        seen, current = set(), self.derived_from
        while current is not None and current.pk not in seen:
            if self.pk is not None and current.pk == self.pk:
                raise ValidationError(
                    {"derived_from": f"“{self.derived_from}” already derives from this source: that would be a cycle."}
                )
            seen.add(current.pk)
            current = current.derived_from


class Reference(models.Model):
    """A work the source itself cites (a wiki page's ``<ref>`` entry, a credit line)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="references")
    position = models.PositiveIntegerField(default=0, help_text="Order within the source.")
    title = models.CharField(max_length=500)
    url = models.URLField(blank=True, max_length=500)

    history = HistoricalRecords()

    class Meta:
        ordering = ["source", "position", "id"]

    def __str__(self) -> str:
        return self.title


class Figure(models.Model):
    """A figure the source shows (a wiki page's ``[[File:...]]``), with an optional uploaded image."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="figures")
    position = models.PositiveIntegerField(default=0, help_text="Order within the source.")
    file_name = models.CharField(max_length=255, help_text="The figure's original file name in the source.")
    caption = models.TextField(blank=True)
    image = models.ImageField(
        upload_to="figures/", blank=True, validators=[images.validate_image_file], help_text=images.HELP
    )
    thumbnail = models.ImageField(upload_to="figures/thumbnails/", blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["source", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["source", "file_name"], name="figure_unique_per_source")]

    def __str__(self) -> str:
        return self.file_name

    def save(self, *args, **kwargs):
        if self.image and not self.image._committed:
            clean, thumbnail = images.reencode(self.image, images.stem_for(self.file_name, f"figure-{self.pk}"))
            self.image = clean
            self.thumbnail = thumbnail
        elif not self.image:
            self.thumbnail = None
        super().save(*args, **kwargs)


def editable_text_fields(model, exclude=()) -> list[str]:
    """The model's editable text fields, in declaration order: the importer reads them from the fixtures, the
    admin shows them, and the claim page shows those it has no special place for, so that a new text field on
    a claim needs no change there (only its export column is declared, in exports/tables.py)."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if f.editable and isinstance(f, models.CharField | models.TextField) and f.name not in exclude
    ]


class Claim(EDTFDatedModel):
    class Status(models.TextChoices):
        SINGLE_SOURCE = "single-source", "Single source"
        CORROBORATED = "corroborated", "Corroborated"
        CONTESTED = "contested", "Contested"

    key = models.SlugField(
        max_length=100,
        unique=True,
        null=True,
        blank=True,
        help_text="Stable natural key used by the fixtures; blank for claims added in the admin.",
    )
    statement = models.TextField(help_text="One atomic assertion in plain English, saying what the sources say.")
    people = models.ManyToManyField(Person, related_name="claims", blank=True)
    event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="claims")
    tags = TaggableManager(blank=True)
    conflicts = models.ManyToManyField("self", through="Conflict", symmetrical=True, blank=True)
    note = models.TextField(blank=True, help_text="Markdown, editorial.")
    source_error = models.TextField(
        blank=True,
        help_text="An editorial flag readers see: the statement is faithful to its source, but the source is wrong "
        "here. Say briefly why (e.g. “the 22nd Congress, not the 21st, met in October 1961”). Leave blank otherwise.",
    )
    published = models.BooleanField(
        default=True,
        db_index=True,
        help_text="Untick to keep the claim as a draft, off every public page, search and export. "
        "A published claim is shown only while a published source cites it.",
    )
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.SINGLE_SOURCE,
        editable=False,
        db_index=True,
        help_text="Derived from the conflicts and citations, never typed in.",
    )
    timeline_date = models.DateField(
        null=True,
        blank=True,
        editable=False,
        db_index=True,
        help_text="Derived: where the timeline places the claim, the earliest day of its own date or, when it has "
        "none, of its event's date (then it is shown “dated by its event”, never as if its source dated it).",
    )
    is_public = models.BooleanField(
        default=False,
        editable=False,
        db_index=True,
        help_text="Derived: published, and cited by a published source. Every public page, search and export "
        "reads this one flag (the rule is in sources/evidence.py).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[people])
    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = [models.F("date_lower").asc(nulls_last=True), "id"]
        indexes = [
            models.Index(fields=["date_lower", "date_upper"], name="claim_date_bounds"),
            # /claims/?sort=status reads a page of public claims in this order (PostgreSQL sorted all of them).
            models.Index(
                fields=["status", "timeline_date", "id"], condition=Q(is_public=True), name="claim_public_status_sort"
            ),
        ]

    def __str__(self) -> str:
        return anchoring.shorten(self.statement, 80)

    def get_absolute_url(self) -> str:
        return address("sources:claim-detail", self.pk)

    def other_facts(self) -> list[tuple[str, str]]:
        """(label, text) of the text fields the claim page has no special place for, when not empty."""
        shown = {"key", "statement", "date", "note", "source_error"}
        return [
            (self._meta.get_field(name).verbose_name.capitalize(), getattr(self, name))
            for name in editable_text_fields(Claim, exclude=shown)
            if getattr(self, name)
        ]

    @property
    def dated_by_event(self) -> bool:
        return self.date_lower is None and self.timeline_date is not None

    def derived_status(self) -> str:
        """The status the evidence gives today (a few queries); the stored ``status`` must always equal it."""
        from .evidence import derived_statuses

        if self.pk is None:
            return self.Status.SINGLE_SOURCE
        return derived_statuses([self.pk]).get(self.pk, self.Status.SINGLE_SOURCE)


class Citation(models.Model):
    """One passage of a source that asserts a claim: ``source.text[start:end] == quote``."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    quote = models.TextField(help_text="The exact passage, verbatim.")
    start = models.PositiveIntegerField(
        blank=True,
        help_text="Offset of the quote's first character in the source text; computed from the quote when blank, "
        "needed only when the quote occurs more than once.",
    )
    end = models.PositiveIntegerField(blank=True, help_text="Offset just past the quote's last character (computed).")
    # The context the quote was verified in (W3C TextQuoteSelector's prefix and suffix) and the text it was
    # verified against: when the source text changes, these decide whether the citation may follow silently.
    prefix = models.CharField(max_length=CONTEXT_CHARS, blank=True, editable=False)
    suffix = models.CharField(max_length=CONTEXT_CHARS, blank=True, editable=False)
    text_sha256 = models.CharField(
        "verified against", max_length=64, blank=True, editable=False, help_text="SHA-256 of the source text."
    )
    needs_review = models.BooleanField(
        default=False,
        db_index=True,
        help_text="Set when the source text changed and the passage could only be found approximately (or its "
        "context changed): it does not count towards corroboration until an editor has checked it. Untick once "
        "you have checked (or corrected) the quote.",
    )

    history = HistoricalRecords()
    objects = CitationQuerySet.as_manager()

    class Meta:
        ordering = ["source", "start", "end", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="citation_end_after_start"),
            models.UniqueConstraint(fields=["claim", "source", "start", "end"], name="citation_unique_passage"),
        ]
        indexes = [models.Index(fields=["source", "start"], name="citation_source_start")]

    def __str__(self) -> str:
        return f"{self.source.slug} [{self.start}:{self.end}]"

    def get_absolute_url(self) -> str:
        return f"{self.source.get_absolute_url()}#cite-{self.pk}"

    def verified_context(self, text: str) -> None:
        """Record the context and text the quote stands in now (after it was checked against ``text``)."""
        self.prefix = text[max(0, self.start - CONTEXT_CHARS) : self.start]
        self.suffix = text[self.end : self.end + CONTEXT_CHARS]
        self.text_sha256 = text_sha256(text)

    def anchor_quote(self, start: int | None = None) -> None:
        """Set ``start``/``end`` from the quote; raises ValidationError naming the problem."""
        try:
            found = anchoring.anchor(self.source.text, self.quote, start)
        except anchoring.AnchorError as exc:
            raise ValidationError({"quote": str(exc)}, code="quote") from exc
        self.start, self.end = found.start, found.end

    def clean(self):
        if not self.quote:
            raise ValidationError({"quote": "The quote is empty."})
        if self.source_id is None:
            return
        if self.end is None or self.start is None or self.end != self.start + len(self.quote):
            self.anchor_quote(self.start)
        elif self.source.text[self.start : self.end] != self.quote:
            raise ValidationError(
                {
                    "quote": (
                        f"The source text at {self.start}:{self.end} reads "
                        f"{anchoring.shorten(self.source.text[self.start : self.end])!r}, "
                        f"not the quote {anchoring.shorten(self.quote)!r}."
                    )
                },
                code="quote_offsets",
            )


class Conflict(models.Model):
    """Two claims that cannot both be true, with the editorial note explaining why.

    Stored both ways (a->b and b->a), as Django's symmetrical many-to-many
    expects; the write layer (``sources/services.py``) saves and deletes both
    directions together, so the pair always carries one note.
    """

    from_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="conflict_links")
    to_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="+")
    note = models.TextField(help_text="States the disagreement plainly (Markdown).")

    history = HistoricalRecords()
    objects = ConflictQuerySet.as_manager()

    class Meta:
        ordering = ["from_claim", "to_claim"]
        constraints = [
            models.UniqueConstraint(fields=["from_claim", "to_claim"], name="conflict_unique_pair"),
            models.CheckConstraint(condition=~Q(from_claim=models.F("to_claim")), name="conflict_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.from_claim_id} ⟷ {self.to_claim_id}"

    def clean(self):
        if not (self.note or "").strip():
            raise ValidationError({"note": "A conflict needs an editorial note stating the disagreement."})
        if self.from_claim_id and self.from_claim_id == self.to_claim_id:
            raise ValidationError("A claim cannot conflict with itself.")


class Position(models.Model):
    """An office someone held, from when to when, as the sources give it: a lane of the timeline.

    A position rests on the claims that assert its title, start or end. Where
    sources disagree (about the title, or when it ended), each version is its own
    position, with ``disagreement`` saying how; the timeline draws both, labelled
    "sources disagree", each linked to its claims. Positions with the same
    ``lane`` share a row of the chart.
    """

    key = models.SlugField(max_length=100, unique=True, help_text="Stable natural key used by the fixtures.")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="positions")
    lane = models.CharField(max_length=100, help_text="The row of the chart, e.g. “Khrushchev: party leader”.")
    title = models.CharField(max_length=200)
    start = models.CharField(max_length=100, blank=True, validators=[validate_edtf], help_text=EDTF_HELP)
    end = models.CharField(
        max_length=100, blank=True, validators=[validate_edtf], help_text="Blank when it lasts beyond the period."
    )
    start_lower = models.DateField(null=True, blank=True, editable=False)
    start_upper = models.DateField(null=True, blank=True, editable=False)
    end_lower = models.DateField(null=True, blank=True, editable=False)
    end_upper = models.DateField(null=True, blank=True, editable=False)
    claims = models.ManyToManyField(Claim, related_name="positions", help_text="The claims it rests on.")
    disagreement = models.TextField(
        blank=True, help_text="When sources disagree about this position (its title or an end), how."
    )
    position = models.PositiveIntegerField(default=0, help_text="Order of the lanes on the chart.")

    history = HistoricalRecords(m2m_fields=[claims])

    class Meta:
        ordering = ["position", "start_lower", "key"]

    def __str__(self) -> str:
        return f"{self.person}: {self.title}"

    def save(self, *args, **kwargs):
        from core import edtf_dates

        self.start_lower, self.start_upper = edtf_dates.bounds(self.start)
        self.end_lower, self.end_upper = edtf_dates.bounds(self.end)
        super().save(*args, **kwargs)
