"""People the sources name. The lowest content app: it imports only ``core``."""

from django.db import models
from simple_history.models import HistoricalRecords
from taggit.managers import TaggableManager

from core import images
from core.addresses import address
from core.dating import EDTF_HELP, validate_edtf

from .querysets import PersonQuerySet


def split_aliases(text: str) -> list[str]:
    """Aliases are stored one per line; blank lines and repeats are dropped, order kept."""
    seen: dict[str, None] = {}
    for line in (text or "").splitlines():
        alias = line.strip()
        if alias and alias not in seen:
            seen[alias] = None
    return list(seen)


class Person(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    aliases = models.TextField(
        blank=True,
        help_text="Other names and every spelling variant the sources use (misspellings included), one per line.",
    )
    born = models.CharField(max_length=100, blank=True, validators=[validate_edtf], help_text=EDTF_HELP)
    died = models.CharField(max_length=100, blank=True, validators=[validate_edtf], help_text=EDTF_HELP)
    bio = models.TextField(blank=True, help_text="Markdown.")
    portrait = models.ImageField(
        upload_to="portraits/", blank=True, validators=[images.validate_image_file], help_text=images.HELP
    )
    portrait_thumbnail = models.ImageField(upload_to="portraits/thumbnails/", blank=True, editable=False)
    # Kept by the write layer (sources/evidence.py, refresh_record_counts): the lists read it instead of counting.
    claim_count = models.PositiveIntegerField(default=0, editable=False, help_text="Public claims about them.")
    tags = TaggableManager(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.portrait and not self.portrait._committed:
            clean, thumbnail = images.reencode(self.portrait, images.stem_for(self.portrait.name, self.slug))
            self.portrait = clean
            self.portrait_thumbnail = thumbnail
        elif not self.portrait:
            self.portrait_thumbnail = None
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return address("people:detail", self.slug)

    def clean(self):
        self.aliases = "\n".join(split_aliases(self.aliases))

    @property
    def alias_list(self) -> list[str]:
        return split_aliases(self.aliases)
