"""The timeline's chart: who held power when, the turning points by name, and the evidence per year.

Pure geometry, no Django: the view passes plain records in, the template writes
the numbers out as SVG attributes (no script, no inline style). Two layouts of
the same content: a wide one (years across, for screens wider than a phone) and a
tall one (years down, for phones); CSS shows one or the other.

* **Positions** are drawn as lanes, one per ``lane``; where sources disagree about
  a position (two versions in one lane), each version gets its own thinner bar and
  the lane is labelled "sources disagree".
* **Uncertainty is drawn**: an end known only as a range (``1953``, ``1955/1957``)
  fades in (or out) across that range; an open end fades out at the edge of the
  period; approximate (``~``) and uncertain (``?``) dates are drawn dashed.
* **Turning points** are labelled on the chart; labels are packed into rows (wide)
  or pushed apart down the page (tall), so none overlaps another.
* **Evidence per year**: each year's claims as a bar stacked by status.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

STATUSES = ("corroborated", "single-source", "contested")
CHAR = 6.1  # average width of a character at the labels' font size (11 units), generously rounded up
TP_ROW = 17  # height of a row of turning-point labels


@dataclass(frozen=True)
class Span:
    """A date known to lie between ``lower`` and ``upper``; ``soft`` when the source is approximate or unsure."""

    lower: datetime.date | None
    upper: datetime.date | None
    soft: bool = False


@dataclass(frozen=True)
class PositionIn:
    lane: str
    title: str
    start: Span
    end: Span
    url: str
    disputed: bool
    person: str = ""


@dataclass(frozen=True)
class TurningIn:
    title: str
    date: Span
    url: str
    label: str  # the date in words


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    fade_in: float = 0.0  # width of the fading part at the start
    fade_out: float = 0.0
    dashed: bool = False
    title: str = ""
    url: str = ""
    disputed: bool = False
    label: str = ""
    label_x: float = 0.0
    label_y: float = 0.0
    label_anchor: str = "start"
    vertical: bool = False  # in the tall layout, x/width run across and y/height along the years

    @property
    def pieces(self) -> list[tuple[str, float, float, float, float]]:
        """(kind, x, y, width, height) of the bar's parts: a fading start, the solid middle, a fading end."""
        along, length = (self.y, self.height) if self.vertical else (self.x, self.width)
        parts = [
            ("fade-in", along, self.fade_in),
            ("solid", along + self.fade_in, length - self.fade_in - self.fade_out),
            ("fade-out", along + length - self.fade_out, self.fade_out),
        ]
        out = []
        for kind, start, size in parts:
            if size <= 0:
                continue
            if self.vertical:
                out.append((kind, self.x, round(start, 1), self.width, round(size, 1)))
            else:
                out.append((kind, round(start, 1), self.y, round(size, 1), self.height))
        return out


@dataclass
class Lane:
    name: str
    y: float
    height: float
    bars: list[Bar]
    disputed: bool
    label_x: float = 0.0
    label_y: float = 0.0


@dataclass
class Turning:
    title: str
    url: str
    date_label: str
    x: float
    y: float  # where the marker sits
    label_x: float
    label_y: float
    anchor: str
    lines: list[str]
    leader: tuple[float, float, float, float]  # x1, y1, x2, y2
    span: tuple[float, float] | None  # a range of days, drawn as a bracket
    soft: bool


@dataclass
class YearBar:
    year: int
    x: float
    y: float
    width: float
    height: float
    total: int
    by_event: int
    segments: list[tuple[str, float, float, float, float, int]]  # status, x, y, width, height, count
    label_x: float
    label_y: float


@dataclass
class Layout:
    width: float
    height: float
    lanes: list[Lane] = field(default_factory=list)
    turning: list[Turning] = field(default_factory=list)
    years: list[YearBar] = field(default_factory=list)
    ticks: list[tuple[float, float, float, float, str]] = field(default_factory=list)  # x1, y1, x2, y2, label
    axis: tuple[float, float, float, float] = (0, 0, 0, 0)
    headings: list[tuple[float, float, str]] = field(default_factory=list)  # x, y, text


class Scale:
    """Dates to one coordinate across the period (Jan 1 of the first year to Jan 1 after the last)."""

    def __init__(self, first: int, last: int, start: float, stop: float):
        self.origin = datetime.date(first, 1, 1)
        self.days = (datetime.date(last + 1, 1, 1) - self.origin).days
        self.start, self.stop = start, stop

    def __call__(self, day: datetime.date | None, default: float | None = None) -> float:
        if day is None:
            return default if default is not None else self.stop
        fraction = (day - self.origin).days / self.days
        return round(self.start + max(0.0, min(1.0, fraction)) * (self.stop - self.start), 1)

    def year(self, year: int) -> float:
        return self(datetime.date(year, 1, 1))


def _span_bar(scale: Scale, start: Span, end: Span, **bar) -> tuple[float, float, float, float]:
    """(x, width, fade in, fade out) of a span: solid from the latest start to the earliest end."""
    x0 = scale(start.lower, scale.start)
    x1 = scale(start.upper, x0) if start.upper else x0
    x3 = scale(end.upper) if end.upper else scale.stop  # an open end reaches the edge
    x2 = scale(end.lower, x3) if end.lower else x3
    fade_in = max(0.0, x1 - x0)
    fade_out = max(0.0, x3 - x2) if end.lower or end.upper else min(24.0, max(0.0, x3 - x0) / 3)
    width = max(x3 - x0, 2.0)
    return x0, width, min(fade_in, width / 2), min(fade_out, width / 2)


def _wrap(text: str, limit: int) -> list[str]:
    """Words in lines of at most ``limit`` characters (three lines at most; the rest ends in an ellipsis)."""
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > limit:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    if len(lines) > 3:
        lines = [*lines[:2], (lines[2][: limit - 1] + "…") if len(lines[2]) >= limit else lines[2] + "…"]
    return lines


def _free_row(rows: list[list[tuple[float, float]]], left: float, right: float, gap: float = 6) -> int:
    """The first row where [left, right] overlaps no label already placed (a new row if none); claims it."""
    for index, row in enumerate(rows):
        if all(right + gap <= a or left >= b + gap for a, b in row):
            row.append((left, right))
            return index
    rows.append([(left, right)])
    return len(rows) - 1


def _lanes(positions: list[PositionIn]) -> list[tuple[str, list[PositionIn]]]:
    lanes: dict[str, list[PositionIn]] = {}
    for p in positions:
        lanes.setdefault(p.lane, []).append(p)
    return list(lanes.items())


# --------------------------------------------------------------------------- wide (years across)


def wide(
    first: int,
    last: int,
    positions: list[PositionIn],
    turning: list[TurningIn],
    year_counts: dict[int, dict[str, int]],
    by_event: dict[int, int],
) -> Layout:
    width, gutter, right = 1000.0, 178.0, 14.0
    scale = Scale(first, last, gutter, width - right)
    layout = Layout(width, 0)

    # Turning points: each label in the first row where it overlaps no other label.
    rows: list[list[tuple[float, float]]] = []
    placed = []
    for tp in sorted(turning, key=lambda t: t.date.lower or datetime.date.max):
        x = scale(tp.date.lower)
        text = tp.title
        w = len(text) * CHAR + 4
        anchor, left = "start", x - 3
        if left + w > width - 2:
            anchor, left = "end", x - w + 3
        row_index = _free_row(rows, left, left + w)
        placed.append((tp, x, row_index, anchor))
    top = 26.0
    layout.headings.append((8, 16, "Turning points"))
    marker_y = top + len(rows) * TP_ROW + 6
    for tp, x, row_index, anchor in placed:
        label_y = top + row_index * TP_ROW + 11
        span = None
        if tp.date.upper and tp.date.lower and tp.date.upper > tp.date.lower:
            span = (x, max(scale(tp.date.upper), x + 2))
        layout.turning.append(
            Turning(
                tp.title,
                tp.url,
                tp.label,
                x,
                marker_y,
                x + (3 if anchor == "start" else -3),
                label_y,
                anchor,
                [tp.title],
                (x, label_y + 3, x, marker_y - 4),
                span,
                tp.date.soft,
            )
        )

    # Positions: a lane per row; disputed lanes hold one thinner bar per version.
    y = marker_y + 18
    layout.headings.append((8, y - 2, "Who held power"))
    y += 6
    for name, items in _lanes(positions):
        disputed = any(p.disputed for p in items) and len(items) > 1
        height = 26.0 if not disputed else 13.0 * len(items) + 4
        bars = []
        inner = 18.0 if not disputed else 10.0
        for i, p in enumerate(items):
            x, w, fade_in, fade_out = _span_bar(scale, p.start, p.end)
            bar_y = y + 4 + (i * 13.0 if disputed else 0)
            label = p.title + (" (sources disagree)" if p.disputed else "")
            fits = len(label) * CHAR * (0.85 if disputed else 1) < w - 8
            bars.append(
                Bar(
                    x,
                    bar_y,
                    w,
                    inner,
                    fade_in,
                    fade_out,
                    p.start.soft or p.end.soft,
                    p.title,
                    p.url,
                    p.disputed,
                    label if fits else "",
                    x + 4,
                    bar_y + inner - (3 if disputed else 5),
                    "start",
                )
            )
        layout.lanes.append(Lane(name, y, height, bars, disputed, 8, y + height / 2 + 4))
        y += height + 6

    # Evidence per year, stacked by status.
    y += 14
    layout.headings.append((8, y - 2, "Claims per year"))
    chart_h = 70.0
    most = max([sum(year_counts.get(yr, {}).values()) for yr in range(first, last + 1)] + [1])
    slot = (scale.stop - scale.start) / (last - first + 1)
    base = y + chart_h
    for i, year in enumerate(range(first, last + 1)):
        counts = year_counts.get(year, {})
        total = sum(counts.values())
        x = round(scale.start + i * slot + slot * 0.18, 1)
        w = round(slot * 0.64, 1)
        segments, top_y = [], base
        for status in STATUSES:
            n = counts.get(status, 0)
            h = round(chart_h * n / most, 1)
            if n:
                top_y = round(top_y - h, 1)
                segments.append((status, x, top_y, w, h, n))
        layout.years.append(
            YearBar(
                year,
                x,
                top_y,
                w,
                base - top_y,
                total,
                by_event.get(year, 0),
                segments,
                round(scale.start + (i + 0.5) * slot, 1),
                base + 14,
            )
        )
    layout.axis = (scale.start, base, scale.stop, base)
    # Year ticks across the whole chart, so lanes and turning points read against the years.
    for year in range(first, last + 2):
        x = scale.year(year)
        layout.ticks.append((x, marker_y - 2, x, base, str(year) if year <= last else ""))
    layout.height = base + 22
    return layout


# --------------------------------------------------------------------------- tall (years down, for phones)


def tall(
    first: int,
    last: int,
    positions: list[PositionIn],
    turning: list[TurningIn],
    year_counts: dict[int, dict[str, int]],
    by_event: dict[int, int],
) -> Layout:
    width, top, year_h = 360.0, 34.0, 64.0
    n_years = last - first + 1
    scale = Scale(first, last, top, top + n_years * year_h)
    layout = Layout(width, scale.stop + 12)
    layout.headings += [(4, 14, "Year · claims"), (118, 14, "Who held power"), (236, 14, "Turning points")]

    # Evidence per year: a short horizontal bar beside each year.
    most = max([sum(year_counts.get(yr, {}).values()) for yr in range(first, last + 1)] + [1])
    for year in range(first, last + 1):
        y = scale.year(year)
        counts = year_counts.get(year, {})
        x, segments = 40.0, []
        for status in STATUSES:
            n = counts.get(status, 0)
            w = round(60.0 * n / most, 1)
            if n:
                segments.append((status, x, y + 20, w, 10.0, n))
                x = round(x + w, 1)
        layout.years.append(
            YearBar(
                year, 40.0, y + 20, x - 40.0, 10.0, sum(counts.values()), by_event.get(year, 0), segments, 4.0, y + 14
            )
        )
        layout.ticks.append((0.0, y, width, y, str(year)))

    # Positions: a column per lane, the lane's name written along it.
    lanes = _lanes(positions)
    column = min(16.0, 110.0 / max(len(lanes), 1))
    for i, (name, items) in enumerate(lanes):
        x_lane = 114.0 + i * column
        disputed = any(p.disputed for p in items) and len(items) > 1
        bars = []
        for j, p in enumerate(items):
            y, h, fade_in, fade_out = _span_bar(scale, p.start, p.end)
            sub = (column - 3) / (len(items) if disputed else 1)
            bx = x_lane + (j * sub if disputed else 0)
            bars.append(
                Bar(
                    bx,
                    y,
                    sub - 1,
                    h,
                    fade_in,
                    fade_out,
                    p.start.soft or p.end.soft,
                    p.title,
                    p.url,
                    p.disputed,
                    vertical=True,
                )
            )
        lane_top = min(b.y for b in bars)
        layout.lanes.append(Lane(name, lane_top, column, bars, disputed, x_lane + column / 2 - 2, lane_top + 4))

    # Turning points: labels at their date, pushed down so that none overlaps the one above.
    next_free = top
    for tp in sorted(turning, key=lambda t: t.date.lower or datetime.date.max):
        y = scale(tp.date.lower)
        lines = _wrap(tp.title, 19)
        label_y = max(y + 4, next_free)
        next_free = label_y + 12 * len(lines) + 6
        span = None
        if tp.date.upper and tp.date.lower and tp.date.upper > tp.date.lower:
            span = (y, max(scale(tp.date.upper), y + 2))
        layout.turning.append(
            Turning(
                tp.title,
                tp.url,
                tp.label,
                232.0,
                y,
                240.0,
                label_y,
                "start",
                lines,
                (232.0, y, 238.0, label_y - 4),
                span,
                tp.date.soft,
            )
        )
    layout.height = max(layout.height, next_free + 8)
    return layout
