"""The timeline: claims and events grouped by year (the chart itself is ``chart.py``).

At any size the overview shows the same amount: the per-year counts (the
chart), the turning points, and the first ``PREVIEW`` claims of each year,
chosen by one window query; each year then pages through all its claims
(``?year=1964&page=2``). The aggregates are computed by the database and cached
under their cache tags (``caching/versioning.py``), so the page costs the same
with 400 claims or 100,000.

"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Window
from django.db.models.functions import ExtractYear, RowNumber

from . import chart

PREVIEW = 10  # claims per year on the overview
EVENT_PREVIEW = 4  # events per year on the overview (turning points first)
UNDATED = "undated"


@dataclass
class YearGroup:
    year: int
    entries: list = field(default_factory=list)  # ("event", Event) or ("claim", Claim), in date order
    claim_count: int = 0  # shown here
    event_count: int = 0
    total: int = 0  # claims of the year in all
    url: str = ""  # the year's own page

    @property
    def more(self) -> int:
        return self.total - self.claim_count


def _sort_key(entry):
    """Events before claims; each in the order of its date, the day the timeline places it."""
    kind, obj = entry
    day = obj.date_lower if kind == "event" else obj.timeline_date
    return (kind != "event", day or datetime.date.max, obj.date_upper or datetime.date.max, obj.pk)


def group_by_year(claims, events) -> tuple[list[YearGroup], list]:
    """(year groups in order, claims the timeline cannot place).

    "The claims of 1964" are those the timeline places in 1964: whose own date
    starts in 1964, or, with no date of their own, whose event's does (they are
    shown "dated by its event"). The same rule serves the year pages, the
    ``year`` filter of the claims list and of the exports (``search/filters.py``).
    """
    groups: dict[int, YearGroup] = {}
    undated = []
    for claim in claims:
        if claim.timeline_date is None:
            undated.append(claim)
            continue
        group = groups.setdefault(claim.timeline_date.year, YearGroup(claim.timeline_date.year))
        group.entries.append(("claim", claim))
        group.claim_count += 1
    for event in events:
        if event.date_lower is None:
            continue
        group = groups.setdefault(event.date_lower.year, YearGroup(event.date_lower.year))
        group.entries.append(("event", event))
        group.event_count += 1
    for group in groups.values():
        group.entries.sort(key=_sort_key)
    return [groups[y] for y in sorted(groups)], undated


@dataclass
class Counts:
    """The timeline's numbers, from one grouped query: claims per year the timeline places them in (None: it
    cannot place them), per year and status, and per year those dated by their event."""

    years: dict = field(default_factory=dict)
    by_status: dict = field(default_factory=dict)
    by_event: dict = field(default_factory=dict)

    def get(self, year, default=0):
        return self.years.get(year, default)

    def values(self):
        return self.years.values()

    def __iter__(self):
        return iter(self.years)


def counts(claims) -> Counts:
    rows = (
        claims.order_by()
        .values_list(ExtractYear("timeline_date"), "status", Q(date_lower__isnull=True))
        .annotate(n=Count("id"))
    )
    out = Counts()
    for year, status, from_event, n in rows:
        out.years[year] = out.years.get(year, 0) + n
        if year is None:
            continue
        out.by_status.setdefault(year, {}).setdefault(status, 0)
        out.by_status[year][status] += n
        if from_event:
            out.by_event[year] = out.by_event.get(year, 0) + n
    return out


def _first_per_year(queryset, limit: int, order, date: str = "date_lower"):
    """The first ``limit`` rows of each year of ``date`` (undated rows form one group), as a queryset of
    ``(id, year)`` rows: evaluated, one query; used in ``pk__in``, a subquery of the query that reads the rows."""
    year = ExtractYear(date)
    ranked = queryset.order_by().annotate(rank=Window(RowNumber(), partition_by=[year], order_by=order), year=year)
    return ranked.filter(rank__lte=limit)


def preview_claims(claims):
    """Each year's first claims (the order the timeline places them), as a subquery of their ids."""
    order = [F("timeline_date").asc(), F("date_upper").asc(), F("id").asc()]
    return _first_per_year(claims, PREVIEW, order, "timeline_date").values("id")


def preview_event_ids(events) -> dict[int, list[int]]:
    """Each year's first events (turning points first): {year: [ids]}, in one query."""
    order = [F("turning_point").desc(), F("date_lower").asc(), F("id").asc()]
    rows = _first_per_year(events.filter(date_lower__isnull=False), EVENT_PREVIEW, order).values_list("id", "year")
    out: dict[int, list[int]] = {}
    for pk, year in rows:
        out.setdefault(year, []).append(pk)
    return out


def parse_year(raw: str) -> int | str | None:
    """The ``year`` parameter: a year, "undated", or None when it is neither."""
    raw = (raw or "").strip()
    if raw == UNDATED:
        return UNDATED
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 9999:
        return int(raw)
    return None


def in_year(queryset, year, date: str = "date_lower"):
    """The rows whose ``date`` falls in ``year`` (an index range), or those without one."""
    if year == UNDATED:
        return queryset.filter(**{f"{date}__isnull": True})
    return queryset.filter(**{f"{date}__gte": datetime.date(year, 1, 1), f"{date}__lte": datetime.date(year, 12, 31)})


def claims_in_year(claims, year):
    """The claims of ``year``: those the timeline places in it (see ``group_by_year``)."""
    return in_year(claims, year, "timeline_date")


def _span(text: str, lower, upper) -> chart.Span:
    return chart.Span(lower, upper, soft=any(q in (text or "") for q in "~?%"))


def chart_positions() -> list[chart.PositionIn]:
    """The positions the public may see (resting on at least one public claim), for the chart's lanes: one query,
    each with the first of its public claims (where its span links)."""
    from django.db.models import Min

    from sources.models import Claim, Position

    positions = (
        Position.objects.annotate(first_claim=Min("claims__id", filter=Q(claims__is_public=True)))
        .filter(first_claim__isnull=False)
        .select_related("person")
        .order_by("pk")
    )
    return [
        chart.PositionIn(
            p.lane,
            p.title,
            _span(p.start, p.start_lower, p.start_upper),
            _span(p.end, p.end_lower, p.end_upper),
            Claim(pk=p.first_claim).get_absolute_url(),
            bool(p.disagreement),
            p.person.name,
        )
        for p in positions
    ]


def turning_point(event) -> chart.TurningIn:
    return chart.TurningIn(
        event.title,
        _span(event.date, event.date_lower, event.date_upper),
        event.get_absolute_url(),
        event.date_display,
    )
