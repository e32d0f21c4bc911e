"""Extended Date/Time Format (EDTF) dates: validation, sortable bounds, honest display.

Pure logic, no Django: the models of every app, the importer and the pages share
it. It lives in ``core``, the ground floor every app may import from.

Historical dates are often vague ("1955~", "1953?"), partial ("1956-02") or
ranged ("1964-10-12/1964-10-14"). We store the EDTF text as written and derive
two plain dates from it, the earliest and latest day it can mean, so that
claims sort and filter with ordinary indexes.
"""

import datetime
import functools
import re

import edtf

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


# The forms the site accepts, checked before the text reaches the EDTF grammar: that grammar also
# accepts exponent years ("Y7E9999999"), whose bounds cost seconds of CPU or never finish, and
# partly unspecified months ("196X-1X-XX") that it parses but cannot bound. ASCII digits only:
# Python's ``\d`` also matches other scripts' digits, which ``int()`` then refuses.
MAX_LENGTH = 100
_QUALIFIER = r"[~?%]?"
_SINGLE = (
    r"(?:[0-9]{4}(?:-(?:0[1-9]|1[0-2]|2[1-4]|XX)(?:-(?:0[1-9]|[12][0-9]|3[01]|XX))?)?"  # 1956, 1956-02, 1956-02-XX
    r"|[0-9]{3}X|[0-9]{2}XX)" + _QUALIFIER  # 195X (a decade), 19XX (a century)
)
_INTERVAL_END = rf"(?:{_SINGLE}|\.\.|)"
_FORMS = re.compile(
    rf"{_SINGLE}"
    rf"|{_INTERVAL_END}/{_INTERVAL_END}"
    rf"|\[{_SINGLE}(?:,{_SINGLE}){{0,9}}\]"
    rf"|\{{{_SINGLE}(?:,{_SINGLE}){{0,9}}\}}",
    re.ASCII,
)
MIN_YEAR, MAX_YEAR = 1, 9999
_FULL_DAY = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])-([0-9]{2})", re.ASCII)


def parse(text: str):
    """Parse EDTF text, raising InvalidEDTF with a readable message.

    The one guarded entry to the EDTF grammar: filters, admin forms, the importer
    and the models all come through here (``bounds`` and ``validate_edtf`` do).
    Only the whitelisted forms reach the grammar, every exception of the parser
    becomes InvalidEDTF, and a date whose bounds cannot be computed, or fall
    outside the years 1-9999, is refused too.
    """
    return _parse((text or "").strip())


@functools.lru_cache(maxsize=4096)
def _parse(text: str):
    """Cached: the pyparsing grammar costs about 15 ms a parse, and dates repeat a lot."""
    if not text:
        raise InvalidEDTF("empty date")
    invalid = InvalidEDTF(f"{text[:MAX_LENGTH]!r} is not a valid EDTF date (examples: {EXAMPLES})")
    if len(text) > MAX_LENGTH or not _FORMS.fullmatch(text):
        raise invalid
    if "/" in text and all(end in ("", "..") for end in text.split("/")):
        raise InvalidEDTF(f"{text!r}: an interval needs at least one known end")
    for year, month, day in _FULL_DAY.findall(text):  # the grammar takes 1965-02-29 and 1964-04-31 silently
        try:
            datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise InvalidEDTF(f"{text!r}: {year}-{month}-{day} is not a day of the calendar") from None
    try:
        parsed = edtf.parse_edtf(text)
        lower, upper = parsed.lower_strict(), parsed.upper_strict()
    except Exception as exc:  # the grammar raises many kinds (ValueError, TypeError, AttributeError, ...)
        raise invalid from exc
    for value in (lower, upper):
        if not isinstance(value, float) and not MIN_YEAR <= value.tm_year <= MAX_YEAR:
            raise InvalidEDTF(f"{text!r}: years must be between {MIN_YEAR} and {MAX_YEAR}")
    if not isinstance(lower, float) and not isinstance(upper, float) and lower > upper:
        raise InvalidEDTF(f"{text!r}: the interval ends before it starts")
    return parsed


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


_DAY = re.compile(r"^(-?\d{4})-(\d{2})-(\d{2})$", re.ASCII)
_MONTH = re.compile(r"^(-?\d{4})-(\d{2})$", re.ASCII)
_YEAR = re.compile(r"^(-?\d{4})$", re.ASCII)
_DECADE = re.compile(r"^(\d{3})X$", re.ASCII)
_CENTURY = re.compile(r"^(\d{2})XX$", re.ASCII)


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


def vagueness(text: str) -> list[tuple[str, str]]:
    """How vague a date is, for readers: (mark, meaning) for an approximate date, an uncertain one, a range."""
    text = (text or "").strip()
    if not text:
        return []
    marks = []
    if "~" in text or "%" in text:
        marks.append(("approximate", "approximate: the source says about, around or roughly"))
    if "?" in text or "%" in text:
        marks.append(("uncertain", "uncertain: the source is not sure of it"))
    if "/" in text or text.startswith(("[", "{")) or "X" in text:
        marks.append(("range", "a range: the source gives a span of time, not one day"))
    return marks
