"""The timeline: claims and events grouped by year, and the density chart drawn as SVG.

At any size the overview shows the same amount: the per-year counts (the
chart), the turning points, and the first ``PREVIEW`` claims of each year,
chosen by one window query; each year then pages through all its claims
(``?year=1964&page=2``). The aggregates are computed by the database and cached
per content version (``caching/versioning.py``), so the page costs the same
with 400 claims or 100,000.

The chart is computed here as plain numbers (bar heights, marker positions) so
the template only writes SVG attributes: no inline styles, no script.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Window
from django.db.models.functions import ExtractYear, RowNumber

from core.period import FIRST_YEAR, LAST_YEAR

# Chart geometry, in SVG user units.
WIDTH, HEIGHT = 760, 170
LEFT, RIGHT, TOP, BOTTOM = 30, 10, 34, 26


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
    kind, obj = entry
    return (obj.date_lower or datetime.date.max, obj.date_upper or datetime.date.max, kind != "event", obj.pk)


def group_by_year(claims, events) -> tuple[list[YearGroup], list]:
    """(year groups in order, undated claims). A dated entry sits in the year its date starts."""
    groups: dict[int, YearGroup] = {}
    undated = []
    for claim in claims:
        if claim.date_lower is None:
            undated.append(claim)
            continue
        group = groups.setdefault(claim.date_lower.year, YearGroup(claim.date_lower.year))
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
class Bar:
    year: int
    x: float
    y: float
    width: float
    height: float
    count: int
    label_x: float


@dataclass
class Marker:
    x: float
    title: str
    url: str
    date: str


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar]
    markers: list[Marker]
    baseline: float
    max_count: int
    marker_y: float


def density_chart(year_counts: dict[int, int], turning_points) -> Chart:
    """Claims per year 1953-1971 as bars, turning points as markers placed by date."""
    years = list(range(FIRST_YEAR, LAST_YEAR + 1))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / len(years)
    top = max([year_counts.get(y, 0) for y in years] + [1])
    bars = []
    for i, year in enumerate(years):
        count = year_counts.get(year, 0)
        h = round(plot_h * count / top, 1)
        x = round(LEFT + i * slot + slot * 0.15, 1)
        bars.append(
            Bar(year, x, round(TOP + plot_h - h, 1), round(slot * 0.7, 1), h, count, round(LEFT + (i + 0.5) * slot, 1))
        )
    span = (datetime.date(LAST_YEAR + 1, 1, 1) - datetime.date(FIRST_YEAR, 1, 1)).days
    markers = []
    for event in turning_points:
        if event.date_lower is None or not (FIRST_YEAR <= event.date_lower.year <= LAST_YEAR):
            continue
        days = (event.date_lower - datetime.date(FIRST_YEAR, 1, 1)).days
        markers.append(
            Marker(round(LEFT + plot_w * days / span, 1), event.title, event.get_absolute_url(), event.date_display)
        )
    return Chart(WIDTH, HEIGHT, bars, markers, TOP + plot_h, top, TOP - 14)


def year_counts(claims) -> dict[int | None, int]:
    """Claims per year their date starts in (None: undated), counted by the database."""
    rows = claims.order_by().values_list(ExtractYear("date_lower")).annotate(n=Count("id"))
    return {year: n for year, n in rows}


def _first_per_year(queryset, limit: int, order) -> list[int]:
    """The ids of the first ``limit`` rows of each year (undated rows form one group), in one query."""
    year = ExtractYear("date_lower")
    ranked = queryset.order_by().annotate(rank=Window(RowNumber(), partition_by=[year], order_by=order))
    return list(ranked.filter(rank__lte=limit).values_list("id", flat=True))


def preview_claim_ids(claims) -> list[int]:
    return _first_per_year(claims, PREVIEW, [F("date_lower").asc(), F("date_upper").asc(), F("id").asc()])


def preview_event_ids(events) -> list[int]:
    order = [F("turning_point").desc(), F("date_lower").asc(), F("id").asc()]
    return _first_per_year(events.filter(date_lower__isnull=False), EVENT_PREVIEW, order)


def parse_year(raw: str) -> int | str | None:
    """The ``year`` parameter: a year, "undated", or None when it is neither."""
    raw = (raw or "").strip()
    if raw == UNDATED:
        return UNDATED
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 9999:
        return int(raw)
    return None


def in_year(queryset, year):
    """The rows whose date starts in ``year`` (an index range on date_lower), or the undated ones."""
    if year == UNDATED:
        return queryset.filter(date_lower__isnull=True)
    return queryset.filter(date_lower__gte=datetime.date(year, 1, 1), date_lower__lte=datetime.date(year, 12, 31))
