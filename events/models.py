"""Events: the turning points of the story. Stands on ``people`` (an event has participants)."""

from django.db import models
from simple_history.models import HistoricalRecords
from taggit.managers import TaggableManager

from core.addresses import address
from core.dating import EDTFDatedModel
from people.models import Person

from .querysets import EventQuerySet


class Event(EDTFDatedModel):
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=100, unique=True)
    place = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True, help_text="Markdown.")
    people = models.ManyToManyField(Person, related_name="events", blank=True)
    # Kept by the write layer (sources/evidence.py, refresh_record_counts): the lists read it instead of counting.
    claim_count = models.PositiveIntegerField(default=0, editable=False, help_text="Public claims about it.")
    turning_point = models.BooleanField(
        default=True, help_text="Marked on the timeline's overview as one of the story's turning points."
    )
    tags = TaggableManager(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[people])
    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = [models.F("date_lower").asc(nulls_last=True), "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.date_display})" if self.date else self.title

    def get_absolute_url(self) -> str:
        return address("events:detail", self.slug)
