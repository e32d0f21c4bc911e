"""The timeline: claims and events grouped by year, and the density chart drawn as SVG.

The chart is computed here as plain numbers (bar heights, marker positions) so
the template only writes SVG attributes: no inline styles, no script.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

FIRST_YEAR, LAST_YEAR = 1953, 1971

# Chart geometry, in SVG user units.
WIDTH, HEIGHT = 760, 170
LEFT, RIGHT, TOP, BOTTOM = 30, 10, 34, 26


@dataclass
class YearGroup:
    year: int
    entries: list = field(default_factory=list)  # ("event", Event) or ("claim", Claim), in date order
    claim_count: int = 0
    event_count: int = 0


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


def year_counts(claims) -> dict[int, int]:
    return dict(Counter(c.date_lower.year for c in claims if c.date_lower is not None))
