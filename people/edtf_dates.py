"""Extended Date/Time Format (EDTF) dates: validation, sortable bounds, honest display.

Pure logic, no Django: the models of every app, the importer and the pages share
it. It lives in ``people`` because that app is the ground floor every other app
may import from.

Historical dates are often vague ("1955~", "1953?"), partial ("1956-02") or
ranged ("1964-10-12/1964-10-14"). We store the EDTF text as written and derive
two plain dates from it, the earliest and latest day it can mean, so that
claims sort and filter with ordinary indexes.
"""

import datetime
import functools
import re

import edtf
from edtf.parser.edtf_exceptions import EDTFParseException

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


class InvalidEDTF(ValueError):
    """The text is not a valid EDTF date."""


EXAMPLES = (
    "1964-10-14, 1956-02, 1953, 1955~ (approximate), 1953? (uncertain), "
    "1955/1957 or 1964-10-12/1964-10-14 (ranges), 195X (a decade)"
)


def parse(text: str):
    """Parse EDTF text, raising InvalidEDTF with a readable message."""
    return _parse((text or "").strip())


@functools.lru_cache(maxsize=4096)
def _parse(text: str):
    """Cached: the pyparsing grammar costs about 15 ms a parse, and dates repeat a lot."""
    if not text:
        raise InvalidEDTF("empty date")
    try:
        return edtf.parse_edtf(text)
    except (EDTFParseException, ValueError, TypeError, IndexError) as exc:
        raise InvalidEDTF(f"{text!r} is not a valid EDTF date (examples: {EXAMPLES})") from exc


def _to_date(value) -> datetime.date | None:
    if isinstance(value, float):  # open-ended intervals give +/- infinity
        return None
    try:
        return datetime.date(value.tm_year, value.tm_mon, value.tm_mday)
    except ValueError:  # years outside what datetime.date can hold
        return None


def bounds(text: str) -> tuple[datetime.date | None, datetime.date | None]:
    """The earliest and latest day an EDTF date can mean; (None, None) when blank.

    Open ends (``1985/..``) give None on that side.
    """
    if not (text or "").strip():
        return None, None
    parsed = parse(text)
    return _to_date(parsed.lower_strict()), _to_date(parsed.upper_strict())


_DAY = re.compile(r"^(-?\d{4})-(\d{2})-(\d{2})$")
_MONTH = re.compile(r"^(-?\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(-?\d{4})$")
_DECADE = re.compile(r"^(\d{3})X$")
_CENTURY = re.compile(r"^(\d{2})XX$")


def _plain(part: str) -> tuple[str, str]:
    """Display one EDTF date without qualifiers; returns (text, precision)."""
    if m := _DAY.match(part):
        year, month, day = m.groups()
        if 1 <= int(month) <= 12:
            return f"{int(day)} {MONTHS[int(month) - 1]} {year}", "day"
    if m := _MONTH.match(part):
        year, month = m.groups()
        if 1 <= int(month) <= 12:
            return f"{MONTHS[int(month) - 1]} {year}", "month"
        if 21 <= int(month) <= 24:
            return f"{['spring', 'summer', 'autumn', 'winter'][int(month) - 21]} {year}", "month"
    if m := _YEAR.match(part):
        return m.group(1), "year"
    if m := _DECADE.match(part):
        return f"the {m.group(1)}0s", "decade"
    if m := _CENTURY.match(part):
        return f"the {m.group(1)}00s", "century"
    return part, "other"


def _single(part: str) -> str:
    """Display one date with its qualifiers: ``1955~`` is "c. 1955", ``1953?`` is "1953?"."""
    part = part.strip()
    approximate = uncertain = False
    while part and part[-1] in "~?%":
        approximate |= part[-1] in "~%"
        uncertain |= part[-1] in "?%"
        part = part[:-1]
    text, _ = _plain(part)
    if approximate:
        text = f"c. {text}"
    if uncertain:
        text = f"{text}?"
    return text


def humanize(text: str) -> str:
    """Readable English for an EDTF date, honest about vagueness.

    >>> humanize("1964-10-12/1964-10-14")
    '12–14 October 1964'
    >>> humanize("1955~")
    'c. 1955'
    """
    text = (text or "").strip()
    if not text:
        return "undated"
    if text.startswith("[") and text.endswith("]"):
        return " or ".join(_single(p) for p in text[1:-1].split(","))
    if text.startswith("{") and text.endswith("}"):
        return " and ".join(_single(p) for p in text[1:-1].split(","))
    if "/" in text:
        start, _, end = text.partition("/")
        if start in ("", ".."):
            return f"until {_single(end)}"
        if end in ("", ".."):
            return f"from {_single(start)}"
        s, e = _DAY.match(start), _DAY.match(end)
        if s and e and s.group(1) == e.group(1) and s.group(2) == e.group(2):
            return f"{int(s.group(3))}–{_single(end)}"
        sm, em = _MONTH.match(start), _MONTH.match(end)
        if sm and em and sm.group(1) == em.group(1) and 1 <= int(sm.group(2)) <= 12:
            return f"{MONTHS[int(sm.group(2)) - 1]}–{_single(end)}"
        joiner = "–" if _YEAR.match(start) and _YEAR.match(end) else " – "
        return f"{_single(start)}{joiner}{_single(end)}"
    return _single(text)


def precision(text: str) -> str:
    """The coarsest unit the date is given in: day, month, year, decade, range, other, or none."""
    text = (text or "").strip().rstrip("~?%")
    if not text:
        return "none"
    if "/" in text or text.startswith(("[", "{")):
        return "range"
    return _plain(text)[1]
