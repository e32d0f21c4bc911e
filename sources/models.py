"""Sources, the claims they support, and the citations tying each claim to exact passages.

The top content app: stands on ``people`` and ``events``. The invariant everything
rests on: ``citation.source.text[citation.start:citation.end] == citation.quote``.
"""

import hashlib

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords
from taggit.managers import TaggableManager

from events.models import Event
from people import images
from people.dating import EDTF_HELP, EDTFDatedModel, validate_edtf
from people.models import Person

from . import anchoring
from .querysets import CitationQuerySet, ClaimQuerySet, ConflictQuerySet, SourceQuerySet, public_claim


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
    slug = models.SlugField(max_length=100, unique=True)
    publisher = models.CharField(max_length=200, blank=True, help_text="The site or book that published it.")
    author = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ARTICLE)
    published = models.CharField(
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
    # ``published`` is the publication date (issue 2's contract), so the draft flag is ``is_published``.
    is_published = models.BooleanField(
        "published on the site",
        default=True,
        db_index=True,
        help_text="Untick to keep the source as a draft: it and its citations stay off every public page, "
        "search and export until it is published.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["file_name", "slug"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.sha256 = text_sha256(self.text)
        was_published = _stored_value(self, "is_published")
        super().save(*args, **kwargs)
        if was_published is not None and was_published != self.is_published:
            refresh_statuses_around(Claim.objects.filter(citations__source=self).values("pk"))

    def get_absolute_url(self) -> str:
        return reverse("sources:detail", args=[self.slug])


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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[people])
    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = [models.F("date_lower").asc(nulls_last=True), "id"]
        indexes = [models.Index(fields=["date_lower", "date_upper"], name="claim_date_bounds")]

    def __str__(self) -> str:
        return anchoring.shorten(self.statement, 80)

    def get_absolute_url(self) -> str:
        return reverse("sources:claim-detail", args=[self.pk])

    def save(self, *args, **kwargs):
        was_published = _stored_value(self, "published")
        super().save(*args, **kwargs)
        if was_published is not None and was_published != self.published:
            refresh_statuses_around([self.pk])

    def derived_status(self) -> str:
        """The status the public sees (two or three queries).

        Only what is published counts: a conflict with a draft claim, or a
        citation in a draft source, must not show through the status.
        """
        if self.pk is None:
            return self.Status.SINGLE_SOURCE
        if Conflict.objects.filter(public_claim("to_claim"), from_claim=self).exists():
            return self.Status.CONTESTED
        if self.citations.filter(source__is_published=True).values("source").distinct().count() >= 2:
            return self.Status.CORROBORATED
        return self.Status.SINGLE_SOURCE

    def refresh_status(self) -> bool:
        """Store the derived status if it changed; returns whether it did.

        Written with ``update()`` so that a derived value never creates a history
        record of its own: history keeps what people changed.
        """
        status = self.derived_status()
        if status == self.status:
            return False
        self.status = status
        Claim.objects.filter(pk=self.pk).update(status=status)
        return True


def _stored_value(obj, field: str):
    """The value of ``field`` in the database before this save, or None for a new object."""
    if obj.pk is None or obj._state.adding:
        return None
    return type(obj).objects.filter(pk=obj.pk).values_list(field, flat=True).first()


def refresh_statuses_around(claim_ids) -> int:
    """Recompute the stored status of some claims and of the claims they conflict with; returns how many changed.

    Whether a claim is public decides its partners' status (a conflict with a
    claim the public cannot see does not make a claim "contested").
    """
    claims = Claim.objects.filter(Q(pk__in=claim_ids) | Q(conflict_links__to_claim__in=claim_ids))
    return sum(claim.refresh_status() for claim in claims.distinct().only("id", "status"))


def set_published(queryset, value: bool) -> int:
    """Publish or unpublish many sources or claims at once, keeping every status true; returns how many changed."""
    field = "is_published" if queryset.model is Source else "published"
    changed = 0
    for obj in queryset.exclude(**{field: value}):
        setattr(obj, field, value)
        obj.save()
        changed += 1
    return changed


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

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        refresh_statuses_around([self.claim_id])

    def get_absolute_url(self) -> str:
        return f"{self.source.get_absolute_url()}#cite-{self.pk}"

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
    expects; saving or deleting one direction does the same to its mirror, so
    the pair always carries one note.
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

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        mirror = Conflict.objects.filter(from_claim_id=self.to_claim_id, to_claim_id=self.from_claim_id).first()
        if mirror is None:
            Conflict(from_claim_id=self.to_claim_id, to_claim_id=self.from_claim_id, note=self.note).save_one_way()
        elif mirror.note != self.note:
            mirror.note = self.note
            mirror.save_one_way()
        self.from_claim.refresh_status()
        self.to_claim.refresh_status()

    def save_one_way(self):
        super().save()

    def delete(self, *args, **kwargs):
        mirror = Conflict.objects.filter(from_claim_id=self.to_claim_id, to_claim_id=self.from_claim_id).first()
        result = super().delete(*args, **kwargs)
        if mirror is not None:
            models.Model.delete(mirror)
        return result

    def clean(self):
        if not (self.note or "").strip():
            raise ValidationError({"note": "A conflict needs an editorial note stating the disagreement."})
        if self.from_claim_id and self.from_claim_id == self.to_claim_id:
            raise ValidationError("A claim cannot conflict with itself.")
