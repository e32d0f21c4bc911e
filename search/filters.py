"""The claim filters shared by the timeline, the claims list and the exports.

``ClaimFilters.from_params(request.GET)`` reads ``person, event, tag, source,
status, from, to, q``; an unknown slug or a malformed date is collected as a
message for the page (shown with status 400), never an exception.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from taggit.models import Tag

from caching import tags as T
from core import edtf_dates
from events.models import Event
from people.models import Person
from sources.models import Claim, Source
from sources.querysets import public_tags

from . import engine

PARAMS = ("person", "event", "tag", "source", "status", "year", "from", "to", "q")
UNDATED = "undated"
MAX_Q = 200


@dataclass
class ClaimFilters:
    person: Person | None = None
    event: Event | None = None
    tag: Tag | None = None
    source: Source | None = None
    status: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    # "The claims of 1964": those the timeline places in 1964 (their own date, or their event's); "undated": none.
    year: int | str | None = None
    q: str = ""
    raw: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_params(cls, params, allowed=PARAMS) -> ClaimFilters:
        f = cls()
        for name in allowed:
            value = (params.get(name) or "").strip()
            if value:
                f.raw[name] = value
        lookups = (
            ("person", Person.objects.all(), "person"),
            ("event", Event.objects.all(), "event"),
            ("source", Source.objects.public(), "source"),
            ("tag", public_tags(), "tag"),
        )
        for name, queryset, label in lookups:
            if name in f.raw:
                obj = queryset.filter(slug=f.raw[name][:200]).first()
                if obj is None:
                    f.errors.append(f"There is no {label} with the slug “{f.raw[name][:100]}”.")
                setattr(f, name, obj)
        if "status" in f.raw:
            if f.raw["status"] in Claim.Status.values:
                f.status = f.raw["status"]
            else:
                choices = ", ".join(Claim.Status.values)
                f.errors.append(f"Unknown status “{f.raw['status'][:50]}”: use one of {choices}.")
        for name, side in (("from", 0), ("to", 1)):
            if name in f.raw:
                try:
                    bound = edtf_dates.bounds(f.raw[name][:100])[side]
                except edtf_dates.InvalidEDTF:
                    f.errors.append(
                        f"“{f.raw[name][:50]}” is not a year or an EDTF date (try 1956, 1964-10 or 1964-10-14)."
                    )
                    continue
                if side == 0:
                    f.date_from = bound
                else:
                    f.date_to = bound
        if f.date_from and f.date_to and f.date_from > f.date_to:
            f.errors.append("The “from” date is after the “to” date.")
        if "year" in f.raw:
            raw = f.raw["year"]
            if raw == UNDATED:
                f.year = UNDATED
            elif raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 9999:
                f.year = int(raw)
            else:
                f.errors.append(f"“{raw[:20]}” is not a year: use a year such as 1964, or “undated”.")
        if "q" in f.raw:
            f.q = f.raw["q"][:MAX_Q]
        return f

    @property
    def active(self) -> bool:
        return bool(self.raw)

    def apply(self, claims):
        if self.errors:
            return claims.none()
        if self.person:
            claims = claims.filter(people=self.person)
        if self.event:
            claims = claims.filter(event=self.event)
        if self.tag:
            claims = claims.filter(tags=self.tag)
        if self.source:
            claims = claims.filter(citations__source=self.source)
        if self.status:
            claims = claims.filter(status=self.status)
        if self.year == UNDATED:
            claims = claims.filter(timeline_date__isnull=True)
        elif self.year is not None:
            first, last = datetime.date(self.year, 1, 1), datetime.date(self.year, 12, 31)
            claims = claims.filter(timeline_date__gte=first, timeline_date__lte=last)
        if self.date_from or self.date_to:
            claims = claims.overlapping(self.date_from, self.date_to)
        if self.q:
            claims = engine.filter_claims(claims, self.q)
        if self.source or self.q:
            claims = claims.distinct()
        return claims

    def querystring(self, **changes) -> str:
        """The current filters as a query string, with some changed (None removes one)."""
        values = dict(self.raw)
        for key, value in changes.items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = value
        return urlencode(sorted(values.items()))

    def describe(self) -> list[tuple[str, str, str]]:
        """(label, value, query string without it) for each active filter."""
        labels = {"from": "from", "to": "to", "q": "matching", "year": "placed in"}
        shown = {
            "person": self.person and self.person.name,
            "event": self.event and self.event.title,
            "tag": self.tag and self.tag.name,
            "source": self.source and self.source.title,
            "status": self.status and Claim.Status(self.status).label,
        }
        return [
            (labels.get(key, key), shown.get(key) or value, self.querystring(**{key: None}))
            for key, value in sorted(self.raw.items())
        ]


FORM_TAGS = (T.CATALOG, T.COUNTS)  # the filter form: names, and the most-cited of each kind


def cache_tags(params) -> list[str]:
    """What a list of claims filtered by ``params`` shows (``caching/tags.py``), known before any row is read:
    one year's claims when only ``year`` narrows it, otherwise any claim; and names and the filter form."""
    narrowing = {name for name in PARAMS if (params.get(name) or "").strip()}
    raw_year = (params.get("year") or "").strip()
    if narrowing == {"year"} and raw_year == UNDATED:
        return [*FORM_TAGS, T.year(None)]
    if narrowing == {"year"} and raw_year.isascii() and raw_year.isdigit() and 1 <= int(raw_year) <= 9999:
        return [*FORM_TAGS, *T.years_of(int(raw_year))]
    return [*FORM_TAGS, T.CLAIMS]


MAX_CHOICES = 100  # options per select; past that, the most-cited ones (a select of thousands helps nobody)


def _choices(queryset, fields: list[str], count, order: str) -> dict:
    """Rows for one select, in one query: all when few, else the MAX_CHOICES most-cited; sorted by ``order``."""
    rows = list(queryset.annotate(n=count).order_by("-n", "pk").values(*fields, order)[: MAX_CHOICES + 1])
    capped = len(rows) > MAX_CHOICES
    rows = sorted(rows[:MAX_CHOICES], key=lambda row: (row[order] is None, row[order] or ""))
    return {"options": [{f: row[f] for f in fields} for row in rows], "capped": capped}


def _compute_choices() -> dict:
    from django.db.models import Count, F, Q

    return {  # people and events: their stored counts of public claims
        "people": _choices(Person.objects.all(), ["slug", "name"], F("claim_count"), "name"),
        "events": _choices(Event.objects.all(), ["slug", "title", "date"], F("claim_count"), "date_lower"),
        "tags": _choices(public_tags(), ["slug", "name"], Count("taggit_taggeditem_items"), "name"),
        "sources": _choices(
            Source.objects.public(),
            ["slug", "title"],
            Count("citations__claim", filter=Q(citations__claim__is_public=True), distinct=True),
            "file_name",
        ),
    }


def filter_choices(request, filters: ClaimFilters | None = None) -> dict:
    """The options of the filter form above the timeline and the claims list (cached under the catalog and counts tags).

    An active filter's value is always among its options, even when it is not
    one of the most-cited.
    """
    from caching.versioning import cached

    choices = cached(request, "filter-choices", "", _compute_choices, tags=FORM_TAGS)
    context = {"statuses": Claim.Status.choices}
    selected = {
        "people": filters and filters.person and {"slug": filters.person.slug, "name": filters.person.name},
        "events": filters
        and filters.event
        and {"slug": filters.event.slug, "title": filters.event.title, "date": filters.event.date},
        "tags": filters and filters.tag and {"slug": filters.tag.slug, "name": filters.tag.name},
        "sources": filters and filters.source and {"slug": filters.source.slug, "title": filters.source.title},
    }
    for name, choice in choices.items():
        options = choice["options"]
        if selected[name] and all(o["slug"] != selected[name]["slug"] for o in options):
            options = [*options, selected[name]]
        context[name] = options
        context[f"{name}_capped"] = choice["capped"]
    return context


def filters_form(request, filters: ClaimFilters, *, full: bool):
    """The filter form's HTML, rendered once per version of its tags and filter values.

    Its selects hold up to MAX_CHOICES options each: rendering them on every
    request would make the page's cost follow the size of the data.
    """
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    from caching.versioning import cached

    def render():
        context = {"filters": filters, "full": full, **filter_choices(request, filters)}
        return render_to_string("includes/filters_form.html", context)

    html = cached(request, "filters-form", f"{int(full)}|{filters.querystring()}", render, tags=FORM_TAGS)
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, which escaped every value
